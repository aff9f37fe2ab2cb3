//! [`SyncStore`](crate::SyncStore) for both databases. Headquarters runs the nodes' half on
//! PostgreSQL or SQLite; a node runs its half on SQLite, but the text is the same.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;
use crate::permit::{KeyRole, RevocationListRecord, RevocationScope};
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
                     watch_copy_after, watch_copy_head, watch_as_of, trust_as_of FROM node_self",
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

            async fn outbox(&self, after: i64, limit: u32) -> Result<Vec<OutboxItem>> {
                let sql = format!(
                    "SELECT o.seq AS o_seq, c.id AS c_id, c.traveller_id AS c_traveller_id, \
                     c.checkpoint AS c_checkpoint, c.direction AS c_direction, \
                     c.channel AS c_channel, c.at AS c_at, c.decision AS c_decision, \
                     c.client_decision AS c_client_decision, c.outcome AS c_outcome, \
                     c.stamped AS c_stamped, c.screened_at AS c_screened_at, c.actor AS c_actor, \
                     c.body_hash AS c_body_hash, t.id, t.issuing_state, t.number, t.doc_type, \
                     t.surname, t.given_names, t.nationality, t.birth_date, t.sex, t.expiry_date, \
                     t.issuing_area FROM outbox o JOIN crossings c ON c.id = o.record_id \
                     JOIN travellers t ON t.id = c.traveller_id \
                     WHERE o.seq > $1 AND o.kind = 'crossing' ORDER BY o.seq LIMIT $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(OutboxItem {
                            seq: r.try_get("o_seq")?,
                            crossing: Self::crossing_prefixed(r, "c_")?,
                            document: Self::traveller_from(r)?.document,
                        })
                    })
                    .collect()
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
        }
    };
}

sync_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite", "BEGIN IMMEDIATE");
sync_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres", "BEGIN");
