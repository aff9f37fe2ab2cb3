//! Crew and passenger lists (IMO FAL forms 5 and 6) as the border portal takes them. Three ways
//! in — JSON, CSV and XLSX — and one validation: each list becomes checked [`PersonOnBoard`]s,
//! or every problem found, each with its row and column, so that nothing is half-saved.
//!
//! The portal's rules: names in upper-case A–Z and 0–9 without diacritics; the master on the
//! first row of a crew list with the rank *Thuyền trưởng*; gender `M`/`F`; shore leave and
//! transit as `0`/`1`; dates `dd/mm/yyyy` in spreadsheets (`YYYY-MM-DD` on the wire);
//! nationality as the ICAO three-letter code or the country's full name.

#![forbid(unsafe_code)]

mod country;
mod fault;
mod sheet;

use std::fmt;

use domain::{Country, DocumentNumber};
use serde::{Deserialize, Deserializer, Serialize};
use time::Date;

pub use country::country_by_name;
pub use fault::Fault;
pub use sheet::{MAX_ROWS, read_csv, read_xlsx, write_xlsx};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ListKind {
    Crew,
    Passengers,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Crew => "crew",
            ListKind::Passengers => "passengers",
        }
    }
}

/// How dates are written in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateStyle {
    /// `YYYY-MM-DD`, as on the wire.
    Iso,
    /// `dd/mm/yyyy`, as in the portal's spreadsheets (`YYYY-MM-DD` is taken too: it cannot be
    /// mistaken).
    DayMonthYear,
}

/// A kind of identity document held by someone on board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IdDocType {
    Passport,
    SeafarerBook,
    IdCard,
    Other,
}

impl IdDocType {
    pub fn as_str(self) -> &'static str {
        match self {
            IdDocType::Passport => "passport",
            IdDocType::SeafarerBook => "seafarer_book",
            IdDocType::IdCard => "id_card",
            IdDocType::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match fold(s).as_str() {
            "passport" | "p" | "ho chieu" => IdDocType::Passport,
            "seafarer_book" | "seafarer book" | "seaman book" | "seamans book"
            | "seaman's book" | "seafarer's book" | "s" | "so thuyen vien" => {
                IdDocType::SeafarerBook
            }
            "id_card" | "id card" | "i" | "can cuoc" | "the can cuoc" | "cmnd" | "cccd" => {
                IdDocType::IdCard
            }
            "other" | "khac" => IdDocType::Other,
            _ => return None,
        })
    }
}

/// Female or male, as the forms take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
        }
    }
}

/// One person on board, checked. Serialised as the API shows and the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonOnBoard {
    pub family_name: String,
    pub given_names: String,
    /// Crew only.
    pub rank: Option<String>,
    pub nationality: Country,
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    pub place_of_birth: Option<String>,
    pub sex: Gender,
    pub document_type: IdDocType,
    pub document_number: DocumentNumber,
    pub document_issuing_state: Country,
    #[serde(with = "iso_date")]
    pub document_expiry: Date,
    /// Crew: shore leave requested.
    #[serde(default)]
    pub shore_leave: bool,
    /// Passengers: in transit.
    #[serde(default)]
    pub transit: bool,
    pub visa_number: Option<String>,
}

impl PersonOnBoard {
    /// Family name first, as the list shows it.
    pub fn full_name(&self) -> String {
        if self.given_names.is_empty() {
            self.family_name.clone()
        } else {
            format!("{} {}", self.family_name, self.given_names)
        }
    }

    /// The master of a crew list.
    pub fn is_master(&self) -> bool {
        self.rank.as_deref().is_some_and(is_master_rank)
    }
}

/// A cell as given: text, a number or a yes/no, kept as text until it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell(pub String);

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Cell {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .description(Some("text, a number or a yes/no, checked as the column wants it"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Cell {}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Float(f64),
            Flag(bool),
        }
        Ok(Cell(match Raw::deserialize(d)? {
            Raw::Text(s) => s,
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::Flag(b) => if b { "1" } else { "0" }.to_string(),
        }))
    }
}

/// One person as given, before it is checked: from JSON, or a spreadsheet row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonInput {
    pub family_name: Option<Cell>,
    pub given_names: Option<Cell>,
    pub rank: Option<Cell>,
    pub nationality: Option<Cell>,
    pub birth_date: Option<Cell>,
    pub place_of_birth: Option<Cell>,
    pub sex: Option<Cell>,
    pub document_type: Option<Cell>,
    pub document_number: Option<Cell>,
    pub document_issuing_state: Option<Cell>,
    pub document_expiry: Option<Cell>,
    pub shore_leave: Option<Cell>,
    pub transit: Option<Cell>,
    pub visa_number: Option<Cell>,
}

/// The columns of a list, by their wire names.
pub const COLUMNS: &[&str] = &[
    "family_name",
    "given_names",
    "rank",
    "nationality",
    "birth_date",
    "place_of_birth",
    "sex",
    "document_type",
    "document_number",
    "document_issuing_state",
    "document_expiry",
    "shore_leave",
    "transit",
    "visa_number",
];

impl PersonInput {
    fn get(&self, column: &str) -> Option<&str> {
        let c = match column {
            "family_name" => &self.family_name,
            "given_names" => &self.given_names,
            "rank" => &self.rank,
            "nationality" => &self.nationality,
            "birth_date" => &self.birth_date,
            "place_of_birth" => &self.place_of_birth,
            "sex" => &self.sex,
            "document_type" => &self.document_type,
            "document_number" => &self.document_number,
            "document_issuing_state" => &self.document_issuing_state,
            "document_expiry" => &self.document_expiry,
            "shore_leave" => &self.shore_leave,
            "transit" => &self.transit,
            "visa_number" => &self.visa_number,
            _ => return None,
        };
        c.as_ref().map(|c| c.0.trim()).filter(|s| !s.is_empty())
    }

    pub(crate) fn set(&mut self, column: &str, value: String) {
        let slot = match column {
            "family_name" => &mut self.family_name,
            "given_names" => &mut self.given_names,
            "rank" => &mut self.rank,
            "nationality" => &mut self.nationality,
            "birth_date" => &mut self.birth_date,
            "place_of_birth" => &mut self.place_of_birth,
            "sex" => &mut self.sex,
            "document_type" => &mut self.document_type,
            "document_number" => &mut self.document_number,
            "document_issuing_state" => &mut self.document_issuing_state,
            "document_expiry" => &mut self.document_expiry,
            "shore_leave" => &mut self.shore_leave,
            "transit" => &mut self.transit,
            "visa_number" => &mut self.visa_number,
            _ => return,
        };
        *slot = Some(Cell(value));
    }

    pub(crate) fn is_blank(&self) -> bool {
        COLUMNS.iter().all(|c| self.get(c).is_none())
    }
}

/// Where a problem is: the row as the sender counts it (a spreadsheet's row number, the
/// header being row 1; the position in a JSON list, from 1) and the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub list: ListKind,
    pub row: usize,
    pub column: String,
    /// What is wrong: a `code` and its particulars.
    #[serde(flatten)]
    pub fault: Fault,
    /// The fault in English words.
    pub message: String,
}

impl Problem {
    pub fn new(list: ListKind, row: usize, column: impl Into<String>, fault: Fault) -> Problem {
        Problem { list, row, column: column.into(), message: fault.to_string(), fault }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} row {}, {}: {}", self.list.as_str(), self.row, self.column, self.message)
    }
}

/// A list refused whole, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the list; the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct Refused(pub Vec<Problem>);

/// A row to check: where it came from and what it holds.
#[derive(Debug, Clone)]
pub struct Row {
    pub row: usize,
    /// How the sender names each column, for the problems (`C (Ngày sinh)` in a spreadsheet,
    /// `birth_date` in JSON).
    pub labels: std::sync::Arc<[(String, String)]>,
    pub input: PersonInput,
}

/// Rows from a JSON list, numbered from 1.
pub fn json_rows(people: Vec<PersonInput>) -> Vec<Row> {
    let labels: std::sync::Arc<[(String, String)]> =
        COLUMNS.iter().map(|c| (c.to_string(), c.to_string())).collect();
    people
        .into_iter()
        .enumerate()
        .map(|(i, input)| Row { row: i + 1, labels: labels.clone(), input })
        .collect()
}

/// Checks a whole list: every person, and the list's own rules (the master first). `today`
/// bounds dates of birth.
pub fn check_list(
    kind: ListKind,
    rows: &[Row],
    dates: DateStyle,
    today: Date,
) -> Result<Vec<PersonOnBoard>, Refused> {
    let mut problems = Vec::new();
    let mut people = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(p) = check_person(kind, r, dates, today, &mut problems) {
            people.push(p);
        }
    }
    if kind == ListKind::Crew {
        match rows.first() {
            None => problems.push(Problem::new(kind, 1, "rank", Fault::NoMaster)),
            Some(first) if !first.input.get("rank").is_some_and(is_master_rank) => {
                problems.push(Problem::new(
                    kind,
                    first.row,
                    label(first, "rank"),
                    Fault::MasterNotFirst,
                ));
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() { Ok(people) } else { Err(Refused(problems)) }
}

fn label(r: &Row, column: &str) -> String {
    r.labels
        .iter()
        .find(|(c, _)| c == column)
        .map_or_else(|| column.to_string(), |(_, l)| l.clone())
}

fn check_person(
    kind: ListKind,
    r: &Row,
    dates: DateStyle,
    today: Date,
    problems: &mut Vec<Problem>,
) -> Option<PersonOnBoard> {
    let before = problems.len();
    let mut fail = |column: &str, fault: Fault| {
        problems.push(Problem::new(kind, r.row, label(r, column), fault));
    };
    let input = &r.input;
    let family_name = match input.get("family_name") {
        None => {
            fail("family_name", Fault::MissingFamilyName);
            None
        }
        Some(n) => check_name(n).map_err(|m| fail("family_name", m)).ok(),
    };
    let given_names = match input.get("given_names") {
        None => Some(String::new()),
        Some(n) => check_name(n).map_err(|m| fail("given_names", m)).ok(),
    };
    let rank = match (kind, input.get("rank")) {
        (ListKind::Crew, None) => {
            fail("rank", Fault::MissingRank);
            None
        }
        (_, r) => r.map(|r| r.chars().take(60).collect::<String>()),
    };
    let mut country = |column: &str| match input.get(column) {
        None => {
            fail(column, Fault::Missing);
            None
        }
        Some(s) => Country::parse(s).ok().or_else(|| country_by_name(s)).or_else(|| {
            fail(column, Fault::UnknownCountry { value: s.to_string() });
            None
        }),
    };
    let nationality = country("nationality");
    let document_issuing_state = country("document_issuing_state");
    let mut date = |column: &str| match input.get(column) {
        None => {
            fail(column, Fault::Missing);
            None
        }
        Some(s) => parse_date(s, dates).map_err(|m| fail(column, m)).ok(),
    };
    let birth_date = date("birth_date");
    let document_expiry = date("document_expiry");
    if let Some(b) = birth_date
        && b > today
    {
        fail("birth_date", Fault::BirthInFuture { date: b.to_string() });
    }
    let sex = match input.get("sex").map(str::to_ascii_uppercase).as_deref() {
        Some("M") => Some(Gender::Male),
        Some("F") => Some(Gender::Female),
        None => {
            fail("sex", Fault::MissingSex);
            None
        }
        Some(other) => {
            fail("sex", Fault::NotSex { value: other.to_string() });
            None
        }
    };
    let document_type = match input.get("document_type") {
        None => Some(IdDocType::Passport),
        Some(s) => IdDocType::parse(s).or_else(|| {
            fail("document_type", Fault::NotDocumentType { value: s.to_string() });
            None
        }),
    };
    let document_number = match input.get("document_number") {
        None => {
            fail("document_number", Fault::Missing);
            None
        }
        Some(s) => DocumentNumber::parse(s)
            .map_err(|e| fail("document_number", Fault::BadDocumentNumber { detail: e.message }))
            .ok(),
    };
    let mut flag = |column: &str| match input.get(column) {
        None | Some("0") => Some(false),
        Some("1") => Some(true),
        Some(other) => {
            fail(column, Fault::NotZeroOne { value: other.to_string() });
            None
        }
    };
    let shore_leave = flag("shore_leave");
    let transit = flag("transit");
    if kind == ListKind::Crew && transit == Some(true) {
        fail("transit", Fault::TransitForCrew);
    }
    if kind == ListKind::Passengers && shore_leave == Some(true) {
        fail("shore_leave", Fault::ShoreLeaveForPassenger);
    }
    if problems.len() > before {
        return None;
    }
    Some(PersonOnBoard {
        family_name: family_name?,
        given_names: given_names?,
        rank,
        nationality: nationality?,
        birth_date: birth_date?,
        place_of_birth: input.get("place_of_birth").map(|s| s.chars().take(80).collect()),
        sex: sex?,
        document_type: document_type?,
        document_number: document_number?,
        document_issuing_state: document_issuing_state?,
        document_expiry: document_expiry?,
        shore_leave: shore_leave?,
        transit: transit?,
        visa_number: input.get("visa_number").map(|s| s.chars().take(30).collect()),
    })
}

/// Upper-case A–Z, 0–9 and single spaces, as the portal and the MRZ take names.
fn check_name(s: &str) -> Result<String, Fault> {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.len() > 80 {
        return Err(Fault::NameTooLong);
    }
    if collapsed.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ') {
        return Ok(collapsed);
    }
    let suggestion: String = deunicode::deunicode(&collapsed.replace(['Đ', 'đ'], "D"))
        .to_ascii_uppercase()
        .chars()
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == ' ')
        .collect();
    Err(Fault::NameNotAscii { value: collapsed, suggestion })
}

fn parse_date(s: &str, style: DateStyle) -> Result<Date, Fault> {
    let bad = || Fault::NotDate { value: s.to_string(), style };
    let num = |t: &str| t.parse::<u16>().ok().filter(|_| t.bytes().all(|b| b.is_ascii_digit()));
    let (y, m, d) = if let [y, m, d] = s.split('-').collect::<Vec<_>>()[..]
        && y.len() == 4
        && m.len() == 2
        && d.len() == 2
    {
        (num(y), num(m), num(d))
    } else if style == DateStyle::DayMonthYear
        && let [d, m, y] = s.split('/').collect::<Vec<_>>()[..]
        && y.len() == 4
        && (1..=2).contains(&m.len())
        && (1..=2).contains(&d.len())
    {
        (num(y), num(m), num(d))
    } else {
        return Err(bad());
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else { return Err(bad()) };
    let month = time::Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
    Date::from_calendar_date(i32::from(y), month, u8::try_from(d).map_err(|_| bad())?)
        .map_err(|_| Fault::NotRealDate { value: s.to_string() })
}

/// Lower case, no diacritics, single spaces: how headers and ranks are compared.
pub(crate) fn fold(s: &str) -> String {
    deunicode::deunicode(&s.replace(['Đ', 'đ'], "d"))
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_master_rank(rank: &str) -> bool {
    matches!(fold(rank).as_str(), "thuyen truong" | "master" | "captain" | "master mariner")
}

mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn person(json: &str) -> PersonInput {
        serde_json::from_str(json).unwrap()
    }

    fn master() -> PersonInput {
        person(
            r#"{"family_name": "IVANOV", "given_names": "PETR", "rank": "Thuyền trưởng",
                "nationality": "RUS", "birth_date": "1970-03-01", "sex": "M",
                "document_type": "seafarer_book", "document_number": "RUS1234567",
                "document_issuing_state": "RUS", "document_expiry": "2030-01-01",
                "shore_leave": 0}"#,
        )
    }

    #[test]
    fn a_good_crew_list_checks() {
        let mut cook = master();
        cook.rank = Some(Cell("Cook".into()));
        cook.shore_leave = Some(Cell("1".into()));
        cook.nationality = Some(Cell("Philippines".into()));
        let people =
            check_list(ListKind::Crew, &json_rows(vec![master(), cook]), DateStyle::Iso, TODAY)
                .unwrap();
        assert_eq!(people.len(), 2);
        assert!(people[0].is_master());
        assert!(people[1].shore_leave);
        assert_eq!(people[1].nationality.as_str(), "PHL");
        let back: PersonOnBoard =
            serde_json::from_str(&serde_json::to_string(&people[1]).unwrap()).unwrap();
        assert_eq!(back, people[1]);
    }

    #[test]
    fn every_problem_is_reported_with_its_row_and_column() {
        let mut bad = master();
        bad.rank = Some(Cell("Cook".into()));
        bad.family_name = Some(Cell("Nguyễn".into()));
        bad.birth_date = Some(Cell("2027-01-01".into()));
        bad.sex = Some(Cell("X".into()));
        bad.nationality = Some(Cell("Atlantis".into()));
        bad.shore_leave = Some(Cell("yes".into()));
        let Err(Refused(problems)) =
            check_list(ListKind::Crew, &json_rows(vec![bad]), DateStyle::Iso, TODAY)
        else {
            panic!("accepted");
        };
        let cols: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            cols,
            ["family_name", "nationality", "birth_date", "sex", "shore_leave", "rank"],
            "{problems:#?}"
        );
        assert!(problems.iter().all(|p| p.row == 1));
        assert!(problems[0].message.contains("\"NGUYEN\""), "{}", problems[0].message);
        assert!(problems[5].message.contains("master comes first"));
    }

    #[test]
    fn dates_follow_the_style() {
        assert_eq!(parse_date("05/03/1980", DateStyle::DayMonthYear), Ok(date!(1980 - 03 - 05)));
        assert_eq!(parse_date("1980-03-05", DateStyle::DayMonthYear), Ok(date!(1980 - 03 - 05)));
        assert!(parse_date("05/03/1980", DateStyle::Iso).is_err());
        assert!(matches!(
            parse_date("31/02/1980", DateStyle::DayMonthYear),
            Err(Fault::NotRealDate { .. })
        ));
        assert!(parse_date("1/1/80", DateStyle::DayMonthYear).is_err());
        assert!(parse_date("+1/01/1980", DateStyle::DayMonthYear).is_err());
    }

    #[test]
    fn passengers_may_transit_but_not_go_ashore() {
        let mut p = master();
        p.rank = None;
        p.transit = Some(Cell("1".into()));
        let ok =
            check_list(ListKind::Passengers, &json_rows(vec![p.clone()]), DateStyle::Iso, TODAY)
                .unwrap();
        assert!(ok[0].transit);
        p.shore_leave = Some(Cell("1".into()));
        assert!(
            check_list(ListKind::Passengers, &json_rows(vec![p]), DateStyle::Iso, TODAY).is_err()
        );
    }
}
