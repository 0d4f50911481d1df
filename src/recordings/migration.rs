//! Moving an existing local library into the bucket (`scalelite recordings migrate-storage`): every file of the
//! two trees is copied under the same key layout unless the bucket already holds it at the same size — so an
//! interrupted run goes on where it stopped — and then checked: present, same size, and the same content by
//! its ETag (the MD5 of the file, or of its parts for a multipart upload, as [`Bucket::upload`] cuts them).

use std::io::Read;
use std::path::PathBuf;

use md5::{Digest, Md5};

use crate::recordings::bucket::{self, Bucket, PART_SIZE, SINGLE_PUT_MAX};
use crate::recordings::storage::files_under;
use crate::recordings::store::Store;

/// A local file of the library and its key in the bucket.
#[derive(Debug, Clone)]
pub struct LocalFile {
    pub path: PathBuf,
    pub key: String,
    pub size: u64,
}

/// Every file of the two local trees (a tree that does not exist has none).
pub fn local_files(store: &Store) -> Result<Vec<LocalFile>, String> {
    let mut files = Vec::new();
    for published in [true, false] {
        let tree = store.tree(published);
        if !tree.is_dir() {
            continue;
        }
        for (path, relative) in files_under(tree).map_err(|e| format!("{}: {e}", tree.display()))? {
            let size = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
            let key = bucket::tree_name(published).to_string() + "/" + &relative;
            files.push(LocalFile { path, key, size });
        }
    }
    Ok(files)
}

/// The files the bucket does not hold yet (missing, or of another size), and how many it already holds.
pub fn missing(bucket: &Bucket, files: &[LocalFile]) -> Result<(Vec<LocalFile>, usize), String> {
    let (published, unpublished) = (bucket.inventory(true)?, bucket.inventory(false)?);
    let mut todo = Vec::new();
    for file in files {
        let held = published.get(&file.key).or_else(|| unpublished.get(&file.key));
        if held.is_none_or(|meta| meta.size != file.size) {
            todo.push(file.clone());
        }
    }
    let present = files.len() - todo.len();
    Ok((todo, present))
}

/// Copies one file to its key.
pub fn copy(bucket: &Bucket, file: &LocalFile) -> Result<(), String> {
    bucket.upload(&file.path, &object_store::path::Path::from(file.key.as_str()))
}

/// The ETag S3 gives a file uploaded as [`Bucket::upload`] does: the MD5 of its bytes, or for a multipart upload
/// the MD5 of its parts' MD5s followed by `-<parts>`.
pub fn expected_etag(file: &LocalFile) -> std::io::Result<String> {
    let mut source = std::fs::File::open(&file.path)?;
    if file.size <= SINGLE_PUT_MAX {
        let mut whole = Md5::new();
        digest_of(&mut source, &mut whole)?;
        return Ok(hex::encode(whole.finalize()));
    }
    let (mut of_parts, mut parts) = (Md5::new(), 0);
    loop {
        let mut part = Md5::new();
        let read = digest_of(&mut (&mut source).take(PART_SIZE as u64), &mut part)?;
        if read == 0 {
            break;
        }
        of_parts.update(part.finalize());
        parts += 1;
    }
    Ok(format!("{}-{parts}", hex::encode(of_parts.finalize())))
}

/// Feeds everything `source` gives into `hash`; returns how many bytes.
fn digest_of(source: &mut impl Read, hash: &mut Md5) -> std::io::Result<u64> {
    let (mut buffer, mut total) = (vec![0; 64 * 1024], 0);
    loop {
        let read = source.read(&mut buffer)?;
        if read == 0 {
            return Ok(total);
        }
        hash.update(&buffer[..read]);
        total += read as u64;
    }
}

/// What does not match between the local files and the bucket (empty: every file is there, whole).
pub fn verify(bucket: &Bucket, files: &[LocalFile], content: bool) -> Result<Vec<String>, String> {
    let (published, unpublished) = (bucket.inventory(true)?, bucket.inventory(false)?);
    let mut problems = Vec::new();
    for file in files {
        let Some(meta) = published.get(&file.key).or_else(|| unpublished.get(&file.key)) else {
            problems.push(format!("{}: not in the bucket", file.key));
            continue;
        };
        if meta.size != file.size {
            problems.push(format!("{}: {} bytes in the bucket, {} here", file.key, meta.size, file.size));
            continue;
        }
        if content {
            let expected = expected_etag(file).map_err(|e| format!("{}: {e}", file.path.display()))?;
            let held = meta.e_tag.as_deref().unwrap_or_default().trim_matches('"');
            if !held.eq_ignore_ascii_case(&expected) {
                problems.push(format!("{}: content differs (ETag {held}, expected {expected})", file.key));
            }
        }
    }
    Ok(problems)
}
