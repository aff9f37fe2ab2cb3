//! The audit trail: append-only, each record chained to the one before by a SHA-256 hash, so
//! that a record changed or removed in the database breaks the chain from there on.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The link before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did what to whom, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// `user:NAME`, `device:ID` or `system`.
    pub actor: String,
    pub ip: Option<String>,
    /// What was done: `history.read`, `control.check`, `crossing.record`, `watchlist.put`, ...
    pub action: String,
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

pub(crate) fn link_hash(prev: &str, seq: i64, at_ms: i64, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    // Each field with its length, so that no two different records hash the same bytes.
    for part in [
        prev.as_bytes(),
        &seq.to_be_bytes(),
        &at_ms.to_be_bytes(),
        e.actor.as_bytes(),
        e.ip.as_deref().unwrap_or("").as_bytes(),
        e.action.as_bytes(),
        e.subject.as_bytes(),
        e.detail.as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// The records `events` become when appended after the record `head_seq` whose hash is
/// `head_hash`.
pub(crate) fn chain(
    head_seq: i64,
    head_hash: &str,
    events: &[(AuditEvent, OffsetDateTime)],
) -> Vec<AuditRecord> {
    let mut prev = head_hash.to_owned();
    let mut out = Vec::with_capacity(events.len());
    for (seq, (e, at)) in (head_seq + 1..).zip(events) {
        let at_ms = millis(*at);
        let hash = link_hash(&prev, seq, at_ms, e);
        out.push(AuditRecord {
            seq,
            at_ms,
            actor: e.actor.clone(),
            ip: e.ip.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

impl AuditRecord {
    pub(crate) fn check(&self, prev: &str, expected_seq: i64) -> Result<(), BrokenLink> {
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
        let event = AuditEvent {
            actor: self.actor.clone(),
            ip: self.ip.clone(),
            action: self.action.clone(),
            subject: self.subject.clone(),
            detail: self.detail.clone(),
        };
        if link_hash(prev, self.seq, self.at_ms, &event) != self.hash {
            return broken("its content does not match its hash");
        }
        Ok(())
    }
}
