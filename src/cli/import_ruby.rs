//! `scalelite import-ruby`: imports a Ruby Scalelite deployment and prints what it found and did.

use super::{connect, Failure};
use crate::config::Config;
use crate::ruby_import::{self, Source};

pub(super) fn run(config: &Config, source: &Source) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let summary = ruby_import::run(&mut conn, config, source)?;
    print!("{summary}");
    Ok(())
}
