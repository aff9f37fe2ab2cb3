//! The audit trail: append-only, each record chained to the one before, so that a record
//! changed or removed in the database breaks the chain from there on. The links are a keyed MAC
//! (HMAC-SHA-256) under a key kept outside the database: whoever can write the database but not
//! read the key cannot rewrite a record and recompute the links after it. Records written before
//! the key (`audit_keyed.from_seq`) keep their plain SHA-256 links.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The link before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

macro_rules! actions {
    ($($variant:ident => $name:literal,)+) => {
        /// What was done. The names are stable: the trail is read by name for as long as it is
        /// kept, so a name is never changed or reused, only added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction { $($variant),+ }

        impl AuditAction {
            pub const ALL: &[AuditAction] = &[$(AuditAction::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(AuditAction::$variant => $name),+ }
            }
        }
    };
}

actions! {
    SignIn => "auth.sign_in",
    SignInFailed => "auth.sign_in_failed",
    UserAdd => "user.add",
    UserDisable => "user.disable",
    UserPassword => "user.password",
    UserBind => "user.bind",
    AccountsRead => "accounts.read",
    AuditRead => "audit.read",
    DeviceAdd => "device.add",
    DeviceToken => "device.token",
    DeviceRevoke => "device.revoke",
    ControlCheck => "control.check",
    CrossingRecord => "crossing.record",
    HistoryRead => "history.read",
    WatchlistPut => "watchlist.put",
    WatchlistRemove => "watchlist.remove",
    WatchlistRead => "watchlist.read",
    WatchlistList => "watchlist.list",
    WatchlistImport => "watchlist.import",
    AlertsRead => "alerts.read",
    AlertDecide => "alert.decide",
    AgencyRegister => "agency.register",
    AgencyAddUser => "agency.add_user",
    AgencyClose => "agency.close",
    DossierFile => "dossier.file",
    DossierRead => "dossier.read",
    DossierSubmit => "dossier.submit",
    DossierReview => "dossier.review",
    DossierApprove => "dossier.approve",
    DossierReject => "dossier.reject",
    DossierRequestSupplement => "dossier.request_supplement",
    DossierCancel => "dossier.cancel",
    DossierReplaceCrew => "dossier.replace_crew",
    DossierReplacePassengers => "dossier.replace_passengers",
    StatsDossiers => "stats.dossiers",
    PermitIssue => "permit.issue",
    PermitRead => "permit.read",
    PermitList => "permit.list",
    PermitBarcode => "permit.barcode",
    PermitCard => "permit.card",
    PermitRevoke => "permit.revoke",
    PermitVerify => "permit.verify",
    NodeAdd => "node.add",
    NodeEnrol => "node.enrol",
    NodeRevoke => "node.revoke",
    NodeSync => "node.sync",
    NodesRead => "nodes.read",
    NodeLink => "node.link",
    EgateTransaction => "egate.transaction",
    EgateRead => "egate.read",
    EgateTake => "egate.take",
    EgateSettings => "egate.settings",
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did what to whom, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// `user:NAME`, `device:ID` or `system`.
    pub actor: String,
    pub ip: Option<String>,
    pub action: AuditAction,
    /// Whose data: `traveller:UTO/L898902C3`, `watch:W1`, `alert:7`.
    pub subject: String,
    /// More, as JSON.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
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

/// The first record whose link does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit record {seq}: {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// The key the links are made with. Secret bytes are never printed.
#[derive(Clone, Default)]
pub enum AuditKey {
    /// Plain SHA-256: for stores opened without a key (tests, tools reading a copy).
    #[default]
    Unkeyed,
    Secret(std::sync::Arc<ring::hmac::Key>),
}

impl AuditKey {
    /// A key from its 32 or more secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        AuditKey::Secret(std::sync::Arc::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes)))
    }

    pub fn is_keyed(&self) -> bool {
        matches!(self, AuditKey::Secret(_))
    }

    /// A key of its own for `label` (a node's trail), made from this one: whoever holds this
    /// key can make it again to verify, and it says nothing of this one. `None` when unkeyed.
    pub fn derive(&self, label: &str) -> Option<[u8; 32]> {
        match self {
            AuditKey::Unkeyed => None,
            AuditKey::Secret(k) => {
                let tag = ring::hmac::sign(k, format!("bienphong derived key\0{label}").as_bytes());
                tag.as_ref().try_into().ok()
            }
        }
    }

    /// The key that links record `seq`, given the first keyed record's number.
    pub(crate) fn for_seq(&self, seq: i64, keyed_from: i64) -> &AuditKey {
        if seq >= keyed_from { self } else { &AuditKey::Unkeyed }
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_keyed() { "AuditKey::Secret(…)" } else { "AuditKey::Unkeyed" })
    }
}

enum Mac {
    Plain(Sha256),
    Keyed(ring::hmac::Context),
}

impl Mac {
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Mac::Plain(h) => h.update(bytes),
            Mac::Keyed(c) => c.update(bytes),
        }
    }

    fn finish(self) -> String {
        match self {
            Mac::Plain(h) => hex::encode(h.finalize()),
            Mac::Keyed(c) => hex::encode(c.sign().as_ref()),
        }
    }
}

/// The fields a link covers, as stored: a record read back may name an action this build no
/// longer writes.
pub(crate) struct Linked<'a> {
    pub actor: &'a str,
    pub ip: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
}

impl<'a> From<&'a AuditEvent> for Linked<'a> {
    fn from(e: &'a AuditEvent) -> Self {
        Linked {
            actor: &e.actor,
            ip: e.ip.as_deref(),
            action: e.action.as_str(),
            subject: &e.subject,
            detail: &e.detail,
        }
    }
}

pub(crate) fn link_hash(key: &AuditKey, prev: &str, seq: i64, at_ms: i64, e: Linked<'_>) -> String {
    let mut h = match key {
        AuditKey::Unkeyed => Mac::Plain(Sha256::new()),
        AuditKey::Secret(k) => Mac::Keyed(ring::hmac::Context::with_key(k)),
    };
    // Each field with its length, so that no two different records hash the same bytes.
    for part in [
        prev.as_bytes(),
        &seq.to_be_bytes(),
        &at_ms.to_be_bytes(),
        e.actor.as_bytes(),
        e.ip.unwrap_or("").as_bytes(),
        e.action.as_bytes(),
        e.subject.as_bytes(),
        e.detail.as_bytes(),
    ] {
        h.update(&(part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finish()
}

/// The records `events` become when appended after the record `head_seq` whose hash is
/// `head_hash`.
pub(crate) fn chain(
    key: &AuditKey,
    keyed_from: i64,
    head_seq: i64,
    head_hash: &str,
    events: &[(AuditEvent, OffsetDateTime)],
) -> Vec<AuditRecord> {
    let mut prev = head_hash.to_owned();
    let mut out = Vec::with_capacity(events.len());
    for (seq, (e, at)) in (head_seq + 1..).zip(events) {
        let at_ms = millis(*at);
        let hash = link_hash(key.for_seq(seq, keyed_from), &prev, seq, at_ms, e.into());
        out.push(AuditRecord {
            seq,
            at_ms,
            actor: e.actor.clone(),
            ip: e.ip.clone(),
            action: e.action.as_str().to_string(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

/// A time as the store keeps it, and as the cursors over it count: milliseconds since 1970, UTC.
pub fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

impl AuditRecord {
    pub(crate) fn check(
        &self,
        key: &AuditKey,
        prev: &str,
        expected_seq: i64,
    ) -> Result<(), BrokenLink> {
        let broken = |reason: &str| Err(BrokenLink { seq: self.seq, reason: reason.into() });
        if self.seq != expected_seq {
            return Err(BrokenLink {
                seq: expected_seq,
                reason: format!("missing: the next record is {}", self.seq),
            });
        }
        if self.prev_hash != prev {
            return broken("does not link to the record before it");
        }
        let linked = Linked {
            actor: &self.actor,
            ip: self.ip.as_deref(),
            action: &self.action,
            subject: &self.subject,
            detail: &self.detail,
        };
        if link_hash(key, prev, self.seq, self.at_ms, linked) != self.hash {
            return broken(if key.is_keyed() {
                "its content does not match its MAC (changed, or written without the audit key)"
            } else {
                "its content does not match its hash"
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_distinct_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            let name = a.as_str();
            assert!(seen.insert(name), "{name} names two actions");
            let (what, verb) = name.split_once('.').expect(name);
            let word =
                |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            assert!(word(what) && word(verb), "{name}");
        }
    }
}
