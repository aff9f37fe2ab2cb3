//! `bienphong mrz parse` and `bienphong mrz build`.

use std::io;

use clap::Subcommand;
use mrz::{Date, Format, Mrz, Sex};
use serde::{Deserialize, Serialize};

use crate::jsonl::{self, LineError};

#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Parse MRZs: each input line `{"mrz": "<lines separated by \n>", "reading_date":
    /// "YYYY-MM-DD"}` gives one output line with the fields, each check digit and the errors.
    /// The reading date defaults to today in Việt Nam.
    Parse,
    /// Build MRZs from fields: each input line `{"format": "TD3", "document_code": "P",
    /// "issuing_state", "surname", "given_names", "document_number", "nationality",
    /// "birth_date", "sex", "expiry_date", "optional_data", "optional_data_2"}` gives
    /// `{"mrz": "<lines separated by \n>"}` or `{"error": {...}}`.
    Build,
}

pub fn run(command: MrzCommand) -> anyhow::Result<()> {
    let (stdin, stdout) = (io::stdin().lock(), io::stdout().lock());
    match command {
        MrzCommand::Parse => {
            let today = today_in_vietnam();
            jsonl::filter(stdin, stdout, |req| parse_line(req, today))
        }
        MrzCommand::Build => jsonl::filter(stdin, stdout, build_line),
    }
}

/// Checkpoints work in Việt Nam time (UTC+7, no daylight saving).
fn today_in_vietnam() -> Date {
    let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::now_utc().to_offset(offset);
    // A clock beyond year 9999 is not a case this tool serves; fall back to a fixed day.
    u16::try_from(now.year())
        .ok()
        .and_then(|y| Date::new(y, u8::from(now.month()), now.day()))
        .unwrap_or(FALLBACK_DATE)
}

const FALLBACK_DATE: Date = match Date::new(2000, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};

#[derive(Debug, Deserialize)]
pub struct ParseRequest {
    mrz: String,
    reading_date: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ParseResponse {
    Read(Box<Reading>),
    Failed { valid: bool, errors: Vec<LineError> },
}

#[derive(Debug, Serialize)]
pub struct Reading {
    valid: bool,
    format: &'static str,
    document_code: String,
    issuing_state: String,
    surname: String,
    given_names: String,
    document_number: String,
    nationality: String,
    birth_date: Option<String>,
    sex: Option<String>,
    expiry_date: Option<String>,
    optional_data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    optional_data_2: Option<String>,
    checks: ChecksOut,
    errors: Vec<LineError>,
}

#[derive(Debug, Serialize)]
struct ChecksOut {
    document_number: bool,
    birth_date: bool,
    expiry_date: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    optional_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    composite: Option<bool>,
}

fn failed(error: LineError) -> ParseResponse {
    ParseResponse::Failed { valid: false, errors: vec![error] }
}

fn parse_line(req: Result<ParseRequest, LineError>, today: Date) -> ParseResponse {
    let req = match req {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let reading_date = match req.reading_date.as_deref().map(str::parse::<Date>) {
        None => today,
        Some(Ok(d)) => d,
        Some(Err(e)) => return failed(LineError::new("invalid_reading_date", e.to_string())),
    };
    match mrz::parse(&req.mrz, reading_date) {
        Ok(m) => ParseResponse::Read(Box::new(reading(m))),
        Err(e) => failed(LineError::new(e.code(), e.to_string())),
    }
}

fn reading(m: Mrz) -> Reading {
    Reading {
        valid: m.is_valid(),
        format: m.format.name(),
        errors: m.problems.iter().map(|p| LineError::new(p.code(), p.to_string())).collect(),
        checks: ChecksOut {
            document_number: m.checks.document_number,
            birth_date: m.checks.birth_date,
            expiry_date: m.checks.expiry_date,
            optional_data: m.checks.optional_data,
            composite: m.checks.composite,
        },
        document_code: m.document_code,
        issuing_state: m.issuing_state,
        surname: m.surname,
        given_names: m.given_names,
        document_number: m.document_number,
        nationality: m.nationality,
        birth_date: m.birth_date.map(|d| d.to_string()),
        sex: m.sex.map(|s| s.code().to_string()),
        expiry_date: m.expiry_date.map(|d| d.to_string()),
        optional_data: m.optional_data,
        optional_data_2: m.optional_data_2,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildRequest {
    format: String,
    document_code: String,
    issuing_state: String,
    surname: String,
    #[serde(default)]
    given_names: String,
    document_number: String,
    nationality: String,
    birth_date: Option<String>,
    #[serde(default)]
    sex: Option<String>,
    expiry_date: Option<String>,
    #[serde(default)]
    optional_data: String,
    #[serde(default)]
    optional_data_2: String,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum BuildResponse {
    Built { mrz: String },
    Failed { error: LineError },
}

fn build_line(req: Result<BuildRequest, LineError>) -> BuildResponse {
    match req
        .and_then(fields)
        .and_then(|f| mrz::build(&f).map_err(|e| LineError::new(e.code(), e.to_string())))
    {
        Ok(mrz) => BuildResponse::Built { mrz },
        Err(error) => BuildResponse::Failed { error },
    }
}

fn fields(req: BuildRequest) -> Result<mrz::Fields, LineError> {
    let format = Format::ALL
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(req.format.trim()))
        .ok_or_else(|| {
            LineError::new(
                "invalid_format",
                format!("`{}` is not a layout: TD1, TD2, TD3, MRV-A or MRV-B", req.format),
            )
        })?;
    let date = |field: &str, value: Option<String>| -> Result<Option<Date>, LineError> {
        value
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<Date>())
            .transpose()
            .map_err(|e| LineError::new("invalid_date", format!("{field}: {e}")))
    };
    let sex = match req.sex.as_deref().map(str::trim) {
        Some("M" | "m") => Sex::Male,
        Some("F" | "f") => Sex::Female,
        None | Some("" | "X" | "x" | "<") => Sex::Unspecified,
        Some(other) => {
            return Err(LineError::new(
                "invalid_sex",
                format!("`{other}` is not a sex: M, F or X"),
            ));
        }
    };
    Ok(mrz::Fields {
        format,
        document_code: req.document_code,
        issuing_state: req.issuing_state,
        surname: req.surname,
        given_names: req.given_names,
        document_number: req.document_number,
        nationality: req.nationality,
        birth_date: date("birth_date", req.birth_date)?,
        sex,
        expiry_date: date("expiry_date", req.expiry_date)?,
        optional_data: req.optional_data,
        optional_data_2: req.optional_data_2,
    })
}
