//! `scalelite dashboard-user add|list|remove`: the dashboard's accounts. A password is read from standard input
//! (its first line), never from the command line where `ps` would show it.

use clap::Subcommand;

use super::{connect, Failure};
use crate::config::Config;
use crate::dashboard::auth;
use crate::db::models::dashboard_user::DashboardUser;
use crate::db::now_ms;

/// The shortest password accepted.
const MIN_PASSWORD: usize = 10;

#[derive(Subcommand, Debug)]
pub enum DashboardUserCommand {
    /// Add an account, or replace one (its sessions end); the password is the first line of standard input.
    Add {
        name: String,
        /// viewer (looks) or operator (also acts: cordon, enable, disable, panic, retry an import, end a meeting).
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// List the accounts.
    List,
    /// Remove an account and its sessions.
    Remove { name: String },
}

pub(super) fn run(config: &Config, command: DashboardUserCommand) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    match command {
        DashboardUserCommand::Add { name, role } => {
            let valid_name =
                !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_alphanumeric() || "-_.@".contains(c));
            if !valid_name {
                return Err(Failure(format!("'{name}' is not an account name (letters, digits, - _ . @; up to 64)")));
            }
            if !auth::ROLES.contains(&role.as_str()) {
                return Err(Failure(format!("'{role}' is not a role: viewer or operator")));
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < MIN_PASSWORD {
                return Err(Failure(format!("the password (standard input) needs {MIN_PASSWORD} characters or more")));
            }
            let password_hash = auth::hash_password(password).map_err(Failure)?;
            DashboardUser::save(
                &mut conn,
                &DashboardUser { name: name.clone(), password_hash, role: role.clone(), created_at: now_ms() },
            )?;
            println!("OK: dashboard account {name} ({role})");
        }
        DashboardUserCommand::List => {
            for user in DashboardUser::all(&mut conn)? {
                println!("{}\t{}\t{}", user.name, user.role, crate::utc::date_time(user.created_at));
            }
        }
        DashboardUserCommand::Remove { name } => {
            if !DashboardUser::remove(&mut conn, &name)? {
                return Err(Failure(format!("no dashboard account {name}")));
            }
            println!("OK: dashboard account {name} removed");
        }
    }
    Ok(())
}
