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
    ActorKind, AlertScope, Channel, Checkpoint, CheckpointCode, CheckpointKind, Country, Decision,
    Direction, DocumentNumber, DocumentType, Role, Sex, TravelDocument, Username, WatchAction,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::{Date, OffsetDateTime};

use crate::audit::{AuditEvent, AuditKey, AuditRecord, chain, millis};

mod permit;
mod port;
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
            .pragma("cache_size", "-262144")
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

const TRAVELLER_COLUMNS: &str = "id, issuing_state, number, doc_type, surname, given_names, \
     nationality, birth_date, sex, expiry_date, issuing_area";
const CROSSING_COLUMNS: &str = "id, traveller_id, checkpoint, direction, channel, at, decision, \
     client_decision, screened_at, actor, body_hash";
/// A traveller joined with their latest crossings: the traveller's columns under their own
/// names, the crossing's prefixed `c_`. The crossings are picked by a subquery that does not
/// depend on the outer row, so each database reads the traveller's latest few from the index
/// once, however many crossings the traveller has.
const TRAVELLER_WITH_CROSSINGS: &str = "SELECT t.id, t.issuing_state, t.number, t.doc_type, \
     t.surname, t.given_names, t.nationality, t.birth_date, t.sex, t.expiry_date, \
     t.issuing_area, c.id AS c_id, c.traveller_id AS c_traveller_id, c.checkpoint AS c_checkpoint, \
     c.direction AS c_direction, c.channel AS c_channel, c.at AS c_at, c.decision AS c_decision, \
     c.client_decision AS c_client_decision, c.screened_at AS c_screened_at, c.actor AS c_actor, c.body_hash AS c_body_hash \
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

            /// An alert unless one is open for the pair at this checkpoint, or the pair was
            /// dismissed anywhere (a false positive is one everywhere).
            async fn raise_alert_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                a: &NewAlert,
                now: i64,
            ) -> Result<Option<i64>> {
                let known = sqlx::query(
                    "SELECT id FROM alerts WHERE traveller_id = $1 AND entry_id = $2 \
                     AND (status = 'dismissed' OR (status = 'open' AND checkpoint = $3)) LIMIT 1",
                )
                .bind(a.traveller_id)
                .bind(&a.entry_id)
                .bind(a.checkpoint.as_str())
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

            async fn add_user(&self, u: &NewUser, now: OffsetDateTime) -> Result<i64> {
                let r = sqlx::query(
                    "INSERT INTO users (username, role, checkpoint, agency_id, password_hash, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(u.username.as_str())
                .bind(u.role.as_str())
                .bind(u.checkpoint.as_ref().map(|c| c.as_str()))
                .bind(u.agency)
                .bind(&u.password_hash)
                .bind(millis(now))
                .fetch_one(&self.pool)
                .await;
                match r {
                    Ok(row) => Ok(row.try_get("id")?),
                    Err(e) if unique_violation(&e) => {
                        Err(StoreError::Duplicate(format!("user {}", u.username)))
                    }
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
                        Err(StoreError::NotFound(format!(
                            "checkpoint {}",
                            u.checkpoint.as_ref().map_or("", |c| c.as_str())
                        )))
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
                let row = sqlx::query(
                    "SELECT id, username, role, checkpoint, agency_id, password_hash FROM users \
                     WHERE username = $1 AND disabled_at IS NULL",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(UserRecord {
                        id: r.try_get("id")?,
                        username: Username::parse(&r.try_get::<String, _>("username")?)
                            .map_err(corrupt)?,
                        role: Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?,
                        checkpoint: r
                            .try_get::<Option<String>, _>("checkpoint")?
                            .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                            .transpose()?,
                        agency: r.try_get("agency_id")?,
                        password_hash: r.try_get("password_hash")?,
                    })
                })
                .transpose()
            }

            async fn add_device(
                &self,
                checkpoint: &CheckpointCode,
                name: &str,
                now: OffsetDateTime,
            ) -> Result<i64> {
                let r = sqlx::query(
                    "INSERT INTO devices (checkpoint, name, created_at) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(checkpoint.as_str())
                .bind(name)
                .bind(millis(now))
                .fetch_one(&self.pool)
                .await;
                match r {
                    Ok(row) => Ok(row.try_get("id")?),
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
                        Err(StoreError::NotFound(format!("checkpoint {checkpoint}")))
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn disable_user(&self, username: &str, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(
                    "UPDATE users SET disabled_at = $2 WHERE username = $1 \
                     AND disabled_at IS NULL RETURNING id",
                )
                .bind(username)
                .bind(millis(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(false) };
                let id: i64 = row.try_get("id")?;
                sqlx::query("DELETE FROM tokens WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_device(&self, id: i64, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let n = sqlx::query(
                    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM tokens WHERE device_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(n > 0)
            }

            async fn devices(&self) -> Result<Vec<DeviceRecord>> {
                let rows = sqlx::query(
                    "SELECT id, checkpoint, name, created_at, revoked_at FROM devices ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeviceRecord {
                            id: r.try_get("id")?,
                            checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                                .map_err(corrupt)?,
                            name: r.try_get("name")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            revoked_at: r
                                .try_get::<Option<i64>, _>("revoked_at")?
                                .map(from_ms)
                                .transpose()?,
                        })
                    })
                    .collect()
            }

            async fn put_token(&self, t: &NewToken, now: OffsetDateTime) -> Result<()> {
                let (user, device) = match t.owner {
                    TokenOwner::User(id) => (Some(id), None),
                    TokenOwner::Device(id) => (None, Some(id)),
                };
                sqlx::query(
                    "INSERT INTO tokens (hash, kind, user_id, device_id, csrf, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&t.hash)
                .bind(t.kind.as_str())
                .bind(user)
                .bind(device)
                .bind(&t.csrf)
                .bind(millis(now))
                .bind(t.expires_at.map(millis))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn token(&self, hash: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>> {
                let row = sqlx::query(
                    "SELECT t.kind, t.csrf, t.user_id, t.device_id, u.username, u.role, \
                     u.checkpoint AS user_checkpoint, u.agency_id, d.name AS device_name, \
                     d.checkpoint AS device_checkpoint FROM tokens t \
                     LEFT JOIN users u ON u.id = t.user_id \
                     LEFT JOIN devices d ON d.id = t.device_id \
                     WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) \
                     AND u.disabled_at IS NULL AND d.revoked_at IS NULL",
                )
                .bind(hash)
                .bind(millis(now))
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let cp = |c: &str| -> Result<Option<CheckpointCode>> {
                    r.try_get::<Option<String>, _>(c)?
                        .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                        .transpose()
                };
                let actor = match (
                    r.try_get::<Option<i64>, _>("user_id")?,
                    r.try_get::<Option<i64>, _>("device_id")?,
                ) {
                    (Some(id), _) => domain::Actor {
                        kind: ActorKind::User {
                            id,
                            username: Username::parse(&r.try_get::<String, _>("username")?)
                                .map_err(corrupt)?,
                            role: Role::parse(&r.try_get::<String, _>("role")?)
                                .map_err(corrupt)?,
                            agency: r.try_get("agency_id")?,
                        },
                        checkpoint: cp("user_checkpoint")?,
                    },
                    (None, Some(id)) => domain::Actor {
                        kind: ActorKind::Device { id, name: r.try_get("device_name")? },
                        checkpoint: cp("device_checkpoint")?,
                    },
                    (None, None) => return Err(corrupt("a token without an owner")),
                };
                Ok(Some(TokenRecord {
                    kind: TokenKind::parse(&r.try_get::<String, _>("kind")?)?,
                    actor,
                    csrf: r.try_get("csrf")?,
                }))
            }

            async fn delete_token(&self, hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM tokens WHERE hash = $1")
                    .bind(hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn traveller(
                &self,
                issuing_state: Country,
                number: &DocumentNumber,
            ) -> Result<Option<TravellerRecord>> {
                let sql = format!(
                    "SELECT {TRAVELLER_COLUMNS} FROM travellers \
                     WHERE issuing_state = $1 AND number = $2"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(issuing_state.as_str())
                    .bind(number.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::traveller_from).transpose()
            }

            async fn traveller_with_crossings(
                &self,
                issuing_state: Country,
                number: &DocumentNumber,
                limit: u32,
            ) -> Result<Option<(TravellerRecord, Vec<CrossingRecord>)>> {
                let rows = sqlx::query(TRAVELLER_WITH_CROSSINGS)
                    .bind(issuing_state.as_str())
                    .bind(number.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let traveller = Self::traveller_from(first)?;
                let mut crossings = Vec::with_capacity(rows.len());
                for row in &rows {
                    if row.try_get::<Option<String>, _>("c_id")?.is_some() {
                        crossings.push(Self::crossing_prefixed(row, "c_")?);
                    }
                }
                Ok(Some((traveller, crossings)))
            }

            async fn travellers_by_name(
                &self,
                name_key: &str,
                birth_date: Option<&str>,
                limit: u32,
            ) -> Result<Vec<TravellerRecord>> {
                let sql = format!(
                    "SELECT {TRAVELLER_COLUMNS} FROM travellers WHERE name_key = $1 \
                     AND ($2 = '' OR birth_date = $2) ORDER BY updated_at DESC LIMIT $3"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name_key)
                    .bind(birth_date.unwrap_or(""))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::traveller_from).collect()
            }

            async fn crossings_of(&self, traveller_id: i64, limit: u32) -> Result<Vec<CrossingRecord>> {
                let sql = format!(
                    "SELECT {CROSSING_COLUMNS} FROM crossings WHERE traveller_id = $1 \
                     ORDER BY at DESC, id DESC LIMIT $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(traveller_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::crossing_from).collect()
            }

            async fn record_crossings(
                &self,
                batch: &[NewCrossing],
                by: &RecordedBy,
                at: OffsetDateTime,
            ) -> Result<Vec<RecordOutcome>> {
                let now = millis(at);
                let select = format!("SELECT {CROSSING_COLUMNS} FROM crossings WHERE id = $1");
                let mut tx = self.pool.begin_with($begin).await?;
                let mut out = Vec::with_capacity(batch.len());
                // Travellers first, each once and in one order whatever the batch's: two
                // batches sharing travellers then never wait on each other in a cycle.
                let mut docs: std::collections::BTreeMap<(&str, &str), &NewCrossing> =
                    std::collections::BTreeMap::new();
                for c in batch {
                    docs.insert((c.document.issuing_state.as_str(), c.document.number.as_str()), c);
                }
                let mut ids: std::collections::HashMap<(&str, &str), i64> =
                    std::collections::HashMap::with_capacity(docs.len());
                // Most travellers have crossed before with the same document: reading them,
                // many to a statement, saves rewriting their rows and indexes.
                let docs: Vec<((&str, &str), &NewCrossing)> = docs.into_iter().collect();
                let mut known: std::collections::HashMap<(String, String), (TravellerRecord, String)> =
                    std::collections::HashMap::with_capacity(docs.len());
                for chunk in docs.chunks(TRAVELLERS_PER_LOOKUP) {
                    let mut sql = format!(
                        "SELECT {TRAVELLER_COLUMNS}, name_key FROM travellers \
                         WHERE (issuing_state, number) IN (VALUES "
                    );
                    for i in 0..chunk.len() {
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        if $backend == "sqlite" {
                            sql.push_str("(?, ?)");
                        } else {
                            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                        }
                    }
                    sql.push(')');
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for ((state, number), _) in chunk {
                        q = q.bind(*state).bind(*number);
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        let stored = Self::traveller_from(&row)?;
                        let name_key: String = row.try_get("name_key")?;
                        let key = (
                            stored.document.issuing_state.to_string(),
                            stored.document.number.to_string(),
                        );
                        known.insert(key, (stored, name_key));
                    }
                }
                for (key, c) in docs {
                    let d = &c.document;
                    if let Some((stored, name_key)) = known.get(&(key.0.to_string(), key.1.to_string()))
                        && &stored.document == d
                        && *name_key == c.name_key
                    {
                        ids.insert(key, stored.id);
                        continue;
                    }
                    let id: i64 = sqlx::query(
                        "INSERT INTO travellers (issuing_state, number, doc_type, surname, \
                         given_names, nationality, birth_date, sex, expiry_date, issuing_area, \
                         name_key, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (issuing_state, number) DO UPDATE SET \
                         doc_type = excluded.doc_type, surname = excluded.surname, \
                         given_names = excluded.given_names, nationality = excluded.nationality, \
                         birth_date = excluded.birth_date, sex = excluded.sex, \
                         expiry_date = excluded.expiry_date, issuing_area = excluded.issuing_area, \
                         name_key = excluded.name_key, updated_at = excluded.updated_at \
                         RETURNING id",
                    )
                    .bind(d.issuing_state.as_str())
                    .bind(d.number.as_str())
                    .bind(d.doc_type.as_str())
                    .bind(&d.surname)
                    .bind(&d.given_names)
                    .bind(d.nationality.map(|c| c.to_string()))
                    .bind(date_text(d.birth_date))
                    .bind(d.sex.map(|s| s.as_str()))
                    .bind(date_text(d.expiry_date))
                    .bind(&d.issuing_area)
                    .bind(&c.name_key)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    ids.insert(key, id);
                }
                // Crossings many to a statement: each statement costs more than its rows.
                let mut created: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
                for chunk in batch.chunks(CROSSINGS_PER_STATEMENT) {
                    let mut sql = String::from(
                        "INSERT INTO crossings (id, traveller_id, checkpoint, direction, channel, \
                         at, decision, client_decision, actor, body_hash, recorded_at, \
                         screened_at) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let p = i * 12;
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        // SQLite finds a numbered parameter by walking the list of all of them,
                        // once per bind: a thousand `$N` cost a quadratic scan, anonymous `?`
                        // nothing. PostgreSQL takes only `$N`.
                        if $backend == "sqlite" {
                            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                        } else {
                            sql.push_str(&format!(
                                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                                p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8, p + 9,
                                p + 10, p + 11, p + 12
                            ));
                        }
                    }
                    sql.push_str(" ON CONFLICT (id) DO NOTHING RETURNING id");
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    let mut travellers = Vec::with_capacity(chunk.len());
                    for c in chunk {
                        let key = (c.document.issuing_state.as_str(), c.document.number.as_str());
                        let traveller_id = *ids
                            .get(&key)
                            .ok_or_else(|| corrupt("a traveller of the batch went missing"))?;
                        travellers.push(traveller_id);
                        q = q
                            .bind(&c.id)
                            .bind(traveller_id)
                            .bind(c.checkpoint.as_str())
                            .bind(c.direction.as_str())
                            .bind(c.channel.as_str())
                            .bind(millis(c.at))
                            .bind(c.decision.as_str())
                            .bind(c.client_decision.map(|d| d.as_str()))
                            .bind(&c.actor)
                            .bind(&c.body_hash)
                            .bind(now)
                            .bind(c.screened.then_some(now));
                    }
                    let rows = q.fetch_all(&mut *tx).await?;
                    let mut inserted = std::collections::HashSet::with_capacity(rows.len());
                    for r in &rows {
                        inserted.insert(r.try_get::<String, _>("id")?);
                    }
                    for (c, traveller_id) in chunk.iter().zip(travellers) {
                        // The first of an id stored now; a repeat of it in the batch is a retry
                        // or a conflict, like one from before.
                        if inserted.remove(&c.id) {
                            created.insert(&c.id, &c.body_hash);
                            out.push(RecordOutcome::Created(CrossingRecord {
                                id: c.id.clone(),
                                traveller_id,
                                checkpoint: c.checkpoint.clone(),
                                direction: c.direction,
                                channel: c.channel,
                                at: from_ms(millis(c.at))?,
                                decision: c.decision,
                                client_decision: c.client_decision,
                                screened: c.screened,
                                actor: c.actor.clone(),
                                body_hash: c.body_hash.clone(),
                            }));
                            for a in &c.alerts {
                                let alert = NewAlert {
                                    entry_id: a.entry_id.clone(),
                                    traveller_id,
                                    checkpoint: c.checkpoint.clone(),
                                    score: a.score,
                                };
                                Self::raise_alert_in(&mut tx, &alert, now).await?;
                            }
                            continue;
                        }
                        if let Some(&hash) = created.get(c.id.as_str())
                            && hash != c.body_hash
                        {
                            out.push(RecordOutcome::Conflict(c.id.clone()));
                            continue;
                        }
                        let row = sqlx::query(sqlx::AssertSqlSafe(select.clone()))
                            .bind(&c.id)
                            .fetch_one(&mut *tx)
                            .await?;
                        let record = Self::crossing_from(&row)?;
                        out.push(if record.body_hash == c.body_hash {
                            RecordOutcome::Existing(record)
                        } else {
                            RecordOutcome::Conflict(c.id.clone())
                        });
                    }
                }
                let ids: Vec<&str> = out
                    .iter()
                    .filter_map(|o| match o {
                        RecordOutcome::Created(r) => Some(r.id.as_str()),
                        _ => None,
                    })
                    .collect();
                if !ids.is_empty() {
                    let event = AuditEvent {
                        actor: by.actor.clone(),
                        ip: by.ip.clone(),
                        action: crate::AuditAction::CrossingRecord,
                        subject: format!("crossings:{}", ids.len()),
                        detail: serde_json::json!({ "ids": ids }).to_string(),
                    };
                    let head = self.append_audit_in(&mut tx, &[(event, at)]).await?;
                    tx.commit().await?;
                    self.audit_committed(head);
                } else {
                    tx.commit().await?;
                }
                Ok(out)
            }

            // The few oldest picked from the partial index first, then joined: joined first,
            // SQLite sorted every unscreened crossing for each round (1.3 s at a million).
            async fn unscreened(&self, limit: u32) -> Result<Vec<(CrossingRecord, TravelDocument)>> {
                let sql = format!(
                    "SELECT c.id AS c_id, c.traveller_id AS c_traveller_id, \
                     c.checkpoint AS c_checkpoint, c.direction AS c_direction, \
                     c.channel AS c_channel, c.at AS c_at, c.decision AS c_decision, \
                     c.client_decision AS c_client_decision, c.screened_at AS c_screened_at, \
                     c.actor AS c_actor, c.body_hash AS c_body_hash, {} \
                     FROM (SELECT * FROM crossings WHERE screened_at IS NULL \
                     ORDER BY recorded_at, id LIMIT $1) c \
                     JOIN travellers t ON t.id = c.traveller_id ORDER BY c.recorded_at, c.id",
                    TRAVELLER_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((Self::crossing_prefixed(r, "c_")?, Self::traveller_from(r)?.document)))
                    .collect()
            }

            async fn settle_screening(&self, screened: &[Screening], at: OffsetDateTime) -> Result<usize> {
                let now = millis(at);
                let mut tx = self.pool.begin_with($begin).await?;
                let mut settled = 0;
                // Most crossings raise nothing: those go many to a statement, by decision, so
                // that the transaction holds the writer briefly.
                for decision in [Decision::Clear, Decision::Refer, Decision::Deny] {
                    let ids: Vec<&str> = screened
                        .iter()
                        .filter(|s| s.alerts.is_empty() && s.decision == decision)
                        .map(|s| s.crossing_id.as_str())
                        .collect();
                    for chunk in ids.chunks(CROSSINGS_PER_STATEMENT) {
                        let mut sql = String::from(
                            "UPDATE crossings SET decision = $1, screened_at = $2 \
                             WHERE screened_at IS NULL AND id IN (",
                        );
                        for i in 0..chunk.len() {
                            if i > 0 {
                                sql.push_str(", ");
                            }
                            sql.push_str(&format!("${}", i + 3));
                        }
                        sql.push(')');
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(decision.as_str())
                            .bind(now);
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        settled += q.execute(&mut *tx).await?.rows_affected() as usize;
                    }
                }
                for s in screened.iter().filter(|s| !s.alerts.is_empty()) {
                    let row = sqlx::query(
                        "UPDATE crossings SET decision = $2, screened_at = $3 \
                         WHERE id = $1 AND screened_at IS NULL RETURNING traveller_id, checkpoint",
                    )
                    .bind(&s.crossing_id)
                    .bind(s.decision.as_str())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else { continue };
                    settled += 1;
                    let traveller_id: i64 = row.try_get("traveller_id")?;
                    let checkpoint = CheckpointCode::parse(&row.try_get::<String, _>("checkpoint")?)
                        .map_err(corrupt)?;
                    for a in &s.alerts {
                        let alert = NewAlert {
                            entry_id: a.entry_id.clone(),
                            traveller_id,
                            checkpoint: checkpoint.clone(),
                            score: a.score,
                        };
                        Self::raise_alert_in(&mut tx, &alert, now).await?;
                    }
                }
                tx.commit().await?;
                Ok(settled)
            }

            async fn crossing(&self, id: &str) -> Result<Option<CrossingRecord>> {
                let sql = format!("SELECT {CROSSING_COLUMNS} FROM crossings WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::crossing_from).transpose()
            }

            async fn crossings_by_hour(
                &self,
                checkpoint: &CheckpointCode,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> Result<Vec<HourCount>> {
                let rows = sqlx::query(
                    "SELECT at / 3600000 AS hour, direction, COUNT(*) AS n FROM crossings \
                     WHERE checkpoint = $1 AND at >= $2 AND at < $3 \
                     GROUP BY at / 3600000, direction ORDER BY hour, direction",
                )
                .bind(checkpoint.as_str())
                .bind(millis(from))
                .bind(millis(to))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(HourCount {
                            hour: r.try_get("hour")?,
                            direction: Direction::parse(&r.try_get::<String, _>("direction")?)
                                .map_err(corrupt)?,
                            count: r.try_get("n")?,
                        })
                    })
                    .collect()
            }

            async fn put_watch_entry(&self, e: &WatchEntry, by: &str, now: OffsetDateTime) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                Self::put_watch_in(&mut tx, e, by, millis(now)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_watch_entries(
                &self,
                entries: &[WatchEntry],
                by: &str,
                now: OffsetDateTime,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for e in entries {
                    Self::put_watch_in(&mut tx, e, by, millis(now)).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn remove_watch_entry(&self, id: &str, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let n = sqlx::query(
                    "UPDATE watchlist SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL",
                )
                .bind(id)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n > 0 {
                    sqlx::query("INSERT INTO watchlist_log (entry_id, at) VALUES ($1, $2)")
                        .bind(id)
                        .bind(millis(now))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(n > 0)
            }

            async fn watch_entry(&self, id: &str) -> Result<Option<WatchEntry>> {
                let sql = format!(
                    "SELECT {WATCH_COLUMNS} FROM watchlist WHERE id = $1 AND removed_at IS NULL"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::watch_from).transpose()
            }

            async fn watch_entries(&self, after: Option<&str>, limit: u32) -> Result<Vec<WatchEntry>> {
                let sql = format!(
                    "SELECT {WATCH_COLUMNS} FROM watchlist WHERE removed_at IS NULL AND id > $1 \
                     ORDER BY id LIMIT $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after.unwrap_or(""))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::watch_from).collect()
            }

            async fn watch_entry_count(&self) -> Result<u64> {
                let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM watchlist WHERE removed_at IS NULL")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                Ok(n.max(0) as u64)
            }

            async fn watch_log_head(&self) -> Result<i64> {
                let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS s FROM watchlist_log")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get::<i64, _>("s")?)
            }

            async fn watch_changes(&self, after_seq: i64, limit: u32) -> Result<Vec<(i64, String)>> {
                let rows = sqlx::query(
                    "SELECT seq, entry_id FROM watchlist_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("seq")?, r.try_get("entry_id")?))).collect()
            }

            async fn raise_alert(&self, a: &NewAlert, now: OffsetDateTime) -> Result<Option<i64>> {
                let mut tx = self.pool.begin_with($begin).await?;
                let id = Self::raise_alert_in(&mut tx, a, millis(now)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn dismissed_entries(&self, traveller_id: i64) -> Result<Vec<String>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT entry_id FROM alerts WHERE traveller_id = $1 \
                     AND status = 'dismissed'",
                )
                .bind(traveller_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok(r.try_get("entry_id")?)).collect()
            }

            async fn alerts(
                &self,
                scope: &AlertScope,
                status: Option<AlertStatus>,
                limit: u32,
            ) -> Result<Vec<AlertRecord>> {
                let checkpoint = match scope {
                    AlertScope::All => "",
                    AlertScope::Checkpoint(c) => c.as_str(),
                };
                let rows = sqlx::query(
                    "SELECT a.id, a.entry_id, w.name AS entry_name, w.action, a.traveller_id, \
                     t.surname, t.given_names, t.issuing_state, t.number, a.checkpoint, a.score, \
                     a.status, a.raised_at, a.decided_by, a.decided_at FROM alerts a \
                     JOIN watchlist w ON w.id = a.entry_id \
                     JOIN travellers t ON t.id = a.traveller_id \
                     WHERE ($1 = '' OR a.checkpoint = $1) AND ($2 = '' OR a.status = $2) \
                     ORDER BY a.raised_at DESC, a.id DESC LIMIT $3",
                )
                .bind(checkpoint)
                .bind(status.map_or("", AlertStatus::as_str))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::alert_from).collect()
            }

            async fn alert(&self, id: i64) -> Result<Option<AlertRecord>> {
                let row = sqlx::query(
                    "SELECT a.id, a.entry_id, w.name AS entry_name, w.action, a.traveller_id, \
                     t.surname, t.given_names, t.issuing_state, t.number, a.checkpoint, a.score, \
                     a.status, a.raised_at, a.decided_by, a.decided_at FROM alerts a \
                     JOIN watchlist w ON w.id = a.entry_id \
                     JOIN travellers t ON t.id = a.traveller_id WHERE a.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::alert_from).transpose()
            }

            async fn decide_alert(
                &self,
                id: i64,
                status: AlertStatus,
                by: &str,
                now: OffsetDateTime,
            ) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE alerts SET status = $2, decided_by = $3, decided_at = $4 \
                     WHERE id = $1 AND status = 'open'",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(by)
                .bind(millis(now))
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(n > 0)
            }

            async fn append_audit(&self, e: &AuditEvent, now: OffsetDateTime) -> Result<()> {
                self.append_audits(&[(e.clone(), now)]).await
            }

            async fn append_audits(&self, events: &[(AuditEvent, OffsetDateTime)]) -> Result<()> {
                if events.is_empty() {
                    return Ok(());
                }
                self.append_audit_links(events).await
            }

            async fn audit_anchor(&self) -> Result<crate::AuditAnchor> {
                let row = sqlx::query(
                    "SELECT h.seq, h.hash, k.from_seq FROM audit_head h, audit_keyed k \
                     WHERE h.id = 1 AND k.id = 1",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(crate::AuditAnchor {
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                    keyed_from: row.try_get("from_seq")?,
                })
            }

            fn audit_key(&self) -> &AuditKey {
                &self.audit_key
            }

            async fn audit_records(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, ip, action, subject, detail, prev_hash, hash \
                     FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AuditRecord {
                            seq: r.try_get("seq")?,
                            at_ms: r.try_get("at")?,
                            actor: r.try_get("actor")?,
                            ip: r.try_get("ip")?,
                            action: r.try_get("action")?,
                            subject: r.try_get("subject")?,
                            detail: r.try_get("detail")?,
                            prev_hash: r.try_get("prev_hash")?,
                            hash: r.try_get("hash")?,
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
