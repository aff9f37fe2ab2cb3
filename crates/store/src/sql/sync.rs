//! [`SyncStore`](crate::SyncStore) for both databases. Headquarters runs the nodes' half on
//! PostgreSQL or SQLite; a node runs its half on SQLite, but the text is the same.

use super::permit::PERMIT_COLUMNS;
#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;
use crate::permit::{
    KeyRole, Movement, MovementRecord, PermitRecord, RevocationListRecord, RevocationScope,
};
use crate::sync::*;

const NODE_COLUMNS: &str = "checkpoint, secret_hash, added_at, enrolled_at, revoked_at, \
     last_contact, backlog, version, clock_offset_ms";

fn opt_ms(ms: Option<i64>) -> Result<Option<OffsetDateTime>> {
    ms.map(from_ms).transpose()
}

macro_rules! sync_impl {
    ($store:ident, $db:ty, $row:ty, $backend:literal, $begin:literal) => {
        impl $store {
            fn node_from(r: &$row) -> Result<NodeRecord> {
                Ok(NodeRecord {
                    checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                        .map_err(corrupt)?,
                    added_at: from_ms(r.try_get("added_at")?)?,
                    enrolled_at: opt_ms(r.try_get("enrolled_at")?)?,
                    revoked_at: opt_ms(r.try_get("revoked_at")?)?,
                    enrolment_pending: r.try_get::<Option<String>, _>("secret_hash")?.is_some(),
                    last_contact: opt_ms(r.try_get("last_contact")?)?,
                    backlog: r.try_get("backlog")?,
                    version: r.try_get("version")?,
                    clock_offset_ms: r.try_get("clock_offset_ms")?,
                })
            }

            /// `OVERRIDING SYSTEM VALUE` where the database needs it to take a given id.
            fn overriding() -> &'static str {
                if $backend == "sqlite" { "" } else { "OVERRIDING SYSTEM VALUE" }
            }
        }

        impl crate::SyncStore for $store {
            async fn add_node(
                &self,
                checkpoint: &CheckpointCode,
                secret_hash: &str,
                now: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO nodes (checkpoint, secret_hash, added_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (checkpoint) DO UPDATE SET secret_hash = excluded.secret_hash",
                )
                .bind(checkpoint.as_str())
                .bind(secret_hash)
                .bind(millis(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn enrol_node(
                &self,
                secret_hash: &str,
                credential_hash: &str,
                now: OffsetDateTime,
            ) -> Result<Option<CheckpointCode>> {
                let row = sqlx::query(
                    "UPDATE nodes SET secret_hash = NULL, credential_hash = $2, enrolled_at = $3, \
                     revoked_at = NULL WHERE secret_hash = $1 RETURNING checkpoint",
                )
                .bind(secret_hash)
                .bind(credential_hash)
                .bind(millis(now))
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?).map_err(corrupt)
                })
                .transpose()
            }

            async fn revoke_node(&self, checkpoint: &CheckpointCode, now: OffsetDateTime) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE nodes SET secret_hash = NULL, credential_hash = NULL, revoked_at = $2 \
                     WHERE checkpoint = $1 AND (credential_hash IS NOT NULL OR secret_hash IS NOT NULL)",
                )
                .bind(checkpoint.as_str())
                .bind(millis(now))
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(n > 0)
            }

            async fn node_by_credential(&self, hash: &str) -> Result<Option<NodeRecord>> {
                let sql = format!(
                    "SELECT {NODE_COLUMNS} FROM nodes WHERE credential_hash = $1 AND revoked_at IS NULL"
                );
                let row =
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::node_from).transpose()
            }

            async fn node_contact(
                &self,
                checkpoint: &CheckpointCode,
                c: &NodeContact,
                now: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE nodes SET last_contact = $2, backlog = $3, version = $4, \
                     clock_offset_ms = $5 WHERE checkpoint = $1",
                )
                .bind(checkpoint.as_str())
                .bind(millis(now))
                .bind(c.backlog)
                .bind(&c.version)
                .bind(c.clock_offset_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn nodes(&self) -> Result<Vec<NodeRecord>> {
                let sql = format!("SELECT {NODE_COLUMNS} FROM nodes ORDER BY checkpoint");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                rows.iter().map(Self::node_from).collect()
            }

            async fn keep_conflicts(
                &self,
                node: &CheckpointCode,
                kind: &str,
                records: &[(String, String)],
                now: OffsetDateTime,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for (id, body) in records {
                    sqlx::query(
                        "INSERT INTO sync_conflicts (node, kind, record_id, body, received_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(node.as_str())
                    .bind(kind)
                    .bind(id)
                    .bind(body)
                    .bind(millis(now))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn conflicts(&self, limit: u32) -> Result<Vec<ConflictRecord>> {
                let rows = sqlx::query(
                    "SELECT id, node, kind, record_id, body, received_at FROM sync_conflicts \
                     ORDER BY id DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ConflictRecord {
                            id: r.try_get("id")?,
                            node: CheckpointCode::parse(&r.try_get::<String, _>("node")?)
                                .map_err(corrupt)?,
                            kind: r.try_get("kind")?,
                            record_id: r.try_get("record_id")?,
                            body: r.try_get("body")?,
                            received_at: from_ms(r.try_get("received_at")?)?,
                        })
                    })
                    .collect()
            }

            async fn accounts_at(&self, checkpoint: &CheckpointCode) -> Result<Vec<SyncAccount>> {
                let rows = sqlx::query(
                    "SELECT id, username, role, checkpoint, password_hash, created_at, disabled_at \
                     FROM users WHERE checkpoint = $1 AND agency_id IS NULL ORDER BY id",
                )
                .bind(checkpoint.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(SyncAccount {
                            id: r.try_get("id")?,
                            username: Username::parse(&r.try_get::<String, _>("username")?)
                                .map_err(corrupt)?,
                            role: Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?,
                            checkpoint: r
                                .try_get::<Option<String>, _>("checkpoint")?
                                .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                                .transpose()?,
                            password_hash: r.try_get("password_hash")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                        })
                    })
                    .collect()
            }

            async fn devices_at(
                &self,
                checkpoint: &CheckpointCode,
                now: OffsetDateTime,
            ) -> Result<Vec<SyncDevice>> {
                let rows = sqlx::query(
                    "SELECT d.id, d.checkpoint, d.name, d.created_at, d.revoked_at, t.hash, \
                     t.expires_at FROM devices d LEFT JOIN tokens t ON t.device_id = d.id \
                     AND t.kind = 'device' AND (t.expires_at IS NULL OR t.expires_at > $2) \
                     WHERE d.checkpoint = $1 ORDER BY d.id, t.hash",
                )
                .bind(checkpoint.as_str())
                .bind(millis(now))
                .fetch_all(&self.pool)
                .await?;
                let mut out: Vec<SyncDevice> = Vec::new();
                for r in &rows {
                    let id: i64 = r.try_get("id")?;
                    if out.last().is_none_or(|d| d.id != id) {
                        out.push(SyncDevice {
                            id,
                            checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                                .map_err(corrupt)?,
                            name: r.try_get("name")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                            tokens: Vec::new(),
                        });
                    }
                    if let Some(hash) = r.try_get::<Option<String>, _>("hash")?
                        && let Some(d) = out.last_mut()
                    {
                        d.tokens.push(SyncToken { hash, expires_at: opt_ms(r.try_get("expires_at")?)? });
                    }
                }
                Ok(out)
            }

            async fn watch_entries_by_id(&self, ids: &[String]) -> Result<Vec<WatchEntry>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let mut sql = format!(
                        "SELECT {WATCH_COLUMNS} FROM watchlist WHERE removed_at IS NULL AND id IN ("
                    );
                    for i in 0..chunk.len() {
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&format!("${}", i + 1));
                    }
                    sql.push(')');
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(id);
                    }
                    for row in q.fetch_all(&self.pool).await? {
                        out.push(Self::watch_from(&row)?);
                    }
                }
                Ok(out)
            }

            async fn put_node_audit(
                &self,
                node: &CheckpointCode,
                enrolment: i64,
                records: &[AuditRecord],
                now: OffsetDateTime,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for r in records {
                    sqlx::query(
                        "INSERT INTO node_audit (node, seq, at, actor, ip, action, subject, \
                         detail, prev_hash, hash, received_at, enrolment) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (node, enrolment, seq) DO NOTHING",
                    )
                    .bind(node.as_str())
                    .bind(r.seq)
                    .bind(r.at_ms)
                    .bind(&r.actor)
                    .bind(&r.ip)
                    .bind(&r.action)
                    .bind(&r.subject)
                    .bind(&r.detail)
                    .bind(&r.prev_hash)
                    .bind(&r.hash)
                    .bind(millis(now))
                    .bind(enrolment)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn node_audit(
                &self,
                node: &CheckpointCode,
                enrolment: i64,
                after_seq: i64,
                limit: u32,
            ) -> Result<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, ip, action, subject, detail, prev_hash, hash \
                     FROM node_audit WHERE node = $1 AND enrolment = $4 AND seq > $2 \
                     ORDER BY seq LIMIT $3",
                )
                .bind(node.as_str())
                .bind(after_seq)
                .bind(i64::from(limit))
                .bind(enrolment)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::audit_from).collect()
            }

            async fn node_self(&self) -> Result<Option<NodeSelf>> {
                let row = sqlx::query(
                    "SELECT checkpoint, hq_url, enrolled_at, up_acked, audit_acked, watch_seq, \
                     watch_copy_after, watch_copy_head, watch_as_of, trust_as_of, dismissed_as_of, \
                     permits_as_of, cscas_as_of, csca_crls_as_of FROM node_self",
                )
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some(NodeSelf {
                    checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                        .map_err(corrupt)?,
                    hq_url: r.try_get("hq_url")?,
                    enrolled_at: from_ms(r.try_get("enrolled_at")?)?,
                    up_acked: r.try_get("up_acked")?,
                    audit_acked: r.try_get("audit_acked")?,
                    watch: WatchCursor {
                        seq: r.try_get("watch_seq")?,
                        copy_after: r.try_get("watch_copy_after")?,
                        copy_head: r.try_get("watch_copy_head")?,
                        as_of: opt_ms(r.try_get("watch_as_of")?)?,
                    },
                    trust_as_of: opt_ms(r.try_get("trust_as_of")?)?,
                    dismissed_as_of: r.try_get("dismissed_as_of")?,
                    permits_as_of: r.try_get("permits_as_of")?,
                    cscas_as_of: r.try_get("cscas_as_of")?,
                    csca_crls_as_of: r.try_get("csca_crls_as_of")?,
                }))
            }

            async fn become_node(
                &self,
                checkpoint: &CheckpointCode,
                hq_url: &str,
                now: OffsetDateTime,
            ) -> Result<()> {
                let done = sqlx::query(
                    "INSERT INTO node_self (id, checkpoint, hq_url, enrolled_at) VALUES (1, $1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET hq_url = excluded.hq_url \
                     WHERE node_self.checkpoint = excluded.checkpoint",
                )
                .bind(checkpoint.as_str())
                .bind(hq_url)
                .bind(millis(now))
                .execute(&self.pool)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Duplicate(
                        "a node of another checkpoint in this database".into(),
                    ));
                }
                Ok(())
            }

            async fn outbox(&self, after: i64, limit: u32) -> Result<Outbox> {
                let page = sqlx::query("SELECT seq, kind FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let Some(last) = page.last() else { return Ok(Outbox::default()) };
                let last: i64 = last.try_get("seq")?;
                let mut kinds = std::collections::HashSet::new();
                for r in &page {
                    kinds.insert(r.try_get::<String, _>("kind")?);
                }
                let mut out = Outbox { last, ..Outbox::default() };
                if kinds.contains("crossing") {
                    let rows = sqlx::query(
                        "SELECT o.seq AS o_seq, c.id AS c_id, c.traveller_id AS c_traveller_id, \
                         c.checkpoint AS c_checkpoint, c.direction AS c_direction, \
                         c.channel AS c_channel, c.at AS c_at, c.decision AS c_decision, \
                         c.client_decision AS c_client_decision, c.outcome AS c_outcome, \
                         c.stamped AS c_stamped, c.screened_at AS c_screened_at, c.actor AS c_actor, \
                         c.body_hash AS c_body_hash, t.id, t.issuing_state, t.number, t.doc_type, \
                         t.surname, t.given_names, t.nationality, t.birth_date, t.sex, t.expiry_date, \
                         t.issuing_area FROM outbox o JOIN crossings c ON c.id = o.record_id \
                         JOIN travellers t ON t.id = c.traveller_id \
                         WHERE o.seq > $1 AND o.seq <= $2 AND o.kind = 'crossing' ORDER BY o.seq",
                    )
                    .bind(after)
                    .bind(last)
                    .fetch_all(&self.pool)
                    .await?;
                    for r in &rows {
                        out.crossings.push(OutboxItem {
                            seq: r.try_get("o_seq")?,
                            crossing: Self::crossing_prefixed(r, "c_")?,
                            document: Self::traveller_from(r)?.document,
                        });
                    }
                }
                if kinds.contains("alert") {
                    let rows = sqlx::query(
                        "SELECT a.id, a.entry_id, a.score, a.status, a.raised_at, a.decided_by, \
                         a.decided_at, a.note, t.issuing_state, t.number FROM outbox o \
                         JOIN alerts a ON a.id = CAST(o.record_id AS BIGINT) \
                         JOIN travellers t ON t.id = a.traveller_id \
                         WHERE o.seq > $1 AND o.seq <= $2 AND o.kind = 'alert' \
                         AND a.status <> 'open' ORDER BY o.seq",
                    )
                    .bind(after)
                    .bind(last)
                    .fetch_all(&self.pool)
                    .await?;
                    for r in &rows {
                        let raised_at: i64 = r.try_get("raised_at")?;
                        out.alerts.push(AlertUp {
                            id: r.try_get("id")?,
                            entry_id: r.try_get("entry_id")?,
                            issuing_state: Country::parse(&r.try_get::<String, _>("issuing_state")?)
                                .map_err(corrupt)?,
                            number: DocumentNumber::parse(&r.try_get::<String, _>("number")?)
                                .map_err(corrupt)?,
                            score: r.try_get("score")?,
                            status: AlertStatus::parse(&r.try_get::<String, _>("status")?)
                                .ok_or_else(|| corrupt("alert status"))?,
                            raised_at: from_ms(raised_at)?,
                            decided_by: r.try_get::<Option<String>, _>("decided_by")?.unwrap_or_default(),
                            decided_at: from_ms(
                                r.try_get::<Option<i64>, _>("decided_at")?.unwrap_or(raised_at),
                            )?,
                            note: r.try_get("note")?,
                        });
                    }
                }
                if kinds.contains("movement") {
                    let rows = sqlx::query(
                        "SELECT m.id, m.permit_id, m.checkpoint, m.direction, m.actor, m.at \
                         FROM outbox o JOIN permit_movements m ON m.id = CAST(o.record_id AS BIGINT) \
                         WHERE o.seq > $1 AND o.seq <= $2 AND o.kind = 'movement' ORDER BY o.seq",
                    )
                    .bind(after)
                    .bind(last)
                    .fetch_all(&self.pool)
                    .await?;
                    for r in &rows {
                        out.movements.push(MovementUp {
                            id: r.try_get("id")?,
                            movement: MovementRecord {
                                permit_id: r.try_get("permit_id")?,
                                checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                                    .map_err(corrupt)?,
                                direction: Movement::parse(&r.try_get::<String, _>("direction")?)
                                    .ok_or_else(|| corrupt("movement direction"))?,
                                actor: r.try_get("actor")?,
                                at: from_ms(r.try_get("at")?)?,
                            },
                        });
                    }
                }
                Ok(out)
            }

            async fn backlog(&self) -> Result<i64> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM outbox) AS waiting, \
                     (SELECT seq FROM audit_head) - COALESCE((SELECT audit_acked FROM node_self), 0) AS audit",
                )
                .fetch_one(&self.pool)
                .await?;
                let waiting: i64 = row.try_get("waiting")?;
                let audit: i64 = row.try_get("audit")?;
                Ok(waiting + audit.max(0))
            }

            async fn ack_up(&self, seq: i64, audit_seq: i64) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("DELETE FROM outbox WHERE seq <= $1").bind(seq).execute(&mut *tx).await?;
                sqlx::query(
                    "UPDATE node_self SET up_acked = CASE WHEN up_acked > $1 THEN up_acked ELSE $1 END, \
                     audit_acked = CASE WHEN audit_acked > $2 THEN audit_acked ELSE $2 END",
                )
                .bind(seq)
                .bind(audit_seq)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn apply_accounts(
                &self,
                accounts: &[SyncAccount],
                devices: &[SyncDevice],
                now: OffsetDateTime,
            ) -> Result<()> {
                let now = millis(now);
                let mut tx = self.pool.begin_with($begin).await?;
                let stored = sqlx::query("SELECT id, password_hash, disabled_at FROM users")
                    .fetch_all(&mut *tx)
                    .await?;
                let mut before = std::collections::HashMap::new();
                for r in &stored {
                    let id: i64 = r.try_get("id")?;
                    let hash: String = r.try_get("password_hash")?;
                    let disabled: Option<i64> = r.try_get("disabled_at")?;
                    before.insert(id, (hash, disabled.is_some()));
                }
                let sql = format!(
                    "INSERT INTO users (id, username, role, checkpoint, password_hash, created_at, \
                     disabled_at) {} VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE \
                     SET username = excluded.username, role = excluded.role, \
                     checkpoint = excluded.checkpoint, password_hash = excluded.password_hash, \
                     disabled_at = excluded.disabled_at",
                    Self::overriding()
                );
                for a in accounts {
                    let unchanged = before
                        .remove(&a.id)
                        .is_some_and(|(hash, disabled)| hash == a.password_hash && disabled == a.disabled);
                    let disabled_at = if a.disabled { Some(now) } else { None };
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(a.id)
                        .bind(a.username.as_str())
                        .bind(a.role.as_str())
                        .bind(a.checkpoint.as_ref().map(|c| c.as_str()))
                        .bind(&a.password_hash)
                        .bind(millis(a.created_at))
                        .bind(disabled_at)
                        .execute(&mut *tx)
                        .await?;
                    if !unchanged {
                        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
                            .bind(a.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                // Accounts no longer of this post (moved, or gone) stop working here.
                for id in before.keys() {
                    sqlx::query(
                        "UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                }
                let dev_sql = format!(
                    "INSERT INTO devices (id, checkpoint, name, created_at, revoked_at) {} \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
                     checkpoint = excluded.checkpoint, name = excluded.name, \
                     revoked_at = excluded.revoked_at",
                    Self::overriding()
                );
                let mut live = std::collections::HashSet::new();
                for d in devices {
                    sqlx::query(sqlx::AssertSqlSafe(dev_sql.clone()))
                        .bind(d.id)
                        .bind(d.checkpoint.as_str())
                        .bind(&d.name)
                        .bind(millis(d.created_at))
                        .bind(if d.revoked { Some(now) } else { None })
                        .execute(&mut *tx)
                        .await?;
                    for t in &d.tokens {
                        live.insert(t.hash.clone());
                        sqlx::query(
                            "INSERT INTO tokens (hash, kind, device_id, created_at, expires_at) \
                             VALUES ($1, 'device', $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
                        )
                        .bind(&t.hash)
                        .bind(d.id)
                        .bind(now)
                        .bind(t.expires_at.map(millis))
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let held = sqlx::query("SELECT hash FROM tokens WHERE kind = 'device'")
                    .fetch_all(&mut *tx)
                    .await?;
                for r in &held {
                    let hash: String = r.try_get("hash")?;
                    if !live.contains(&hash) {
                        sqlx::query("DELETE FROM tokens WHERE hash = $1")
                            .bind(&hash)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let ids: std::collections::HashSet<i64> = devices.iter().map(|d| d.id).collect();
                let stored = sqlx::query("SELECT id FROM devices WHERE revoked_at IS NULL")
                    .fetch_all(&mut *tx)
                    .await?;
                for r in &stored {
                    let id: i64 = r.try_get("id")?;
                    if !ids.contains(&id) {
                        sqlx::query("UPDATE devices SET revoked_at = $2 WHERE id = $1")
                            .bind(id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_watch_cursor(&self, c: &WatchCursor) -> Result<()> {
                sqlx::query(
                    "UPDATE node_self SET watch_seq = $1, watch_copy_after = $2, \
                     watch_copy_head = $3, watch_as_of = COALESCE($4, watch_as_of)",
                )
                .bind(c.seq)
                .bind(&c.copy_after)
                .bind(c.copy_head)
                .bind(c.as_of.map(millis))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn put_trust(
                &self,
                certificates: &[SyncCertificate],
                lists: &[(RevocationScope, RevocationListRecord)],
                now: OffsetDateTime,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for c in certificates {
                    // A node holds no private key: the column is left empty.
                    sqlx::query(
                        "INSERT INTO signing_keys (role, checkpoint, signer_identifier, serial, \
                         certificate, locked_key, created_at, retired_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (serial) DO UPDATE SET retired_at = excluded.retired_at",
                    )
                    .bind(match c.role {
                        KeyRole::Root => "root",
                        KeyRole::Signer => "signer",
                    })
                    .bind(c.checkpoint.as_ref().map(|c| c.as_str()))
                    .bind(&c.signer_identifier)
                    .bind(&c.serial)
                    .bind(&c.certificate)
                    .bind(Vec::<u8>::new())
                    .bind(millis(c.created_at))
                    .bind(c.retired_at.map(millis))
                    .execute(&mut *tx)
                    .await?;
                }
                for (scope, l) in lists {
                    sqlx::query(
                        "INSERT INTO revocation_lists (scope, number, der, issued_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (scope, number) DO NOTHING",
                    )
                    .bind(scope.as_str())
                    .bind(l.number)
                    .bind(&l.der)
                    .bind(millis(l.issued_at))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE node_self SET trust_as_of = $1")
                    .bind(millis(now))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_node_alerts(&self, node: &CheckpointCode, alerts: &[AlertUp]) -> Result<Vec<i64>> {
                let mut unknown = Vec::new();
                let mut tx = self.pool.begin_with($begin).await?;
                for a in alerts {
                    let origin = format!("{node}:{}", a.id);
                    let seen = sqlx::query("SELECT id FROM alerts WHERE origin = $1")
                        .bind(&origin)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if seen.is_some() {
                        continue;
                    }
                    let traveller = sqlx::query(
                        "SELECT id FROM travellers WHERE issuing_state = $1 AND number = $2",
                    )
                    .bind(a.issuing_state.as_str())
                    .bind(a.number.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let entry = sqlx::query("SELECT id FROM watchlist WHERE id = $1")
                        .bind(&a.entry_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let (Some(traveller), Some(_)) = (traveller, entry) else {
                        unknown.push(a.id);
                        continue;
                    };
                    let traveller_id: i64 = traveller.try_get("id")?;
                    let decided = sqlx::query(
                        "UPDATE alerts SET status = $1, decided_by = $2, decided_at = $3, note = $4, \
                         origin = $5 WHERE id = (SELECT id FROM alerts WHERE entry_id = $6 \
                         AND traveller_id = $7 AND checkpoint = $8 AND status = 'open' LIMIT 1)",
                    )
                    .bind(a.status.as_str())
                    .bind(&a.decided_by)
                    .bind(millis(a.decided_at))
                    .bind(&a.note)
                    .bind(&origin)
                    .bind(&a.entry_id)
                    .bind(traveller_id)
                    .bind(node.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if decided > 0 {
                        continue;
                    }
                    if a.status == AlertStatus::Dismissed {
                        let held = sqlx::query(
                            "SELECT id FROM alerts WHERE entry_id = $1 AND traveller_id = $2 \
                             AND status = 'dismissed' LIMIT 1",
                        )
                        .bind(&a.entry_id)
                        .bind(traveller_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if held.is_some() {
                            continue;
                        }
                    }
                    sqlx::query(
                        "INSERT INTO alerts (entry_id, traveller_id, checkpoint, score, status, \
                         raised_at, decided_by, decided_at, note, origin) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(&a.entry_id)
                    .bind(traveller_id)
                    .bind(node.as_str())
                    .bind(a.score)
                    .bind(a.status.as_str())
                    .bind(millis(a.raised_at))
                    .bind(&a.decided_by)
                    .bind(millis(a.decided_at))
                    .bind(&a.note)
                    .bind(&origin)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(unknown)
            }

            async fn put_node_movements(
                &self,
                node: &CheckpointCode,
                movements: &[MovementUp],
            ) -> Result<Vec<i64>> {
                let mut unknown = Vec::new();
                let mut tx = self.pool.begin_with($begin).await?;
                for m in movements {
                    let permit = sqlx::query("SELECT id FROM permits WHERE id = $1")
                        .bind(&m.movement.permit_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if permit.is_none() {
                        unknown.push(m.id);
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO permit_movements (permit_id, checkpoint, direction, actor, at, \
                         origin) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (origin) DO NOTHING",
                    )
                    .bind(&m.movement.permit_id)
                    .bind(node.as_str())
                    .bind(m.movement.direction.as_str())
                    .bind(&m.movement.actor)
                    .bind(millis(m.movement.at))
                    .bind(format!("{node}:{}", m.id))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(unknown)
            }

            async fn dismissals_since(&self, after_ms: i64, limit: u32) -> Result<Vec<Dismissal>> {
                let rows = sqlx::query(
                    "SELECT a.id AS a_id, a.entry_id, a.checkpoint AS a_checkpoint, a.score, \
                     a.raised_at, a.decided_by, a.decided_at, a.note, t.id, t.issuing_state, \
                     t.number, t.doc_type, t.surname, t.given_names, t.nationality, t.birth_date, \
                     t.sex, t.expiry_date, t.issuing_area, t.name_key FROM alerts a \
                     JOIN travellers t ON t.id = a.traveller_id \
                     WHERE a.status = 'dismissed' AND a.decided_at > $1 \
                     ORDER BY a.decided_at, a.id LIMIT $2",
                )
                .bind(after_ms)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Dismissal {
                            hq_id: r.try_get("a_id")?,
                            entry_id: r.try_get("entry_id")?,
                            checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("a_checkpoint")?)
                                .map_err(corrupt)?,
                            document: Self::traveller_from(r)?.document,
                            name_key: r.try_get("name_key")?,
                            score: r.try_get("score")?,
                            raised_at: from_ms(r.try_get("raised_at")?)?,
                            decided_by: r.try_get::<Option<String>, _>("decided_by")?.unwrap_or_default(),
                            decided_at: from_ms(r.try_get("decided_at")?)?,
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }

            async fn permits_changed(
                &self,
                checkpoint: &CheckpointCode,
                after_ms: i64,
                limit: u32,
            ) -> Result<Vec<PermitRecord>> {
                let sql = format!(
                    "SELECT {PERMIT_COLUMNS} FROM permits WHERE checkpoint = $1 \
                     AND (issued_at > $2 OR revoked_at > $2) ORDER BY CASE WHEN revoked_at > issued_at \
                     THEN revoked_at ELSE issued_at END, id LIMIT $3"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(checkpoint.as_str())
                    .bind(after_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::permit_from).collect()
            }

            async fn apply_dismissals(
                &self,
                dismissals: &[Dismissal],
                as_of: i64,
                now: OffsetDateTime,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for d in dismissals {
                    let origin = format!("hq:{}", d.hq_id);
                    let seen = sqlx::query("SELECT id FROM alerts WHERE origin = $1")
                        .bind(&origin)
                        .fetch_optional(&mut *tx)
                        .await?;
                    // An entry this node does not hold (removed since) needs no dismissal.
                    let entry = sqlx::query("SELECT id FROM watchlist WHERE id = $1")
                        .bind(&d.entry_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let checkpoint = sqlx::query("SELECT code FROM checkpoints WHERE code = $1")
                        .bind(d.checkpoint.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if seen.is_some() || entry.is_none() || checkpoint.is_none() {
                        continue;
                    }
                    let doc = &d.document;
                    // The node's own record of the traveller, where it has one, stays as it is.
                    sqlx::query(
                        "INSERT INTO travellers (issuing_state, number, doc_type, surname, \
                         given_names, nationality, birth_date, sex, expiry_date, issuing_area, \
                         name_key, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (issuing_state, number) DO NOTHING",
                    )
                    .bind(doc.issuing_state.as_str())
                    .bind(doc.number.as_str())
                    .bind(doc.doc_type.as_str())
                    .bind(&doc.surname)
                    .bind(&doc.given_names)
                    .bind(doc.nationality.map(|c| c.to_string()))
                    .bind(date_text(doc.birth_date))
                    .bind(doc.sex.map(|s| s.as_str()))
                    .bind(date_text(doc.expiry_date))
                    .bind(&doc.issuing_area)
                    .bind(&d.name_key)
                    .bind(millis(now))
                    .execute(&mut *tx)
                    .await?;
                    let traveller_id: i64 = sqlx::query(
                        "SELECT id FROM travellers WHERE issuing_state = $1 AND number = $2",
                    )
                    .bind(doc.issuing_state.as_str())
                    .bind(doc.number.as_str())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    let closed = sqlx::query(
                        "UPDATE alerts SET status = 'dismissed', decided_by = $1, decided_at = $2, \
                         note = $3, origin = $4 WHERE id = (SELECT id FROM alerts WHERE \
                         entry_id = $5 AND traveller_id = $6 AND status = 'open' LIMIT 1)",
                    )
                    .bind(&d.decided_by)
                    .bind(millis(d.decided_at))
                    .bind(&d.note)
                    .bind(&origin)
                    .bind(&d.entry_id)
                    .bind(traveller_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if closed > 0 {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO alerts (entry_id, traveller_id, checkpoint, score, status, \
                         raised_at, decided_by, decided_at, note, origin) \
                         SELECT $1, $2, $3, $4, 'dismissed', $5, $6, $7, $8, $9 \
                         WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE entry_id = $1 \
                         AND traveller_id = $2 AND status = 'dismissed')",
                    )
                    .bind(&d.entry_id)
                    .bind(traveller_id)
                    .bind(d.checkpoint.as_str())
                    .bind(d.score)
                    .bind(millis(d.raised_at))
                    .bind(&d.decided_by)
                    .bind(millis(d.decided_at))
                    .bind(&d.note)
                    .bind(&origin)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE node_self SET dismissed_as_of = \
                     CASE WHEN dismissed_as_of > $1 THEN dismissed_as_of ELSE $1 END",
                )
                .bind(as_of)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_permits(&self, permits: &[PermitRecord], as_of: i64) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for r in permits {
                    let p = &r.permit;
                    let h = &p.holder;
                    // The dossier stays at headquarters: a node holds the permit without it.
                    sqlx::query(
                        "INSERT INTO permits (id, serial, kind, checkpoint, dossier_id, \
                         family_name, given_names, nationality, birth_date, document_number, \
                         vessel_imo, valid_from, valid_until, seal, signer, issued_by, issued_at, \
                         revoked_at, revoked_by, revocation_reason) VALUES ($1, $2, $3, $4, NULL, \
                         $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
                         ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, \
                         revoked_by = excluded.revoked_by, revocation_reason = excluded.revocation_reason",
                    )
                    .bind(&p.id)
                    .bind(&p.serial)
                    .bind(p.kind.as_str())
                    .bind(p.checkpoint.as_str())
                    .bind(&h.family_name)
                    .bind(&h.given_names)
                    .bind(h.nationality.to_string())
                    .bind(date_text(Some(h.birth_date)))
                    .bind(h.document_number.as_str())
                    .bind(p.vessel_imo.as_ref().map(|i| i.to_string()))
                    .bind(date_text(Some(p.valid_from)))
                    .bind(date_text(Some(p.valid_until)))
                    .bind(&p.seal)
                    .bind(&p.signer)
                    .bind(&p.issued_by)
                    .bind(millis(r.issued_at))
                    .bind(r.revoked.as_ref().map(|v| millis(v.at)))
                    .bind(r.revoked.as_ref().map(|v| v.by.clone()))
                    .bind(r.revoked.as_ref().and_then(|v| v.reason.clone()))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE node_self SET permits_as_of = \
                     CASE WHEN permits_as_of > $1 THEN permits_as_of ELSE $1 END",
                )
                .bind(as_of)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

sync_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite", "BEGIN IMMEDIATE");
sync_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres", "BEGIN");
