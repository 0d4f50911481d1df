//! Where recordings' files are kept, behind one interface: the two local trees ([`Store`]) or an S3-compatible
//! bucket ([`Bucket`], with `S3_RECORDING`). The importer, publish/unpublish, delete, the trash, text tracks and
//! the CLI go through here; playback asks [`Storage::bucket`] to hand out pre-signed URLs or proxy.
//! Every call may block (file system or network): call it from a blocking thread.

use std::path::Path;
use std::sync::Arc;

use crate::recordings::bucket::{self, Bucket};
use crate::recordings::store::Store;

/// The recordings' files.
#[derive(Clone, Debug)]
pub enum Storage {
    Folders(Store),
    Bucket(Arc<Bucket>),
}

impl Storage {
    /// The storage the configuration names (a bucket client is only built; nothing is sent yet).
    pub fn open(config: &crate::config::Config) -> Result<Storage, String> {
        match &config.s3 {
            Some(s3) => Ok(Storage::Bucket(Arc::new(Bucket::open(s3)?))),
            None => Ok(Storage::Folders(Store::of(config))),
        }
    }

    /// The bucket, when recordings are kept in one.
    pub fn bucket(&self) -> Option<&Bucket> {
        match self {
            Storage::Bucket(bucket) => Some(bucket),
            Storage::Folders(_) => None,
        }
    }

    /// Where one format of a recording is, for people (`/var/…/published/presentation/<id>` or
    /// `s3://bucket/published/presentation/<id>/`).
    pub fn describe(&self, published: bool, format: &str, id: &str) -> String {
        match self {
            Storage::Folders(store) => store.folder(published, format, id).display().to_string(),
            Storage::Bucket(b) => format!("s3://{}/{}/", b.settings.bucket, bucket::prefix(published, format, id)),
        }
    }

    /// Whether one format of a recording has files in a tree.
    pub fn has_format(&self, published: bool, format: &str, id: &str) -> Result<bool, String> {
        match self {
            Storage::Folders(store) => Ok(store.folder(published, format, id).is_dir()),
            Storage::Bucket(b) => b.any(&bucket::prefix(published, format, id)),
        }
    }

    /// Puts an imported format's files (the folder `from`, consumed) in place of any earlier copy in either tree.
    pub fn import_format(&self, from: &Path, published: bool, format: &str, id: &str) -> Result<(), String> {
        match self {
            Storage::Folders(store) => store.import_format(from, published, format, id),
            Storage::Bucket(b) => {
                b.delete_prefix(&bucket::prefix(!published, format, id))?;
                b.delete_prefix(&bucket::prefix(published, format, id))?;
                for (file, relative) in files_under(from).map_err(|e| format!("{}: {e}", from.display()))? {
                    b.upload(&file, &bucket::key(published, format, id, &relative))?;
                }
                let _ = std::fs::remove_dir_all(from);
                Ok(())
            }
        }
    }

    /// Moves a format into the other tree (`publish`: into the published one). `Ok(false)`: it was already
    /// there only; an error if it is in neither.
    pub fn move_format(&self, publish: bool, format: &str, id: &str) -> Result<bool, String> {
        match self {
            Storage::Folders(store) => store.move_format(publish, format, id),
            Storage::Bucket(b) => {
                let (from, to) = (bucket::prefix(!publish, format, id), bucket::prefix(publish, format, id));
                if b.move_prefix(&from, &to)? > 0 {
                    return Ok(true);
                }
                if b.any(&to)? {
                    Ok(false)
                } else {
                    Err(format!("{} is missing", self.describe(!publish, format, id)))
                }
            }
        }
    }

    /// Removes every format of a recording from both trees.
    pub fn remove_record(&self, id: &str) -> Result<(), String> {
        match self {
            Storage::Folders(store) => store.remove_record(id),
            Storage::Bucket(b) => {
                for published in [true, false] {
                    for format in b.formats(published)? {
                        b.delete_prefix(&bucket::prefix(published, &format, id))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// A file of a recording's format (`name` relative to its folder), if it exists.
    pub fn read_file(&self, published: bool, format: &str, id: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Storage::Folders(store) => match std::fs::read(store.folder(published, format, id).join(name)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{name}: {e}")),
            },
            Storage::Bucket(b) => b.read(&bucket::key(published, format, id, name)),
        }
    }

    /// Writes a file of a recording's format whole: a reader never sees half of it.
    pub fn write_file(&self, published: bool, format: &str, id: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
        match self {
            Storage::Folders(store) => store.write_whole(&store.folder(published, format, id).join(name), bytes),
            Storage::Bucket(b) => b.write(&bucket::key(published, format, id, name), bytes.to_vec()),
        }
    }
}

/// Every file under a folder, with its path relative to it (`/`-separated), in name order.
pub fn files_under(root: &Path) -> std::io::Result<Vec<(std::path::PathBuf, String)>> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                let relative = entry.path().strip_prefix(root).map(|p| p.to_path_buf()).unwrap_or_default();
                let relative: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.push((entry.path(), relative.join("/")));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(found)
}
