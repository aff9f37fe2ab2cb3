//! Persistence behind one trait, [`Store`], made of one trait per capability ([`AccountStore`],
//! [`ControlStore`], [`WatchlistStore`], [`AuditStore`], [`PortStore`], [`PermitStore`]), with a
//! SQLite ([`SqliteStore`]) and a PostgreSQL ([`PgStore`]) implementation. Both run the same SQL
//! text (written once per capability in `sql/`) against their own driver and their own
//! migrations; the scenario tests run against both.

#![forbid(unsafe_code)]

mod audit;
pub mod csca;
pub mod egate;
pub mod permit;
pub mod port;
mod records;
mod sql;
pub mod sync;

use std::future::Future;

use domain::{AlertScope, Checkpoint, CheckpointCode, Country, DocumentNumber, TravelDocument};
use time::OffsetDateTime;

pub use audit::{AuditAction, AuditEvent, AuditKey, AuditRecord, BrokenLink, GENESIS, millis};
pub use csca::CscaStore;
pub use egate::EgateStore;
pub use permit::PermitStore;
pub use port::PortStore;
pub use records::*;
pub use sql::{PgStore, SqliteStore};
pub use sync::SyncStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database error")]
    Db(#[from] sqlx::Error),
    #[error("migrating the database")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the server keeps. Methods take the time as a parameter: the store never reads
/// the clock.
pub trait Store:
    AccountStore
    + ControlStore
    + WatchlistStore
    + AuditStore
    + PortStore
    + PermitStore
    + SyncStore
    + CscaStore
    + EgateStore
    + Clone
    + Send
    + Sync
    + 'static
{
    /// Which database this is, for logs and benchmarks.
    fn backend(&self) -> &'static str;

    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;

    /// Refreshes the query planner's statistics: after a bulk load, before it reaches the
    /// background's own schedule, plans would go by the sizes before it.
    fn analyze(&self) -> impl Future<Output = Result<()>> + Send;

    /// Adds the checkpoints not yet stored; changes none.
    fn seed_checkpoints(&self, list: &[Checkpoint]) -> impl Future<Output = Result<usize>> + Send;
    fn checkpoints(&self) -> impl Future<Output = Result<Vec<Checkpoint>>> + Send;
}

/// Users, devices and the tokens that stand for them.
pub trait AccountStore {
    /// Every account, enabled or not, by user name.
    fn accounts(&self) -> impl Future<Output = Result<Vec<AccountRecord>>> + Send;
    /// A new password for an enabled account; its sessions and tokens end. False if there is
    /// no such enabled account.
    fn set_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Binds an enabled account to a checkpoint (or to none); its sessions end, so that the
    /// next sign-in carries the new binding.
    fn bind_checkpoint(
        &self,
        username: &str,
        checkpoint: Option<&CheckpointCode>,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn add_user(
        &self,
        user: &NewUser,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn user_by_name(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>>> + Send;
    /// Disables an account: it can no longer sign in, and its tokens and sessions stop working
    /// at once. False if there is no such enabled account.
    fn disable_user(
        &self,
        username: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn add_device(
        &self,
        checkpoint: &CheckpointCode,
        name: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Revokes a device: its tokens stop working at once. False if there is no such device
    /// still in service.
    fn revoke_device(
        &self,
        id: i64,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceRecord>>> + Send;
    fn put_token(
        &self,
        token: &NewToken,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The actor a token stands for, if it exists and has not expired at `now`.
    fn token(
        &self,
        hash: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<TokenRecord>>> + Send;
    fn delete_token(&self, hash: &str) -> impl Future<Output = Result<()>> + Send;
}

/// Travellers and their crossings, and the screening of those stored unscreened.
pub trait ControlStore {
    fn traveller(
        &self,
        issuing_state: Country,
        number: &DocumentNumber,
    ) -> impl Future<Output = Result<Option<TravellerRecord>>> + Send;
    /// A traveller found by document, with their latest `limit` crossings, newest first: what a
    /// control check needs, in one query.
    fn traveller_with_crossings(
        &self,
        issuing_state: Country,
        number: &DocumentNumber,
        limit: u32,
    ) -> impl Future<Output = Result<Option<(TravellerRecord, Vec<CrossingRecord>)>>> + Send;
    /// Travellers by document number (any issuing state), or whose folded name begins with a
    /// prefix (and born on a day): `limit` of them from `offset`, in name order, with how many
    /// match in all, counted up to [`TRAVELLER_COUNT_CAP`].
    fn find_travellers(
        &self,
        query: &TravellerQuery,
        offset: u32,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<TravellerRecord>, u64)>> + Send;
    /// When the traveller's border pass was last stamped, at any checkpoint.
    fn last_stamp(
        &self,
        traveller_id: i64,
    ) -> impl Future<Output = Result<Option<OffsetDateTime>>> + Send;
    /// A traveller's crossings at every checkpoint, newest first.
    fn crossings_of(
        &self,
        traveller_id: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CrossingRecord>>> + Send;
    /// Stores crossings in one transaction, with the alerts of those stored now and the audit
    /// record that names them (`by`): all commit together or none does. Each answers on its
    /// own: stored now, stored before with the same body, or an id already used for another
    /// body.
    fn record_crossings(
        &self,
        batch: &[NewCrossing],
        by: &RecordedBy,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<RecordOutcome>>> + Send;
    fn crossing(&self, id: &str) -> impl Future<Output = Result<Option<CrossingRecord>>> + Send;
    /// Crossings stored before the platform screened them, oldest first, with the traveller's
    /// document.
    fn unscreened(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(CrossingRecord, TravelDocument)>>> + Send;
    /// Records the platform's screening of crossings in one transaction: each crossing takes its
    /// decision and raises its alerts, once — a crossing another process settled meanwhile is
    /// left as that one settled it. Returns how many this call settled.
    fn settle_screening(
        &self,
        screened: &[Screening],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Crossings at a checkpoint (at all when `None`) in `[from, to)`, counted by hour (UTC),
    /// direction and outcome.
    fn crossings_by_hour(
        &self,
        checkpoint: Option<&CheckpointCode>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<HourCount>>> + Send;
}

/// The watchlist, its change log, and the alerts it raises.
pub trait WatchlistStore {
    fn put_watch_entry(
        &self,
        entry: &WatchEntry,
        by: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Many entries in one transaction (imports).
    fn put_watch_entries(
        &self,
        entries: &[WatchEntry],
        by: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn remove_watch_entry(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn watch_entry(&self, id: &str) -> impl Future<Output = Result<Option<WatchEntry>>> + Send;
    /// Live entries, in id order, `limit` of them from the `offset`th (the pages' paging).
    fn watch_entries_at(
        &self,
        offset: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<WatchEntry>>> + Send;
    /// Live entries, in id order, `limit` from `after` (paging and loading the index).
    fn watch_entries(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<WatchEntry>>> + Send;
    fn watch_entry_count(&self) -> impl Future<Output = Result<u64>> + Send;
    /// The latest change's sequence number (0 when none).
    fn watch_log_head(&self) -> impl Future<Output = Result<i64>> + Send;
    /// Changes after `seq`: (seq, entry id), oldest first.
    fn watch_changes(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, String)>>> + Send;
    /// Raises an alert unless one is open for the pair at the same checkpoint or the pair was
    /// dismissed. Returns the new alert's id.
    fn raise_alert(
        &self,
        alert: &NewAlert,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Entries dismissed as false positives for this traveller.
    fn dismissed_entries(
        &self,
        traveller_id: i64,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn alerts(
        &self,
        scope: &AlertScope,
        status: Option<AlertStatus>,
        offset: u64,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<AlertRecord>, u64)>> + Send;
    fn alert(&self, id: i64) -> impl Future<Output = Result<Option<AlertRecord>>> + Send;
    /// Confirms or dismisses an open alert; false if it was not open.
    fn decide_alert(
        &self,
        id: i64,
        status: AlertStatus,
        by: &str,
        note: Option<&str>,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// The audit trail: appended in order, chained, read back to verify.
pub trait AuditStore {
    /// Records that match, newest first, `limit` from the `offset`th, with how many match
    /// (counted up to [`TRAVELLER_COUNT_CAP`]).
    fn audit_search(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<AuditRecord>, u64)>> + Send;
    fn append_audit(
        &self,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Several records in one transaction, chained in the order given.
    fn append_audits(
        &self,
        events: &[(AuditEvent, OffsetDateTime)],
    ) -> impl Future<Output = Result<()>> + Send;
    fn audit_records(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;
    /// The chain's head as stored, and the first record linked by the key.
    fn audit_anchor(&self) -> impl Future<Output = Result<AuditAnchor>> + Send;
    /// The key this store links audit records with.
    fn audit_key(&self) -> &AuditKey;
}

/// Where the audit trail stood: its last record's number and link, and the first record linked
/// by the key. Kept in a second place (a file, a partner), it proves later that the trail was
/// neither cut nor rewritten up to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
}

/// Walks the whole audit trail: every link must hold (under the store's key from
/// `keyed_from` on), and the walk must reach the head the database records, so that records
/// removed from the end are found too. Returns how many records it walked.
pub async fn verify_audit(store: &impl Store) -> Result<Result<u64, BrokenLink>> {
    let head = store.audit_anchor().await?;
    let mut prev = GENESIS.to_string();
    let mut after = 0;
    let mut count = 0u64;
    let mut at_head = head.seq == 0 && head.hash == GENESIS;
    loop {
        let page = store.audit_records(after, 10_000).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let key = store.audit_key().for_seq(r.seq, head.keyed_from);
            if let Err(b) = r.check(key, &prev, after + 1) {
                return Ok(Err(b));
            }
            if r.seq == head.seq {
                if r.hash != head.hash {
                    return Ok(Err(BrokenLink {
                        seq: r.seq,
                        reason: "differs from the head the database records".into(),
                    }));
                }
                at_head = true;
            }
            prev = r.hash.clone();
            after = r.seq;
            count += 1;
        }
    }
    if !at_head {
        return Ok(Err(BrokenLink {
            seq: after + 1,
            reason: format!(
                "missing: the trail ends at record {after} but its head is record {}",
                head.seq
            ),
        }));
    }
    Ok(Ok(count))
}

/// [`verify_audit`], and the record an anchor kept elsewhere names must still be there with
/// the same link, and keyed from no later than then.
pub async fn verify_audit_against(
    store: &impl Store,
    kept: &AuditAnchor,
) -> Result<Result<u64, BrokenLink>> {
    let count = match verify_audit(store).await? {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    let now = store.audit_anchor().await?;
    if now.keyed_from > kept.keyed_from {
        return Ok(Err(BrokenLink {
            seq: kept.keyed_from,
            reason: format!(
                "the keyed links now start at record {}, after the anchor's {}",
                now.keyed_from, kept.keyed_from
            ),
        }));
    }
    if kept.seq == 0 {
        return Ok(Ok(count));
    }
    let found = store.audit_records(kept.seq - 1, 1).await?;
    match found.first() {
        Some(r) if r.seq == kept.seq && r.hash == kept.hash => Ok(Ok(count)),
        Some(r) if r.seq == kept.seq => Ok(Err(BrokenLink {
            seq: kept.seq,
            reason: "differs from the anchor kept elsewhere: the trail was rewritten".into(),
        })),
        _ => Ok(Err(BrokenLink {
            seq: kept.seq,
            reason: "missing: the anchor kept elsewhere names it, the trail was cut".into(),
        })),
    }
}

/// The label a node's audit key is derived under, from headquarters' key: the node's
/// checkpoint and when it enrolled (each enrolment starts a chain of its own).
pub fn node_audit_label(checkpoint: &CheckpointCode, enrolment: i64) -> String {
    format!("node audit\0{checkpoint}\0{enrolment}")
}

/// Walks a node's audit trail as headquarters keeps it, for one enrolment: every record from
/// the first, in order, each linked to the one before under the node's key (derived from
/// headquarters' own, [`node_audit_label`]). Returns how many records it walked.
pub async fn verify_node_audit(
    store: &impl Store,
    checkpoint: &CheckpointCode,
    enrolment: i64,
) -> Result<Result<u64, BrokenLink>> {
    let Some(bytes) = store.audit_key().derive(&node_audit_label(checkpoint, enrolment)) else {
        return Ok(Err(BrokenLink { seq: 0, reason: "headquarters has no audit key".into() }));
    };
    let key = AuditKey::from_bytes(&bytes);
    let mut prev = GENESIS.to_string();
    let mut after = 0;
    loop {
        let page = store.node_audit(checkpoint, enrolment, after, 10_000).await?;
        if page.is_empty() {
            return Ok(Ok(after as u64));
        }
        for r in &page {
            if let Err(b) = r.check(&key, &prev, after + 1) {
                return Ok(Err(b));
            }
            prev = r.hash.clone();
            after = r.seq;
        }
    }
}

/// The checkpoints the project ships (`reference/checkpoints.csv`).
pub fn reference_checkpoints() -> Result<Vec<Checkpoint>> {
    records::parse_checkpoints(include_str!("../reference/checkpoints.csv"))
}
