//! Persistence behind one trait, [`Store`], with a SQLite ([`SqliteStore`]) and a PostgreSQL
//! ([`PgStore`]) implementation. Both run the same SQL text (written once in `sql.rs`) against
//! their own driver and their own migrations; the scenario tests run against both.

#![forbid(unsafe_code)]

mod audit;
pub mod permit;
pub mod port;
mod records;
mod sql;

use std::future::Future;

use domain::{AlertScope, Checkpoint, CheckpointCode, Country, DocumentNumber};
use time::OffsetDateTime;

pub use audit::{AuditEvent, AuditRecord, BrokenLink, GENESIS};
pub use permit::PermitStore;
pub use port::PortStore;
pub use records::*;
pub use sql::{PgStore, SqliteStore};

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
pub trait Store: PortStore + PermitStore + Clone + Send + Sync + 'static {
    /// Which database this is, for logs and benchmarks.
    fn backend(&self) -> &'static str;

    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;

    /// Refreshes the query planner's statistics: after a bulk load, before it reaches the
    /// background's own schedule, plans would go by the sizes before it.
    fn analyze(&self) -> impl Future<Output = Result<()>> + Send;

    /// Adds the checkpoints not yet stored; changes none.
    fn seed_checkpoints(&self, list: &[Checkpoint]) -> impl Future<Output = Result<usize>> + Send;
    fn checkpoints(&self) -> impl Future<Output = Result<Vec<Checkpoint>>> + Send;

    fn add_user(
        &self,
        user: &NewUser,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn user_by_name(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>>> + Send;
    fn add_device(
        &self,
        checkpoint: &CheckpointCode,
        name: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;

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
    fn travellers_by_name(
        &self,
        name_key: &str,
        birth_date: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<TravellerRecord>>> + Send;
    /// A traveller's crossings at every checkpoint, newest first.
    fn crossings_of(
        &self,
        traveller_id: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CrossingRecord>>> + Send;

    /// Stores crossings in one transaction; each answers on its own: stored now, stored
    /// before with the same body, or an id already used for another body.
    fn record_crossings(
        &self,
        batch: &[NewCrossing],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<RecordOutcome>>> + Send;
    fn crossing(&self, id: &str) -> impl Future<Output = Result<Option<CrossingRecord>>> + Send;
    /// Crossings at a checkpoint in `[from, to)`, counted by hour (UTC) and direction.
    fn crossings_by_hour(
        &self,
        checkpoint: &CheckpointCode,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<HourCount>>> + Send;

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

    /// Raises an alert unless one is open for the pair or the pair was dismissed. Returns the
    /// new alert's id.
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
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AlertRecord>>> + Send;
    fn alert(&self, id: i64) -> impl Future<Output = Result<Option<AlertRecord>>> + Send;
    /// Confirms or dismisses an open alert; false if it was not open.
    fn decide_alert(
        &self,
        id: i64,
        status: AlertStatus,
        by: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;

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
}

/// Walks the whole audit trail and reports the first record whose link is broken.
pub async fn verify_audit(store: &impl Store) -> Result<Result<u64, BrokenLink>> {
    let mut prev = GENESIS.to_string();
    let mut after = 0;
    let mut count = 0u64;
    loop {
        let page = store.audit_records(after, 10_000).await?;
        if page.is_empty() {
            return Ok(Ok(count));
        }
        for r in &page {
            if let Err(b) = r.check(&prev, after + 1) {
                return Ok(Err(b));
            }
            prev = r.hash.clone();
            after = r.seq;
            count += 1;
        }
    }
}

/// The checkpoints the project ships (`reference/checkpoints.csv`).
pub fn reference_checkpoints() -> Result<Vec<Checkpoint>> {
    records::parse_checkpoints(include_str!("../reference/checkpoints.csv"))
}
