//! `bienphong screen --watchlist FILE.csv [--limit N] [--threshold T] [--explain]`: screen JSON
//! Lines queries against a watchlist, one answer per line, each flushed at once.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use screen::{Country, Dob, DocumentNumber, Hit, Index, Query, SearchOptions, Sex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::jsonl::{self, LineError};

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// The watchlist: CSV with the header `id,name,aliases,dob,nationality,sex,document_number`.
    #[arg(long)]
    pub watchlist: PathBuf,
    /// At most this many hits per query.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Only hits scoring at least this (0 to 1).
    #[arg(long, default_value_t = screen::DEFAULT_THRESHOLD, value_parser = unit_interval)]
    pub threshold: f32,
    /// Also list, under `held_back`, the listings whose whole name matches but that were not
    /// given as hits because the name is common and the list has no full date of birth.
    #[arg(long)]
    pub explain: bool,
}

pub fn unit_interval(s: &str) -> Result<f32, String> {
    let t: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&t) { Ok(t) } else { Err(format!("{t} is not between 0 and 1")) }
}

/// Reads and indexes the watchlist file; a bad row stops everything with its line number.
/// Every entry of a watchlist file with the line it came from.
pub fn read_list(path: &Path) -> anyhow::Result<Vec<(u64, screen::Entry)>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    bienphong::watchlist_csv::read(io::BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("reading {}", path.display()))
}

pub fn load(path: &Path) -> anyhow::Result<Index> {
    let rows = read_list(path)?;
    let mut index = Index::new();
    for (line, entry) in rows {
        index.upsert(entry).with_context(|| format!("reading {}: line {line}", path.display()))?;
    }
    Ok(index)
}

pub fn run(args: ScreenArgs) -> anyhow::Result<()> {
    let index = load(&args.watchlist)?;
    let options =
        SearchOptions { limit: args.limit, threshold: args.threshold, held_back: args.explain };
    jsonl::filter(io::stdin().lock(), io::stdout().lock(), |req: Result<QueryLine, LineError>| {
        match req.and_then(QueryLine::into_query) {
            Ok(q) => {
                let (held, hits): (Vec<Hit>, Vec<Hit>) =
                    index.search(&q, options).into_iter().partition(|h| h.held_back);
                Answer {
                    hits: hits.into_iter().map(HitOut::from).collect(),
                    held_back: args.explain.then(|| held.into_iter().map(HitOut::from).collect()),
                    error: None,
                }
            }
            Err(e) => {
                Answer { hits: Vec::new(), held_back: args.explain.then(Vec::new), error: Some(e) }
            }
        }
    })
}

/// One query line. Fields other than `name` may be absent, null or empty.
#[derive(Debug, Deserialize)]
pub struct QueryLine {
    name: Value,
    #[serde(default)]
    dob: Value,
    #[serde(default)]
    nationality: Value,
    #[serde(default)]
    sex: Value,
    #[serde(default)]
    document_number: Value,
}

impl QueryLine {
    pub fn into_query(self) -> Result<Query, LineError> {
        let name = match &self.name {
            Value::String(s) if !screen::normalize::tokens(s).is_empty() => s.clone(),
            Value::String(_) => {
                return Err(LineError::new("invalid_name", "the name has no letters"));
            }
            _ => return Err(LineError::new("invalid_input", "`name` must be a string")),
        };
        let text = |field: &str, v: &Value| -> Result<Option<String>, LineError> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                // A year given as a number.
                Value::Number(n) if field == "dob" => Ok(Some(n.to_string())),
                _ => Err(LineError::new("invalid_input", format!("`{field}` must be a string"))),
            }
        };
        let field_error = |e: screen::FieldError| LineError::new(e.code(), e.to_string());
        let dob =
            text("dob", &self.dob)?.map(|d| Dob::parse(&d)).transpose().map_err(field_error)?;
        let nationality = text("nationality", &self.nationality)?
            .map(|n| Country::parse(&n))
            .transpose()
            .map_err(field_error)?;
        let sex = match text("sex", &self.sex)? {
            Some(s) => Sex::parse(&s).map_err(field_error)?,
            None => None,
        };
        let document_number =
            text("document_number", &self.document_number)?.and_then(|d| DocumentNumber::parse(&d));
        Ok(Query { name, dob, nationality, sex, document_number })
    }
}

#[derive(Debug, Serialize)]
struct Answer {
    hits: Vec<HitOut>,
    /// With `--explain`: what was not given as a hit because the name is common.
    #[serde(skip_serializing_if = "Option::is_none")]
    held_back: Option<Vec<HitOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<LineError>,
}

#[derive(Debug, Serialize)]
pub(super) struct HitOut {
    id: String,
    score: f64,
    matched_name: String,
    reasons: Vec<String>,
}

impl From<Hit> for HitOut {
    fn from(h: Hit) -> HitOut {
        // Three decimals: more would be noise to an officer, and f32 digits beyond that are.
        let score = (f64::from(h.score) * 1000.0).round() / 1000.0;
        HitOut { id: h.id, score, matched_name: h.matched_name, reasons: h.reasons }
    }
}
