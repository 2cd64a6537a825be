//! `kestrel config check [FILE]`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use kestrel_config::{Config, ConfigError, DEFAULT_PATH};

use crate::cli::EXIT_BAD_INPUT;

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

/// Which config a command runs with: the named file, else `config/kestrel.toml` if present,
/// else the built-in default. Returns the config and where it came from.
pub(crate) fn resolve(explicit: Option<&Path>) -> Result<(Config, String), ConfigError> {
    match explicit {
        Some(path) => Config::load(path).map(|c| (c, path.display().to_string())),
        None if Path::new(DEFAULT_PATH).exists() => {
            Config::load(Path::new(DEFAULT_PATH)).map(|c| (c, DEFAULT_PATH.to_owned()))
        }
        None => Config::builtin().map(|c| (c, "built-in default".to_owned())),
    }
}

pub(crate) fn run(cmd: &ConfigCommand, global: Option<&Path>) -> u8 {
    let ConfigCommand::Check { file } = cmd;
    match resolve(file.as_deref().or(global)) {
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
