use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A TOML syntax error, an unknown key or a wrong type.
    #[error("{origin}:{line}:{column}: {}{reason}", key_prefix(key))]
    Parse {
        origin: String,
        key: String,
        line: usize,
        column: usize,
        reason: String,
    },
    /// A value of the right type but out of range or inconsistent.
    #[error("{origin}: {key}: {reason}")]
    Invalid {
        origin: String,
        key: String,
        reason: String,
    },
    /// A `--set section.key=value` that cannot be applied.
    #[error("--set {set}: {reason}")]
    Override { set: String, reason: String },
    /// A `${VAR}` or `path_env` reference to a variable that is not set.
    #[error("{key}: environment variable {var} is not set")]
    Env { key: String, var: String },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!("{key}: ")
    }
}

impl ConfigError {
    pub(crate) fn parse(origin: &str, text: &str, key: &str, e: &toml::de::Error) -> Self {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        let reason = e.message().trim().to_owned();
        Self::Parse {
            origin: origin.to_owned(),
            key: key.to_owned(),
            line,
            column,
            reason,
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
