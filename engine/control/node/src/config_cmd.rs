//! `kestrel config check [FILE]`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use kestrel_config::Config;

use kestrel::exit::EXIT_BAD_INPUT;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a config file and print the effective config, secrets redacted
    #[command(
        long_about = "Validate a config file and print the effective config with every default \
                      filled in and every secret redacted. Unknown keys, wrong types and \
                      out-of-range values are reported with the file, line, key and reason, and \
                      exit with status 2.\n\nFILE defaults to --config, then \
                      config/kestrel.toml, then the built-in default."
    )]
    Check {
        /// The config file to check
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

pub(crate) fn run(cmd: &ConfigCommand, global: Option<&Path>) -> u8 {
    let ConfigCommand::Check { file } = cmd;
    match Config::resolve(file.as_deref().or(global)) {
        Ok((config, origin)) => {
            let mut out = std::io::stdout().lock();
            let text = format!("# {origin}: ok\n{}", config.to_redacted_toml());
            if out.write_all(text.as_bytes()).is_err() {
                return 1;
            }
            0
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "kestrel config check: {e}");
            EXIT_BAD_INPUT
        }
    }
}
