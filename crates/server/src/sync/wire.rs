//! The sync protocol's messages (`docs/sync.md`) as they travel, and their reading into the
//! store's types. Everything a node or headquarters receives is read here, field by field,
//! with the same bounds as any other outside input: a peer is trusted to be who it is, not to
//! be right.

use base64::Engine;
use domain::bounds::{self, NAME_MAX, NOTE_MAX};
use domain::{
    Channel, CheckpointCode, Country, CrossingOutcome, Decision, Direction, DocumentNumber,
    DocumentType, InvalidValue, Role, Sex, TravelDocument, Username, WatchAction,
};
use serde::{Deserialize, Serialize};
use store::permit::{
    Holder, KeyRole, Movement, MovementRecord, NewPermit, PermitRecord, Revocation,
    RevocationListRecord, RevocationScope,
};
use store::sync::{
    AlertUp, Dismissal, MovementUp, SyncAccount, SyncCertificate, SyncDevice, SyncToken,
};
use store::{AlertStatus, AuditRecord, CrossingRecord, WatchDob, WatchDocument, WatchEntry};
use time::OffsetDateTime;

/// Records in one message up, at most: what a node sends in one request.
pub const UP_BATCH: usize = 1_000;
/// Watchlist entries in one answer down.
pub const WATCH_BATCH: usize = 2_000;
/// Dismissals, and the post's permits, in one answer down.
pub const CHANGES_BATCH: usize = 1_000;
/// A message's size, compressed and once inflated: the bound on what one request may cost.
pub const MAX_COMPRESSED: usize = 8 * 1024 * 1024;
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;

/// The protocol's version, sent both ways; a peer speaking another is refused plainly.
pub const PROTOCOL: u32 = 1;

fn time_text(t: OffsetDateTime) -> String {
    bounds::rfc3339(t)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(field: &'static str, s: &str) -> Result<Vec<u8>, InvalidValue> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| InvalidValue::new(field, "is not base64"))
}

fn date(field: &'static str, s: &Option<String>) -> Result<Option<time::Date>, InvalidValue> {
    s.as_deref().map(|s| bounds::parse_date(field, s)).transpose()
}

fn date_text(d: Option<time::Date>) -> Option<String> {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

/// A traveller's document as a crossing carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDocument {
    #[serde(rename = "type")]
    pub doc_type: String,
    pub number: String,
    pub issuing_state: String,
    pub surname: String,
    pub given_names: String,
    pub nationality: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub expiry_date: Option<String>,
    pub issuing_area: Option<String>,
}

impl WireDocument {
    pub fn from_document(d: &TravelDocument) -> Self {
        WireDocument {
            doc_type: d.doc_type.as_str().into(),
            number: d.number.to_string(),
            issuing_state: d.issuing_state.to_string(),
            surname: d.surname.clone(),
            given_names: d.given_names.clone(),
            nationality: d.nationality.map(|c| c.to_string()),
            birth_date: date_text(d.birth_date),
            sex: d.sex.map(|s| s.as_str().into()),
            expiry_date: date_text(d.expiry_date),
            issuing_area: d.issuing_area.clone(),
        }
    }

    pub fn read(&self) -> Result<TravelDocument, InvalidValue> {
        Ok(TravelDocument {
            doc_type: DocumentType::parse(&self.doc_type)?,
            number: DocumentNumber::parse(&self.number)?,
            issuing_state: Country::parse(&self.issuing_state)?,
            surname: bounds::clean_line("surname", &self.surname, NAME_MAX)?,
            given_names: bounds::clean_line("given_names", &self.given_names, NAME_MAX)?,
            nationality: self.nationality.as_deref().map(Country::parse).transpose()?,
            birth_date: date("birth_date", &self.birth_date)?,
            sex: self.sex.as_deref().map(Sex::parse).transpose()?,
            expiry_date: date("expiry_date", &self.expiry_date)?,
            issuing_area: self
                .issuing_area
                .as_deref()
                .map(|a| bounds::clean_line("issuing_area", a, NAME_MAX))
                .transpose()?,
        })
    }
}

/// A crossing as a node recorded and settled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCrossing {
    pub id: String,
    pub document: WireDocument,
    pub checkpoint: String,
    pub direction: String,
    pub channel: String,
    /// The node's time of the crossing.
    pub at: String,
    pub decision: String,
    pub client_decision: Option<String>,
    pub outcome: String,
    pub stamped: bool,
    pub actor: String,
}

/// A crossing read from a node, before headquarters stores it.
#[derive(Debug, Clone)]
pub struct CrossingUp {
    pub id: String,
    pub document: TravelDocument,
    pub checkpoint: CheckpointCode,
    pub direction: Direction,
    pub channel: Channel,
    pub at: OffsetDateTime,
    pub decision: Decision,
    pub outcome: CrossingOutcome,
    pub stamped: bool,
    pub actor: String,
    /// A digest of the crossing as sent: the same id sent again with another body is a
    /// conflict.
    pub body_hash: String,
}

impl WireCrossing {
    pub fn from_record(c: &CrossingRecord, d: &TravelDocument) -> Self {
        WireCrossing {
            id: c.id.clone(),
            document: WireDocument::from_document(d),
            checkpoint: c.checkpoint.to_string(),
            direction: c.direction.as_str().into(),
            channel: c.channel.as_str().into(),
            at: time_text(c.at),
            decision: c.decision.as_str().into(),
            client_decision: c.client_decision.map(|d| d.as_str().into()),
            outcome: c.outcome.as_str().into(),
            stamped: c.stamped,
            actor: c.actor.clone(),
        }
    }

    pub fn read(&self) -> Result<CrossingUp, InvalidValue> {
        let id = uuid::Uuid::parse_str(&self.id)
            .map_err(|_| InvalidValue::new("id", "is not a UUID"))?
            .hyphenated()
            .to_string();
        // Only the client's own decision may be stricter than the node's: the node's stored
        // decision already is the stricter of the two, so it is what goes on.
        if let Some(d) = &self.client_decision {
            Decision::parse(d)?;
        }
        let body =
            serde_json::to_vec(self).map_err(|e| InvalidValue::new("crossing", e.to_string()))?;
        Ok(CrossingUp {
            id,
            document: self.document.read()?,
            checkpoint: CheckpointCode::parse(&self.checkpoint)?,
            direction: Direction::parse(&self.direction)?,
            channel: Channel::parse(&self.channel)?,
            at: bounds::parse_time("at", &self.at)?,
            decision: Decision::parse(&self.decision)?,
            outcome: CrossingOutcome::parse(&self.outcome)?,
            stamped: self.stamped,
            actor: bounds::clean_line("actor", &self.actor, NAME_MAX)?,
            body_hash: crate::accounts::credentials::token_digest(&String::from_utf8_lossy(&body)),
        })
    }
}

/// One of a node's audit records as the node chained it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAudit {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl WireAudit {
    pub fn from_record(r: &AuditRecord) -> Self {
        WireAudit {
            seq: r.seq,
            at_ms: r.at_ms,
            actor: r.actor.clone(),
            ip: r.ip.clone(),
            action: r.action.clone(),
            subject: r.subject.clone(),
            detail: r.detail.clone(),
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
        }
    }

    pub fn read(&self) -> Result<AuditRecord, InvalidValue> {
        let hex64 = |field: &'static str, s: &str| {
            if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(s.to_string())
            } else {
                Err(InvalidValue::new(field, "is not a SHA-256 link"))
            }
        };
        if self.seq < 1 {
            return Err(InvalidValue::new("seq", "must be 1 or more"));
        }
        // Within the years every stored time is held to, so that any reader can show it.
        let in_years =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.at_ms) * 1_000_000)
                .ok()
                .is_some_and(|t| (bounds::FIRST_YEAR..=bounds::LAST_YEAR).contains(&t.year()));
        if !in_years {
            return Err(InvalidValue::new("at_ms", "is not a time between 1900 and 2199"));
        }
        Ok(AuditRecord {
            seq: self.seq,
            at_ms: self.at_ms,
            actor: bounds::clean_line("actor", &self.actor, NAME_MAX)?,
            ip: self.ip.as_deref().map(|ip| bounds::clean_line("ip", ip, 64)).transpose()?,
            action: bounds::clean_line("action", &self.action, NAME_MAX)?,
            subject: bounds::clean_line("subject", &self.subject, NOTE_MAX)?,
            detail: bounds::clean_text("detail", &self.detail, 64 * 1024)?,
            prev_hash: hex64("prev_hash", &self.prev_hash)?,
            hash: hex64("hash", &self.hash)?,
        })
    }
}

/// What a node sends up: its settled crossings and its audit records, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Up {
    pub protocol: u32,
    pub version: String,
    /// The node's clock when it sent this.
    pub sent_at: String,
    /// Records waiting at the node, this message's included.
    pub backlog: i64,
    pub crossings: Vec<WireCrossing>,
    pub audit: Vec<WireAudit>,
    /// Alerts the node's officers confirmed or dismissed.
    #[serde(default)]
    pub alerts: Vec<WireAlertUp>,
    /// Permit holders going ashore or back aboard, scanned at the node.
    #[serde(default)]
    pub movements: Vec<WireMovement>,
}

/// Headquarters' answer: everything in the message is stored (or was before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpAnswer {
    pub stored: u32,
    pub existing: u32,
    /// Ids sent before with another body: kept at headquarters as conflicts, not stored.
    pub conflicts: Vec<String>,
    pub hq_time: String,
}

/// What a node asks for when it calls down: where it stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Down {
    pub protocol: u32,
    pub version: String,
    pub sent_at: String,
    pub backlog: i64,
    pub watch: WatchPosition,
    /// Headquarters' dismissals and the post's permits, held up to these times of
    /// headquarters' (milliseconds).
    #[serde(default)]
    pub dismissed_after: i64,
    #[serde(default)]
    pub permits_after: i64,
    #[serde(default)]
    pub cscas_after: i64,
    #[serde(default)]
    pub csca_crls_after: i64,
}

/// How far the node holds headquarters' watchlist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchPosition {
    /// The change log applied up to here (once a first copy is complete).
    pub seq: i64,
    /// False until a first copy of the whole list is complete.
    pub copied: bool,
    /// A first copy under way: the last entry copied, and the log's head when it began.
    pub copy_after: Option<String>,
    pub copy_head: Option<i64>,
}

/// Headquarters' answer down: the post's accounts and devices whole, the watchlist's next
/// part, the trust store whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownAnswer {
    pub protocol: u32,
    pub hq_time: String,
    pub checkpoint: String,
    pub accounts: Vec<WireAccount>,
    pub devices: Vec<WireDevice>,
    pub watch: WatchPart,
    pub certificates: Vec<WireCertificate>,
    pub revocation_lists: Vec<WireRevocationList>,
    /// Pairs dismissed as false positives since the node's position, and where that leaves it.
    #[serde(default)]
    pub dismissals: Vec<WireDismissal>,
    #[serde(default)]
    pub dismissed_as_of: i64,
    /// The post's permits issued or revoked since the node's position.
    #[serde(default)]
    pub permits: Vec<WirePermit>,
    #[serde(default)]
    pub permits_as_of: i64,
    /// The Country Signing CAs added since the node's position.
    #[serde(default)]
    pub cscas: Vec<WireCsca>,
    #[serde(default)]
    pub cscas_as_of: i64,
    /// The CSCAs' revocation lists added since the node's position.
    #[serde(default)]
    pub csca_crls: Vec<WireCscaCrl>,
    #[serde(default)]
    pub csca_crls_as_of: i64,
    /// The post's e-gate thresholds as its commander set them at headquarters; none while
    /// the platform's defaults hold.
    #[serde(default)]
    pub egate_thresholds: Option<WireThresholds>,
}

/// A checkpoint's e-gate thresholds, each 0 to 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireThresholds {
    pub face: f64,
    pub liveness: f64,
    pub fingerprint: f64,
    pub updated_at: String,
    pub updated_by: String,
}

impl WireThresholds {
    pub fn from_record(t: &store::egate::ThresholdsSet) -> Self {
        WireThresholds {
            face: t.thresholds.face.get(),
            liveness: t.thresholds.liveness.get(),
            fingerprint: t.thresholds.fingerprint.get(),
            updated_at: time_text(t.updated_at),
            updated_by: t.updated_by.clone(),
        }
    }

    pub fn read(&self) -> Result<store::egate::ThresholdsSet, InvalidValue> {
        use domain::egate::{Score, Thresholds};
        Ok(store::egate::ThresholdsSet {
            thresholds: Thresholds {
                face: Score::parse("face", self.face)?,
                liveness: Score::parse("liveness", self.liveness)?,
                fingerprint: Score::parse("fingerprint", self.fingerprint)?,
            },
            updated_at: bounds::parse_time("updated_at", &self.updated_at)?,
            updated_by: bounds::clean_line("updated_by", &self.updated_by, NAME_MAX)?,
        })
    }
}

/// A CSCA's revocation list as headquarters holds it; the node reads what it says of itself
/// from the list, and takes it only under a CSCA it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCscaCrl {
    /// DER, base64.
    pub der: String,
    pub source: String,
    pub added_at: String,
}

impl WireCscaCrl {
    pub fn from_record(c: &store::csca::CrlRecord) -> Self {
        WireCscaCrl { der: b64(&c.der), source: c.source.clone(), added_at: time_text(c.added_at) }
    }

    pub fn read(&self) -> Result<store::csca::CrlRecord, InvalidValue> {
        let der = unb64("der", &self.der)?;
        if der.len() > 4 * 1024 * 1024 {
            return Err(InvalidValue::new("der", "a revocation list longer than 4 MiB"));
        }
        let info = emrtd::trust::describe_crl(&der)
            .map_err(|e| InvalidValue::new("der", e.to_string()))?;
        Ok(store::csca::CrlRecord {
            fingerprint: info.fingerprint,
            issuer: info.issuer,
            this_update: bounds::held_time(info.this_update),
            next_update: info.next_update.map(bounds::held_time),
            der,
            source: bounds::clean_line("source", &self.source, NAME_MAX)?,
            added_at: bounds::parse_time("added_at", &self.added_at)?,
        })
    }
}

/// A Country Signing CA's certificate as headquarters holds it; the node reads what it says
/// of itself from the certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCsca {
    /// DER, base64.
    pub der: String,
    pub source: String,
    pub added_at: String,
}

impl WireCsca {
    pub fn from_record(c: &store::csca::CscaRecord) -> Self {
        WireCsca { der: b64(&c.der), source: c.source.clone(), added_at: time_text(c.added_at) }
    }

    pub fn read(&self) -> Result<store::csca::CscaRecord, InvalidValue> {
        let der = unb64("der", &self.der)?;
        if der.len() > 16 * 1024 {
            return Err(InvalidValue::new("der", "a certificate longer than 16 KiB"));
        }
        let info =
            emrtd::trust::describe(&der).map_err(|e| InvalidValue::new("der", e.to_string()))?;
        Ok(store::csca::CscaRecord {
            fingerprint: info.fingerprint,
            country: info.country,
            subject: info.subject,
            // Held to the stored years as headquarters held them: read the same way on both
            // sides, or the node would refuse what headquarters keeps.
            not_before: bounds::held_time(info.not_before),
            not_after: bounds::held_time(info.not_after),
            der,
            source: bounds::clean_line("source", &self.source, NAME_MAX)?,
            added_at: bounds::parse_time("added_at", &self.added_at)?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchPart {
    pub entries: Vec<WireWatchEntry>,
    /// Entries removed since the node's position.
    pub removed: Vec<String>,
    /// Where the node stands once it has applied this part.
    pub position: WatchPosition,
    /// Nothing more to fetch now.
    pub complete: bool,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct WireAccount {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub checkpoint: Option<String>,
    /// The Argon2 hash, so that the post's officers sign in while its link is down.
    pub password_hash: String,
    pub created_at: String,
    pub disabled: bool,
}

impl std::fmt::Debug for WireAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireAccount").field("username", &self.username).finish_non_exhaustive()
    }
}

impl WireAccount {
    pub fn from_record(a: &SyncAccount) -> Self {
        WireAccount {
            id: a.id,
            username: a.username.to_string(),
            role: a.role.as_str().into(),
            checkpoint: a.checkpoint.as_ref().map(|c| c.to_string()),
            password_hash: a.password_hash.clone(),
            created_at: time_text(a.created_at),
            disabled: a.disabled,
        }
    }

    /// An account of `post`, and of no other.
    pub fn read(&self, post: &CheckpointCode) -> Result<SyncAccount, InvalidValue> {
        let checkpoint = self.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?;
        if checkpoint.as_ref() != Some(post) {
            return Err(InvalidValue::new("checkpoint", "an account of another checkpoint"));
        }
        if !self.password_hash.starts_with("$argon2") || self.password_hash.len() > 512 {
            return Err(InvalidValue::new("password_hash", "is not an Argon2 hash"));
        }
        Ok(SyncAccount {
            id: self.id,
            username: Username::parse(&self.username)?,
            role: Role::parse(&self.role)?,
            checkpoint,
            password_hash: self.password_hash.clone(),
            created_at: bounds::parse_time("created_at", &self.created_at)?,
            disabled: self.disabled,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireDevice {
    pub id: i64,
    pub checkpoint: String,
    pub name: String,
    pub created_at: String,
    pub revoked: bool,
    /// The SHA-256 digests of its tokens: the tokens themselves never travel.
    pub tokens: Vec<WireToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireToken {
    pub hash: String,
    pub expires_at: Option<String>,
}

impl WireDevice {
    pub fn from_record(d: &SyncDevice) -> Self {
        WireDevice {
            id: d.id,
            checkpoint: d.checkpoint.to_string(),
            name: d.name.clone(),
            created_at: time_text(d.created_at),
            revoked: d.revoked,
            tokens: d
                .tokens
                .iter()
                .map(|t| WireToken {
                    hash: t.hash.clone(),
                    expires_at: t.expires_at.map(time_text),
                })
                .collect(),
        }
    }

    pub fn read(&self, post: &CheckpointCode) -> Result<SyncDevice, InvalidValue> {
        let checkpoint = CheckpointCode::parse(&self.checkpoint)?;
        if &checkpoint != post {
            return Err(InvalidValue::new("checkpoint", "a device of another checkpoint"));
        }
        let tokens = self
            .tokens
            .iter()
            .map(|t| {
                if t.hash.len() != 64 || !t.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(InvalidValue::new("tokens", "a token digest is not SHA-256"));
                }
                Ok(SyncToken {
                    hash: t.hash.clone(),
                    expires_at: t
                        .expires_at
                        .as_deref()
                        .map(|s| bounds::parse_time("expires_at", s))
                        .transpose()?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SyncDevice {
            id: self.id,
            checkpoint,
            name: bounds::clean_line("name", &self.name, NAME_MAX)?,
            created_at: bounds::parse_time("created_at", &self.created_at)?,
            revoked: self.revoked,
            tokens,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireWatchEntry {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub birth_date: Option<String>,
    pub nationality: Option<String>,
    pub sex: Option<String>,
    pub documents: Vec<WireWatchDocument>,
    pub action: String,
    pub reason: String,
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireWatchDocument {
    pub issuing_state: Option<String>,
    pub number: String,
}

impl WireWatchEntry {
    pub fn from_entry(e: &WatchEntry) -> Self {
        WireWatchEntry {
            id: e.id.clone(),
            name: e.name.clone(),
            aliases: e.aliases.clone(),
            birth_date: e.birth_date.as_ref().map(|d| d.to_string()),
            nationality: e.nationality.map(|c| c.to_string()),
            sex: e.sex.map(|s| s.as_str().into()),
            documents: e
                .documents
                .iter()
                .map(|d| WireWatchDocument {
                    issuing_state: d.issuing_state.map(|c| c.to_string()),
                    number: d.number.to_string(),
                })
                .collect(),
            action: e.action.as_str().into(),
            reason: e.reason.clone(),
            valid_until: date_text(e.valid_until),
        }
    }

    pub fn read(&self) -> Result<WatchEntry, InvalidValue> {
        if self.aliases.len() > 50 || self.documents.len() > 50 {
            return Err(InvalidValue::new("aliases", "more than 50 aliases or documents"));
        }
        Ok(WatchEntry {
            id: bounds::required_line("id", &self.id, 100)?,
            name: bounds::required_line("name", &self.name, NAME_MAX)?,
            aliases: self
                .aliases
                .iter()
                .map(|a| bounds::clean_line("aliases", a, NAME_MAX))
                .collect::<Result<_, _>>()?,
            birth_date: self
                .birth_date
                .as_deref()
                .map(|s| {
                    WatchDob::parse(s).ok_or_else(|| InvalidValue::new("birth_date", "not a date"))
                })
                .transpose()?,
            nationality: self.nationality.as_deref().map(Country::parse).transpose()?,
            sex: self.sex.as_deref().map(Sex::parse).transpose()?,
            documents: self
                .documents
                .iter()
                .map(|d| {
                    Ok(WatchDocument {
                        issuing_state: d
                            .issuing_state
                            .as_deref()
                            .map(Country::parse)
                            .transpose()?,
                        number: DocumentNumber::parse(&d.number)?,
                    })
                })
                .collect::<Result<_, InvalidValue>>()?,
            action: WatchAction::parse(&self.action)?,
            reason: bounds::clean_line("reason", &self.reason, NOTE_MAX)?,
            valid_until: date("valid_until", &self.valid_until)?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCertificate {
    pub role: String,
    pub checkpoint: Option<String>,
    pub signer_identifier: String,
    pub serial: String,
    /// DER, base64.
    pub certificate: String,
    pub created_at: String,
    pub retired_at: Option<String>,
}

impl WireCertificate {
    pub fn from_record(c: &store::permit::SigningKeyRecord) -> Self {
        WireCertificate {
            role: c.role.as_str().into(),
            checkpoint: c.checkpoint.as_ref().map(|c| c.to_string()),
            signer_identifier: c.signer_identifier.clone(),
            serial: c.serial.clone(),
            certificate: b64(&c.certificate),
            created_at: time_text(c.created_at),
            retired_at: c.retired_at.map(time_text),
        }
    }

    pub fn read(&self) -> Result<SyncCertificate, InvalidValue> {
        let role = match self.role.as_str() {
            "root" => KeyRole::Root,
            "signer" => KeyRole::Signer,
            _ => return Err(InvalidValue::new("role", "neither root nor signer")),
        };
        Ok(SyncCertificate {
            role,
            checkpoint: self.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?,
            signer_identifier: bounds::required_line(
                "signer_identifier",
                &self.signer_identifier,
                8,
            )?,
            serial: bounds::required_line("serial", &self.serial, 80)?,
            certificate: unb64("certificate", &self.certificate)?,
            created_at: bounds::parse_time("created_at", &self.created_at)?,
            retired_at: self
                .retired_at
                .as_deref()
                .map(|s| bounds::parse_time("retired_at", s))
                .transpose()?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRevocationList {
    pub scope: String,
    pub number: i64,
    /// DER, base64.
    pub der: String,
    pub issued_at: String,
}

impl WireRevocationList {
    pub fn from_record(scope: RevocationScope, l: &RevocationListRecord) -> Self {
        WireRevocationList {
            scope: scope.as_str().into(),
            number: l.number,
            der: b64(&l.der),
            issued_at: time_text(l.issued_at),
        }
    }

    pub fn read(&self) -> Result<(RevocationScope, RevocationListRecord), InvalidValue> {
        let scope = match self.scope.as_str() {
            "certificates" => RevocationScope::Certificates,
            "permits" => RevocationScope::Permits,
            _ => return Err(InvalidValue::new("scope", "neither certificates nor permits")),
        };
        Ok((
            scope,
            RevocationListRecord {
                number: self.number,
                der: unb64("der", &self.der)?,
                issued_at: bounds::parse_time("issued_at", &self.issued_at)?,
            },
        ))
    }
}

fn score(field: &'static str, v: f64) -> Result<f64, InvalidValue> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(InvalidValue::new(field, "is not a score between 0 and 1"))
    }
}

fn note(n: &Option<String>) -> Result<Option<String>, InvalidValue> {
    n.as_deref().map(|n| bounds::clean_text("note", n, NOTE_MAX)).transpose()
}

/// An alert a node's officer confirmed or dismissed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireAlertUp {
    /// Its id at the node.
    pub id: i64,
    pub entry_id: String,
    pub issuing_state: String,
    pub number: String,
    pub score: f64,
    pub status: String,
    pub raised_at: String,
    pub decided_by: String,
    pub decided_at: String,
    pub note: Option<String>,
}

impl WireAlertUp {
    pub fn from_record(a: &AlertUp) -> Self {
        WireAlertUp {
            id: a.id,
            entry_id: a.entry_id.clone(),
            issuing_state: a.issuing_state.to_string(),
            number: a.number.to_string(),
            score: a.score,
            status: a.status.as_str().into(),
            raised_at: time_text(a.raised_at),
            decided_by: a.decided_by.clone(),
            decided_at: time_text(a.decided_at),
            note: a.note.clone(),
        }
    }

    pub fn read(&self) -> Result<AlertUp, InvalidValue> {
        let status = match AlertStatus::parse(&self.status) {
            Some(s @ (AlertStatus::Confirmed | AlertStatus::Dismissed)) => s,
            _ => return Err(InvalidValue::new("status", "is neither confirmed nor dismissed")),
        };
        Ok(AlertUp {
            id: self.id,
            entry_id: bounds::required_line("entry_id", &self.entry_id, 100)?,
            issuing_state: Country::parse(&self.issuing_state)?,
            number: DocumentNumber::parse(&self.number)?,
            score: score("score", self.score)?,
            status,
            raised_at: bounds::parse_time("raised_at", &self.raised_at)?,
            decided_by: bounds::clean_line("decided_by", &self.decided_by, NAME_MAX)?,
            decided_at: bounds::parse_time("decided_at", &self.decided_at)?,
            note: note(&self.note)?,
        })
    }
}

/// A permit holder's movement as a node scanned it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireMovement {
    /// Its id at the node.
    pub id: i64,
    pub permit_id: String,
    pub direction: String,
    pub actor: String,
    pub at: String,
}

impl WireMovement {
    pub fn from_record(m: &MovementUp) -> Self {
        WireMovement {
            id: m.id,
            permit_id: m.movement.permit_id.clone(),
            direction: m.movement.direction.as_str().into(),
            actor: m.movement.actor.clone(),
            at: time_text(m.movement.at),
        }
    }

    /// A movement at `post`, the node's own checkpoint.
    pub fn read(&self, post: &CheckpointCode) -> Result<MovementUp, InvalidValue> {
        Ok(MovementUp {
            id: self.id,
            movement: MovementRecord {
                permit_id: bounds::required_line("permit_id", &self.permit_id, 100)?,
                checkpoint: post.clone(),
                direction: Movement::parse(&self.direction).ok_or_else(|| {
                    InvalidValue::new("direction", "is neither ashore nor aboard")
                })?,
                actor: bounds::clean_line("actor", &self.actor, NAME_MAX)?,
                at: bounds::parse_time("at", &self.at)?,
            },
        })
    }
}

/// A pair dismissed as a false positive, with the traveller's document so that a node that
/// has not seen the traveller yet holds the dismissal too.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireDismissal {
    /// The alert's id at headquarters.
    pub id: i64,
    pub entry_id: String,
    pub checkpoint: String,
    pub document: WireDocument,
    pub score: f64,
    pub raised_at: String,
    pub decided_by: String,
    pub decided_at: String,
    pub note: Option<String>,
}

impl WireDismissal {
    pub fn from_record(d: &Dismissal) -> Self {
        WireDismissal {
            id: d.hq_id,
            entry_id: d.entry_id.clone(),
            checkpoint: d.checkpoint.to_string(),
            document: WireDocument::from_document(&d.document),
            score: d.score,
            raised_at: time_text(d.raised_at),
            decided_by: d.decided_by.clone(),
            decided_at: time_text(d.decided_at),
            note: d.note.clone(),
        }
    }

    /// `name_key`: the key the reader files a traveller's name under.
    pub fn read(
        &self,
        name_key: impl Fn(&TravelDocument) -> String,
    ) -> Result<Dismissal, InvalidValue> {
        let document = self.document.read()?;
        Ok(Dismissal {
            hq_id: self.id,
            entry_id: bounds::required_line("entry_id", &self.entry_id, 100)?,
            checkpoint: CheckpointCode::parse(&self.checkpoint)?,
            name_key: name_key(&document),
            document,
            score: score("score", self.score)?,
            raised_at: bounds::parse_time("raised_at", &self.raised_at)?,
            decided_by: bounds::clean_line("decided_by", &self.decided_by, NAME_MAX)?,
            decided_at: bounds::parse_time("decided_at", &self.decided_at)?,
            note: note(&self.note)?,
        })
    }
}

/// One of the post's permits as headquarters signed it; the dossier stays at headquarters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WirePermit {
    pub id: String,
    pub serial: String,
    pub kind: String,
    pub checkpoint: String,
    pub family_name: String,
    pub given_names: String,
    pub nationality: String,
    pub birth_date: String,
    pub document_number: String,
    pub vessel_imo: Option<String>,
    pub valid_from: String,
    pub valid_until: String,
    /// The seal's bytes, base64.
    pub seal: String,
    pub signer: String,
    pub issued_by: String,
    pub issued_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revocation_reason: Option<String>,
}

impl WirePermit {
    pub fn from_record(r: &PermitRecord) -> Self {
        let p = &r.permit;
        WirePermit {
            id: p.id.clone(),
            serial: p.serial.clone(),
            kind: p.kind.as_str().into(),
            checkpoint: p.checkpoint.to_string(),
            family_name: p.holder.family_name.clone(),
            given_names: p.holder.given_names.clone(),
            nationality: p.holder.nationality.to_string(),
            birth_date: date_text(Some(p.holder.birth_date)).unwrap_or_default(),
            document_number: p.holder.document_number.to_string(),
            vessel_imo: p.vessel_imo.as_ref().map(|i| i.to_string()),
            valid_from: date_text(Some(p.valid_from)).unwrap_or_default(),
            valid_until: date_text(Some(p.valid_until)).unwrap_or_default(),
            seal: b64(&p.seal),
            signer: p.signer.clone(),
            issued_by: p.issued_by.clone(),
            issued_at: time_text(r.issued_at),
            revoked_at: r.revoked.as_ref().map(|v| time_text(v.at)),
            revoked_by: r.revoked.as_ref().map(|v| v.by.clone()),
            revocation_reason: r.revoked.as_ref().and_then(|v| v.reason.clone()),
        }
    }

    /// A permit of `post`, and of no other.
    pub fn read(&self, post: &CheckpointCode) -> Result<PermitRecord, InvalidValue> {
        let checkpoint = CheckpointCode::parse(&self.checkpoint)?;
        if &checkpoint != post {
            return Err(InvalidValue::new("checkpoint", "a permit of another checkpoint"));
        }
        let seal = unb64("seal", &self.seal)?;
        if seal.len() > 16 * 1024 {
            return Err(InvalidValue::new("seal", "is longer than 16 KiB"));
        }
        let revoked = match &self.revoked_at {
            None => None,
            Some(at) => Some(Revocation {
                at: bounds::parse_time("revoked_at", at)?,
                by: bounds::clean_line(
                    "revoked_by",
                    self.revoked_by.as_deref().unwrap_or_default(),
                    NAME_MAX,
                )?,
                reason: note(&self.revocation_reason)?,
            }),
        };
        Ok(PermitRecord {
            permit: NewPermit {
                id: bounds::required_line("id", &self.id, 100)?,
                serial: bounds::required_line("serial", &self.serial, 80)?,
                kind: domain::permit::PermitKind::parse_field("kind", &self.kind)?,
                checkpoint,
                dossier_id: None,
                holder: Holder {
                    family_name: bounds::clean_line("family_name", &self.family_name, NAME_MAX)?,
                    given_names: bounds::clean_line("given_names", &self.given_names, NAME_MAX)?,
                    nationality: Country::parse(&self.nationality)?,
                    birth_date: bounds::parse_date("birth_date", &self.birth_date)?,
                    document_number: DocumentNumber::parse(&self.document_number)?,
                },
                vessel_imo: self
                    .vessel_imo
                    .as_deref()
                    .map(domain::port::ImoNumber::parse)
                    .transpose()?,
                valid_from: bounds::parse_date("valid_from", &self.valid_from)?,
                valid_until: bounds::parse_date("valid_until", &self.valid_until)?,
                seal,
                signer: bounds::required_line("signer", &self.signer, 80)?,
                issued_by: bounds::clean_line("issued_by", &self.issued_by, NAME_MAX)?,
            },
            issued_at: bounds::parse_time("issued_at", &self.issued_at)?,
            revoked,
        })
    }
}

/// A traveller's crossings as headquarters holds them, for a node's check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryAsk {
    pub issuing_state: String,
    pub number: String,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryAnswer {
    pub crossings: Vec<WireHistoryCrossing>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireHistoryCrossing {
    pub id: String,
    pub checkpoint: String,
    pub direction: String,
    pub channel: String,
    pub at: String,
    pub decision: String,
    pub outcome: String,
    pub stamped: bool,
    pub actor: String,
}

impl WireHistoryCrossing {
    pub fn from_record(c: &CrossingRecord) -> Self {
        WireHistoryCrossing {
            id: c.id.clone(),
            checkpoint: c.checkpoint.to_string(),
            direction: c.direction.as_str().into(),
            channel: c.channel.as_str().into(),
            at: time_text(c.at),
            decision: c.decision.as_str().into(),
            outcome: c.outcome.as_str().into(),
            stamped: c.stamped,
            actor: c.actor.clone(),
        }
    }

    /// The crossing as the node's check sees it, for its traveller `traveller_id` here.
    pub fn read(&self, traveller_id: i64) -> Result<CrossingRecord, InvalidValue> {
        Ok(CrossingRecord {
            id: bounds::required_line("id", &self.id, 64)?,
            traveller_id,
            checkpoint: CheckpointCode::parse(&self.checkpoint)?,
            direction: Direction::parse(&self.direction)?,
            channel: Channel::parse(&self.channel)?,
            at: bounds::parse_time("at", &self.at)?,
            decision: Decision::parse(&self.decision)?,
            client_decision: None,
            outcome: CrossingOutcome::parse(&self.outcome)?,
            stamped: self.stamped,
            screened: true,
            actor: bounds::clean_line("actor", &self.actor, NAME_MAX)?,
            body_hash: String::new(),
        })
    }
}

/// A message's body: JSON, gzip-compressed.
pub fn pack<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let json = serde_json::to_vec(value)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&json)?;
    gz.finish()
}

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("the body is larger than {MAX_INFLATED} bytes once inflated")]
    TooLarge,
    #[error("the body is not gzip: {0}")]
    NotGzip(std::io::Error),
    #[error("the body is not the message: {0}")]
    NotJson(serde_json::Error),
}

/// Reads a gzip-compressed JSON message, inflating no more than [`MAX_INFLATED`] bytes.
pub fn unpack<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, UnpackError> {
    use std::io::Read;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut json)
        .map_err(UnpackError::NotGzip)?;
    if json.len() as u64 > MAX_INFLATED {
        return Err(UnpackError::TooLarge);
    }
    serde_json::from_slice(&json).map_err(UnpackError::NotJson)
}

pub fn now_text(t: OffsetDateTime) -> String {
    time_text(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit(at_ms: i64, seq: i64) -> WireAudit {
        WireAudit {
            seq,
            at_ms,
            actor: "user:officer".into(),
            ip: None,
            action: "control.check".into(),
            subject: "traveller:VNM/X".into(),
            detail: "{}".into(),
            prev_hash: "0".repeat(64),
            hash: "a".repeat(64),
        }
    }

    #[test]
    fn a_node_audit_record_is_bounded_like_any_stored_value() {
        assert!(audit(1_790_000_000_000, 1).read().is_ok());
        assert!(audit(i64::MAX, 1).read().is_err());
        assert!(audit(i64::MIN, 1).read().is_err());
        assert!(audit(1_790_000_000_000, 0).read().is_err());
        let mut bad = audit(1_790_000_000_000, 1);
        bad.hash = "not a link".into();
        assert!(bad.read().is_err());
        bad = audit(1_790_000_000_000, 1);
        bad.detail = "a NUL \u{0} inside".into();
        assert!(bad.read().is_err());
    }

    #[test]
    fn a_message_inflates_within_its_bound() {
        let packed = pack(&serde_json::json!({"a": "b".repeat(1000)})).unwrap_or_default();
        assert!(unpack::<serde_json::Value>(&packed).is_ok());
        assert!(matches!(unpack::<serde_json::Value>(b"not gzip"), Err(UnpackError::NotGzip(_))));
        // A bomb: many zeros compress to little and would inflate past the bound.
        let zeros = vec![b' '; (MAX_INFLATED + 10) as usize];
        let bomb = {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let _ = gz.write_all(&zeros);
            gz.finish().unwrap_or_default()
        };
        assert!(bomb.len() < MAX_COMPRESSED);
        assert!(matches!(unpack::<serde_json::Value>(&bomb), Err(UnpackError::TooLarge)));
    }
}
