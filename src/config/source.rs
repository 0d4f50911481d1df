//! Where configuration values come from: the process environment, layered over an optional environment file and
//! an optional TOML file whose keys are the variable names in lower case; a `HashMap` in tests. And the reader that gives each key its value, or
//! its default from [`super::keys`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use super::keys::{self, KEYS};
use super::ConfigError;

/// Where configuration values come from.
pub trait Lookup {
    /// The value of a key (by its environment variable name), if set.
    fn get(&self, key: &str) -> Option<String>;
}

impl Lookup for HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key).cloned()
    }
}

/// The process environment, layered over an optional environment file (Ruby's `/etc/default/scalelite`), layered
/// over an optional TOML file: the environment wins, then the environment file.
pub struct EnvAndFile {
    env_file: HashMap<String, String>,
    file: HashMap<String, String>,
}

impl EnvAndFile {
    /// Reads the TOML file, if a path is given (its keys are the variable names in lower case), and the
    /// environment file, if one is given.
    pub fn new(path: Option<&Path>, env_file: Option<&Path>) -> Result<EnvAndFile, ConfigError> {
        let file = match path {
            Some(path) => read_toml(path)?,
            None => HashMap::new(),
        };
        let env_file = match env_file {
            Some(path) => super::env_file::read(path)?,
            None => HashMap::new(),
        };
        Ok(EnvAndFile { env_file, file })
    }
}

impl Lookup for EnvAndFile {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().or_else(|| self.env_file.get(key).cloned()).or_else(|| self.file.get(key).cloned())
    }
}

pub(super) fn read_toml(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let fail = |expected: String| ConfigError { key: "SCALELITE_CONFIG".into(), value: None, expected };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("a readable file ({}: {e})", path.display())))?;
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| fail(format!("valid TOML ({}: {})", path.display(), e.message())))?;
    let mut values = HashMap::new();
    for (key, value) in table {
        let name = key.to_ascii_uppercase();
        if !KEYS.iter().any(|k| k.name == name) {
            return Err(fail(format!("known keys only ({}: unknown key '{key}')", path.display())));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(fail(format!("a string, number or boolean for '{key}' ({})", path.display()))),
        };
        values.insert(name, text);
    }
    Ok(values)
}

/// Reads keys from a [`Lookup`], treating an empty value as unset and an unset key as its default.
pub(super) struct Reader<'a> {
    lookup: &'a dyn Lookup,
}

impl<'a> Reader<'a> {
    pub(super) fn new(lookup: &'a dyn Lookup) -> Reader<'a> {
        Reader { lookup }
    }

    /// The value set for a key (not its default).
    pub(super) fn given(&self, key: &str) -> Option<String> {
        self.lookup.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// The value as set, even empty (`None` when unset): for the keys where an empty value means something.
    pub(super) fn raw(&self, key: &str) -> Option<String> {
        self.lookup.get(key).map(|v| v.trim().to_string())
    }

    /// The value of a key: as set, else its default; `None` if neither.
    pub(super) fn text(&self, key: &str) -> Option<String> {
        self.given(key).or_else(|| Some(keys::default_of(key).to_string()).filter(|v| !v.is_empty()))
    }

    pub(super) fn error(key: &str, value: &str, expected: &str) -> ConfigError {
        ConfigError { key: key.into(), value: Some(value.into()), expected: expected.into() }
    }

    pub(super) fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        let Some(value) = self.text(key) else {
            return Ok(false);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "t" | "y" => Ok(true),
            "false" | "no" | "off" | "0" | "f" | "n" => Ok(false),
            _ => Err(Self::error(key, &value, "true or false")),
        }
    }

    pub(super) fn number<T: FromStr + PartialOrd + Copy>(
        &self,
        key: &str,
        min: T,
        expected: &str,
    ) -> Result<T, ConfigError> {
        let value = self.text(key).unwrap_or_default();
        match value.parse::<T>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(Self::error(key, &value, expected)),
        }
    }

    pub(super) fn seconds(&self, key: &str) -> Result<Duration, ConfigError> {
        let n: f64 = self.number(key, 0.0, "a number of seconds greater than 0")?;
        if n <= 0.0 || !n.is_finite() {
            return Err(Self::error(key, &n.to_string(), "a number of seconds greater than 0"));
        }
        Ok(Duration::from_secs_f64(n))
    }

    pub(super) fn minutes(&self, key: &str) -> Result<Duration, ConfigError> {
        let n: u64 = self.number(key, 0, "a whole number of minutes")?;
        Ok(Duration::from_secs(n * 60))
    }

    pub(super) fn path(&self, key: &str) -> PathBuf {
        self.text(key).unwrap_or_default().into()
    }

    pub(super) fn list(&self, key: &str, separator: char) -> Vec<String> {
        let text = self.text(key).unwrap_or_default();
        text.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    pub(super) fn pairs(&self, key: &str) -> Result<Vec<(String, String)>, ConfigError> {
        let mut pairs = Vec::new();
        for item in self.list(key, ',') {
            match item.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => pairs.push((k.trim().to_string(), v.to_string())),
                _ => return Err(Self::error(key, &item, "comma-separated name=value pairs")),
            }
        }
        Ok(pairs)
    }
}
