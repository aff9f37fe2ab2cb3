//! What goes in and comes out of the store.

use domain::{
    Actor, Channel, Checkpoint, CheckpointCode, CheckpointKind, Country, CrossingOutcome, Decision,
    Direction, DocumentNumber, Role, Sex, TravelDocument, Username, WatchAction,
};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub role: Role,
    pub checkpoint: Option<CheckpointCode>,
    /// The shipping agency an agent works for.
    pub agency: Option<i64>,
    /// An Argon2id PHC string: never the password.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: Username,
    pub role: Role,
    pub checkpoint: Option<CheckpointCode>,
    pub agency: Option<i64>,
    pub password_hash: String,
}

impl UserRecord {
    pub fn actor(&self) -> Actor {
        Actor {
            kind: domain::ActorKind::User {
                id: self.id,
                username: self.username.clone(),
                role: self.role,
                agency: self.agency,
            },
            checkpoint: self.checkpoint.clone(),
        }
    }
}

/// A device (an e-gate, a scanner) and whether it is still in service.
/// An account as an administrator lists it: never its password's hash.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRecord {
    pub username: Username,
    pub role: Role,
    pub checkpoint: Option<CheckpointCode>,
    pub agency: Option<i64>,
    #[serde(with = "domain::bounds::wire_time")]
    pub created_at: OffsetDateTime,
    #[serde(with = "domain::bounds::wire_time::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

/// What the audit page searches by; empty parts ask for anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who acted, as recorded (`user:officer.mongcai`, `device:3`).
    pub actor: String,
    /// A part of the subject: a document number, a user name, a dossier.
    pub subject: String,
    /// The action's stable name (`history.read`).
    pub action: String,
    /// `[from, to)`, milliseconds since 1970.
    pub from_ms: i64,
    pub to_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRecord {
    pub id: i64,
    pub checkpoint: CheckpointCode,
    pub name: String,
    #[serde(with = "domain::bounds::wire_time")]
    pub created_at: OffsetDateTime,
    #[serde(with = "domain::bounds::wire_time::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer` for API clients.
    Api,
    /// A web session (cookie), with its CSRF token.
    Session,
    Device,
}

impl TokenKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Session => "session",
            TokenKind::Device => "device",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "api" => Ok(TokenKind::Api),
            "session" => Ok(TokenKind::Session),
            "device" => Ok(TokenKind::Device),
            other => Err(StoreError::Corrupt(format!("token kind {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOwner {
    User(i64),
    Device(i64),
}

#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 of the secret, hex: the secret itself is never stored.
    pub hash: String,
    pub kind: TokenKind,
    pub owner: TokenOwner,
    pub csrf: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub kind: TokenKind,
    pub actor: Actor,
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TravellerRecord {
    pub id: i64,
    #[serde(flatten)]
    pub document: TravelDocument,
}

/// Whom a search for travellers asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TravellerQuery {
    /// A document number, whatever state issued it.
    Number(DocumentNumber),
    /// The start of a folded name (upper-case ASCII words, family name first), and the birth
    /// date (`YYYY-MM-DD`) when known.
    NamePrefix { prefix: String, birth_date: Option<String> },
}

/// Matches are counted up to this many: past it a search says "more than".
pub const TRAVELLER_COUNT_CAP: u64 = 10_000;

/// A crossing to store, with the traveller's document as read.
#[derive(Debug, Clone)]
pub struct NewCrossing {
    pub id: String,
    pub document: TravelDocument,
    /// The holder's name folded for lookup by name (see the server's `name_key`).
    pub name_key: String,
    pub checkpoint: CheckpointCode,
    pub direction: Direction,
    pub channel: Channel,
    pub at: OffsetDateTime,
    /// The platform's decision.
    pub decision: Decision,
    /// The decision the client sent, if it sent one: kept beside the platform's.
    pub client_decision: Option<Decision>,
    /// Crossed, or refused at the checkpoint (then not a movement).
    pub outcome: CrossingOutcome,
    /// The officer stamped the traveller's border pass at this crossing.
    pub stamped: bool,
    pub actor: String,
    /// A digest of what the client sent: the same id with another body is a conflict.
    pub body_hash: String,
    /// The watchlist hits to alert on, if the crossing is stored now.
    pub alerts: Vec<CrossingAlert>,
    /// Whether the platform screened it before storing it; if not, the background screening
    /// will (`Store::unscreened`, `Store::settle_screening`).
    pub screened: bool,
}

/// The platform's screening of a crossing stored before it was screened.
#[derive(Debug, Clone)]
pub struct Screening {
    pub crossing_id: String,
    /// The crossing's decision now: the stricter of the client's and the platform's.
    pub decision: Decision,
    pub alerts: Vec<CrossingAlert>,
}

/// A watchlist hit raised as an alert with the crossing that met it.
#[derive(Debug, Clone)]
pub struct CrossingAlert {
    pub entry_id: String,
    pub score: f64,
}

/// Who records a batch: the audit record written with it names them.
#[derive(Debug, Clone)]
pub struct RecordedBy {
    pub actor: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrossingRecord {
    pub id: String,
    pub traveller_id: i64,
    pub checkpoint: CheckpointCode,
    pub direction: Direction,
    pub channel: Channel,
    #[serde(with = "domain::bounds::wire_time")]
    pub at: OffsetDateTime,
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_decision: Option<Decision>,
    /// `refused`: the traveller was turned back here and did not cross.
    pub outcome: CrossingOutcome,
    /// The border pass was stamped at this crossing.
    pub stamped: bool,
    /// False until the platform has screened it (a batch's crossing with the client's
    /// decision is screened in the background, within seconds).
    pub screened: bool,
    pub actor: String,
    #[serde(skip)]
    pub body_hash: String,
}

impl CrossingRecord {
    /// A movement across the border, not a refusal.
    pub fn crossed(&self) -> bool {
        self.outcome == CrossingOutcome::Crossed
    }

    /// The crossing as the control rules see it.
    pub fn last_crossing(&self, checkpoint_name: String) -> domain::LastCrossing {
        domain::LastCrossing {
            direction: self.direction,
            checkpoint: self.checkpoint.clone(),
            checkpoint_name,
            at: self.at,
        }
    }
}

#[derive(Debug, Clone)]
pub enum RecordOutcome {
    Created(CrossingRecord),
    /// Stored before with the same body: a retry.
    Existing(CrossingRecord),
    /// Stored before with another body.
    Conflict(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HourCount {
    /// Hours since 1970 UTC.
    pub hour: i64,
    pub direction: Direction,
    pub outcome: CrossingOutcome,
    pub count: i64,
}

/// A date of birth on the watchlist: a full date, a month and year, or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchDob {
    Date(Date),
    Month { year: i32, month: time::Month },
    Year(i32),
}

impl WatchDob {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; a day or month written `00` or `XX` is unknown, as
    /// lists and civil records write it (`1950-00-00` is the year 1950).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let unknown = |p: &str| p == "00" || p.eq_ignore_ascii_case("XX");
        let parts: Vec<&str> = s.split('-').collect();
        match parts[..] {
            [y, m] | [y, m, _] if unknown(m) => {
                let day = parts.get(2).is_none_or(|d| {
                    unknown(d) || (d.len() == 2 && d.bytes().all(|c| c.is_ascii_digit()))
                });
                return if day {
                    WatchDob::parse(y).filter(|d| matches!(d, WatchDob::Year(_)))
                } else {
                    None
                };
            }
            [y, m, d] if unknown(d) => {
                return WatchDob::parse(&format!("{y}-{m}"))
                    .filter(|d| matches!(d, WatchDob::Month { .. }));
            }
            _ => {}
        }
        if s.len() == 4 {
            return s
                .parse()
                .ok()
                .filter(|y| (domain::bounds::FIRST_YEAR..=domain::bounds::LAST_YEAR).contains(y))
                .map(WatchDob::Year);
        }
        if let (7, Some((y, m))) = (s.len(), s.split_once('-')) {
            let year: i32 =
                y.parse().ok().filter(|_| y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()))?;
            let month: u8 = m.parse().ok().filter(|_| m.bytes().all(|c| c.is_ascii_digit()))?;
            let month = time::Month::try_from(month).ok()?;
            return (domain::bounds::FIRST_YEAR..=domain::bounds::LAST_YEAR)
                .contains(&year)
                .then_some(WatchDob::Month { year, month });
        }
        domain::bounds::parse_date("birth_date", s).ok().map(WatchDob::Date)
    }
}

impl std::fmt::Display for WatchDob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchDob::Date(d) => {
                write!(f, "{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            }
            WatchDob::Month { year, month } => write!(f, "{year:04}-{:02}", u8::from(*month)),
            WatchDob::Year(y) => write!(f, "{y:04}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchDocument {
    pub issuing_state: Option<Country>,
    pub number: DocumentNumber,
}

/// A person of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEntry {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub birth_date: Option<WatchDob>,
    pub nationality: Option<Country>,
    pub sex: Option<Sex>,
    pub documents: Vec<WatchDocument>,
    pub action: WatchAction,
    pub reason: String,
    pub valid_until: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AlertStatus {
    Open,
    Confirmed,
    Dismissed,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Confirmed => "confirmed",
            AlertStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(AlertStatus::Open),
            "confirmed" => Some(AlertStatus::Confirmed),
            "dismissed" => Some(AlertStatus::Dismissed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAlert {
    pub entry_id: String,
    pub traveller_id: i64,
    pub checkpoint: CheckpointCode,
    pub score: f64,
    /// The time of the crossing that raised it: an alert of the pair at the same checkpoint
    /// raised since then already answers for it (a node's, handled there, that came up before
    /// headquarters screened the node's crossing again).
    pub crossing_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRecord {
    pub id: i64,
    pub entry_id: String,
    pub entry_name: String,
    pub action: WatchAction,
    pub traveller_id: i64,
    pub traveller_name: String,
    pub traveller_document: String,
    pub checkpoint: CheckpointCode,
    pub score: f64,
    pub status: AlertStatus,
    #[serde(with = "domain::bounds::wire_time")]
    pub raised_at: OffsetDateTime,
    pub decided_by: Option<String>,
    #[serde(with = "domain::bounds::wire_time::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was confirmed or dismissed, in the officer's words.
    pub note: Option<String>,
}

pub(crate) fn parse_checkpoints(text: &str) -> Result<Vec<Checkpoint>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let bad =
            |what: String| StoreError::Corrupt(format!("checkpoints.csv line {}: {what}", i + 2));
        let row = row.map_err(|e| bad(e.to_string()))?;
        let field = |n: usize| row.get(n).unwrap_or("").trim();
        let optional = |n: usize| Some(field(n)).filter(|s| !s.is_empty());
        out.push(Checkpoint {
            code: CheckpointCode::parse(field(0)).map_err(|e| bad(e.to_string()))?,
            name_vi: field(1).to_string(),
            name_ascii: field(2).to_string(),
            kind: CheckpointKind::parse(field(3)).map_err(|e| bad(e.to_string()))?,
            province: field(4).to_string(),
            neighbour: optional(5)
                .map(Country::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            counterpart: optional(6).map(str::to_string),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_checkpoints_parse() {
        let list = crate::reference_checkpoints().unwrap();
        assert!(list.len() >= 40);
        let mc = list.iter().find(|c| c.code.as_str() == "MONG-CAI").unwrap();
        assert_eq!(mc.name_vi, "Móng Cái");
        assert_eq!(mc.neighbour.map(|n| n.to_string()).as_deref(), Some("CHN"));
        let hp = list.iter().find(|c| c.code.as_str() == "CANG-HAI-PHONG").unwrap();
        assert_eq!((hp.kind, hp.neighbour), (CheckpointKind::Seaport, None));
    }

    #[test]
    fn watch_dates_are_a_date_or_a_year() {
        assert_eq!(WatchDob::parse("1975").unwrap().to_string(), "1975");
        assert_eq!(WatchDob::parse("1975-03-09").unwrap().to_string(), "1975-03-09");
        assert!(WatchDob::parse("1975-13-01").is_none());
        // An unknown day or month, as lists write it.
        assert_eq!(WatchDob::parse("1975-00-00"), Some(WatchDob::Year(1975)));
        assert_eq!(WatchDob::parse("1975-XX"), Some(WatchDob::Year(1975)));
        assert_eq!(WatchDob::parse("1975-03-00").unwrap().to_string(), "1975-03");
        for bad in ["1975-13-00", "1975-00-1", "75-00-00", "1975-00-00-00", "00-00"] {
            assert!(WatchDob::parse(bad).is_none(), "{bad}");
        }
        assert!(WatchDob::parse("75").is_none());
        assert_eq!(WatchDob::parse("1975-03").unwrap().to_string(), "1975-03");
        for bad in ["1975-13", "1975-3", "197-03", "1975-0a", "+975-03"] {
            assert!(WatchDob::parse(bad).is_none(), "{bad}");
        }
    }
}
