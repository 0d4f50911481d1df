//! Ruby Scalelite's environment file (`/etc/default/scalelite`, read by its systemd units and `docker --env-file`)
//! taken as is: `KEY=value` lines, blank lines and `#` comments, an optional `export `, and a value in double or
//! single quotes unquoted as systemd does. Keys are not checked (the file also holds Redis and nginx settings).

use std::collections::HashMap;
use std::path::Path;

use super::ConfigError;

/// The largest file read.
const MAX_BYTES: u64 = 1 << 20;

fn fail(path: &Path, expected: String) -> ConfigError {
    ConfigError { key: "SCALELITE_ENV_FILE".into(), value: Some(path.display().to_string()), expected }
}

/// Reads an environment file.
pub fn read(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let size = std::fs::metadata(path).map_err(|e| fail(path, format!("a readable file ({e})")))?.len();
    if size > MAX_BYTES {
        return Err(fail(path, format!("a file of at most {MAX_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(path, format!("a readable UTF-8 file ({e})")))?;
    parse(&text).map_err(|(line, why)| fail(path, format!("KEY=value lines (line {line}: {why})")))
}

/// Parses the text of an environment file; an error names the line (from 1) and what is wrong.
pub fn parse(text: &str) -> Result<HashMap<String, String>, (usize, &'static str)> {
    let mut values = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let (key, value) = line.split_once('=').ok_or((n + 1, "no '='"))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err((n + 1, "a key is letters, digits and '_'"));
        }
        values.insert(key.to_string(), unquote(value.trim()).ok_or((n + 1, "an unclosed quote"))?);
    }
    Ok(values)
}

/// A value without its enclosing quotes (`\"` and `\\` unescaped in double quotes); as it is when unquoted.
fn unquote(value: &str) -> Option<String> {
    let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Some(value.to_string());
    };
    let inner = value[1..].strip_suffix(quote)?;
    if quote == '\'' {
        return Some(inner.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('"' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_rubys_default_file() {
        let text = "# /etc/default/scalelite\nURL_HOST=sl.example.com\nSECRET_KEY_BASE=abc\n\n  export LOADBALANCER_SECRET = \"s3 cret\"\nREDIS_URL='redis://r:6379'\nEMPTY=\nQUOTED=\"a \\\"b\\\" c\"\nHASH=a#b\n";
        let values = parse(text).unwrap();
        assert_eq!(values["URL_HOST"], "sl.example.com");
        assert_eq!(values["LOADBALANCER_SECRET"], "s3 cret");
        assert_eq!(values["REDIS_URL"], "redis://r:6379");
        assert_eq!(values["EMPTY"], "");
        assert_eq!(values["QUOTED"], "a \"b\" c");
        assert_eq!(values["HASH"], "a#b");
    }

    #[test]
    fn names_the_bad_line() {
        assert_eq!(parse("A=1\nnot a setting\n"), Err((2, "no '='")));
        assert_eq!(parse("A B=1"), Err((1, "a key is letters, digits and '_'")));
        assert_eq!(parse("A=\"open"), Err((1, "an unclosed quote")));
    }
}
