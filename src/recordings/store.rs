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
