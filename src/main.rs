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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mrz(c) => cmd::mrz::run(c),
        Command::Screen(a) => cmd::screen::run(a),
        Command::ScreenEval(c) => cmd::screen_eval::run(c),
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
