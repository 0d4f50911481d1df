//! The migrations: the same names for both backends, and up, down, up on each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestDb};
use scalelite::db::{self, url::DatabaseUrl};

fn names(backend: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!("{}/migrations/{backend}/{name}/{file}", env!("CARGO_MANIFEST_DIR"));
                assert!(std::path::Path::new(&path).exists(), "{path}");
            }
        }
    }
}

fn runs_up_down_up(backend: Backend) {
    let test_db = TestDb::new(backend);
    let mut conn = db::connect(&DatabaseUrl::parse(&test_db.url).unwrap()).unwrap();
    assert!(db::has_pending_migrations(&mut conn).unwrap());
    assert_eq!(db::migrate(&mut conn).unwrap(), names("sqlite").len());
    assert!(!db::has_pending_migrations(&mut conn).unwrap());
    db::revert_all(&mut conn).unwrap();
    assert!(db::has_pending_migrations(&mut conn).unwrap());
    assert_eq!(db::migrate(&mut conn).unwrap(), names("sqlite").len());
    assert_eq!(db::migrate(&mut conn).unwrap(), 0);
}

fn enforces_the_constraints(backend: Backend) {
    use diesel::RunQueryDsl;
    let test_db = TestDb::new(backend);
    let mut conn = db::connect(&DatabaseUrl::parse(&test_db.url).unwrap()).unwrap();
    db::migrate(&mut conn).unwrap();
    let insert = |state: &str, multiplier: f64| {
        format!(
            "INSERT INTO servers (id, url, secret, state, load_multiplier, created_at, updated_at) \
             VALUES ('s-{state}-{multiplier}', 'https://x/', 's', '{state}', {multiplier}, 0, 0)"
        )
    };
    assert!(diesel::sql_query(insert("enabled", 1.0)).execute(&mut conn).is_ok());
    assert!(diesel::sql_query(insert("exploded", 1.0)).execute(&mut conn).is_err(), "unknown state");
    assert!(diesel::sql_query(insert("enabled", 0.0)).execute(&mut conn).is_err(), "zero multiplier");
    let setting = "INSERT INTO tenant_settings (id, tenant_id, param, value, override) VALUES ('x', 'no-tenant', 'p', 'v', false)";
    assert!(diesel::sql_query(setting).execute(&mut conn).is_err(), "a setting needs its tenant");
}

on_both_backends_blocking!(runs_up_down_up, enforces_the_constraints);
