//! Importing a recording tar from the spool, as Ruby Scalelite's `scalelite_post_publish.rb` writes it: an
//! uncompressed tar of `<format>/<record_id>/…`, one `metadata.xml` per format.
//!
//! Every step can be repeated, and the tar is removed last, so a crash at any moment is mended by importing
//! the same tar again at the next start: extract into a fresh work folder (refusing absolute paths, `..`,
//! links and devices), parse every `metadata.xml`, move each format's folder to the published or unpublished
//! tree (replacing an earlier copy in either), index each format, then delete the tar. A tar that cannot be
//! imported goes to `failed/` beside a `.reason` file, and the spool goes on.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::db::models::recording::{FormatRow, ImportRows, Recording, ThumbnailRow};
use crate::db::{DbConnection, DbError};
use crate::recordings::metadata::{self, RecordingMetadata};
use crate::recordings::storage::Storage;

/// The folders of the recording pipeline.
#[derive(Clone, Debug)]
pub struct Folders {
    pub spool: PathBuf,
    pub work: PathBuf,
    /// Where the imported recordings' files go.
    pub storage: Storage,
}

/// Import settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub import_unpublished: bool,
    pub protected: bool,
}

/// Why a tar was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unsafe tar entry {0}")]
    UnsafeEntry(String),
    #[error("the tar cannot be read: {0}")]
    Tar(String),
    #[error("no <format>/<record_id>/metadata.xml in the tar")]
    NoMetadata,
    #[error("{path}: {error}")]
    Metadata { path: String, error: metadata::MetadataError },
    #[error("{0} does not match its folder")]
    Mismatch(String),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    /// The database failed: the tar stays in the spool and is tried again later.
    #[error("{0}")]
    Database(#[from] DbError),
    /// The recordings' storage (a folder, the bucket) failed: tried again later too.
    #[error("storage: {0}")]
    Storage(String),
}

impl ImportError {
    /// Whether the tar itself is at fault (it goes to `failed/`), rather than the database.
    pub fn is_bad_tar(&self) -> bool {
        !matches!(self, ImportError::Database(_) | ImportError::Io(_) | ImportError::Storage(_))
    }
}

/// The tars waiting in the spool, oldest name first (hidden files, such as rsync's temporaries, are skipped).
pub fn waiting(spool: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(spool) else { return Vec::new() };
    let mut tars: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
        .collect();
    tars.sort();
    tars
}

/// An error while writing an entry into the work folder: the machine's fault when it is out of room or of
/// rights (the tar is tried again later), else the tar's (a file where its own folder should be, a name too
/// long, a truncated entry), and the tar is set aside rather than blocking the spool.
fn entry_error(shown: &str, error: std::io::Error) -> ImportError {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::StorageFull
        | ErrorKind::PermissionDenied
        | ErrorKind::ReadOnlyFilesystem
        | ErrorKind::QuotaExceeded => ImportError::Io(error),
        _ => ImportError::Tar(format!("{shown}: {error}")),
    }
}

/// Extracts regular files and folders only, each under `into`.
fn extract(tar_path: &Path, into: &Path) -> Result<(), ImportError> {
    let file = fs::File::open(tar_path)?;
    let mut archive = tar::Archive::new(file);
    let entries = archive.entries().map_err(|e| ImportError::Tar(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ImportError::Tar(e.to_string()))?;
        let path = entry.path().map_err(|e| ImportError::Tar(e.to_string()))?.into_owned();
        let shown = path.display().to_string();
        if path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(ImportError::UnsafeEntry(shown));
        }
        let target = into.join(&path);
        let fault = |e: std::io::Error| entry_error(&shown, e);
        match entry.header().entry_type() {
            tar::EntryType::Directory => fs::create_dir_all(&target).map_err(fault)?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(fault)?;
                }
                let mut out = fs::File::create(&target).map_err(fault)?;
                std::io::copy(&mut entry, &mut out).map_err(fault)?;
            }
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName => {}
            other => return Err(ImportError::UnsafeEntry(format!("{shown} ({other:?})"))),
        }
    }
    Ok(())
}

/// The formats of an extracted tar: those whose `metadata.xml` reads and matches its folders, and the reasons
/// the others were refused (one broken format does not lose the others).
struct Formats {
    good: Vec<(PathBuf, RecordingMetadata)>,
    broken: Vec<ImportError>,
}

/// Reads one `<format>/<record_id>/metadata.xml` and checks it against its folders.
fn read_format(root: &Path, format_dir: &Path, record_dir: &Path) -> Result<RecordingMetadata, ImportError> {
    let file = record_dir.join("metadata.xml");
    let shown = file.strip_prefix(root).unwrap_or(&file).display().to_string();
    if fs::metadata(&file)?.len() > crate::bbb::bounded::MAX_BYTES as u64 {
        let error = metadata::MetadataError::NotXml(crate::bbb::bounded::XmlError::TooLarge.to_string());
        return Err(ImportError::Metadata { path: shown, error });
    }
    let xml = fs::read_to_string(&file).map_err(|e| ImportError::Tar(format!("{shown}: {e}")))?;
    let meta = metadata::parse(&xml).map_err(|error| ImportError::Metadata { path: shown.clone(), error })?;
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    if name(record_dir) != meta.record_id || name(format_dir) != meta.playback.format {
        return Err(ImportError::Mismatch(shown));
    }
    Ok(meta)
}

/// Every `<format>/<record_id>/metadata.xml` of an extracted tar.
fn read_formats(root: &Path) -> Result<Formats, ImportError> {
    let mut formats = Formats { good: Vec::new(), broken: Vec::new() };
    let mut format_dirs: Vec<PathBuf> =
        fs::read_dir(root)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    format_dirs.sort();
    for format_dir in format_dirs {
        for record_dir in fs::read_dir(&format_dir)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()) {
            if !record_dir.join("metadata.xml").is_file() {
                continue;
            }
            match read_format(root, &format_dir, &record_dir) {
                Ok(meta) => formats.good.push((record_dir, meta)),
                Err(ImportError::Io(e)) => return Err(ImportError::Io(e)),
                Err(refused) => formats.broken.push(refused),
            }
        }
    }
    if formats.good.is_empty() {
        return Err(formats.broken.into_iter().next().unwrap_or(ImportError::NoMetadata));
    }
    Ok(formats)
}

/// Where an imported recording belongs and how it starts out.
pub struct ImportOptions<'a> {
    pub tenant_id: &'a str,
    /// The meeting ID as the front-end knows it.
    pub meeting_id: &'a str,
    /// `RECORDING_IMPORT_UNPUBLISHED`.
    pub import_unpublished: bool,
    /// `PROTECTED_RECORDINGS_ENABLED`.
    pub protected: bool,
}

/// The rows one format's `metadata.xml` gives the index.
pub fn rows_of(meta: &RecordingMetadata, options: &ImportOptions<'_>) -> ImportRows {
    let format = &meta.playback;
    ImportRows {
        recording: Recording {
            record_id: meta.record_id.clone(),
            tenant_id: options.tenant_id.to_string(),
            meeting_id: options.meeting_id.to_string(),
            bbb_meeting_id: meta.meeting_id.clone(),
            internal_meeting_id: meta.internal_meeting_id.clone(),
            name: meta.name.clone(),
            is_breakout: meta.is_breakout,
            published: meta.published,
            protected: options.protected,
            publish_updated: false,
            state: meta.state.clone(),
            start_time: meta.start_time,
            end_time: meta.end_time,
            participants: meta.participants,
            raw_size: meta.raw_size,
            parent_meeting_id: meta.breakout.as_ref().and_then(|b| b.parent_meeting_id.clone()),
            breakout_sequence: meta.breakout.as_ref().and_then(|b| b.sequence),
            breakout_rooms: meta.breakout_rooms.join(" "),
            updated_at: 0,
        },
        metadata: meta.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        format: FormatRow {
            record_id: meta.record_id.clone(),
            format: format.format.clone(),
            url: format.url.clone(),
            length: format.length,
            processing_time: format.processing_time,
            size: format.size,
        },
        thumbnails: format
            .thumbnails
            .iter()
            .map(|t| ThumbnailRow {
                record_id: meta.record_id.clone(),
                format: format.format.clone(),
                sequence: t.sequence,
                width: t.width,
                height: t.height,
                alt: t.alt.clone(),
                url: t.url.clone(),
            })
            .collect(),
    }
}

/// Indexes one format's `metadata.xml` (see [`Recording::import`]).
pub fn index(
    conn: &mut DbConnection,
    meta: &RecordingMetadata,
    options: &ImportOptions<'_>,
) -> Result<Recording, DbError> {
    Recording::import(conn, &rows_of(meta, options), options.import_unpublished)
}

/// The tenant of a recording (its `tenant-id` metadata) and the meeting ID its front-end knows.
fn owner(meta: &RecordingMetadata) -> (String, String) {
    let tenant_id = meta.metadata.get("tenant-id").cloned().unwrap_or_default();
    let meeting_id = match meta.metadata.get("tenant-name") {
        Some(name) => meta.meeting_id.strip_prefix(&format!("{name}~")).unwrap_or(&meta.meeting_id).to_string(),
        None => meta.meeting_id.clone(),
    };
    (tenant_id, meeting_id)
}

/// What one tar brought: the recordings it indexed (one row per format), and the formats it had to refuse.
#[derive(Debug, Default)]
pub struct Imported {
    pub recordings: Vec<Recording>,
    /// Why each refused format was refused; the tar is then kept in `failed/` with these reasons.
    pub broken: Vec<String>,
}

/// Imports one tar. Formats that cannot be read are reported in [`Imported::broken`] and the tar is kept in
/// `failed/` with their reasons; the others are imported.
pub fn import_tar(
    conn: &mut DbConnection,
    tar_path: &Path,
    folders: &Folders,
    settings: &Settings,
) -> Result<Imported, ImportError> {
    let stem = tar_path.file_stem().and_then(|s| s.to_str()).unwrap_or("recording");
    let work = folders.work.join(format!("{stem}.{}", uuid::Uuid::new_v4().simple()));
    fs::create_dir_all(&work)?;
    let result = (|| {
        extract(tar_path, &work)?;
        let formats = read_formats(&work)?;
        let broken: Vec<String> = formats.broken.iter().map(ToString::to_string).collect();
        let mut imported = Imported { recordings: Vec::new(), broken };
        for (dir, meta) in formats.good {
            let (tenant_id, meeting_id) = owner(&meta);
            let options = ImportOptions {
                tenant_id: &tenant_id,
                meeting_id: &meeting_id,
                import_unpublished: settings.import_unpublished,
                protected: settings.protected,
            };
            // Files first: the index then never points at files that are not there.
            let existing = Recording::find(conn, &meta.record_id)?;
            let published =
                Recording::published_after_import(existing.as_ref(), meta.published, settings.import_unpublished);
            let (format, id) = (&meta.playback.format, &meta.record_id);
            folders.storage.import_format(&dir, published, format, id).map_err(ImportError::Storage)?;
            imported.recordings.push(index(conn, &meta, &options)?);
        }
        Ok(imported)
    })();
    let _ = fs::remove_dir_all(&work);
    // The tar goes last: until then, a crash means importing it again. A tar with a broken format is kept.
    match &result {
        Ok(imported) if imported.broken.is_empty() => fs::remove_file(tar_path)?,
        Ok(imported) => {
            let reason = format!("imported all but these formats: {}", imported.broken.join("; "));
            set_aside(tar_path, &folders.spool, &reason)?;
        }
        Err(_) => {}
    }
    result
}

/// Removes the work folders an interrupted import left behind (`<record_id>.<32 hex digits>`); returns how many.
pub fn clean_work_folder(work: &Path) -> usize {
    let Ok(entries) = fs::read_dir(work) else { return 0 };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name
            .rsplit_once('.')
            .is_some_and(|(_, tail)| tail.len() == 32 && tail.chars().all(|c| c.is_ascii_hexdigit()));
        if ours && entry.path().is_dir() && fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// How many imports of one tar may be cut off (the process stopped: a crash, a kill, a power cut) before the
/// tar is set aside instead of being tried again: the second time, it is most likely the tar that stops us.
pub const MAX_INTERRUPTED_ATTEMPTS: u32 = 2;

/// The marker beside a tar while it is being imported: `<name>.tar.importing`, holding the attempt count.
fn attempt_marker(tar_path: &Path) -> PathBuf {
    let mut name = tar_path.as_os_str().to_owned();
    name.push(".importing");
    PathBuf::from(name)
}

/// Records the start of an import of this tar (written to disk before anything else is done) and returns
/// how many earlier attempts were cut off, so that a tar that kills the process is not retried forever.
pub fn begin_attempt(tar_path: &Path) -> std::io::Result<u32> {
    let marker = attempt_marker(tar_path);
    let earlier = fs::read_to_string(&marker).ok().and_then(|t| t.trim().parse::<u32>().ok()).unwrap_or(0);
    if earlier < MAX_INTERRUPTED_ATTEMPTS {
        fs::write(&marker, format!("{}\n", earlier + 1))?;
        fs::File::open(&marker)?.sync_all()?;
    }
    Ok(earlier)
}

/// Clears the marker of [`begin_attempt`]: the import ended, one way or the other.
pub fn end_attempt(tar_path: &Path) {
    let _ = fs::remove_file(attempt_marker(tar_path));
}

/// Moves a refused tar to `failed/`, with a `.reason` file beside it.
pub fn set_aside(tar_path: &Path, spool: &Path, reason: &str) -> std::io::Result<()> {
    let failed = spool.join("failed");
    fs::create_dir_all(&failed)?;
    let name = tar_path.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("unknown.tar"));
    fs::write(failed.join(format!("{}.reason", name.display())), format!("{reason}\n"))?;
    fs::rename(tar_path, failed.join(name))
}
