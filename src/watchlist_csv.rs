//! The watchlist file: `id,name,aliases,dob,nationality,sex,document_number`, aliases separated
//! by `|`, names as written (UTF-8). Read whole and checked before anything uses it.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use screen::{Country, Dob, DocumentNumber, Entry, Sex};

const COLUMNS: [&str; 7] =
    ["id", "name", "aliases", "dob", "nationality", "sex", "document_number"];

/// A row that cannot be read, with its line number in the file.
#[derive(Debug)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for RowError {}

/// Every entry with the line it came from, or the first bad row.
pub fn read(input: impl Read) -> Result<Vec<(u64, Entry)>, RowError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(input);
    let header_error = |reason: String| RowError { line: 1, reason };
    let headers = reader.headers().map_err(|e| header_error(csv_reason(&e)))?.clone();
    let mut at = [0usize; 7];
    for (k, column) in COLUMNS.iter().enumerate() {
        at[k] = headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(column))
            .ok_or_else(|| {
                header_error(format!(
                    "the header has no `{column}` column (expected {})",
                    COLUMNS.join(",")
                ))
            })?;
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| RowError {
            line: e.position().map_or(0, csv::Position::line),
            reason: csv_reason(&e),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let bad = |reason: String| RowError { line, reason };
        let field = |k: usize| record.get(at[k]).unwrap_or("").trim();
        let id = field(0);
        if id.is_empty() {
            return Err(bad("the id is empty".into()));
        }
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(bad(format!("the id `{id}` is already on line {first}")));
        }
        let name = field(1);
        if screen::normalize::tokens(name).is_empty() {
            return Err(bad(format!("the name `{name}` has no letters")));
        }
        let aliases: Vec<String> = field(2)
            .split('|')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(String::from)
            .collect();
        let optional = |k: usize| Some(field(k)).filter(|v| !v.is_empty());
        let dob = optional(3).map(Dob::parse).transpose().map_err(|e| bad(e.to_string()))?;
        let nationality =
            optional(4).map(Country::parse).transpose().map_err(|e| bad(e.to_string()))?;
        let sex = Sex::parse(field(5)).map_err(|e| bad(e.to_string()))?;
        let document_number = optional(6).and_then(DocumentNumber::parse);
        out.push((
            line,
            Entry {
                id: id.to_string(),
                name: name.to_string(),
                aliases,
                dob,
                nationality,
                sex,
                document_number,
            },
        ));
    }
    Ok(out)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8".into(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the row has {len} fields, the header {expected_len}")
        }
        _ => e.to_string(),
    }
}

/// Writes entries in the same format.
pub fn write(entries: &[Entry], out: impl std::io::Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for e in entries {
        let dob = e.dob.map(|d| d.to_string()).unwrap_or_default();
        let nat = e.nationality.map(|n| n.to_string()).unwrap_or_default();
        let sex = match e.sex {
            Some(Sex::Male) => "M",
            Some(Sex::Female) => "F",
            None => "",
        };
        let doc = e.document_number.as_ref().map_or("", DocumentNumber::as_str);
        w.write_record([e.id.as_str(), &e.name, &e.aliases.join("|"), &dob, &nat, sex, doc])?;
    }
    w.flush()?;
    Ok(())
}
