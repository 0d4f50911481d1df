//! `DATABASE_URL`: which backend, picked by the scheme (`sqlite://PATH`, `postgres://…`, `postgresql://…`).

use std::path::PathBuf;

/// The default database: an SQLite file in the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://scalelite.sqlite3";

/// A parsed `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, passed to libpq as it is.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a URL, or says what is expected. The error never repeats the URL (it may hold a password).
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        const EXPECTED: &str = "expected sqlite://PATH, postgres://… or postgresql://…";
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
            match url.split_once(':') {
                Some((scheme, _)) => format!("unsupported scheme '{scheme}'; {EXPECTED}"),
                None => format!("no scheme; {EXPECTED}"),
            }
        })?;
        if path.is_empty() || path == ":memory:" {
            return Err(format!("an SQLite file path is required; {EXPECTED}"));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    /// Where the data lives, without any password: the SQLite path, or the PostgreSQL host and database.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("SQLite file {}", path.display()),
            DatabaseUrl::Postgres(raw) => match url::Url::parse(raw) {
                Ok(parsed) => format!(
                    "PostgreSQL database {} on {}",
                    parsed.path().trim_start_matches('/'),
                    parsed.host_str().unwrap_or("the local socket")
                ),
                Err(_) => "PostgreSQL".to_string(),
            },
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_by_scheme() {
        assert_eq!(DatabaseUrl::parse("sqlite://data/s.db"), Ok(DatabaseUrl::Sqlite("data/s.db".into())));
        assert_eq!(DatabaseUrl::parse("sqlite:///var/lib/s.db"), Ok(DatabaseUrl::Sqlite("/var/lib/s.db".into())));
        assert_eq!(DatabaseUrl::parse("sqlite:s.db"), Ok(DatabaseUrl::Sqlite("s.db".into())));
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("postgresql://h/db"), Ok(DatabaseUrl::Postgres(_))));
    }

    #[test]
    fn refuses_other_schemes_without_echoing_the_url() {
        let error = DatabaseUrl::parse("mysql://root:pw@db/scalelite").unwrap_err();
        assert!(error.contains("unsupported scheme 'mysql'"), "{error}");
        assert!(!error.contains("pw"));
        assert!(DatabaseUrl::parse("scalelite.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
    }

    #[test]
    fn describes_without_the_password() {
        let url = DatabaseUrl::parse("postgres://user:topsecret@db.example/scalelite").unwrap();
        assert_eq!(url.describe(), "PostgreSQL database scalelite on db.example");
        assert!(!format!("{url:?}").contains("topsecret"));
    }
}
