//! `bienphong screen-eval`: make the evaluation set of the screening part and measure it —
//! recall, false alarms, latency, build time and memory — on this machine.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use screen::eval::EvalSet;
use screen::{DocumentNumber, Index, Query, SearchOptions, Sex};
use serde::{Deserialize, Serialize};

use super::screen::{HitOut, QueryLine};

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Write a generated watchlist (`watchlist.csv`) and labelled queries (`queries.jsonl`).
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        entries: usize,
        #[arg(long, default_value_t = 10_000)]
        positives: usize,
        #[arg(long, default_value_t = 10_000)]
        negatives: usize,
        #[arg(long, default_value_t = 20_261_125)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Build the index from DIR/watchlist.csv, run DIR/queries.jsonl single-threaded, print the
    /// figures.
    Run {
        #[arg(long)]
        dir: PathBuf,
        /// Thresholds to report recall and false alarms at.
        #[arg(long, value_delimiter = ',', default_value = "0.6,0.65,0.7,0.75,0.8,0.85,0.9")]
        thresholds: Vec<f32>,
        /// Also write every query with its label and its hits down to `--dump-threshold`, as
        /// JSON Lines, to study the misses and the false alarms.
        #[arg(long)]
        dump: Option<PathBuf>,
        #[arg(long, default_value_t = 0.2)]
        dump_threshold: f32,
    },
}

/// A line of `queries.jsonl`: the query as `bienphong screen` takes it, and the label.
#[derive(Debug, Serialize, Deserialize)]
struct LabelledLine {
    name: String,
    dob: Option<String>,
    nationality: Option<String>,
    sex: Option<String>,
    document_number: Option<String>,
    expect: Option<String>,
    kind: String,
}

pub fn run(command: EvalCommand) -> anyhow::Result<()> {
    match command {
        EvalCommand::Generate { entries, positives, negatives, seed, out } => {
            generate(entries, positives, negatives, seed, &out)
        }
        EvalCommand::Run { dir, thresholds, dump, dump_threshold } => {
            let started = Instant::now();
            let index = super::screen::load(&dir.join("watchlist.csv"))?;
            let build = started.elapsed();
            let queries = read_queries(&dir.join("queries.jsonl"))?;
            evaluate(&index, build, &queries, &thresholds);
            match dump {
                Some(path) => dump_outcomes(&index, &queries, &path, dump_threshold),
                None => Ok(()),
            }
        }
    }
}

fn generate(
    entries: usize,
    positives: usize,
    negatives: usize,
    seed: u64,
    out: &PathBuf,
) -> anyhow::Result<()> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let set = EvalSet::generate(seed, entries, positives, negatives);
    let list = out.join("watchlist.csv");
    let file = File::create(&list).with_context(|| format!("creating {}", list.display()))?;
    bienphong::watchlist_csv::write(&set.entries, BufWriter::new(file))
        .with_context(|| format!("writing {}", list.display()))?;
    let queries = out.join("queries.jsonl");
    let file = File::create(&queries).with_context(|| format!("creating {}", queries.display()))?;
    let mut w = BufWriter::new(file);
    for l in &set.queries {
        let q = &l.query;
        let line = LabelledLine {
            name: q.name.clone(),
            dob: q.dob.map(|d| d.to_string()),
            nationality: q.nationality.map(|n| n.to_string()),
            sex: q.sex.map(|s| if s == Sex::Male { "M".into() } else { "F".into() }),
            document_number: q
                .document_number
                .as_ref()
                .map(|d| DocumentNumber::as_str(d).to_string()),
            expect: l.expect.clone(),
            kind: l.kind.to_string(),
        };
        serde_json::to_writer(&mut w, &line).context("writing queries")?;
        w.write_all(b"\n").context("writing queries")?;
    }
    w.flush().context("writing queries")?;
    println!(
        "wrote {} entries to {} and {} queries to {}",
        set.entries.len(),
        list.display(),
        set.queries.len(),
        queries.display()
    );
    Ok(())
}

/// Each query as `bienphong screen` reads it, with its line as written (the label with it).
fn read_queries(path: &Path) -> anyhow::Result<Vec<(Query, LabelledLine)>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let l: LabelledLine = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        let q: QueryLine = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        let q = q
            .into_query()
            .map_err(|e| anyhow::anyhow!("{} line {}: {}", path.display(), n + 1, e.message))?;
        out.push((q, l));
    }
    Ok(out)
}

fn memory() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_string())
            .unwrap_or_default()
    };
    format!("resident {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

fn evaluate(index: &Index, build: Duration, queries: &[(Query, LabelledLine)], thresholds: &[f32]) {
    println!(
        "index: {} entries loaded and indexed in {:.2} s; {}",
        index.len(),
        build.as_secs_f64(),
        memory()
    );

    // Latency at the default threshold, single-threaded, as the desk would ask.
    let options = SearchOptions::default();
    let mut times = Vec::with_capacity(queries.len());
    let mut slowest: Vec<(f64, &str)> = Vec::new();
    let started = Instant::now();
    for (q, _) in queries {
        let t = Instant::now();
        let hits = index.search(q, options);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        times.push(ms);
        slowest.push((ms, &q.name));
        std::hint::black_box(hits);
    }
    let total = started.elapsed().as_secs_f64();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "latency over {} queries (threshold {}): p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.0} queries/s",
        times.len(),
        options.threshold,
        pct(0.5),
        pct(0.95),
        pct(0.99),
        times.last().copied().unwrap_or(0.0),
        times.len() as f64 / total
    );

    let names: Vec<String> =
        slowest.iter().take(5).map(|(ms, n)| format!("{n} ({ms:.1} ms)")).collect();
    println!("slowest: {}", names.join(", "));

    // Quality across thresholds, from one pass at the lowest.
    let lowest = thresholds.iter().copied().fold(1.0f32, f32::min);
    let scored: Vec<Outcome<'_>> = queries
        .iter()
        .map(|(q, LabelledLine { expect, kind, .. })| {
            let hits =
                index.search(q, SearchOptions { limit: 10, threshold: lowest, held_back: false });
            (hits.into_iter().map(|h| (h.id, h.score)).collect(), expect, kind.as_str())
        })
        .collect();
    println!("threshold  recall  false-alarm share (queries about people not listed with any hit)");
    for &t in thresholds {
        let (recall, false_alarms) = quality(&scored, t, None);
        println!("{t:>9.2}  {recall:>6.4}  {false_alarms:>6.4}");
    }
    let t = screen::DEFAULT_THRESHOLD;
    println!("by kind at the default threshold {t}:");
    let mut kinds: Vec<&str> = scored.iter().map(|s| s.2).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let n = scored.iter().filter(|s| s.2 == kind).count();
        let (recall, false_alarms) = quality(&scored, t, Some(kind));
        let positive = scored.iter().any(|s| s.2 == kind && s.1.is_some());
        if positive {
            println!("  {kind:<24} {n:>6} queries  recall {recall:.4}");
        } else {
            println!("  {kind:<24} {n:>6} queries  false alarms {false_alarms:.4}");
        }
    }
    println!("{}", memory());
}

/// A query's hits (id, score), the id it should find, and its kind.
type Outcome<'a> = (Vec<(String, f32)>, &'a Option<String>, &'a str);

fn quality(scored: &[Outcome<'_>], t: f32, kind: Option<&str>) -> (f64, f64) {
    let (mut pos, mut found, mut neg, mut alarmed) = (0usize, 0usize, 0usize, 0usize);
    for (hits, expect, k) in scored {
        if kind.is_some_and(|kind| kind != *k) {
            continue;
        }
        let above = || hits.iter().filter(move |h| h.1 >= t);
        match expect {
            Some(id) => {
                pos += 1;
                if above().any(|h| &h.0 == id) {
                    found += 1;
                }
            }
            None => {
                neg += 1;
                if above().next().is_some() {
                    alarmed += 1;
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (ratio(found, pos), ratio(alarmed, neg))
}

/// A line of the dump: the labelled query as read, and its hits.
#[derive(Debug, Serialize)]
struct DumpLine<'a> {
    #[serde(flatten)]
    query: &'a LabelledLine,
    hits: Vec<HitOut>,
}

fn dump_outcomes(
    index: &Index,
    queries: &[(Query, LabelledLine)],
    path: &Path,
    threshold: f32,
) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(file);
    for (q, labelled) in queries {
        let hits = index.search(q, SearchOptions { limit: 20, threshold, held_back: true });
        let hits = hits.into_iter().map(HitOut::from).collect();
        serde_json::to_writer(&mut w, &DumpLine { query: labelled, hits })
            .with_context(|| format!("writing {}", path.display()))?;
        w.write_all(b"\n").with_context(|| format!("writing {}", path.display()))?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))?;
    println!("wrote every query's hits from {threshold} to {}", path.display());
    Ok(())
}
