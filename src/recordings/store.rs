//! Where a recording's files live: `<tree>/<format>/<record_id>/`, the tree being the published or the
//! unpublished one, as BBB and Ruby Scalelite lay them out. Every module asks here rather than joining paths.

use std::path::{Path, PathBuf};

/// The two trees of recordings (`RECORDING_PUBLISH_DIR`, `RECORDING_UNPUBLISH_DIR`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    pub published: PathBuf,
    pub unpublished: PathBuf,
}

impl Store {
    /// The trees of this configuration.
    pub fn of(config: &crate::config::Config) -> Store {
        Store { published: config.recording_publish_dir.clone(), unpublished: config.recording_unpublish_dir.clone() }
    }

    /// The published or the unpublished tree.
    pub fn tree(&self, published: bool) -> &Path {
        if published {
            &self.published
        } else {
            &self.unpublished
        }
    }

    /// Both trees.
    pub fn trees(&self) -> [&Path; 2] {
        [&self.published, &self.unpublished]
    }

    /// The folder of one format of a recording in one tree.
    pub fn folder(&self, published: bool, format: &str, record_id: &str) -> PathBuf {
        self.tree(published).join(format).join(record_id)
    }

    /// Moves a format's folder into the other tree (`publish`: into the published one): nothing to do if only
    /// the target exists (`Ok(false)`); the source is dropped if both do.
    pub fn move_format(&self, publish: bool, format: &str, id: &str) -> Result<bool, String> {
        let (source, target) = (self.folder(!publish, format, id), self.folder(publish, format, id));
        match (source.exists(), target.exists()) {
            (false, true) => Ok(false),
            (true, true) => {
                std::fs::remove_dir_all(&source).map(|()| true).map_err(|e| format!("{}: {e}", source.display()))
            }
            (true, false) => {
                let parent = self.tree(publish).join(format);
                std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                std::fs::rename(&source, &target).map(|()| true).map_err(|e| format!("{}: {e}", source.display()))
            }
            (false, false) => Err(format!("{} is missing", source.display())),
        }
    }

    /// Puts an imported format's folder in place of any earlier copy in either tree (moved when it can be,
    /// else copied and removed).
    pub fn import_format(&self, from: &Path, published: bool, format: &str, id: &str) -> Result<(), String> {
        let shown = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
        let stale = self.folder(!published, format, id);
        if stale.exists() {
            std::fs::remove_dir_all(&stale).map_err(|e| shown(&stale, e))?;
        }
        let to = self.folder(published, format, id);
        if to.exists() {
            std::fs::remove_dir_all(&to).map_err(|e| shown(&to, e))?;
        }
        let parent = self.tree(published).join(format);
        std::fs::create_dir_all(&parent).map_err(|e| shown(&parent, e))?;
        if std::fs::rename(from, &to).is_ok() {
            return Ok(());
        }
        copy_tree(from, &to).map_err(|e| shown(&to, e))?;
        std::fs::remove_dir_all(from).map_err(|e| shown(from, e))
    }

    /// Removes a recording's folders from both trees.
    pub fn remove_record(&self, id: &str) -> Result<(), String> {
        for tree in self.trees() {
            let Ok(formats) = std::fs::read_dir(tree) else { continue };
            for format in formats.filter_map(Result::ok) {
                let folder = format.path().join(id);
                if folder.is_dir() {
                    std::fs::remove_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Writes a file through a temporary name, so a reader never sees half of it.
    pub fn write_whole(&self, path: &Path, bytes: &[u8]) -> Result<(), String> {
        let write = || -> std::io::Result<()> {
            let temporary = path.with_extension("tmp-upload");
            let mut file = std::fs::File::create(&temporary)?;
            std::io::Write::write_all(&mut file, bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_format_then_record_id_in_either_tree() {
        let store = Store { published: "/p".into(), unpublished: "/u".into() };
        assert_eq!(store.folder(true, "presentation", "r-1"), PathBuf::from("/p/presentation/r-1"));
        assert_eq!(store.folder(false, "video", "r-1"), PathBuf::from("/u/video/r-1"));
        assert_eq!(store.trees(), [Path::new("/p"), Path::new("/u")]);
    }
}
