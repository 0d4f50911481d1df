//! `scalelite serve`: prepare the database and secrets, then serve HTTP until stopped.

use actix_web::{web, App, HttpServer};

use super::Failure;
use crate::app::{prepare, StartError};
use crate::config::Config;
use crate::db::single_instance;
use crate::db::url::DatabaseUrl;
use crate::request_log;
use crate::routes::configure_app;

pub(super) fn run(config: Config) -> Result<(), Failure> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    for (name, note) in &config.ignored_ruby_settings {
        log::warn!("{name} is set, but Scalelite does not implement it: {note}");
    }
    let bind = config.bind.clone();
    let database = config.database_url.describe();
    let _instance = match &config.database_url {
        DatabaseUrl::Sqlite(path) => Some(single_instance::lock(path).map_err(Failure)?),
        DatabaseUrl::Postgres(_) => None,
    };
    let prepared = prepare(config).map_err(|e| match e {
        StartError::Db(e) => Failure(format!("{e} ({database})")),
        other => Failure(other.to_string()),
    })?;
    if let Some(secret) = &prepared.generated_secret {
        println!("No LOADBALANCER_SECRET was set, so Scalelite generated one and keeps it in the database.");
        println!("It is shown this once; configure your front-ends with it:");
        println!("  LOADBALANCER_SECRET={}", secret.expose());
    }
    // Blocking work is database work: more threads than connections would only wait for one.
    let blocking_threads = prepared.pool.max_size() as usize + 1;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads)
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    actix_web::rt::System::with_tokio_rt(move || runtime).block_on(async move {
        let state = web::Data::new(prepared.start());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(request_log::request_id))
                .wrap(request_log::logger())
                .configure(|cfg| configure_app(cfg, state.clone()))
        })
        .worker_max_blocking_threads(blocking_threads)
        .bind(&bind)
        .map_err(|e| Failure(format!("cannot listen on {bind}: {e} (set PORT or BIND)")))?;
        let addresses: Vec<String> = server.addrs().iter().map(|a| format!("http://{a}")).collect();
        println!("Scalelite is listening on {} ({database})", addresses.join(", "));
        println!(
            "API endpoint for front-ends: {}/bigbluebutton/api",
            addresses.first().map(String::as_str).unwrap_or("")
        );
        println!("Add a BBB server:  scalelite servers add https://bbb.example.com/bigbluebutton/api SECRET");
        println!("then enable it:    scalelite servers enable ID");
        log::info!("listening on {}", addresses.join(", "));
        server.run().await.map_err(|e| Failure(format!("server stopped: {e}")))
    })
}
