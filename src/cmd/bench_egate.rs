//! `bienphong bench egate`: a checkpoint's gates at a fixed rate against the server in this
//! process, the watchlist filled to a million entries, every transaction carrying a chip that
//! passive authentication checks. Prints the decision's round trip (p50, p99, max), the
//! platform's own milliseconds, and its share of a traveller's 13 s at the gate.

use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use domain::CheckpointCode;
use store::Store;

use crate::cmd::egate::{Config, percentile};
use crate::cmd::server::{StoreArgs, seed, with_store};

#[derive(Debug, Args)]
pub struct EgateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Watchlist entries to hold (filled up to this many when the store has fewer).
    #[arg(long, default_value_t = 1_000_000)]
    pub watchlist: usize,
    /// Transactions a second at the checkpoint, all gates together.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    #[arg(long, default_value_t = 8)]
    pub gates: u32,
}

/// A traveller's time at a gate from the figures (13–15 s): the share is reckoned on
/// the shorter, which is the harder.
const TRAVELLER_MS: f64 = 13_000.0;

pub async fn run(a: EgateArgs) -> anyhow::Result<()> {
    if !(a.rate > 0.0 && a.rate <= 500.0) {
        bail!("--rate {}: from above 0 to 500 a second", a.rate);
    }
    let backend = a.store.open(true).await?;
    with_store!(backend, |s| bench(s, &a).await)
}

async fn bench<S: Store>(store: S, a: &EgateArgs) -> anyhow::Result<()> {
    seed(&store).await?;
    let held = store.watch_entry_count().await? as usize;
    if held < a.watchlist {
        let started = Instant::now();
        eprintln!("filling the watchlist from {held} to {} entries", a.watchlist);
        crate::cmd::bench::fill_watchlist(&store, a.watchlist, started).await?;
        store.analyze().await?;
    }
    let checkpoint = CheckpointCode::parse("MONG-CAI")?;
    let (token, listed) = crate::cmd::egate::enrol(&store, &checkpoint).await?;
    let backend = store.backend();
    let load_started = Instant::now();
    let (addr, serving) = crate::cmd::server::serve_here(store, server::Options::default()).await?;
    let entries = a.watchlist;
    println!(
        "server ({backend}) ready in {:.1} s with {entries} watchlist entries",
        load_started.elapsed().as_secs_f64()
    );
    let config = Config {
        url: format!("http://{addr}"),
        token,
        gates: a.gates,
        rate: a.rate,
        duration: Some(Duration::from_secs(a.seconds)),
        seed: 0xE6A7E,
        listed,
        quiet: true,
    };
    let stats = crate::cmd::egate::run_sim(config).await?;
    serving.abort();
    if stats.failed > 0 {
        bail!(
            "{} of {} transactions failed: {}",
            stats.failed,
            stats.sent,
            stats.first_error.as_deref().unwrap_or("?")
        );
    }
    let mut rt = stats.latencies_ms.clone();
    rt.sort_by(f64::total_cmp);
    let mut own = stats.platform_ms.clone();
    own.sort_by(f64::total_cmp);
    let (p50, p99, max) = (percentile(&rt, 0.5), percentile(&rt, 0.99), percentile(&rt, 1.0));
    println!(
        "{} transactions at {:.0}/s over {} s ({} gates): {} open, {} refer",
        stats.answered,
        a.rate,
        stats.elapsed.as_secs(),
        a.gates,
        stats.opened,
        stats.referred
    );
    let reasons: Vec<String> = stats.reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("reasons: {}", reasons.join(", "));
    println!(
        "decision round trip ({backend}): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms \
         (target p99 <= 50 ms)"
    );
    println!(
        "platform's own time: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&own, 0.5),
        percentile(&own, 0.99)
    );
    println!(
        "platform's share of a traveller's {:.0} s at the gate: {:.3} % at p50, {:.3} % at p99 \
         (target < 0.5 %)",
        TRAVELLER_MS / 1000.0,
        p50 / TRAVELLER_MS * 100.0,
        p99 / TRAVELLER_MS * 100.0
    );
    Ok(())
}
