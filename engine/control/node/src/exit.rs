//! The exit statuses `kestrel`'s commands end with, shared with the e2e harness so a script
//! reads one convention: 0 done, 1 failed while running, 2 bad input (a file, a flag, a
//! config) refused before anything ran.

/// Bad input, refused with a one-line message before anything ran.
pub const EXIT_BAD_INPUT: u8 = 2;
