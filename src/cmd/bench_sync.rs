//! `bienphong bench sync`: the checkpoint nodes' targets. Headquarters is served here over the
//! store given (PostgreSQL with `--database-url`, which the ingest target is about), and a node
//! on its own SQLite file talks to it through a proxy here that throttles to 1 Mbit/s and delays
//! 150 ms each way (a 300 ms round trip).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use domain::{
    Channel, CheckpointCode, Country, CrossingOutcome, Decision, Direction, DocumentNumber,
    DocumentType, TravelDocument,
};
use server::sync::link::{Credential, NodeLink, Transport};
use server::sync::service;
use server::sync::wire;
use store::{ControlStore, NewCrossing, RecordedBy, SqliteStore, Store, SyncStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::cmd::server::{StoreArgs, with_store};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Headquarters' store (a fresh one: the benchmark adds nodes and crossings).
    #[command(flatten)]
    pub store: StoreArgs,
    /// A busy post's day of crossings, waiting at the node.
    #[arg(long, default_value_t = 20_000)]
    pub backlog: usize,
    /// The link's bandwidth, bits per second, each way.
    #[arg(long, default_value_t = 1_000_000)]
    pub bandwidth: u64,
    /// The link's delay each way, milliseconds.
    #[arg(long, default_value_t = 150)]
    pub delay_ms: u64,
    /// Crossings recorded one by one while the link is up, for the steady-state latency.
    #[arg(long, default_value_t = 200)]
    pub steady: usize,
    /// Nodes syncing at once for headquarters' intake.
    #[arg(long, default_value_t = 117)]
    pub nodes: usize,
    /// Crossings each of them sends (at most 100,000).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub per_node: u32,
}

pub async fn run(a: SyncArgs) -> anyhow::Result<()> {
    let backend = a.store.open(true).await?;
    with_store!(backend, |s| bench(s, &a).await)
}

fn crossing(cp: &CheckpointCode, tag: &str, i: usize) -> anyhow::Result<NewCrossing> {
    let number = format!("{tag}{i:07}");
    Ok(NewCrossing {
        id: uuid_like(tag, i),
        document: TravelDocument {
            doc_type: DocumentType::Passport,
            number: DocumentNumber::parse(&number)?,
            issuing_state: Country::parse("VNM")?,
            surname: "NGUYEN".into(),
            given_names: format!("VAN {}", char::from(b'A' + (i % 26) as u8)),
            nationality: Some(Country::parse("VNM")?),
            birth_date: Some(time::macros::date!(1980 - 01 - 01)),
            sex: None,
            expiry_date: Some(time::macros::date!(2031 - 01 - 01)),
            issuing_area: None,
        },
        name_key: "NGUYEN VAN".into(),
        checkpoint: cp.clone(),
        direction: if i.is_multiple_of(2) { Direction::Exit } else { Direction::Entry },
        channel: Channel::Egate,
        at: time::OffsetDateTime::now_utc(),
        decision: Decision::Clear,
        client_decision: None,
        outcome: CrossingOutcome::Crossed,
        stamped: false,
        actor: "device:1".into(),
        body_hash: format!("{:064x}", i),
        alerts: Vec::new(),
        screened: true,
    })
}

fn uuid_like(tag: &str, i: usize) -> String {
    let t: u64 = tag.bytes().fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (t >> 32) as u32,
        (t >> 16) as u16,
        (t & 0xfff) as u16,
        (i >> 48) & 0xfff,
        i & 0xffff_ffff_ffff
    )
}

/// A proxy that delays each chunk by `delay` and paces each direction to `bytes_per_s`.
async fn slow_link(upstream: String, bytes_per_s: u64, delay: Duration) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move {
        while let Ok((down, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(up) = TcpStream::connect(&upstream).await else { return };
                let (dr, dw) = down.into_split();
                let (ur, uw) = up.into_split();
                tokio::spawn(pace(dr, uw, bytes_per_s, delay));
                tokio::spawn(pace(ur, dw, bytes_per_s, delay));
            });
        }
    });
    Ok(addr)
}

async fn pace(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes_per_s: u64,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 || tx.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    // The wire: a chunk leaves once its delay has passed and the bytes before it have gone.
    let mut free_at = Instant::now();
    while let Some((due, chunk)) = rx.recv().await {
        let start = due.max(free_at);
        tokio::time::sleep_until(start.into()).await;
        free_at = start + Duration::from_secs_f64(chunk.len() as f64 / bytes_per_s as f64);
        tokio::time::sleep_until(free_at.into()).await;
        if to.write_all(&chunk).await.is_err() {
            break;
        }
    }
}

async fn bench<S: Store>(hq: S, a: &SyncArgs) -> anyhow::Result<()> {
    crate::cmd::server::seed(&hq).await?;
    println!("headquarters on {}", hq.backend());
    let app = server::build(hq.clone(), &server::Options::default(), server::system_clock())
        .await
        .context("building headquarters")?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let hq_addr = listener.local_addr()?.to_string();
    {
        let app = app.clone();
        tokio::spawn(async move {
            let _ = server::serve(app, listener, &server::Options::default()).await;
        });
    }
    // The nation has 154 checkpoints; the shipped list names the main ones: more stand in for
    // the rest, so that every simulated node has a checkpoint of its own.
    let shipped = hq.checkpoints().await?;
    let template = shipped.first().context("no checkpoints")?.clone();
    let extra: Vec<domain::Checkpoint> = (0..a.nodes)
        .map(|k| {
            Ok(domain::Checkpoint {
                code: CheckpointCode::parse(&format!("BENCH-{k:03}"))?,
                name_vi: format!("Trạm thử {k}"),
                name_ascii: format!("Bench post {k}"),
                ..template.clone()
            })
        })
        .collect::<anyhow::Result<_>>()?;
    hq.seed_checkpoints(&extra).await?;
    let checkpoints: Vec<CheckpointCode> = extra.into_iter().map(|c| c.code).collect();

    // 1. A day's backlog over a slow link.
    let cp = CheckpointCode::parse("MONG-CAI")?;
    let slow =
        slow_link(hq_addr.clone(), a.bandwidth / 8, Duration::from_millis(a.delay_ms)).await?;
    let dir = tempfile_dir()?;
    let node_store = SqliteStore::open(&dir.join("node.db")).await?;
    crate::cmd::server::seed(&node_store).await?;
    let credential = enrol(&hq, &cp).await?;
    node_store.become_node(&cp, &format!("http://{slow}"), time::OffsetDateTime::now_utc()).await?;
    let link = Arc::new(NodeLink::new(
        cp.clone(),
        format!("http://{slow}"),
        Credential::new(credential),
        None,
        time::OffsetDateTime::now_utc(),
    )?);
    let node = server::build(
        node_store.clone(),
        &server::Options { node: Some(link.clone()), ..Default::default() },
        server::system_clock(),
    )
    .await?;
    let by = RecordedBy { actor: "device:1".into(), ip: None };
    let all: Vec<NewCrossing> =
        (0..a.backlog).map(|i| crossing(&cp, "B", i)).collect::<anyhow::Result<_>>()?;
    for chunk in all.chunks(1_000) {
        node_store.record_crossings(chunk, &by, time::OffsetDateTime::now_utc()).await?;
    }
    let waiting = node_store.backlog().await?;
    let started = Instant::now();
    service::push(&node, &*link).await?;
    let drained = started.elapsed();
    println!(
        "backlog: {waiting} records ({} crossings) drained over {} kbit/s with {} ms round trips in {:.1} s (target ≤ 60 s)",
        a.backlog,
        a.bandwidth / 1000,
        2 * a.delay_ms,
        drained.as_secs_f64()
    );

    // 2. Steady state: each crossing recorded at the node, then at headquarters.
    service::follow_link(node.clone());
    // Each crossing is looked for at headquarters from the moment it is recorded; they arrive
    // in order, so one poller walking them in order measures each within its polling step.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let poller = {
        let hq = hq.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while let Some((id, at)) = rx.recv().await {
                let deadline = at + Duration::from_secs(60);
                loop {
                    if hq.crossing(&id).await?.is_some() {
                        latencies.push(at.elapsed());
                        break;
                    }
                    anyhow::ensure!(Instant::now() < deadline, "{id} never reached headquarters");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        })
    };
    for i in 0..a.steady {
        let c = crossing(&cp, "S", i)?;
        let id = c.id.clone();
        node_store.record_crossings(&[c], &by, time::OffsetDateTime::now_utc()).await?;
        link.wake.notify_one();
        let _ = tx.send((id, Instant::now()));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(tx);
    let mut latencies = poller.await??;
    // Polled in order: each figure is an upper bound of that crossing's latency.
    latencies.sort();
    let q = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "steady state over the same link: a crossing at headquarters within p50 {:.0} ms, p99 {:.0} ms (target p99 ≤ 2,000 ms)",
        q(0.50).as_secs_f64() * 1000.0,
        q(0.99).as_secs_f64() * 1000.0
    );

    // 3. Headquarters' intake: many nodes at once, straight to headquarters.
    let mut senders = Vec::new();
    let nodes: Vec<&CheckpointCode> = checkpoints.iter().collect();
    let mut links = Vec::new();
    for (k, c) in nodes.iter().enumerate() {
        let credential = enrol(&hq, c).await?;
        let link = NodeLink::new(
            (*c).clone(),
            format!("http://{hq_addr}"),
            Credential::new(credential),
            None,
            time::OffsetDateTime::now_utc(),
        )?;
        let mut messages = Vec::new();
        let crossings: Vec<wire::WireCrossing> = (0..a.per_node as usize)
            .map(|i| {
                // Numbers of nine characters at most, unique across the nodes.
                let n = crossing(c, "N", k * 100_000 + i)?;
                let record = store::CrossingRecord {
                    id: n.id.clone(),
                    traveller_id: 0,
                    checkpoint: n.checkpoint.clone(),
                    direction: n.direction,
                    channel: n.channel,
                    at: n.at,
                    decision: n.decision,
                    client_decision: None,
                    outcome: n.outcome,
                    stamped: false,
                    screened: true,
                    actor: n.actor.clone(),
                    body_hash: String::new(),
                };
                Ok(wire::WireCrossing::from_record(&record, &n.document))
            })
            .collect::<anyhow::Result<_>>()?;
        // Packed beforehand: compressing is the nodes' work, on their own machines.
        for chunk in crossings.chunks(wire::UP_BATCH) {
            messages.push(wire::pack(&wire::Up {
                protocol: wire::PROTOCOL,
                version: "bench".into(),
                sent_at: wire::now_text(time::OffsetDateTime::now_utc()),
                backlog: 0,
                crossings: chunk.to_vec(),
                audit: Vec::new(),
                alerts: Vec::new(),
                movements: Vec::new(),
            })?);
        }
        links.push((link, messages));
    }
    let total = nodes.len() * a.per_node as usize;
    let started = Instant::now();
    for (link, messages) in links {
        senders.push(tokio::spawn(async move {
            for m in messages {
                let answer =
                    link.exchange("up", m, server::sync::link::EXCHANGE_TIMEOUT * 4).await?;
                let answer: wire::UpAnswer = wire::unpack(&answer)?;
                anyhow::ensure!(
                    answer.stored > 0 && answer.conflicts.is_empty(),
                    "headquarters did not store the message: {answer:?}"
                );
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for s in senders {
        s.await??;
    }
    let took = started.elapsed();
    println!(
        "headquarters' intake: {total} crossings from {} nodes at once in {:.1} s: {:.0} crossings/s (target ≥ 10,000)",
        nodes.len(),
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn enrol<S: Store>(hq: &S, cp: &CheckpointCode) -> anyhow::Result<String> {
    let secret = server::accounts::credentials::Secret::generate();
    let credential = server::accounts::credentials::Secret::generate();
    hq.add_node(cp, &secret.digest(), time::OffsetDateTime::now_utc()).await?;
    hq.enrol_node(&secret.digest(), &credential.digest(), time::OffsetDateTime::now_utc())
        .await?
        .context("enrolling a node")?;
    Ok(credential.expose().to_string())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("bienphong-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
