//! The import spool as operators see it: the tars waiting, those set aside in `failed/` with their reasons, and
//! putting a failed one back to be imported again (the CLI's `recordings spool`/`retry`, the dashboard).

use std::path::Path;

/// A tar set aside, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTar {
    pub name: String,
    pub reason: String,
}

/// The names of the tars in a folder, sorted (none if it does not exist).
pub fn tars(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    match std::fs::read_dir(folder) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if name.ends_with(".tar") {
                    names.push(name);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    names.sort();
    Ok(names)
}

/// The tars of `failed/`, with their reasons.
pub fn failed(spool: &Path) -> std::io::Result<Vec<FailedTar>> {
    let folder = spool.join("failed");
    Ok(tars(&folder)?
        .into_iter()
        .map(|name| {
            let reason = std::fs::read_to_string(folder.join(format!("{name}.reason"))).unwrap_or_default();
            FailedTar { reason: reason.trim().to_string(), name }
        })
        .collect())
}

/// Puts a failed tar (its file name) back into the spool; returns its name.
pub fn retry(spool: &Path, file: &str) -> Result<String, String> {
    let name = Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name.is_empty() || !name.ends_with(".tar") {
        return Err(format!("'{file}' is not a tar of the spool's failed folder"));
    }
    let failed = spool.join("failed").join(name);
    if !failed.is_file() {
        return Err(format!("no failed tar {name} in {}", spool.join("failed").display()));
    }
    std::fs::rename(&failed, spool.join(name)).map_err(|e| format!("{name}: {e}"))?;
    let _ = std::fs::remove_file(spool.join("failed").join(format!("{name}.reason")));
    Ok(name.to_string())
}
