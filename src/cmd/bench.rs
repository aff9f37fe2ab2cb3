//! `bienphong bench fill|control`: the exit-entry targets, measured on this machine.
//!
//! `fill` loads a store with generated travellers, a history of crossings and a watchlist (once;
//! it takes a while at ten million). `control` starts the server on it in this process and
//! drives it over loopback: control checks at a fixed rate (latency measured from when each
//! request was due, so a slow answer cannot hide the ones queued behind it), crossings written
//! through the batch endpoint as fast as they are taken, and history lookups.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::{CheckpointCode, Decision, Direction, Role, TravelDocument, Username};
use screen::eval::{Generator, Rng};
use serde_json::{Value, json};
use store::{NewCrossing, NewToken, NewUser, Store, TokenKind, TokenOwner};
use time::OffsetDateTime;

use crate::cmd::demo::{checkpoints_for, traveller, uuid_from};
use crate::cmd::server::{StoreArgs, entry_from_row, seed, with_store};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill a store with travellers, their crossings and a watchlist.
    Fill(FillArgs),
    /// Serve that store here and measure checks, batch writes and history lookups.
    Control(ControlArgs),
    /// The port procedures: a 1,000-person crew list uploaded, the officer's queue with many
    /// dossiers stored (run on a fresh store).
    Port(crate::cmd::bench_port::PortArgs),
    /// The permits: a crew's shore passes and cards in one action, online and offline
    /// verification (run on a fresh store).
    Permits(crate::cmd::bench_permits::PermitArgs),
    /// The checkpoint nodes: a day's backlog over a slow link, the steady-state latency, and
    /// headquarters' intake from many nodes at once (run on a fresh store).
    Sync(crate::cmd::bench_sync::SyncArgs),
    /// The e-gates: decisions at a fixed rate through the API with the watchlist filled,
    /// passive authentication included, and the platform's share of a traveller's time.
    Egate(crate::cmd::bench_egate::EgateArgs),
}

#[derive(Debug, Args)]
pub struct FillArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value_t = 1_000_000)]
    pub travellers: usize,
    #[arg(long, default_value_t = 10_000_000)]
    pub crossings: usize,
    #[arg(long, default_value_t = 1_000_000)]
    pub watchlist: usize,
}

#[derive(Debug, Args)]
pub struct ControlArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Control checks per second.
    #[arg(long, default_value_t = 500)]
    pub rate: u32,
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Crossings to write through the batch endpoint (1,000 a request).
    #[arg(long, default_value_t = 200_000)]
    pub writes: usize,
    #[arg(long, default_value_t = 5_000)]
    pub lookups: usize,
}

const SEED: u64 = 0xB1E9;
/// The travellers the load draws from (the first ones `fill` made).
const SAMPLE: usize = 20_000;

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Fill(a) => {
            let backend = a.store.open(true).await?;
            with_store!(backend, |s| fill(&s, &a).await)
        }
        BenchCommand::Port(a) => crate::cmd::bench_port::run(a).await,
        BenchCommand::Permits(a) => crate::cmd::bench_permits::run(a).await,
        BenchCommand::Sync(a) => crate::cmd::bench_sync::run(a).await,
        BenchCommand::Egate(a) => crate::cmd::bench_egate::run(a).await,
        BenchCommand::Control(a) => {
            let backend = a.store.open(false).await?;
            with_store!(backend, |s| control(s, &a).await)
        }
    }
}

fn travellers(n: usize) -> anyhow::Result<Vec<crate::cmd::demo::Traveller>> {
    let today = OffsetDateTime::now_utc().date();
    let mut g = Generator::new(SEED);
    let mut rng = Rng::new(SEED);
    (0..n).map(|i| traveller(&mut g, &mut rng, i, today)).collect()
}

/// The bench's watchlist: `n` generated people (ids `B0000001` …), referred on a hit.
pub async fn fill_watchlist<S: Store>(store: &S, n: usize, started: Instant) -> anyhow::Result<()> {
    let mut g = Generator::new(SEED ^ 1);
    let mut entries = Vec::with_capacity(100_000);
    let mut done = 0;
    while done < n {
        entries.clear();
        for i in done..(done + 100_000).min(n) {
            let p = g.person();
            let e = g.entry(format!("B{:07}", i + 1), &p);
            entries.push(entry_from_row(e, domain::WatchAction::Refer, "bench")?);
        }
        for chunk in entries.chunks(5_000) {
            store.put_watch_entries(chunk, "system:bench", OffsetDateTime::now_utc()).await?;
        }
        done += entries.len();
        eprintln!("watchlist: {done} entries ({:.0} s)", started.elapsed().as_secs_f64());
    }
    Ok(())
}

async fn fill<S: Store>(store: &S, a: &FillArgs) -> anyhow::Result<()> {
    seed(store).await?;
    let started = Instant::now();
    fill_watchlist(store, a.watchlist, started).await?;

    let people = travellers(a.travellers)?;
    eprintln!("{} travellers made ({:.0} s)", people.len(), started.elapsed().as_secs_f64());
    let now = OffsetDateTime::now_utc();
    let per = a.crossings.div_ceil(a.travellers.max(1)).max(1);
    let mut batch = Vec::with_capacity(10_000);
    let mut written = 0usize;
    let mut rng = Rng::new(SEED ^ 3);
    let system = store::RecordedBy { actor: "system:bench".into(), ip: None };
    let t0 = Instant::now();
    'outer: for (i, t) in people.iter().enumerate() {
        let places = checkpoints_for(t.person.culture);
        // A year of trips, oldest first, out and back.
        for k in 0..per {
            if written + batch.len() >= a.crossings {
                break 'outer;
            }
            let days_ago = (per - k) as i64 * 365 / per as i64;
            batch.push(NewCrossing {
                id: uuid_from(&mut rng),
                document: t.document.clone(),
                name_key: server::control::service::name_key(
                    &t.document.surname,
                    &t.document.given_names,
                ),
                checkpoint: CheckpointCode::parse(places[rng.below(places.len())])?,
                direction: if k % 2 == 0 { Direction::Exit } else { Direction::Entry },
                channel: domain::Channel::Egate,
                at: now
                    - time::Duration::days(days_ago)
                    - time::Duration::minutes(rng.below(600) as i64),
                decision: Decision::Clear,
                client_decision: None,
                outcome: domain::CrossingOutcome::Crossed,
                stamped: false,
                actor: "device:bench".into(),
                body_hash: format!("bench-{i}-{k}"),
                alerts: Vec::new(),
                screened: true,
            });
        }
        if batch.len() >= 10_000 {
            written += batch.len();
            store.record_crossings(&batch, &system, now).await?;
            batch.clear();
            if written % 500_000 < 10_000 {
                let rate = written as f64 / t0.elapsed().as_secs_f64();
                eprintln!("crossings: {written} ({rate:.0}/s)");
            }
        }
    }
    written += batch.len();
    store.record_crossings(&batch, &system, now).await?;
    store.analyze().await?;
    println!(
        "filled ({}): {} watchlist entries, {} travellers, {written} crossings in {:.0} s",
        store.backend(),
        a.watchlist,
        a.travellers,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A keep-alive HTTP/1.1 connection: enough of a client for a benchmark.
pub(crate) struct Conn {
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
}

impl Conn {
    pub(crate) fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let s = TcpStream::connect(addr).context("connecting to the server")?;
        s.set_nodelay(true)?;
        Ok(Conn { reader: BufReader::new(s), addr })
    }

    pub(crate) fn call(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: &str,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        self.call_bytes(method, path, token, "application/json", body.as_bytes())
    }

    pub(crate) fn call_bytes(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 =
            line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status")?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse()?;
            }
        }
        let mut out = vec![0; length];
        self.reader.read_exact(&mut out)?;
        Ok((status, out))
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn document_json(d: &TravelDocument) -> Value {
    json!({
        "type": "passport", "number": d.number, "issuing_state": d.issuing_state,
        "surname": d.surname, "given_names": d.given_names, "nationality": d.nationality,
        "birth_date": d.birth_date.map(|x| x.to_string()), "sex": d.sex,
        "expiry_date": d.expiry_date.map(|x| x.to_string()),
    })
}

async fn control<S: Store>(store: S, a: &ControlArgs) -> anyhow::Result<()> {
    // Credentials made here: a device at Móng Cái to check and write, an analyst to look up.
    let now = OffsetDateTime::now_utc();
    let device = crate::cmd::server::add_device(
        &store,
        &CheckpointCode::parse("MONG-CAI")?,
        "bench",
        time::Duration::days(server::DEVICE_TOKEN_DAYS),
    )
    .await?;
    let analyst = server::accounts::credentials::Secret::generate();
    let name = format!("bench.{}", now.unix_timestamp_nanos() % 1_000_000_000);
    let id = store
        .add_user(
            &NewUser {
                username: Username::parse(&name)?,
                role: Role::Analyst,
                checkpoint: None,
                agency: None,
                password_hash: "!".into(),
            },
            now,
        )
        .await?;
    store
        .put_token(
            &NewToken {
                hash: analyst.digest(),
                kind: TokenKind::Api,
                owner: TokenOwner::User(id),
                csrf: None,
                expires_at: Some(now + time::Duration::hours(2)),
            },
            now,
        )
        .await?;
    let backend = store.backend();
    let load_started = Instant::now();
    let (addr, serving) = crate::cmd::server::serve_here(store, server::Options::default()).await?;
    println!("server ({backend}) ready in {:.1} s", load_started.elapsed().as_secs_f64());
    let people = tokio::task::spawn_blocking(|| travellers(SAMPLE)).await??;
    let docs: Arc<Vec<Value>> =
        Arc::new(people.iter().map(|t| document_json(&t.document)).collect());

    let (rate, seconds, writes, lookups) = (a.rate, a.seconds, a.writes, a.lookups);
    let device_token = device.expose().to_string();
    let analyst_token = analyst.expose().to_string();
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        // Control checks, open loop: request k is due at start + k / rate.
        let total = rate as usize * seconds as usize;
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
        let errors = Arc::new(Mutex::new(0usize));
        let workers = 16;
        let start = Instant::now() + Duration::from_millis(200);
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (docs, latencies, errors, token) = (docs.clone(), latencies.clone(), errors.clone(), device_token.clone());
                std::thread::spawn(move || -> anyhow::Result<()> {
                    let mut conn = Conn::open(addr)?;
                    let mut k = w;
                    while k < total {
                        let due = start + Duration::from_secs_f64(k as f64 / f64::from(rate));
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        let dir = if k % 2 == 0 { "entry" } else { "exit" };
                        let body = json!({"checkpoint": "MONG-CAI", "direction": dir, "document": docs[k % docs.len()]}).to_string();
                        let (status, _) = conn.call("POST", "/api/v1/control/check", &token, &body)?;
                        let ms = due.elapsed().as_secs_f64() * 1e3;
                        if status != 200 {
                            *errors.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                        }
                        latencies.lock().unwrap_or_else(|e| e.into_inner()).push(ms);
                        k += workers;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
        }
        let mut l = std::mem::take(&mut *latencies.lock().unwrap_or_else(|e| e.into_inner()));
        l.sort_by(f64::total_cmp);
        println!(
            "control check at {rate}/s for {seconds} s ({} requests, {} not 200): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            l.len(),
            errors.lock().unwrap_or_else(|e| e.into_inner()),
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&l, 0.99),
            percentile(&l, 1.0)
        );

        // Batch writes: two clients, 1,000 crossings a request, decisions made at the gate.
        let per_client = writes / 2;
        let t0 = Instant::now();
        let handles: Vec<_> = (0..2)
            .map(|c| {
                let (docs, token) = (docs.clone(), device_token.clone());
                std::thread::spawn(move || -> anyhow::Result<usize> {
                    let mut conn = Conn::open(addr)?;
                    let mut rng = Rng::new(SEED ^ (100 + c as u64) ^ OffsetDateTime::now_utc().unix_timestamp() as u64);
                    let mut stored = 0;
                    while stored < per_client {
                        let items: Vec<Value> = (0..1_000)
                            .map(|i| json!({"id": uuid_from(&mut rng), "checkpoint": "MONG-CAI",
                                "direction": if i % 2 == 0 { "entry" } else { "exit" }, "channel": "egate",
                                "decision": "clear", "document": docs[rng.below(docs.len())]}))
                            .collect();
                        let (status, body) = conn.call("POST", "/api/v1/crossings/batch", &token, &Value::Array(items).to_string())?;
                        if status != 200 {
                            bail!("batch answered {status}: {}", String::from_utf8_lossy(&body));
                        }
                        stored += 1_000;
                    }
                    Ok(stored)
                })
            })
            .collect();
        let mut stored = 0;
        for h in handles {
            stored += h.join().map_err(|_| anyhow::anyhow!("a writer panicked"))??;
        }
        let secs = t0.elapsed().as_secs_f64();
        println!("batch writes: {stored} crossings in {secs:.1} s: {:.0} crossings/s", stored as f64 / secs);

        // History lookups, one client after another.
        let mut conn = Conn::open(addr)?;
        let mut l = Vec::with_capacity(lookups);
        for i in 0..lookups {
            let d = &docs[(i * 7) % docs.len()];
            let path = format!(
                "/api/v1/travellers/history?issuing_state={}&number={}",
                d["issuing_state"].as_str().unwrap_or(""),
                d["number"].as_str().unwrap_or("")
            );
            let t = Instant::now();
            let (status, body) = conn.call("GET", &path, &analyst_token, "")?;
            l.push(t.elapsed().as_secs_f64() * 1e3);
            if status != 200 {
                bail!("history answered {status}: {}", String::from_utf8_lossy(&body));
            }
        }
        l.sort_by(f64::total_cmp);
        println!(
            "history lookups ({lookups}): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&l, 0.99)
        );
        Ok(())
    })
    .await?;
    serving.abort();
    report
}
