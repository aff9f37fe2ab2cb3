//! `bienphong`: the command line of the border guard's platform.

#![forbid(unsafe_code)]

mod cmd;
mod jsonl;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "bienphong",
    version,
    about = "A border guard's digital work: documents, control, permits"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read and write ICAO 9303 machine-readable zones (JSON Lines in, JSON Lines out).
    #[command(subcommand)]
    Mrz(cmd::mrz::MrzCommand),
    /// Screen names against a watchlist (JSON Lines in, JSON Lines out).
    Screen(cmd::screen::ScreenArgs),
    /// Generate the screening evaluation set, and measure recall, false alarms and speed.
    #[command(subcommand, name = "screen-eval")]
    ScreenEval(cmd::screen_eval::EvalCommand),
    /// Run the server: the API under /api/v1 and the web pages.
    Serve(cmd::server::ServeArgs),
    /// Start a demonstration: a fresh database with realistic data, and the server.
    Demo(cmd::demo::DemoArgs),
    /// Create or bring the database schema up to date.
    Migrate(cmd::server::MigrateArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(cmd::server::UserCommand),
    /// Manage devices (e-gates, scanners, cameras).
    #[command(subcommand)]
    Device(cmd::server::DeviceCommand),
    /// Manage the watchlist.
    #[command(subcommand)]
    Watchlist(cmd::server::WatchlistCommand),
    /// Measure the exit-entry targets: fill a store, then load the server.
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(cmd::server::AuditCommand),
    /// The barcode signing keys.
    #[command(subcommand)]
    Keys(cmd::keys::KeysCommand),
    /// What an offline verifier needs.
    #[command(subcommand)]
    Trust(cmd::keys::TrustCommand),
    /// Checkpoint nodes: add, enrol, revoke, list.
    #[command(subcommand)]
    Node(cmd::node::NodeCommand),
    /// The Country Signing CAs e-passports are checked under: import, list.
    #[command(subcommand)]
    Csca(cmd::csca::CscaCommand),
    /// E-gates: a simulator of a checkpoint's gates, through the API.
    #[command(subcommand)]
    Egate(cmd::egate::EgateCommand),
    /// Visible digital seals: check one offline.
    #[command(subcommand)]
    Seal(cmd::seal::SealCommand),
}

/// The commands that talk to a database or serve run on an async runtime.
fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(f)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // Its own exit codes: 0 valid, 1 not, 2 a usage error.
        Command::Seal(c) => return cmd::seal::run(c),
        Command::Mrz(c) => cmd::mrz::run(c),
        Command::Screen(a) => cmd::screen::run(a),
        Command::ScreenEval(c) => cmd::screen_eval::run(c),
        Command::Serve(a) => block_on(cmd::server::serve(a)),
        Command::Demo(a) => block_on(cmd::demo::run(a)),
        Command::Migrate(a) => block_on(cmd::server::migrate(a)),
        Command::User(c) => block_on(cmd::server::user(c)),
        Command::Device(c) => block_on(cmd::server::device(c)),
        Command::Watchlist(c) => block_on(cmd::server::watchlist(c)),
        Command::Audit(c) => block_on(cmd::server::audit(c)),
        Command::Bench(c) => block_on(cmd::bench::run(c)),
        Command::Keys(c) => block_on(cmd::keys::run(c)),
        Command::Trust(c) => block_on(cmd::keys::trust(c)),
        Command::Node(c) => block_on(cmd::node::run(c)),
        Command::Csca(c) => block_on(cmd::csca::run(c)),
        Command::Egate(c) => block_on(cmd::egate::run(c)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the reason and its causes.
            eprintln!("bienphong: {e:#}");
            ExitCode::FAILURE
        }
    }
}
