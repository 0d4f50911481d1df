//! The `scalelite` command line: `serve` (the default) and the administration commands of Ruby Scalelite's
//! rake tasks. Every command loads and validates the configuration first; errors print one line and exit 1.

mod dashboard_user;
mod import_ruby;
mod meetings;
mod migrate_storage;
mod poll;
mod recordings;
mod serve;
mod servers;
mod state;
mod table;
mod tenants;
mod trash;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::admin::sync::SyncMode;
use crate::config::{Config, EnvAndFile};
use crate::db::{self, DbConnection};

/// A load balancer for BigBlueButton.
#[derive(Parser, Debug)]
#[command(name = "scalelite", version, about)]
pub struct Cli {
    /// A TOML file with configuration keys (lower-case variable names); the environment wins over it.
    #[arg(long, global = true, env = "SCALELITE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ruby Scalelite's environment file (`/etc/default/scalelite`: KEY=value lines), as is; the environment
    /// wins over it, and it over --config.
    #[arg(long, global = true, env = "SCALELITE_ENV_FILE", value_name = "FILE")]
    env_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the BBB API, the admin API and the health check (the default).
    Serve,
    /// List and manage BBB servers (without a subcommand: list them).
    Servers {
        #[command(subcommand)]
        command: Option<ServersCommand>,
    },
    /// A table of every server's state, status and load.
    Status,
    /// Poll every server once now and print what each says (changes nothing).
    Poll,
    /// Meetings and the servers they run on (without a subcommand: list them).
    Meetings {
        #[command(subcommand)]
        command: Option<meetings::MeetingsCommand>,
    },
    /// The pool as a declarative YAML state: servers, tenants and their settings.
    State {
        #[command(subcommand)]
        command: state::StateCommand,
    },
    /// The operator dashboard's accounts (/scalelite/dashboard is off until one exists).
    DashboardUser {
        #[command(subcommand)]
        command: dashboard_user::DashboardUserCommand,
    },
    /// The recordings index and the import spool.
    Recordings {
        #[command(subcommand)]
        command: recordings::RecordingsCommand,
    },
    /// List and manage tenants (without a subcommand: list them). Needs MULTITENANCY_ENABLED.
    Tenants {
        #[command(subcommand)]
        command: Option<TenantsCommand>,
    },
    /// List and manage tenant settings (without a subcommand: list them).
    TenantSettings {
        #[command(subcommand)]
        command: Option<TenantSettingsCommand>,
    },
    /// Bring a Ruby Scalelite deployment over: servers, tenants, settings and meetings from its Redis,
    /// recordings and callback data from its PostgreSQL. Safe to run again; recording files stay where they are.
    ImportRuby {
        /// Ruby Scalelite's Redis, e.g. redis://redis:6379/0
        #[arg(long, env = "REDIS_URL")]
        redis_url: String,
        /// Ruby's REDIS_NAMESPACE
        #[arg(long, env = "REDIS_NAMESPACE", default_value = "scalelite")]
        redis_namespace: String,
        /// Ruby Scalelite's PostgreSQL, e.g. postgres://user:pass@db/scalelite_production
        #[arg(long)]
        ruby_database_url: String,
        /// Print what would be imported without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print `success` when the configuration is valid and the database answers (Ruby's `liveness` task, for
    /// probes).
    Liveness,
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ServersCommand {
    /// List the servers.
    List,
    /// Add a server; it starts disabled. A load multiplier of 0 becomes 1.0.
    Add {
        /// The server's API URL, e.g. https://bbb1.example.com/bigbluebutton/api
        url: String,
        /// The server's shared secret (`bbb-conf --secret`)
        secret: String,
        /// Load multiplier (a higher one for a weaker server)
        #[arg(allow_negative_numbers = true)]
        load_multiplier: Option<String>,
        /// Tag, for meta_server-tag
        tag: Option<String>,
        /// What its calls are signed with: SHA1, SHA256, SHA384 or SHA512 (default: the strongest of
        /// LOADBALANCER_CHECKSUM_ALGORITHM if set, else SHA256)
        #[arg(long)]
        checksum_algorithm: Option<String>,
    },
    /// Change a server's URL, secret, load multiplier or tag (an empty tag removes it).
    Update {
        id: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        secret: Option<String>,
        #[arg(long, allow_negative_numbers = true)]
        load_multiplier: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// SHA1, SHA256, SHA384 or SHA512: what its calls are signed with
        #[arg(long)]
        checksum_algorithm: Option<String>,
    },
    /// Delete a server record (panic it first to end its meetings).
    Remove { id: String },
    /// Let a server take new meetings.
    Enable { id: String },
    /// Take no new meetings; keep the running ones; disabled once empty.
    Cordon { id: String },
    /// Take no new meetings and end the running ones.
    Disable {
        id: String,
        /// Do not ask for confirmation when the server has meetings.
        #[arg(long, short)]
        yes: bool,
    },
    /// Forget every meeting of a server, send them `end`, and disable it.
    Panic {
        id: String,
        /// Leave the state as it is.
        #[arg(long)]
        keep_state: bool,
        /// Do not send `end` to the server.
        #[arg(long)]
        skip_end_calls: bool,
    },
    /// Set a server's load multiplier (0 becomes 1.0).
    LoadMultiplier {
        id: String,
        #[arg(allow_negative_numbers = true)]
        load_multiplier: String,
    },
    /// Set a server's tag; without a tag, remove it.
    Tag { id: String, tag: Option<String> },
    /// Add the servers of a list file (Ruby's servers:addAll `servers.yml`: `servers:` then `- url:`/`secret:`
    /// entries); they start disabled.
    AddAll { file: String },
    /// Make the pool match a YAML file (Ruby Scalelite's servers:sync format); `-` reads standard input.
    Sync {
        file: String,
        /// What happens to servers that are not in the file.
        #[arg(long, value_enum, default_value = "cordon")]
        mode: SyncMode,
        /// Print the changes without making them.
        #[arg(long)]
        dry_run: bool,
    },
    /// The meetings a server reports (getMeetings), each with the meeting Scalelite placed there.
    Meetings { id: String },
    /// Print the pool as a YAML file for `servers sync`.
    Export {
        /// Add state, load, BBB version and online.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(Subcommand, Debug)]
enum TenantsCommand {
    /// List the tenants.
    List,
    /// Add a tenant: a name (host label) and its secrets, colon-separated.
    Add { name: String, secrets: String },
    /// Rename a tenant or replace its secrets.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        secrets: Option<String>,
    },
    /// Set the tenant's LRS endpoint with basic authentication.
    UpdateLrsBasic { id: String, endpoint: String, username: String, password: String },
    /// Set the tenant's LRS endpoint with Keycloak authentication.
    UpdateLrsKc {
        id: String,
        endpoint: String,
        kc_token_url: String,
        kc_client_id: String,
        kc_client_secret: String,
        kc_username: String,
        kc_password: String,
    },
    /// Switch a tenant on again (name or ID).
    Enable { id: String },
    /// Switch a tenant off without deleting it: its API calls get `tenantDisabled` (name or ID).
    Disable { id: String },
    /// Show a tenant's limits, or set them: a whole number, or `none` (name or ID).
    Limits {
        id: String,
        /// The most meetings it may run at once.
        #[arg(long, value_name = "N|none")]
        max_meetings: Option<String>,
        /// The users beyond which its new meetings are refused (running meetings may still grow).
        #[arg(long, value_name = "N|none")]
        max_users: Option<String>,
        /// Its API calls per second over every instance (`none`: TENANT_RATE_LIMIT).
        #[arg(long, value_name = "N|none")]
        rate_limit: Option<String>,
    },
    /// Show a tenant's recording settings, or set them (name or ID).
    Recordings {
        id: String,
        /// Days its recordings are kept before they go to the trash (0: for ever; none: RECORDING_RETENTION_DAYS).
        #[arg(long, value_name = "DAYS|none")]
        retention_days: Option<String>,
        /// on or off: whether its meetings may record (off: every create gets record=false).
        #[arg(long, value_name = "on|off")]
        recording: Option<String>,
    },
    /// What tenants used, per day: meeting- and user-minutes, peaks, recordings and their bytes.
    Usage {
        /// One tenant (name or ID); all of them if not given.
        #[arg(long)]
        tenant: Option<String>,
        /// The first day, YYYY-MM-DD (default: 30 days before the last).
        #[arg(long)]
        from: Option<String>,
        /// The last day, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        to: Option<String>,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Delete a tenant and its settings.
    Remove { id: String },
}

#[derive(Subcommand, Debug)]
enum TenantSettingsCommand {
    /// List the settings of every tenant.
    List,
    /// Add a setting: OVERRIDE true replaces the front-end's value, false is a default.
    Add { tenant_id: String, param: String, value: String, r#override: String },
    /// Delete a setting.
    Remove { id: String },
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Run the pending migrations.
    Migrate,
}

/// A command's failure: the line to print.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

/// Parses the command line, runs the command, and returns the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match EnvAndFile::new(cli.config.as_deref(), cli.env_file.as_deref())
        .and_then(|source| Config::load(&source))
    {
        Ok(config) => config,
        Err(error) => {
            eprintln!("scalelite: {error}");
            return ExitCode::from(1);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(config),
        Command::Servers { command } => servers::run(&config, command.unwrap_or(ServersCommand::List)),
        Command::Status => servers::status(&config),
        Command::Poll => poll::poll(&config),
        Command::Meetings { command } => {
            meetings::run(&config, command.unwrap_or(meetings::MeetingsCommand::List { server: None }))
        }
        Command::Recordings { command } => recordings::run(&config, command),
        Command::DashboardUser { command } => dashboard_user::run(&config, command),
        Command::State { command } => state::run(&config, command),
        Command::Tenants { command } => tenants::run(&config, command.unwrap_or(TenantsCommand::List)),
        Command::TenantSettings { command } => {
            tenants::run_settings(&config, command.unwrap_or(TenantSettingsCommand::List))
        }
        Command::ImportRuby { redis_url, redis_namespace, ruby_database_url, dry_run } => {
            let source = crate::ruby_import::Source { redis_url, redis_namespace, ruby_database_url, dry_run };
            import_ruby::run(&config, &source)
        }
        Command::Liveness => connect(&config).map(|_| println!("success")),
        Command::Db { command: DbCommand::Migrate } => migrate(&config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(line)) => {
            eprintln!("scalelite: {line}");
            ExitCode::from(1)
        }
    }
}

/// A migrated connection for an administration command.
fn connect(config: &Config) -> Result<DbConnection, Failure> {
    let mut conn = open(config)?;
    db::migrate(&mut conn)?;
    Ok(conn)
}

fn open(config: &Config) -> Result<DbConnection, Failure> {
    db::connect(&config.database_url).map_err(|e| Failure(format!("{e} ({})", config.database_url.describe())))
}

fn migrate(config: &Config) -> Result<(), Failure> {
    let mut conn = open(config)?;
    let applied = db::migrate(&mut conn)?;
    println!("{applied} migration(s) applied to the {}", config.database_url.describe());
    Ok(())
}
