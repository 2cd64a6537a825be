//! `--set section.key=value`: one key of the config changed from the command line (a
//! backtest's filter tried, a sweep's grid point), applied to the parsed TOML before it is
//! typed and validated, so an override is held to exactly the rules the file is.

use crate::error::ConfigError;

/// One `section.key=value`: where, and the value as TOML (`50000000`, `true`, `[1, 2]`,
/// `"text"`; a bare word that is not TOML is taken as a string).
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub path: Vec<String>,
    pub value: toml::Value,
    /// As the operator wrote it, for messages.
    pub text: String,
}

impl Override {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bad = |reason: &str| ConfigError::Override {
            set: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| bad("expected section.key=value"))?;
        let path: Vec<String> = key.trim().split('.').map(str::to_owned).collect();
        let valid = |p: &String| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if path.len() < 2 || !path.iter().all(valid) {
            return Err(bad(
                "the key must be section.key (letters, digits, _ and -)",
            ));
        }
        Ok(Self {
            path,
            value: value_of(value.trim()),
            text: text.to_owned(),
        })
    }

    /// Sets the value in `table`, making the tables on the way as needed.
    pub(crate) fn apply(&self, table: &mut toml::Table) -> Result<(), ConfigError> {
        let bad = |reason: String| ConfigError::Override {
            set: self.text.clone(),
            reason,
        };
        let Some((last, sections)) = self.path.split_last() else {
            return Err(bad("an empty key".into()));
        };
        let mut at = table;
        for (i, s) in sections.iter().enumerate() {
            let entry = at
                .entry(s.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            at = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    return Err(bad(format!(
                        "`{}` is a value, not a section",
                        self.path[..=i].join(".")
                    )));
                }
            };
        }
        at.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

/// `v` as a TOML value, or as a string when it is not one.
fn value_of(v: &str) -> toml::Value {
    let doc = format!("v = {v}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(v.to_owned())),
        Err(_) => toml::Value::String(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_are_read_as_toml_and_bare_words_as_strings() {
        let o = Override::parse("sniper.buy_lamports=10000000").unwrap();
        assert_eq!(o.path, ["sniper", "buy_lamports"]);
        assert_eq!(o.value, toml::Value::Integer(10_000_000));
        assert_eq!(
            Override::parse("backtest.latency_slots=[1, 2]")
                .unwrap()
                .value,
            toml::Value::Array(vec![toml::Value::Integer(1), toml::Value::Integer(2)])
        );
        assert_eq!(
            Override::parse("sniper.mayhem=require").unwrap().value,
            toml::Value::String("require".into())
        );
    }

    #[test]
    fn a_set_without_a_section_or_a_value_is_refused() {
        for bad in [
            "buy_lamports=1",
            "sniper.buy_lamports",
            ".x=1",
            "a..b=1",
            "a.b c=1",
        ] {
            let e = Override::parse(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
