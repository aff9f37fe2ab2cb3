//! `bienphong egate simulate`: gates that stand in for the real ones, through the real API with
//! a device token. Generated travellers of the border (Vietnamese and Chinese) carry chips
//! signed by the simulator's test countries; a share of them bring an expired passport, a chip
//! altered after signing, a face that is not theirs, a chip that will not open, or a name on the
//! watchlist. `bienphong egate cscas` prints the test countries' CSCAs for `csca import`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use clap::{Args, Subcommand};
use domain::{CheckpointCode, Country, Direction};
use emrtd::issue::{TestChip, TestCountry};
use screen::eval::{Culture, Generator, Rng};
use serde_json::{Value, json};
use store::Store;
use time::OffsetDateTime;

use crate::cmd::server::{StoreArgs, with_store};

#[derive(Debug, Subcommand)]
pub enum EgateCommand {
    /// Drive simulated gates through the API: `--checkpoint MONG-CAI --gates 4 --rate 2/s`.
    Simulate(SimulateArgs),
    /// Print the simulator's test CSCAs (PEM), for `bienphong csca import`.
    Cscas,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The checkpoint whose gates these are.
    #[arg(long)]
    pub checkpoint: String,
    /// How many gates, 1 to 64.
    #[arg(long, default_value_t = 4)]
    pub gates: u32,
    /// Travellers a second, all gates together: `2/s`, `30/min`.
    #[arg(long, default_value = "2/s")]
    pub rate: String,
    /// How long to run (`60s`, `5m`, `1h`); until interrupted when left out.
    #[arg(long)]
    pub duration: Option<String>,
    /// The platform's address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// A device token of the checkpoint. Without it, the simulator enrols itself in the store
    /// (`--data-dir` / `--database-url`): a device of the checkpoint, and its test CSCAs.
    #[arg(long, env = "BIENPHONG_DEVICE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The travellers' seed (a fresh one each run when left out).
    #[arg(long)]
    pub seed: Option<u64>,
}

pub async fn run(command: EgateCommand) -> anyhow::Result<()> {
    match command {
        EgateCommand::Cscas => {
            for der in simulator_cscas()? {
                print!("{}", pem(&der));
            }
            Ok(())
        }
        EgateCommand::Simulate(args) => simulate(args).await,
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The test countries the simulator's chips are signed under.
fn countries() -> anyhow::Result<[TestCountry; 2]> {
    let get = |c: &str| TestCountry::simulator(c).with_context(|| format!("the test country {c}"));
    Ok([get("VN")?, get("CN")?])
}

pub fn simulator_cscas() -> anyhow::Result<Vec<Vec<u8>>> {
    Ok(countries()?.into_iter().map(|c| c.csca).collect())
}

/// `2/s`, `30/min`, `0.5/s`: travellers a second.
pub fn parse_rate(s: &str) -> anyhow::Result<f64> {
    let (n, unit) = s
        .trim()
        .split_once('/')
        .with_context(|| format!("--rate {s:?}: write it as 2/s or 30/min"))?;
    let n: f64 =
        n.trim().parse().ok().filter(|n: &f64| n.is_finite() && *n > 0.0).with_context(|| {
            format!("--rate {s:?}: the number of travellers is a positive number")
        })?;
    let per_second = match unit.trim() {
        "s" | "sec" => n,
        "min" | "m" => n / 60.0,
        "h" => n / 3600.0,
        other => bail!("--rate {s:?}: {other:?} is not s, min or h"),
    };
    if per_second > 1_000.0 {
        bail!("--rate {s:?}: at most 1000/s");
    }
    Ok(per_second)
}

/// `60s`, `5m`, `1h`, or seconds alone.
pub fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 =
        n.parse().with_context(|| format!("--duration {s:?}: write it as 60s, 5m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" | "min" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        other => bail!("--duration {s:?}: {other:?} is not s, m or h"),
    };
    if seconds == 0 || seconds > 7 * 24 * 3600 {
        bail!("--duration {s:?}: from 1 second to 7 days");
    }
    Ok(Duration::from_secs(seconds))
}

async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let checkpoint = CheckpointCode::parse(&args.checkpoint).context("--checkpoint")?;
    if !(1..=64).contains(&args.gates) {
        bail!("--gates {}: from 1 to 64", args.gates);
    }
    let rate = parse_rate(&args.rate)?;
    let duration = args.duration.as_deref().map(parse_duration).transpose()?;
    let (token, listed) = match &args.token {
        Some(t) => (t.clone(), Vec::new()),
        None => {
            let backend = args.store.open(false).await?;
            with_store!(backend, |s| enrol(&s, &checkpoint).await)?
        }
    };
    let config = Config {
        url: args.url.trim_end_matches('/').to_string(),
        token,
        gates: args.gates,
        rate,
        duration,
        seed: args.seed.unwrap_or_else(rand_seed),
        listed,
        quiet: false,
    };
    println!(
        "simulating {} gates at {} at {rate:.2} travellers/s{}; Ctrl-C to stop",
        config.gates,
        checkpoint,
        duration.map(|d| format!(" for {} s", d.as_secs())).unwrap_or_default()
    );
    let stats = run_sim(config).await?;
    println!("{}", stats.summary());
    if stats.sent > 0 && stats.answered == 0 {
        bail!("no transaction was answered: {}", stats.first_error.as_deref().unwrap_or("?"));
    }
    Ok(())
}

fn rand_seed() -> u64 {
    let t = OffsetDateTime::now_utc().unix_timestamp_nanos();
    (t as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

/// Without a token: a device of the checkpoint for the simulator, its test CSCAs trusted, and
/// people of the watchlist to send through now and then.
pub async fn enrol<S: Store>(
    store: &S,
    checkpoint: &CheckpointCode,
) -> anyhow::Result<(String, Vec<Listed>)> {
    trust_simulator(store).await?;
    let token = crate::cmd::server::add_device(
        store,
        checkpoint,
        "e-gate simulator",
        time::Duration::days(1),
    )
    .await?;
    let listed = listed_people(store).await?;
    Ok((token.expose().to_string(), listed))
}

/// The simulator's CSCAs, held like any imported.
pub async fn trust_simulator<S: Store>(store: &S) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let records = simulator_cscas()?
        .iter()
        .map(|der| server::egate::trust::csca_record(der, "egate simulator", now))
        .collect::<Result<Vec<_>, _>>()
        .context("the simulator's CSCAs")?;
    store.put_cscas(&records).await.context("storing the simulator's CSCAs")?;
    Ok(())
}

/// Watchlisted people the simulator can make passports for: a full date of birth, Vietnamese
/// or Chinese.
pub async fn listed_people<S: Store>(store: &S) -> anyhow::Result<Vec<Listed>> {
    let entries = store.watch_entries(None, 5_000).await.context("reading the watchlist")?;
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let dob = match e.birth_date {
                Some(store::WatchDob::Date(d)) => d,
                _ => return None,
            };
            let nationality = e.nationality.filter(|c| matches!(c.as_str(), "VNM" | "CHN"))?;
            let mut words = e.name.split_whitespace();
            let surname = words.next()?.to_string();
            let given = words.collect::<Vec<_>>().join(" ");
            Some(Listed { surname, given, dob, nationality })
        })
        .take(200)
        .collect())
}

/// A watchlisted person as the simulator sends them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub surname: String,
    pub given: String,
    pub dob: time::Date,
    pub nationality: Country,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub url: String,
    pub token: String,
    pub gates: u32,
    /// Travellers a second.
    pub rate: f64,
    pub duration: Option<Duration>,
    pub seed: u64,
    pub listed: Vec<Listed>,
    /// No progress lines (the demo's gates, the benchmark).
    pub quiet: bool,
}

/// What goes wrong with a traveller, and how often (per transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Genuine,
    Expired,
    Tampered,
    WrongFace,
    ChipFailed,
    Watchlisted,
}

fn kind(rng: &mut Rng, listed: bool) -> Kind {
    let x = rng.below(1000);
    match x {
        0..20 => Kind::Expired,
        20..30 => Kind::Tampered,
        30..50 => Kind::WrongFace,
        50..60 => Kind::ChipFailed,
        60..70 if listed => Kind::Watchlisted,
        _ => Kind::Genuine,
    }
}

/// A traveller of the simulator's pool: their passport, its chip, and which way they last
/// crossed (the entry/exit sequence must hold, or the desk's rule refers them).
struct Traveller {
    mrz: String,
    chip: TestChip,
    last: Option<Direction>,
    vietnamese: bool,
}

/// The figures of a run.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub sent: u64,
    pub answered: u64,
    pub opened: u64,
    pub referred: u64,
    pub failed: u64,
    pub reasons: std::collections::BTreeMap<String, u64>,
    /// Round trips, milliseconds: the latest [`SAMPLES`].
    pub latencies_ms: Vec<f64>,
    /// The platform's own milliseconds, as it answered: the latest [`SAMPLES`].
    pub platform_ms: Vec<f64>,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

/// The most round trips a run keeps: the demo's gates run for as long as the demo does, and a
/// run without `--duration` until it is stopped, so the figures are those of the latest ones.
pub const SAMPLES: usize = 200_000;

/// Keeps `v` among the latest [`SAMPLES`]: the `n`th sample takes the place of the one
/// [`SAMPLES`] before it.
fn keep(samples: &mut Vec<f64>, n: u64, v: f64) {
    let at = (n % SAMPLES as u64) as usize;
    match samples.get_mut(at) {
        Some(slot) => *slot = v,
        None => samples.push(v),
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl Stats {
    pub fn summary(&self) -> String {
        let mut l = self.latencies_ms.clone();
        l.sort_by(f64::total_cmp);
        let reasons: Vec<String> = self.reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!(
            "{} s: {} sent, {} answered ({} open, {} refer), {} failed; round trip p50 {:.1} ms, p99 {:.1} ms; reasons: {}{}",
            self.elapsed.as_secs(),
            self.sent,
            self.answered,
            self.opened,
            self.referred,
            self.failed,
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            if reasons.is_empty() { "none".into() } else { reasons.join(", ") },
            self.first_error.as_ref().map(|e| format!("; first error: {e}")).unwrap_or_default()
        )
    }
}

fn mrz_date(d: time::Date) -> Option<mrz::Date> {
    u16::try_from(d.year()).ok().and_then(|y| mrz::Date::new(y, u8::from(d.month()), d.day()))
}

#[allow(clippy::too_many_arguments)] // The MRZ's fields, each its own.
fn passport_mrz(
    state: Country,
    surname: &str,
    given: &str,
    number: &str,
    dob: time::Date,
    male: bool,
    expiry: time::Date,
) -> Option<String> {
    mrz::build(&mrz::Fields {
        format: mrz::Format::Td3,
        document_code: "P".into(),
        issuing_state: state.as_str().into(),
        surname: surname.into(),
        given_names: given.into(),
        document_number: number.into(),
        nationality: state.as_str().into(),
        birth_date: mrz_date(dob),
        sex: if male { mrz::Sex::Male } else { mrz::Sex::Female },
        expiry_date: mrz_date(expiry),
        optional_data: String::new(),
        optional_data_2: String::new(),
    })
    .ok()
}

/// A portrait's stand-in: as many bytes as a chip's JPEG, none of a face.
fn portrait(rng: &mut Rng) -> Vec<u8> {
    let mut face = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    face.extend((0..12_000).map(|_| rng.next_u64() as u8));
    face.extend_from_slice(b"\xFF\xD9");
    face
}

fn make_traveller(
    g: &mut Generator,
    rng: &mut Rng,
    countries: &[TestCountry; 2],
    today: time::Date,
    expired: bool,
) -> anyhow::Result<Traveller> {
    let person = loop {
        let p = g.person();
        if matches!(p.culture, Culture::Vietnamese | Culture::Chinese) {
            break p;
        }
    };
    let vietnamese = person.culture == Culture::Vietnamese;
    let state = if vietnamese { Country::VNM } else { Country::parse("CHN")? };
    // Numbers the demo's travellers never have: a Z and seven digits.
    let number = format!("Z{:07}", rng.below(10_000_000));
    let expiry = if expired {
        today - time::Duration::days(1 + rng.below(300) as i64)
    } else {
        today + time::Duration::days(60 + rng.below(3_000) as i64)
    };
    let family = person.family.join(" ");
    let given: Vec<&str> = person.middle.iter().chain(&person.given).map(String::as_str).collect();
    let male = person.sex == screen::Sex::Male;
    let mrz = passport_mrz(state, &family, &given.join(" "), &number, person.dob, male, expiry)
        .context("an MRZ for a generated traveller")?;
    let country = &countries[usize::from(!vietnamese)];
    let chip = country.issue(&mrz.replace('\n', ""), &portrait(rng))?;
    Ok(Traveller { mrz, chip, last: None, vietnamese })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One transaction's body, and whether its traveller would cross if the gate opened.
fn body(rng: &mut Rng, gate: &str, t: &Traveller, direction: Direction, kind: Kind) -> Value {
    let mut dg2 = t.chip.dg2.clone();
    if kind == Kind::Tampered {
        let i = 40 + rng.below(dg2.len().saturating_sub(41).max(1));
        if let Some(b) = dg2.get_mut(i) {
            *b ^= 0x20;
        }
    }
    let jitter = |rng: &mut Rng, from: u32, span: u32| from + rng.below(span as usize) as u32;
    let face = if kind == Kind::WrongFace {
        0.2 + rng.below(40) as f64 / 100.0
    } else {
        0.86 + rng.below(13) as f64 / 100.0
    };
    let chip_failed = kind == Kind::ChipFailed;
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "gate": gate,
        "direction": direction.as_str(),
        "document": {"mrz": t.mrz},
        "chip": if chip_failed { Value::Null } else { json!({
            "com": b64(&t.chip.com), "dg1": b64(&t.chip.dg1), "dg2": b64(&dg2), "sod": b64(&t.chip.sod)
        })},
        "chip_access": if chip_failed { "failed" } else if rng.chance(0.8) { "pace" } else { "bac" },
        "face": {"score": face, "liveness": 0.9 + rng.below(10) as f64 / 100.0},
        "fingerprints": null,
        "timings_ms": {
            "document": jitter(rng, 1_500, 1_500),
            "chip": if chip_failed { 6_000 } else { jitter(rng, 1_800, 2_000) },
            "face": jitter(rng, 2_500, 2_500),
            "gate": jitter(rng, 2_000, 1_500),
        },
    })
}

/// Runs the gates until the duration is over (or for ever), `rate` travellers a second spread
/// over the gates, each transaction on its own so that a slow answer delays no other.
pub async fn run_sim(config: Config) -> anyhow::Result<Stats> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("making the HTTP client")?;
    let today = domain::bounds::vietnam_date(OffsetDateTime::now_utc());
    let countries = countries()?;
    let mut rng = Rng::new(config.seed);
    let mut g = Generator::new(config.seed ^ 0xE6A7E);
    let pool_size = 400;
    let mut pool = Vec::with_capacity(pool_size);
    for _ in 0..pool_size {
        pool.push(make_traveller(&mut g, &mut rng, &countries, today, false)?);
    }
    let pool = Arc::new(Mutex::new(pool));
    let stats = Arc::new(Mutex::new(Stats::default()));
    let interval = Duration::from_secs_f64(1.0 / config.rate.max(1e-6));
    let started = Instant::now();
    let mut next = tokio::time::Instant::now();
    let mut last_report = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let url = format!("{}/api/v1/egate/transactions", config.url);
    let mut n: u64 = 0;
    loop {
        if config.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        next += interval;
        let gate = format!("G{}", n % u64::from(config.gates) + 1);
        n += 1;
        let kind = kind(&mut rng, !config.listed.is_empty());
        // Who comes, and their body: from the pool, or made for the occasion.
        let (slot, request) = {
            let pool = pool.lock().map_err(|_| anyhow::anyhow!("the pool's lock"))?;
            match kind {
                Kind::Expired | Kind::Watchlisted => {
                    let mut t =
                        make_traveller(&mut g, &mut rng, &countries, today, kind == Kind::Expired)?;
                    if kind == Kind::Watchlisted {
                        let p = rng.pick(&config.listed).clone();
                        let mrz = passport_mrz(
                            p.nationality,
                            &p.surname,
                            &p.given,
                            &format!("Z{:07}", rng.below(10_000_000)),
                            p.dob,
                            true,
                            today + time::Duration::days(400),
                        )
                        .context("a watchlisted traveller's MRZ")?;
                        let country = &countries[usize::from(p.nationality != Country::VNM)];
                        t.chip = country.issue(&mrz.replace('\n', ""), &portrait(&mut rng))?;
                        t.mrz = mrz;
                        t.vietnamese = p.nationality == Country::VNM;
                    }
                    let direction = if t.vietnamese { Direction::Exit } else { Direction::Entry };
                    (None, body(&mut rng, &gate, &t, direction, kind))
                }
                _ => {
                    let i = rng.below(pool.len());
                    let t = &pool[i];
                    let direction = match (t.last, t.vietnamese) {
                        (Some(Direction::Exit), _) => Direction::Entry,
                        (Some(Direction::Entry), _) => Direction::Exit,
                        (None, true) => Direction::Exit,
                        (None, false) => Direction::Entry,
                    };
                    (Some((i, direction)), body(&mut rng, &gate, t, direction, kind))
                }
            }
        };
        let (client, url, token) = (client.clone(), url.clone(), config.token.clone());
        let (shared, pool_of) = (stats.clone(), pool.clone());
        tasks.spawn(async move {
            let (stats, pool) = (shared, pool_of);
            let sent = Instant::now();
            let answer = client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(request.to_string())
                .send()
                .await;
            let ms = sent.elapsed().as_secs_f64() * 1000.0;
            let result: Result<Value, String> = match answer {
                Ok(r) if r.status().is_success() => match r.bytes().await {
                    Ok(b) => serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Ok(r) => {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    Err(format!("{status}: {}", text.chars().take(200).collect::<String>()))
                }
                Err(e) => Err(e.to_string()),
            };
            let Ok(mut s) = stats.lock() else { return };
            s.sent += 1;
            match result {
                Ok(v) => {
                    let n = s.answered;
                    s.answered += 1;
                    keep(&mut s.latencies_ms, n, ms);
                    if let Some(p) = v["platform_ms"].as_f64() {
                        keep(&mut s.platform_ms, n, p);
                    }
                    if v["decision"] == "open" {
                        s.opened += 1;
                        if let (Some((i, d)), Ok(mut pool)) = (slot, pool.lock()) {
                            pool[i].last = Some(d);
                        }
                    } else {
                        s.referred += 1;
                    }
                    for r in v["reasons"].as_array().into_iter().flatten() {
                        if let Some(code) = r["code"].as_str() {
                            *s.reasons.entry(code.to_string()).or_default() += 1;
                        }
                    }
                }
                Err(e) => {
                    s.failed += 1;
                    s.first_error.get_or_insert(e);
                }
            }
        });
        while tasks.try_join_next().is_some() {}
        if !config.quiet && last_report.elapsed() >= Duration::from_secs(10) {
            last_report = Instant::now();
            if let Ok(mut s) = stats.lock() {
                s.elapsed = started.elapsed();
                println!("{}", s.summary());
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    let mut s = stats.lock().map_err(|_| anyhow::anyhow!("the figures' lock"))?.clone();
    s.elapsed = started.elapsed();
    Ok(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_run_keeps_only_its_latest_round_trips() {
        let mut samples = Vec::new();
        for n in 0..(super::SAMPLES as u64 + 5) {
            super::keep(&mut samples, n, n as f64);
        }
        assert_eq!(samples.len(), super::SAMPLES);
        assert_eq!(samples[0], super::SAMPLES as f64, "the oldest gave its place");
        assert_eq!(samples[5], 5.0);
    }
}
