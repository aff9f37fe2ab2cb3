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
        /// Of every hundred listings, how many lack a full date of birth (half give a year, a
        /// quarter a month and year, a quarter nothing).
        #[arg(long, default_value_t = screen::eval::DEFAULT_PARTIAL_DOBS as u64, value_parser = clap::value_parser!(u64).range(0..=100))]
        partial_dobs: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Build the index from DIR/watchlist.csv, run DIR/queries.jsonl single-threaded, print the
    /// figures.
    Run {
        #[arg(long)]
        dir: PathBuf,
        /// Thresholds of the operating curve: recall and false alarms at each.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8,0.85,0.9,0.95",
            value_parser = super::screen::unit_interval
        )]
        thresholds: Vec<f32>,
        /// Also write every query with its label and its hits down to `--dump-threshold`, as
        /// JSON Lines, to study the misses and the false alarms.
        #[arg(long)]
        dump: Option<PathBuf>,
        #[arg(long, default_value_t = 0.2)]
        dump_threshold: f32,
        /// Also write the slowest hundredth of the queries, as `queries.jsonl` has them, to study
        /// the tail of the latency alone: as `queries.jsonl` beside the same `watchlist.csv`.
        #[arg(long)]
        slowest: Option<PathBuf>,
    },
}

/// A line of `queries.jsonl` as `generate` writes it: the query as `bienphong screen` takes it,
/// and the labels.
#[derive(Debug, Serialize)]
struct LabelledLine {
    name: String,
    dob: Option<String>,
    nationality: Option<String>,
    sex: Option<String>,
    document_number: Option<String>,
    expect: Option<String>,
    kind: String,
    /// The culture of the person queried, where the set says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    culture: Option<String>,
    /// What the list knows of the listed person's date of birth: full, month, year or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    listed_dob: Option<String>,
}

/// The labels of a line as `run` reads them. Only `expect` is needed (absent, null or empty for
/// a query about someone not listed); the others break the figures down where a set gives them,
/// and `listed_dob` is read off the list where it does not. A set made elsewhere need not have
/// them.
#[derive(Debug, Deserialize)]
struct Labels {
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    culture: Option<String>,
    #[serde(default)]
    listed_dob: Option<String>,
}

/// A query of the set: as the index takes it, its labels, and its line as written, which
/// `--slowest` and the dump give back unchanged.
struct Labelled {
    query: Query,
    labels: Labels,
    line: serde_json::Map<String, serde_json::Value>,
}

pub fn run(command: EvalCommand) -> anyhow::Result<()> {
    match command {
        EvalCommand::Generate { entries, positives, negatives, seed, partial_dobs, out } => {
            let set = EvalSet::generate_with(
                seed,
                entries,
                positives,
                negatives,
                usize::try_from(partial_dobs).unwrap_or(100),
            );
            generate(&set, &out)
        }
        EvalCommand::Run { dir, thresholds, dump, dump_threshold, slowest } => {
            let started = Instant::now();
            let index = super::screen::load(&dir.join("watchlist.csv"))?;
            let build = started.elapsed();
            let path = dir.join("queries.jsonl");
            let queries = read_queries(&path, &index)?;
            // Percentiles of nothing are no figures.
            anyhow::ensure!(!queries.is_empty(), "{} holds no queries", path.display());
            let slow = evaluate(&index, build, &queries, &thresholds);
            if let Some(path) = slowest {
                let written = write_jsonl(&path, slow.iter().map(|&i| &queries[i].line))?;
                println!("wrote the {written} slowest queries to {}", path.display());
            }
            if let Some(path) = dump {
                dump_outcomes(&index, &queries, &path, dump_threshold)?;
            }
            // Last, and without the index: the list is read again, and the memory that takes is
            // not the index's.
            drop(index);
            print_ceiling(&dir.join("watchlist.csv"), &queries)
        }
    }
}

/// The recall at 2 % false alarms that no scorer weighing names, dates, nationality, sex and
/// document numbers can pass on this set ([`screen::ceiling`]).
fn print_ceiling(list: &Path, queries: &[Labelled]) -> anyhow::Result<()> {
    let entries: Vec<screen::Entry> =
        super::screen::read_list(list)?.into_iter().map(|(_, e)| e).collect();
    let names = screen::ceiling::Names::new(&entries);
    let asked = |of: &dyn Fn(&Labels) -> bool| -> Vec<screen::ceiling::Asked<'_>> {
        queries
            .iter()
            .filter(|l| l.labels.expect.is_none() || of(&l.labels))
            .map(|l| screen::ceiling::Asked { query: &l.query, expect: l.labels.expect.as_deref() })
            .collect()
    };
    let c = names.ceiling(&asked(&|_| true), 0.02);
    if c.positives == 0 {
        println!("ceiling: no listed person is asked for");
        return Ok(());
    }
    println!(
        "ceiling at 2 % false alarms: recall at most {:.4} for any scorer that decides a query giving a listed name letter for letter from how many listed people bear it, how the dates of birth agree, nationality, sex and document number ({} of the {} listed people asked for are named otherwise and counted found)",
        c.recall, c.named_otherwise, c.positives
    );
    let reach: Vec<String> = screen::ceiling::DATE_KNOWN
        .iter()
        .zip(c.out_of_reach)
        .map(|(known, n)| format!("{known} {n:.0}"))
        .collect();
    println!(
        "  out of its reach, by what the list knows of the date of birth: {}",
        reach.join(", ")
    );
    // Each culture's and kind's own ceiling: the most of it found while the whole set keeps to
    // the budget, which bounds it however the rest fares.
    for (by, label) in [
        ("culture", (|l: &Labels| l.culture.clone()) as fn(&Labels) -> Option<String>),
        ("kind", |l: &Labels| l.kind.clone()),
    ] {
        let mut groups: Vec<String> = queries
            .iter()
            .filter(|l| l.labels.expect.is_some())
            .filter_map(|l| label(&l.labels))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let figures: Vec<String> = groups
            .iter()
            .map(|g| {
                let c = names.ceiling(&asked(&|l| label(l).as_ref() == Some(g)), 0.02);
                format!("{g} {:.4}", c.recall)
            })
            .collect();
        if !figures.is_empty() {
            println!("  by {by}: {}", figures.join(", "));
        }
    }
    Ok(())
}

fn generate(set: &EvalSet, out: &PathBuf) -> anyhow::Result<()> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let listed_dob: std::collections::HashMap<&str, &'static str> =
        set.entries.iter().map(|e| (e.id.as_str(), dob_known(e.dob))).collect();
    let list = out.join("watchlist.csv");
    let file = File::create(&list).with_context(|| format!("creating {}", list.display()))?;
    bienphong::watchlist_csv::write(&set.entries, BufWriter::new(file))
        .with_context(|| format!("writing {}", list.display()))?;
    let queries = out.join("queries.jsonl");
    let lines = set.queries.iter().map(|l| {
        let q = &l.query;
        LabelledLine {
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
            culture: Some(l.culture.name().to_string()),
            listed_dob: l
                .expect
                .as_deref()
                .and_then(|id| listed_dob.get(id))
                .map(|k| (*k).to_string()),
        }
    });
    write_jsonl(&queries, lines)?;
    println!(
        "wrote {} entries to {} and {} queries to {}",
        set.entries.len(),
        list.display(),
        set.queries.len(),
        queries.display()
    );
    Ok(())
}

/// Each query as `bienphong screen` reads it, with its labels and its line; blank lines are
/// passed over. What the list knows of a listed person's date of birth is read off `index`
/// where the line does not say.
fn read_queries(path: &Path, index: &Index) -> anyhow::Result<Vec<Labelled>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (n, text) in BufReader::new(file).lines().enumerate() {
        let text = text.with_context(|| format!("reading {}", path.display()))?;
        if text.trim().is_empty() {
            continue;
        }
        let at = || format!("{} line {}", path.display(), n + 1);
        let value: serde_json::Value = serde_json::from_str(&text).with_context(at)?;
        let mut labels = Labels::deserialize(&value).with_context(at)?;
        let query = QueryLine::deserialize(&value)
            .with_context(at)?
            .into_query()
            .map_err(|e| anyhow::anyhow!("{}: {}", at(), e.message))?;
        labels.expect = labels.expect.filter(|id| !id.trim().is_empty());
        if labels.listed_dob.is_none() {
            labels.listed_dob = labels
                .expect
                .as_deref()
                .and_then(|id| index.dob_of(id))
                .map(|dob| dob_known(dob).to_string());
        }
        let serde_json::Value::Object(line) = value else {
            anyhow::bail!("{}: not a JSON object", at());
        };
        out.push(Labelled { query, labels, line });
    }
    Ok(out)
}

/// What a listing's date of birth tells: `full`, `month`, `year` or `none`.
fn dob_known(dob: Option<screen::Dob>) -> &'static str {
    match dob {
        Some(screen::Dob::Full(_)) => "full",
        Some(screen::Dob::Month { .. }) => "month",
        Some(screen::Dob::Year(_)) => "year",
        None => "none",
    }
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

/// Prints the figures; returns the positions of the slowest hundredth of the queries, slowest
/// first.
fn evaluate(
    index: &Index,
    build: Duration,
    queries: &[Labelled],
    thresholds: &[f32],
) -> Vec<usize> {
    println!(
        "index: {} entries loaded and indexed in {:.2} s; {}",
        index.len(),
        build.as_secs_f64(),
        memory()
    );

    // Latency at the default threshold, single-threaded, as the desk would ask.
    let options = SearchOptions::default();
    let mut times = Vec::with_capacity(queries.len());
    let mut slowest: Vec<(f64, usize)> = Vec::new();
    let started = Instant::now();
    for (i, l) in queries.iter().enumerate() {
        let t = Instant::now();
        let hits = index.search(&l.query, options);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        times.push(ms);
        slowest.push((ms, i));
        std::hint::black_box(hits);
    }
    let total = started.elapsed().as_secs_f64();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "latency over {} queries (threshold {}): {}; {:.0} queries/s",
        times.len(),
        options.threshold,
        percentiles(&mut times),
        times.len() as f64 / total
    );

    let names: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|&(ms, i)| format!("{} ({ms:.1} ms)", queries[i].query.name))
        .collect();
    println!("slowest: {}", names.join(", "));

    // Quality across thresholds, from one pass at the lowest.
    let lowest = thresholds.iter().copied().fold(1.0f32, f32::min);
    let scored: Vec<Outcome<'_>> = queries
        .iter()
        .map(|Labelled { query: q, labels: line, .. }| {
            let options = SearchOptions { limit: 10, threshold: lowest, held_back: false };
            let hits = index.search(q, options);
            let score = match &line.expect {
                Some(id) => hits.iter().find(|h| &h.id == id).map_or(0.0, |h| h.score),
                None => hits.first().map_or(0.0, |h| h.score),
            };
            Outcome { score, positive: line.expect.is_some(), line }
        })
        .collect();
    println!(
        "operating curve: recall (listed people found) against false alarms (queries about people not listed with any hit)"
    );
    println!("threshold  recall  false-alarms");
    let mut best: Option<(f32, f64, f64)> = None;
    for &t in thresholds {
        let (recall, false_alarms) = quality(&scored, t, |_| true);
        println!("{t:>9.2}  {recall:>6.4}  {false_alarms:>6.4}");
        if false_alarms <= 0.02 && best.is_none_or(|b| recall > b.1) {
            best = Some((t, recall, false_alarms));
        }
    }
    if let Some((t, recall, false_alarms)) = best {
        println!(
            "best at most 2 % false alarms: threshold {t:.2}, recall {recall:.4}, false alarms {false_alarms:.4}"
        );
    }
    let t = screen::DEFAULT_THRESHOLD;
    println!("at the default threshold {t}:");
    let (recall, false_alarms) = quality(&scored, t, |_| true);
    println!("  overall                  recall {recall:.4}  false alarms {false_alarms:.4}");
    // Recall where the list has the full date of birth, beside each culture's and kind's: the
    // listings without one are judged by what their names alone can say.
    let dated_recall = |of: &dyn Fn(&Outcome<'_>) -> bool| {
        let dated = |o: &Outcome<'_>| of(o) && o.line.listed_dob.as_deref() == Some("full");
        match counts(&scored, dated) {
            (0, _) => "-".to_string(),
            _ => format!("{:.4}", quality(&scored, t, dated).0),
        }
    };
    let mut cultures: Vec<&str> = scored.iter().filter_map(|s| s.line.culture.as_deref()).collect();
    cultures.sort_unstable();
    cultures.dedup();
    // A set made elsewhere may not say the culture or the kind of its queries.
    if !cultures.is_empty() {
        println!("  by culture (recall where the list has the full date of birth in brackets):");
    }
    for culture in cultures {
        let of = |o: &Outcome<'_>| o.line.culture.as_deref() == Some(culture);
        let (pos, neg) = counts(&scored, of);
        let (recall, false_alarms) = quality(&scored, t, of);
        let dated = dated_recall(&of);
        println!(
            "    {culture:<22} {pos:>6} asked  recall {recall:.4} ({dated:>6})   {neg:>6} not listed  false alarms {false_alarms:.4}"
        );
    }
    println!("  by what the list knows of the date of birth:");
    for known in ["full", "month", "year", "none"] {
        let of = |o: &Outcome<'_>| o.line.listed_dob.as_deref() == Some(known);
        let (pos, _) = counts(&scored, of);
        if pos > 0 {
            let (recall, _) = quality(&scored, t, of);
            println!("    {known:<22} {pos:>6} asked  recall {recall:.4}");
        }
    }
    let mut kinds: Vec<&str> = scored.iter().filter_map(|s| s.line.kind.as_deref()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if !kinds.is_empty() {
        println!("  by kind (recall where the list has the full date of birth in brackets):");
    }
    for kind in kinds {
        let of = |o: &Outcome<'_>| o.line.kind.as_deref() == Some(kind);
        let (pos, neg) = counts(&scored, of);
        let (recall, false_alarms) = quality(&scored, t, of);
        if pos > 0 {
            let dated = dated_recall(&of);
            println!("    {kind:<22} {pos:>6} queries  recall {recall:.4} ({dated:>6})");
        } else {
            println!("    {kind:<22} {neg:>6} queries  false alarms {false_alarms:.4}");
        }
    }
    // What an officer who asks for held-back hits would see besides.
    let (mut rescued, mut noisy, mut missed) = (0usize, 0usize, 0usize);
    let mut times = Vec::with_capacity(queries.len());
    for Labelled { query: q, labels: line, .. } in queries {
        let options = SearchOptions { held_back: true, ..SearchOptions::default() };
        let t = Instant::now();
        let hits = index.search(q, options);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        match &line.expect {
            Some(id) if !hits.iter().any(|h| &h.id == id && !h.held_back) => {
                missed += 1;
                rescued += usize::from(hits.iter().any(|h| &h.id == id && h.held_back));
            }
            None => noisy += usize::from(hits.iter().any(|h| h.held_back)),
            _ => {}
        }
    }
    println!(
        "held back at the default threshold: {rescued} of the {missed} listed people missed are among the held-back hits; {noisy} queries about people not listed have held-back hits"
    );
    // Asking for them walks more of the index: the officer who asks waits this long.
    println!("latency with held-back hits asked: {}", percentiles(&mut times));
    println!("{}", memory());
    slowest.truncate(queries.len().div_ceil(100));
    slowest.into_iter().map(|(_, i)| i).collect()
}

/// The median, the 95th and 99th percentiles and the longest of `times` (milliseconds), which
/// it sorts.
fn percentiles(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let last = times.len().saturating_sub(1);
        times.get(((last as f64) * p).round() as usize).copied().unwrap_or(0.0)
    };
    format!(
        "p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    )
}

/// A query's score for what it should find (the listed person's, or for someone not listed the
/// best hit's; 0 for none) and its line.
struct Outcome<'a> {
    score: f32,
    positive: bool,
    line: &'a Labels,
}

/// Queries about listed people and about others among those `of` takes.
fn counts(scored: &[Outcome<'_>], of: impl Fn(&Outcome<'_>) -> bool) -> (usize, usize) {
    let pos = scored.iter().filter(|o| of(o) && o.positive).count();
    let neg = scored.iter().filter(|o| of(o) && !o.positive).count();
    (pos, neg)
}

/// Recall and the false-alarm share at threshold `t` among the queries `of` takes.
fn quality(scored: &[Outcome<'_>], t: f32, of: impl Fn(&Outcome<'_>) -> bool) -> (f64, f64) {
    let (pos, neg) = counts(scored, &of);
    let found =
        scored.iter().filter(|o| of(o) && o.positive && o.score >= t && o.score > 0.0).count();
    let alarmed =
        scored.iter().filter(|o| of(o) && !o.positive && o.score >= t && o.score > 0.0).count();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (ratio(found, pos), ratio(alarmed, neg))
}

/// A line of the dump: the labelled query as read, what the list knows of the listed person's
/// date of birth where the line did not say, and its hits.
#[derive(Debug, Serialize)]
struct DumpLine {
    #[serde(flatten)]
    line: serde_json::Map<String, serde_json::Value>,
    hits: Vec<HitOut>,
}

fn dump_outcomes(
    index: &Index,
    queries: &[Labelled],
    path: &Path,
    threshold: f32,
) -> anyhow::Result<()> {
    let lines = queries.iter().map(|l| {
        let options = SearchOptions { limit: 20, threshold, held_back: false };
        let hits = index.search(&l.query, options).into_iter().map(HitOut::from).collect();
        let mut line = l.line.clone();
        if let Some(known) = &l.labels.listed_dob {
            line.entry("listed_dob").or_insert_with(|| known.clone().into());
        }
        DumpLine { line, hits }
    });
    write_jsonl(path, lines)?;
    println!("wrote every query's hits from {threshold} to {}", path.display());
    Ok(())
}

/// Writes one JSON line for each item; how many it wrote.
fn write_jsonl<T: Serialize>(path: &Path, items: impl Iterator<Item = T>) -> anyhow::Result<usize> {
    let writing = || format!("writing {}", path.display());
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut written = 0usize;
    for item in items {
        serde_json::to_writer(&mut w, &item).with_context(writing)?;
        w.write_all(b"\n").with_context(writing)?;
        written += 1;
    }
    w.flush().with_context(writing)?;
    Ok(written)
}
