//! `fake-bbb`: fake BBB servers for benchmarks and manual tests (see the `fake_bbb` library).
//!
//! `fake-bbb --port 8090 --servers 20 --workers 2` plays servers `bbb0`…`bbb19` with secrets
//! `secret-0`…`secret-19` at `http://127.0.0.1:8090/bbbN/bigbluebutton/api`. Control:
//! `POST /_control/bbbN/{normal|hang|garbage|http500|stall|drip|endless|deep|slow-MS}`, `GET /_control/counts`
//! (meetings per server), `GET /_control/users` (participants per server).
//! `GET /ceiling/bigbluebutton/api/join` is a bare 302, the reference for join benchmarks.

use fake_bbb::{FakeBbb, FakeServer};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("Usage: fake-bbb [--port PORT] [--servers N] [--workers N]");
        return std::process::ExitCode::SUCCESS;
    }
    let port = u16::try_from(arg(&args, "--port", 8090)).unwrap_or(8090);
    let count = arg(&args, "--servers", 3);
    let workers = arg(&args, "--workers", 2).max(1);
    let result = actix_web::rt::System::new().block_on(async move {
        let servers = (0..count).map(|i| FakeServer::new(&format!("bbb{i}"), &format!("secret-{i}"))).collect();
        let fake = FakeBbb::start(servers, port, workers)?;
        println!("fake-bbb: {count} servers at http://127.0.0.1:{}/bbbN/bigbluebutton/api", fake.port);
        actix_web::rt::signal::ctrl_c().await
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake-bbb: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
