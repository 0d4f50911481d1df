//! The documentation keeps up with the code: every configuration key is in config/scalelite.toml and README.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scalelite::config::KEYS;

#[test]
fn every_configuration_key_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let toml = std::fs::read_to_string(format!("{root}/config/scalelite.toml")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    for key in KEYS {
        assert!(
            toml.contains(&format!("# Environment variable: {}\n", key.name)),
            "{} missing in config/scalelite.toml",
            key.name
        );
        assert!(
            toml.contains(&format!("# {} = ", key.name.to_lowercase())),
            "{} has no line in config/scalelite.toml",
            key.name
        );
        assert!(readme.contains(&format!("| `{}` |", key.name)), "{} missing in the README's table", key.name);
    }
}

#[test]
fn the_sample_file_loads_to_exactly_the_defaults() {
    let root = env!("CARGO_MANIFEST_DIR");
    let toml = std::fs::read_to_string(format!("{root}/config/scalelite.toml")).unwrap();
    // Uncomment every key: the defaults it shows must be valid values.
    let uncommented: String = toml
        .lines()
        .filter_map(|l| l.strip_prefix("# ").filter(|rest| rest.contains(" = ")))
        .map(|l| format!("{l}\n"))
        .collect();
    let table: toml::Table = uncommented.parse().unwrap();
    let values: std::collections::HashMap<String, String> = table
        .into_iter()
        .filter(|(k, _)| k != "bind")
        .map(|(k, v)| (k.to_uppercase(), v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
        .collect();
    assert_eq!(values.len(), KEYS.len() - 1);
    let sample = scalelite::config::Config::load(&values).unwrap();
    // The sample shows exactly the defaults: loading it changes nothing.
    let defaults = scalelite::config::Config::load(&std::collections::HashMap::new()).unwrap();
    // One exception, as in Ruby Scalelite: setting LOADBALANCER_CHECKSUM_ALGORITHM at all, even to its default
    // list, makes new servers sign with the strongest algorithm of it rather than SHA-256.
    assert_eq!(sample.default_server_checksum, scalelite::bbb::checksum::Algorithm::Sha512);
    let sample = scalelite::config::Config { default_server_checksum: defaults.default_server_checksum, ..sample };
    assert_eq!(format!("{sample:?}"), format!("{defaults:?}"));
}
