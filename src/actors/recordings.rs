//! The recordings actor: imports the tars of the spool every `RECORDING_IMPORT_POLL_INTERVAL`, one scan at a
//! time, on a blocking thread (see [`crate::recordings::importer`]).

use std::time::Duration;

use actix::prelude::*;

use super::cycle::Cycle;
use super::messages::ImportNow;
use crate::callbacks;
use crate::context::Deps;
use crate::db::blocking;
use crate::metrics::METRICS;
use crate::recordings::importer::{
    begin_attempt, clean_work_folder, end_attempt, import_tar, set_aside, waiting, Folders, Settings,
    MAX_INTERRUPTED_ATTEMPTS,
};

/// The importer.
pub struct RecordingsActor {
    deps: Deps,
    /// The scan under way and who waits for it (answered with the number of recordings imported).
    scans: Cycle<usize>,
    /// Whether the work folder was cleared of interrupted imports (by the first scan as leader).
    cleaned: bool,
}

impl RecordingsActor {
    pub fn new(deps: Deps) -> RecordingsActor {
        RecordingsActor { deps, scans: Cycle::default(), cleaned: false }
    }

    fn scan(&mut self, ctx: &mut Context<Self>) {
        if self.scans.is_running() {
            return;
        }
        if self.deps.config.recording_disabled || !self.deps.leadership.is_leader() {
            self.scans.skip(0);
            return;
        }
        self.scans.start();
        if !self.cleaned {
            // Work folders left by an import that was cut off, here or by a leader that died.
            self.cleaned = true;
            let work = self.deps.config.recording_work_dir.clone();
            let cleaned = clean_work_folder(&work);
            if cleaned > 0 {
                log::info!("removed {cleaned} work folder(s) of interrupted imports in {}", work.display());
            }
        }
        METRICS.actor_in_flight.with_label_values(&["recordings_import"]).inc();
        let config = self.deps.config.clone();
        let db = self.deps.pool.clone();
        let folders = Folders {
            spool: config.recording_spool_dir.clone(),
            work: config.recording_work_dir.clone(),
            storage: self.deps.storage.clone(),
        };
        let settings = Settings {
            import_unpublished: config.recording_import_unpublished,
            protected: config.protected_recordings_enabled,
        };
        let work = blocking(move || {
            let mut imported = Vec::new();
            for tar in waiting(&folders.spool) {
                let mut conn = db.get()?;
                match begin_attempt(&tar) {
                    Ok(earlier) if earlier >= MAX_INTERRUPTED_ATTEMPTS => {
                        METRICS.recordings_failed.inc();
                        let reason = format!("the importer stopped {earlier} times while importing this tar");
                        log::error!("recording {} set aside: {reason}", tar.display());
                        match set_aside(&tar, &folders.spool, &reason) {
                            Ok(()) => end_attempt(&tar),
                            Err(io) => log::error!("cannot move {} to failed/: {io}", tar.display()),
                        }
                        continue;
                    }
                    Ok(_) => {}
                    Err(io) => {
                        log::warn!("recording {} not imported now, will retry: {io}", tar.display());
                        break;
                    }
                }
                let started = std::time::Instant::now();
                let outcome = import_tar(&mut conn, &tar, &folders, &settings);
                end_attempt(&tar);
                let label = match &outcome {
                    Ok(_) => "imported",
                    Err(e) if e.is_bad_tar() => "failed",
                    Err(_) => "retry",
                };
                METRICS.import_duration.with_label_values(&[label]).observe(started.elapsed().as_secs_f64());
                match outcome {
                    Ok(done) => {
                        METRICS.recordings_imported.inc();
                        for r in &done.recordings {
                            log::info!("imported recording {} ({})", r.record_id, r.state);
                        }
                        for reason in &done.broken {
                            METRICS.formats_failed.inc();
                            log::warn!("recording {}: a format was refused: {reason}", tar.display());
                        }
                        imported.extend(done.recordings);
                    }
                    Err(e) if e.is_bad_tar() => {
                        METRICS.recordings_failed.inc();
                        log::warn!("recording {} refused: {e}", tar.display());
                        if let Err(io) = set_aside(&tar, &folders.spool, &e.to_string()) {
                            log::error!("cannot move {} to failed/: {io}", tar.display());
                        }
                    }
                    Err(e) => {
                        log::warn!("recording {} not imported now, will retry: {e}", tar.display());
                        break;
                    }
                }
            }
            Ok(imported)
        });
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            METRICS.actor_in_flight.with_label_values(&["recordings_import"]).dec();
            let recordings = result.unwrap_or_else(|e| {
                log::warn!("recording import failed: {e}");
                Vec::new()
            });
            let imported = recordings.len();
            // One callback per recording (an import indexes each format; the last row is the whole recording).
            let mut last: std::collections::HashMap<String, crate::db::models::recording::Recording> =
                Default::default();
            for recording in recordings {
                last.insert(recording.record_id.clone(), recording);
            }
            for recording in last.into_values() {
                actix_web::rt::spawn(callbacks::recording_ready(act.deps.clone(), recording));
            }
            if act.scans.finish(imported) {
                act.scan(ctx);
            }
        }));
    }
}

impl Actor for RecordingsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.deps.config.recording_disabled {
            return;
        }
        self.scan(ctx);
        ctx.run_interval(self.deps.config.recording_import_poll_interval, |act, ctx| act.scan(ctx));
    }
}

impl Supervised for RecordingsActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        self.scans.reset();
        METRICS.actor_restarts.with_label_values(&["recordings"]).inc();
    }
}

impl Handler<ImportNow> for RecordingsActor {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _: ImportNow, ctx: &mut Context<Self>) -> Self::Result {
        let (wait, start) = self.scans.ask();
        if start {
            self.scan(ctx);
        }
        Box::pin(async move {
            tokio::time::timeout(Duration::from_secs(600), wait).await.ok().and_then(Result::ok).unwrap_or(0)
        })
    }
}
