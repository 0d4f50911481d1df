//! What an import found and did, per kind of record, and the table it prints at the end.

use std::fmt;

/// The kinds of record an import brings over, in the order it brings them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Servers,
    Tenants,
    TenantSettings,
    Meetings,
    Recordings,
    CallbackData,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::Servers, Kind::Tenants, Kind::TenantSettings, Kind::Meetings, Kind::Recordings, Kind::CallbackData];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Servers => "servers",
            Kind::Tenants => "tenants",
            Kind::TenantSettings => "tenant settings",
            Kind::Meetings => "meetings",
            Kind::Recordings => "recordings",
            Kind::CallbackData => "callback data",
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// New here.
    Imported,
    /// Here already, with other values: Ruby's replaced them.
    Updated,
    /// Here already, the same.
    AlreadyThere,
}

/// The counts of one kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub found: u64,
    pub imported: u64,
    pub updated: u64,
    pub already_there: u64,
    pub skipped: u64,
}

/// The whole import's account.
#[derive(Debug, Default)]
pub struct Summary {
    pub dry_run: bool,
    tallies: [Tally; 6],
    /// (kind, record, reason).
    pub skipped: Vec<(Kind, String, String)>,
    /// Recordings (ID, format) whose files are in neither the published nor the unpublished folder.
    pub missing_files: Vec<(String, String)>,
}

impl Summary {
    pub fn new(dry_run: bool) -> Summary {
        Summary { dry_run, ..Summary::default() }
    }

    pub fn tally(&self, kind: Kind) -> &Tally {
        &self.tallies[kind as usize]
    }

    pub fn found(&mut self, kind: Kind, n: u64) {
        self.tallies[kind as usize].found += n;
    }

    pub fn count(&mut self, kind: Kind, outcome: Outcome) {
        let tally = &mut self.tallies[kind as usize];
        match outcome {
            Outcome::Imported => tally.imported += 1,
            Outcome::Updated => tally.updated += 1,
            Outcome::AlreadyThere => tally.already_there += 1,
        }
    }

    pub fn skip(&mut self, kind: Kind, record: impl Into<String>, reason: impl Into<String>) {
        self.tallies[kind as usize].skipped += 1;
        self.skipped.push((kind, record.into(), reason.into()));
    }

    /// Whether the import wrote (or, in a dry run, would write) anything.
    pub fn changed_anything(&self) -> bool {
        self.tallies.iter().any(|t| t.imported + t.updated > 0)
    }
}

/// How many skipped records and missing files the table lists by name.
const LISTED: usize = 50;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (imported, updated) = if self.dry_run { ("would import", "would update") } else { ("imported", "updated") };
        writeln!(
            f,
            "{:<16} {:>9} {:>13} {:>13} {:>14} {:>9}",
            "", "found", imported, updated, "already there", "skipped"
        )?;
        for kind in Kind::ALL {
            let t = self.tally(kind);
            writeln!(
                f,
                "{:<16} {:>9} {:>13} {:>13} {:>14} {:>9}",
                kind.label(),
                t.found,
                t.imported,
                t.updated,
                t.already_there,
                t.skipped
            )?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "\nskipped:")?;
            for (kind, record, reason) in self.skipped.iter().take(LISTED) {
                writeln!(f, "  {} {record}: {reason}", kind.label())?;
            }
            if self.skipped.len() > LISTED {
                writeln!(f, "  … and {} more", self.skipped.len() - LISTED)?;
            }
        }
        if !self.missing_files.is_empty() {
            writeln!(f, "\nrecordings whose files are missing ({}):", self.missing_files.len())?;
            for (record_id, format) in self.missing_files.iter().take(LISTED) {
                writeln!(f, "  {record_id} ({format})")?;
            }
            if self.missing_files.len() > LISTED {
                writeln!(f, "  … and {} more", self.missing_files.len() - LISTED)?;
            }
        }
        if self.dry_run {
            writeln!(f, "\nDry run: nothing was written.")?;
        } else if !self.changed_anything() {
            writeln!(f, "\nNothing changed: everything was already here.")?;
        }
        Ok(())
    }
}
