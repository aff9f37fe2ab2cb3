//! The two implementations. The SQL is portable (`$N` placeholders, `RETURNING`,
//! `ON CONFLICT`, times as BIGINT milliseconds, lists as JSON text), so it is written once in
//! `store_impl!` and compiled against each driver with its native types; where the databases
//! differ (identity columns, triggers) the migrations differ, and the audit trail is appended
//! in a way that suits each (one transaction in SQLite, one statement in PostgreSQL).

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::{
    ActorKind, AlertScope, Channel, Checkpoint, CheckpointCode, CheckpointKind, Country,
    CrossingOutcome, Decision, Direction, DocumentNumber, DocumentType, Role, Sex, TravelDocument,
    Username, WatchAction,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::{Date, OffsetDateTime};

use crate::audit::{AuditEvent, AuditKey, AuditRecord, chain, millis};

mod accounts;
mod audit_sql;
mod control;
mod csca;
mod egate;
mod permit;
mod port;
mod sync;
mod watchlist;
use crate::records::*;
use crate::{Result, Store, StoreError};

/// The embedded default: one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    audit_key: AuditKey,
}

/// Headquarters: PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
    /// The audit chain's head as this process last wrote it: with it a group of records goes
    /// in as one statement, which fails harmlessly (and is retried) if another process has
    /// moved the head since.
    audit_head: Arc<Mutex<Option<Head>>>,
    audit_key: AuditKey,
}

impl SqliteStore {
    /// Opens (creating if need be) the database file and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with_cache(path, 262_144).await
    }

    /// As [`SqliteStore::open`], with each connection's page cache at most `cache_kib` KiB: a
    /// checkpoint node on a small machine keeps its memory for the watchlist's index.
    pub async fn open_with_cache(path: &Path, cache_kib: u32) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses nothing a process crash could take; a power cut may lose
            // the last transactions, FULL would cost a sync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Random ids make index pages hot all over: a larger cache saves the reads.
            .pragma("cache_size", format!("-{cache_kib}"))
            // No memory map: faulting its pages in and out cost the batch writes a third of
            // their rate (8,800 against 10,000 crossings/s on 10 million stored), for little
            // gain in reads (history p99 2 against 6 ms, both far inside the target).
            .pragma("mmap_size", "0")
            .pragma("temp_store", "memory")
            // A checkpoint syncs the database file: every 1,000 pages (the default) a batch of
            // crossings would pay one each. Every 16,384 pages (64 MB of WAL) many batches share
            // one, and pages they all touch are written once.
            .pragma("wal_autocheckpoint", "16384");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        let store = Self { pool, audit_key: AuditKey::Unkeyed };
        store.migrate().await?;
        Ok(store)
    }

    /// Links the audit records this store writes with `key` (see [`AuditKey`]).
    pub fn with_audit_key(mut self, key: AuditKey) -> Self {
        self.audit_key = key;
        self
    }
}

impl PgStore {
    /// Connects; migrations are applied by `migrate` (`bienphong migrate`).
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool, audit_head: Arc::default(), audit_key: AuditKey::Unkeyed })
    }

    /// Links the audit records this store writes with `key` (see [`AuditKey`]).
    pub fn with_audit_key(mut self, key: AuditKey) -> Self {
        self.audit_key = key;
        self
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn from_ms(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| corrupt(format!("time {ms}")))
}

fn date_text(d: Option<Date>) -> Option<String> {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

fn parse_date(s: Option<String>) -> Result<Option<Date>> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    s.map(|s| Date::parse(&s, &fmt).map_err(|_| corrupt(format!("date {s:?}")))).transpose()
}

fn parse_country(s: Option<String>) -> Result<Option<Country>> {
    s.map(|s| Country::parse(&s).map_err(corrupt)).transpose()
}

fn unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

#[derive(Serialize, Deserialize)]
struct DocJson {
    issuing_state: Option<String>,
    number: String,
}

struct WatchRow {
    id: String,
    name: String,
    aliases: String,
    birth_date: Option<String>,
    nationality: Option<String>,
    sex: Option<String>,
    documents: String,
    action: String,
    reason: String,
    valid_until: Option<String>,
}

impl WatchRow {
    fn entry(self) -> Result<WatchEntry> {
        let aliases: Vec<String> = serde_json::from_str(&self.aliases).map_err(corrupt)?;
        let docs: Vec<DocJson> = serde_json::from_str(&self.documents).map_err(corrupt)?;
        let documents = docs
            .into_iter()
            .map(|d| {
                Ok(WatchDocument {
                    issuing_state: parse_country(d.issuing_state)?,
                    number: DocumentNumber::parse(&d.number).map_err(corrupt)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(WatchEntry {
            id: self.id,
            name: self.name,
            aliases,
            birth_date: self
                .birth_date
                .map(|s| WatchDob::parse(&s).ok_or_else(|| corrupt(format!("birth date {s:?}"))))
                .transpose()?,
            nationality: parse_country(self.nationality)?,
            sex: self.sex.map(|s| Sex::parse(&s).map_err(corrupt)).transpose()?,
            documents,
            action: WatchAction::parse(&self.action).map_err(corrupt)?,
            reason: self.reason,
            valid_until: parse_date(self.valid_until)?,
        })
    }
}

fn watch_params(e: &WatchEntry) -> Result<(String, String)> {
    let aliases = serde_json::to_string(&e.aliases).map_err(corrupt)?;
    let docs: Vec<DocJson> = e
        .documents
        .iter()
        .map(|d| DocJson {
            issuing_state: d.issuing_state.map(|c| c.to_string()),
            number: d.number.to_string(),
        })
        .collect();
    Ok((aliases, serde_json::to_string(&docs).map_err(corrupt)?))
}

/// Rows per INSERT of crossings: 10 parameters each, well inside both databases' limits.
const CROSSINGS_PER_STATEMENT: usize = 100;
/// Travellers read per statement when a batch is recorded: 2 parameters each.
const TRAVELLERS_PER_LOOKUP: usize = 200;
/// Travellers added or changed per statement: 12 parameters each.
const TRAVELLERS_PER_UPSERT: usize = 100;

const TRAVELLER_COLUMNS: &str = "id, issuing_state, number, doc_type, surname, given_names, \
     nationality, birth_date, sex, expiry_date, issuing_area";
const CROSSING_COLUMNS: &str = "id, traveller_id, checkpoint, direction, channel, at, decision, \
     client_decision, outcome, stamped, screened_at, actor, body_hash";
/// A traveller joined with their latest crossings: the traveller's columns under their own
/// names, the crossing's prefixed `c_`. The crossings are picked by a subquery that does not
/// depend on the outer row, so each database reads the traveller's latest few from the index
/// once, however many crossings the traveller has.
const TRAVELLER_WITH_CROSSINGS: &str = "SELECT t.id, t.issuing_state, t.number, t.doc_type, \
     t.surname, t.given_names, t.nationality, t.birth_date, t.sex, t.expiry_date, \
     t.issuing_area, c.id AS c_id, c.traveller_id AS c_traveller_id, c.checkpoint AS c_checkpoint, \
     c.direction AS c_direction, c.channel AS c_channel, c.at AS c_at, c.decision AS c_decision, \
     c.client_decision AS c_client_decision, c.outcome AS c_outcome, c.stamped AS c_stamped, c.screened_at AS c_screened_at, c.actor AS c_actor, c.body_hash AS c_body_hash \
     FROM travellers t LEFT JOIN (SELECT * FROM crossings WHERE traveller_id = \
     (SELECT id FROM travellers WHERE issuing_state = $1 AND number = $2) \
     ORDER BY at DESC, id DESC LIMIT $3) c ON TRUE \
     WHERE t.issuing_state = $1 AND t.number = $2 ORDER BY c.at DESC, c.id DESC";
const WATCH_COLUMNS: &str = "id, name, aliases, birth_date, nationality, sex, documents, action, \
     reason, valid_until";

macro_rules! store_impl {
    ($store:ident, $db:ty, $row:ty, $migrator:ident, $backend:literal, $begin:literal) => {
        impl $store {
            fn traveller_from(row: &$row) -> Result<TravellerRecord> {
                let s = |c: &str| row.try_get::<String, _>(c).map_err(StoreError::from);
                let o = |c: &str| row.try_get::<Option<String>, _>(c).map_err(StoreError::from);
                Ok(TravellerRecord {
                    id: row.try_get("id")?,
                    document: TravelDocument {
                        doc_type: DocumentType::parse(&s("doc_type")?).map_err(corrupt)?,
                        number: DocumentNumber::parse(&s("number")?).map_err(corrupt)?,
                        issuing_state: Country::parse(&s("issuing_state")?).map_err(corrupt)?,
                        surname: s("surname")?,
                        given_names: s("given_names")?,
                        nationality: parse_country(o("nationality")?)?,
                        birth_date: parse_date(o("birth_date")?)?,
                        sex: o("sex")?.map(|x| Sex::parse(&x).map_err(corrupt)).transpose()?,
                        expiry_date: parse_date(o("expiry_date")?)?,
                        issuing_area: o("issuing_area")?,
                    },
                })
            }

            fn crossing_from(row: &$row) -> Result<CrossingRecord> {
                Self::crossing_prefixed(row, "")
            }

            /// A crossing from columns named with `prefix`.
            fn crossing_prefixed(row: &$row, prefix: &str) -> Result<CrossingRecord> {
                let col = |c: &str| format!("{prefix}{c}");
                let s = |c: &str| row.try_get::<String, _>(col(c).as_str()).map_err(StoreError::from);
                Ok(CrossingRecord {
                    id: s("id")?,
                    traveller_id: row.try_get(col("traveller_id").as_str())?,
                    checkpoint: CheckpointCode::parse(&s("checkpoint")?).map_err(corrupt)?,
                    direction: Direction::parse(&s("direction")?).map_err(corrupt)?,
                    channel: Channel::parse(&s("channel")?).map_err(corrupt)?,
                    at: from_ms(row.try_get(col("at").as_str())?)?,
                    decision: Decision::parse(&s("decision")?).map_err(corrupt)?,
                    client_decision: row
                        .try_get::<Option<String>, _>(col("client_decision").as_str())?
                        .map(|d| Decision::parse(&d).map_err(corrupt))
                        .transpose()?,
                    outcome: CrossingOutcome::parse(&s("outcome")?).map_err(corrupt)?,
                    stamped: row.try_get(col("stamped").as_str())?,
                    screened: row
                        .try_get::<Option<i64>, _>(col("screened_at").as_str())?
                        .is_some(),
                    actor: s("actor")?,
                    body_hash: s("body_hash")?,
                })
            }

            fn watch_from(row: &$row) -> Result<WatchEntry> {
                WatchRow {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    aliases: row.try_get("aliases")?,
                    birth_date: row.try_get("birth_date")?,
                    nationality: row.try_get("nationality")?,
                    sex: row.try_get("sex")?,
                    documents: row.try_get("documents")?,
                    action: row.try_get("action")?,
                    reason: row.try_get("reason")?,
                    valid_until: row.try_get("valid_until")?,
                }
                .entry()
            }

            fn alert_from(row: &$row) -> Result<AlertRecord> {
                let s = |c: &str| row.try_get::<String, _>(c).map_err(StoreError::from);
                let surname = s("surname")?;
                let given = s("given_names")?;
                Ok(AlertRecord {
                    id: row.try_get("id")?,
                    entry_id: s("entry_id")?,
                    entry_name: s("entry_name")?,
                    action: WatchAction::parse(&s("action")?).map_err(corrupt)?,
                    traveller_id: row.try_get("traveller_id")?,
                    traveller_name: if given.is_empty() { surname } else { format!("{surname} {given}") },
                    traveller_document: format!("{}/{}", s("issuing_state")?, s("number")?),
                    checkpoint: CheckpointCode::parse(&s("checkpoint")?).map_err(corrupt)?,
                    score: row.try_get("score")?,
                    status: AlertStatus::parse(&s("status")?)
                        .ok_or_else(|| corrupt("alert status"))?,
                    raised_at: from_ms(row.try_get("raised_at")?)?,
                    decided_by: row.try_get("decided_by")?,
                    decided_at: row
                        .try_get::<Option<i64>, _>("decided_at")?
                        .map(from_ms)
                        .transpose()?,
                    note: row.try_get("note")?,
                })
            }

            async fn put_watch_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                e: &WatchEntry,
                by: &str,
                now: i64,
            ) -> Result<()> {
                let (aliases, documents) = watch_params(e)?;
                sqlx::query(
                    "INSERT INTO watchlist (id, name, aliases, birth_date, nationality, sex, \
                     documents, action, reason, valid_until, updated_by, updated_at, removed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                     aliases = excluded.aliases, birth_date = excluded.birth_date, \
                     nationality = excluded.nationality, sex = excluded.sex, \
                     documents = excluded.documents, action = excluded.action, \
                     reason = excluded.reason, valid_until = excluded.valid_until, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
                     removed_at = NULL",
                )
                .bind(&e.id)
                .bind(&e.name)
                .bind(aliases)
                .bind(e.birth_date.map(|d| d.to_string()))
                .bind(e.nationality.map(|c| c.to_string()))
                .bind(e.sex.map(|s| s.as_str()))
                .bind(documents)
                .bind(e.action.as_str())
                .bind(&e.reason)
                .bind(date_text(e.valid_until))
                .bind(by)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                sqlx::query("INSERT INTO watchlist_log (entry_id, at) VALUES ($1, $2)")
                    .bind(&e.id)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// An alert unless one is open for the pair at this checkpoint (or was raised there
            /// since the crossing), or the pair was dismissed anywhere (a false positive is one
            /// everywhere).
            async fn raise_alert_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                a: &NewAlert,
                now: i64,
            ) -> Result<Option<i64>> {
                let known = sqlx::query(
                    "SELECT id FROM alerts WHERE traveller_id = $1 AND entry_id = $2 \
                     AND (status = 'dismissed' OR (checkpoint = $3 \
                     AND (status = 'open' OR raised_at >= $4))) LIMIT 1",
                )
                .bind(a.traveller_id)
                .bind(&a.entry_id)
                .bind(a.checkpoint.as_str())
                // No crossing: only an open alert answers.
                .bind(a.crossing_at.map_or(i64::MAX, crate::audit::millis))
                .fetch_optional(&mut **tx)
                .await?;
                if known.is_some() {
                    return Ok(None);
                }
                // Raised at the same moment by another request: nothing to add, and the
                // transaction goes on.
                let row = sqlx::query(
                    "INSERT INTO alerts (entry_id, traveller_id, checkpoint, score, status, \
                     raised_at) VALUES ($1, $2, $3, $4, 'open', $5) \
                     ON CONFLICT (entry_id, traveller_id, checkpoint) WHERE status = 'open' \
                     DO NOTHING RETURNING id",
                )
                .bind(&a.entry_id)
                .bind(a.traveller_id)
                .bind(a.checkpoint.as_str())
                .bind(a.score)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(|r| r.try_get("id")).transpose().map_err(StoreError::from)
            }
        }

        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn analyze(&self) -> Result<()> {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
                Ok(())
            }

            async fn seed_checkpoints(&self, list: &[Checkpoint]) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
                let mut added = 0;
                for c in list {
                    let r = sqlx::query(
                        "INSERT INTO checkpoints (code, name_vi, name_ascii, kind, province, \
                         neighbour, counterpart) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(c.code.as_str())
                    .bind(&c.name_vi)
                    .bind(&c.name_ascii)
                    .bind(c.kind.as_str())
                    .bind(&c.province)
                    .bind(c.neighbour.map(|n| n.to_string()))
                    .bind(&c.counterpart)
                    .execute(&mut *tx)
                    .await?;
                    added += r.rows_affected() as usize;
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
                let rows = sqlx::query(
                    "SELECT code, name_vi, name_ascii, kind, province, neighbour, counterpart \
                     FROM checkpoints ORDER BY code",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Checkpoint {
                            code: CheckpointCode::parse(&r.try_get::<String, _>("code")?)
                                .map_err(corrupt)?,
                            name_vi: r.try_get("name_vi")?,
                            name_ascii: r.try_get("name_ascii")?,
                            kind: CheckpointKind::parse(&r.try_get::<String, _>("kind")?)
                                .map_err(corrupt)?,
                            province: r.try_get("province")?,
                            neighbour: parse_country(r.try_get("neighbour")?)?,
                            counterpart: r.try_get("counterpart")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

// SQLite: a transaction that reads first and writes later could not take the write lock while
// another writes (SQLITE_BUSY at once); taking it at BEGIN makes writers wait their turn.
store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::sqlite::SqliteRow,
    SQLITE_MIGRATIONS,
    "sqlite",
    "BEGIN IMMEDIATE"
);
store_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, PG_MIGRATIONS, "postgres", "BEGIN");

/// The chain's head after a write: its last record's number and link, and the first record
/// linked by the key.
type Head = (i64, String, i64);

const HEAD_FOR_UPDATE: &str = "SELECT h.seq, h.hash, k.from_seq FROM audit_head h, audit_keyed k \
     WHERE h.id = 1 AND k.id = 1";

impl SqliteStore {
    /// One transaction: SQLite has a single writer at a time, and a statement costs no round
    /// trip.
    async fn append_audit_links(&self, events: &[(AuditEvent, OffsetDateTime)]) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        self.append_audit_in(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends inside the caller's transaction (begun IMMEDIATE, so the head cannot move).
    async fn append_audit_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        events: &[(AuditEvent, OffsetDateTime)],
    ) -> Result<Head> {
        let head = sqlx::query(HEAD_FOR_UPDATE).fetch_one(&mut **tx).await?;
        let keyed_from: i64 = head.try_get("from_seq")?;
        let records = chain(
            &self.audit_key,
            keyed_from,
            head.try_get("seq")?,
            &head.try_get::<String, _>("hash")?,
            events,
        );
        let Some(last) = records.last() else {
            return Ok((head.try_get("seq")?, head.try_get("hash")?, keyed_from));
        };
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(last.seq)
            .bind(&last.hash)
            .execute(&mut **tx)
            .await?;
        let mut sql = String::from(
            "INSERT INTO audit (seq, at, actor, ip, action, subject, detail, prev_hash, hash) \
             VALUES ",
        );
        for i in 0..records.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in &records {
            q = q
                .bind(r.seq)
                .bind(r.at_ms)
                .bind(&r.actor)
                .bind(&r.ip)
                .bind(&r.action)
                .bind(&r.subject)
                .bind(&r.detail)
                .bind(&r.prev_hash)
                .bind(&r.hash);
        }
        q.execute(&mut **tx).await?;
        Ok((last.seq, last.hash.clone(), keyed_from))
    }

    /// Nothing to remember: every append reads the head inside its transaction.
    fn audit_committed(&self, _head: Head) {}

    /// For tests and tools: the pool, to reach past the trait (e.g. to tamper with the audit
    /// trail in a test of its verification).
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }
}

impl PgStore {
    /// One statement, so one round trip: it moves the head only if it is still where this
    /// process left it, and inserts the records only if it moved it. Another writer in between
    /// makes it insert nothing; then the head is read again and the records relinked.
    async fn append_audit_links(&self, events: &[(AuditEvent, OffsetDateTime)]) -> Result<()> {
        const ATTEMPTS: usize = 50;
        for _ in 0..ATTEMPTS {
            let known = self.audit_head.lock().map_err(|_| corrupt("audit head lock"))?.clone();
            let (seq, hash, keyed_from) = match known {
                Some(head) => head,
                None => {
                    let row = sqlx::query(HEAD_FOR_UPDATE).fetch_one(&self.pool).await?;
                    (row.try_get("seq")?, row.try_get("hash")?, row.try_get("from_seq")?)
                }
            };
            let records = chain(&self.audit_key, keyed_from, seq, &hash, events);
            let Some(last) = records.last() else { return Ok(()) };
            let written = Self::insert_audit(
                sqlx::query(
                    "WITH head AS (UPDATE audit_head SET seq = $1, hash = $2 \
                     WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING 1) \
                     INSERT INTO audit (seq, at, actor, ip, action, subject, detail, prev_hash, \
                     hash) SELECT * FROM UNNEST($5::BIGINT[], $6::BIGINT[], $7::TEXT[], \
                     $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[]) \
                     WHERE EXISTS (SELECT 1 FROM head)",
                )
                .bind(last.seq)
                .bind(&last.hash)
                .bind(seq)
                .bind(&hash),
                &records,
            )
            .execute(&self.pool)
            .await;
            let mut head = self.audit_head.lock().map_err(|_| corrupt("audit head lock"))?;
            match written {
                Ok(done) if done.rows_affected() == records.len() as u64 => {
                    *head = Some((last.seq, last.hash.clone(), keyed_from));
                    return Ok(());
                }
                Ok(_) => *head = None,
                Err(e) => {
                    *head = None;
                    return Err(e.into());
                }
            }
        }
        Err(corrupt(format!("the audit head moved under {ATTEMPTS} attempts in a row")))
    }

    /// Binds the records' columns as arrays after the statement's first parameters.
    fn insert_audit<'q>(
        q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
        records: &[AuditRecord],
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        let col = |f: fn(&AuditRecord) -> String| records.iter().map(f).collect::<Vec<_>>();
        q.bind(records.iter().map(|r| r.seq).collect::<Vec<_>>())
            .bind(records.iter().map(|r| r.at_ms).collect::<Vec<_>>())
            .bind(col(|r| r.actor.clone()))
            .bind(records.iter().map(|r| r.ip.clone()).collect::<Vec<_>>())
            .bind(col(|r| r.action.clone()))
            .bind(col(|r| r.subject.clone()))
            .bind(col(|r| r.detail.clone()))
            .bind(col(|r| r.prev_hash.clone()))
            .bind(col(|r| r.hash.clone()))
    }

    /// Appends inside the caller's transaction: the head row is locked until it commits, so
    /// the records commit with whatever else the transaction writes, or not at all.
    async fn append_audit_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        events: &[(AuditEvent, OffsetDateTime)],
    ) -> Result<Head> {
        let head = sqlx::query(sqlx::AssertSqlSafe(format!("{HEAD_FOR_UPDATE} FOR UPDATE")))
            .fetch_one(&mut **tx)
            .await?;
        let (seq, hash, keyed_from): Head =
            (head.try_get("seq")?, head.try_get("hash")?, head.try_get("from_seq")?);
        let records = chain(&self.audit_key, keyed_from, seq, &hash, events);
        let Some(last) = records.last() else { return Ok((seq, hash, keyed_from)) };
        Self::insert_audit(
            sqlx::query(
                "WITH head AS (UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 \
                 RETURNING 1) \
                 INSERT INTO audit (seq, at, actor, ip, action, subject, detail, prev_hash, \
                 hash) SELECT * FROM UNNEST($3::BIGINT[], $4::BIGINT[], $5::TEXT[], \
                 $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[]) \
                 WHERE EXISTS (SELECT 1 FROM head)",
            )
            .bind(last.seq)
            .bind(&last.hash),
            &records,
        )
        .execute(&mut **tx)
        .await?;
        Ok((last.seq, last.hash.clone(), keyed_from))
    }

    /// After the transaction that appended commits, the next group commit starts from there.
    fn audit_committed(&self, head: Head) {
        if let Ok(mut known) = self.audit_head.lock() {
            *known = Some(head);
        }
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}
