//! `scalelite recordings migrate-storage`: copies the local library (`RECORDING_PUBLISH_DIR`,
//! `RECORDING_UNPUBLISH_DIR`) into the bucket of `S3_RECORDING` with a progress bar, going on where an earlier run
//! stopped, then verifies every file (see [`crate::recordings::migration`]). The local files are left in place.

use indicatif::{ProgressBar, ProgressStyle};

use super::Failure;
use crate::config::Config;
use crate::recordings::migration::{self, LocalFile};
use crate::recordings::storage::Storage;
use crate::recordings::store::Store;

/// What to do.
#[derive(clap::Args, Debug)]
pub struct MigrateStorage {
    /// Only check what is already in the bucket; copy nothing.
    #[arg(long)]
    pub verify_only: bool,
    /// Check sizes only, not contents (for buckets whose ETags are not MD5s, e.g. SSE-KMS).
    #[arg(long)]
    pub sizes_only: bool,
}

fn bytes(files: &[LocalFile]) -> u64 {
    files.iter().map(|f| f.size).sum()
}

pub(super) fn run(config: &Config, options: MigrateStorage) -> Result<(), Failure> {
    let storage = Storage::open(config).map_err(Failure)?;
    let Some(bucket) = storage.bucket() else {
        return Err(Failure("S3_RECORDING is not set: there is no bucket to migrate the recordings to".into()));
    };
    let store = Store::of(config);
    let files = migration::local_files(&store).map_err(Failure)?;
    println!(
        "{} file(s), {} byte(s) in {} and {}",
        files.len(),
        bytes(&files),
        store.published.display(),
        store.unpublished.display()
    );
    if !options.verify_only {
        let (todo, present) = migration::missing(bucket, &files).map_err(Failure)?;
        println!(
            "{present} file(s) already in s3://{}; copying {} ({} byte(s))",
            bucket.settings.bucket,
            todo.len(),
            bytes(&todo)
        );
        let progress = ProgressBar::new(bytes(&todo));
        progress.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut failed = 0;
        for file in &todo {
            progress.set_message(file.key.clone());
            if let Err(e) = migration::copy(bucket, file) {
                failed += 1;
                progress.println(format!("WARNING: {e}"));
            }
            progress.inc(file.size);
        }
        progress.finish_and_clear();
        println!("copied {} file(s), {failed} failed", todo.len() - failed);
        if failed > 0 {
            return Err(Failure(format!("{failed} file(s) were not copied: run the command again to go on")));
        }
    }
    let problems = migration::verify(bucket, &files, !options.sizes_only).map_err(Failure)?;
    for problem in &problems {
        eprintln!("MISMATCH: {problem}");
    }
    if !problems.is_empty() {
        return Err(Failure(format!("{} of {} file(s) do not match the bucket", problems.len(), files.len())));
    }
    let checked = if options.sizes_only { "sizes" } else { "sizes and contents" };
    println!("OK: {} file(s) verified in s3://{} ({checked})", files.len(), bucket.settings.bucket);
    Ok(())
}
