//! `scalelite state export|import`: the pool as a declarative YAML state — servers (as `servers sync`), tenants
//! and their settings — printed, or made so with the changes printed (`--dry-run`: only printed).

use clap::Subcommand;

use super::{connect, Failure};
use crate::admin::servers;
use crate::admin::state_file::{self, StateFile};
use crate::admin::sync::SyncMode;
use crate::bbb::client::BbbClient;
use crate::config::Config;
use crate::db::models::server::Server;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// Print the pool as a YAML state file (tenants with multitenancy on).
    Export {
        /// Add the servers' state, load, BBB version and online.
        #[arg(long)]
        verbose: bool,
    },
    /// Make the pool match a YAML state file (`-` reads standard input) and print the changes.
    Import {
        file: String,
        /// What happens to servers and tenants that a section of the file does not list.
        #[arg(long, value_enum, default_value = "cordon")]
        mode: SyncMode,
        /// Print the changes without making them.
        #[arg(long)]
        dry_run: bool,
    },
}

pub(super) fn run(config: &Config, command: StateCommand) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        StateCommand::Export { verbose } => {
            let servers = Server::all(conn)?;
            let tenants =
                if config.multitenancy_enabled { Some((Tenant::all(conn)?, TenantSetting::all(conn)?)) } else { None };
            let view = state_file::export(&servers, tenants.as_ref().map(|(t, s)| (&t[..], &s[..])), verbose);
            print!("{}", serde_yaml_ng::to_string(&view)?);
            Ok(())
        }
        StateCommand::Import { file, mode, dry_run } => {
            let text = super::servers::read_file(&file)?;
            let wanted: StateFile =
                serde_yaml_ng::from_str(&text).map_err(|e| Failure(format!("invalid state file: {e}")))?;
            state_file::check(&wanted, config.multitenancy_enabled)?;
            let mut plan = state_file::plan(conn, wanted, mode)?;
            plan.fill_default_checksum(config.default_server_checksum);
            let lines = plan.lines(dry_run);
            if lines.is_empty() {
                println!("Nothing to change");
            }
            for line in &lines {
                println!("{line}");
            }
            if dry_run {
                return Ok(());
            }
            let to_end = state_file::apply(conn, plan)?;
            let client = BbbClient::new(config.connect_timeout, config.response_timeout);
            let failed = actix_rt::System::new().block_on(async {
                let mut failed = 0;
                for (server, meetings) in &to_end {
                    failed += servers::end_meetings(&client, server, meetings).await;
                }
                failed
            });
            if failed > 0 {
                eprintln!("WARNING: {failed} end call(s) failed");
            }
            Ok(())
        }
    }
}
