//! [`AuditStore`] for both databases: the audit trail, appended and read back. Written once, like
//! the rest of the SQL, and compiled against each driver.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;

macro_rules! audit_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            pub(super) fn audit_from(r: &$row) -> Result<AuditRecord> {
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
            }
        }

        impl crate::AuditStore for $store {
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

            async fn audit_search(
                &self,
                filter: &AuditFilter,
                offset: u64,
                limit: u32,
            ) -> Result<(Vec<AuditRecord>, u64)> {
                // A part of the subject matches anywhere in it: `%` and `_` typed are taken
                // as themselves.
                let subject = if filter.subject.is_empty() {
                    String::new()
                } else {
                    let escaped = filter
                        .subject
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    format!("%{escaped}%")
                };
                let filter_sql = "($1 = '' OR actor = $1) AND ($2 = '' OR subject LIKE $2 ESCAPE '\\') \
                     AND ($3 = '' OR action = $3) AND at >= $4 AND at < $5";
                let sql = format!(
                    "SELECT seq, at, actor, ip, action, subject, detail, prev_hash, hash \
                     FROM audit WHERE {filter_sql} ORDER BY seq DESC LIMIT $6 OFFSET $7"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&filter.actor)
                    .bind(&subject)
                    .bind(&filter.action)
                    .bind(filter.from_ms)
                    .bind(filter.to_ms)
                    .bind(i64::from(limit))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?;
                let count = format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit WHERE {filter_sql} LIMIT {}) m",
                    crate::TRAVELLER_COUNT_CAP + 1
                );
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(count))
                    .bind(&filter.actor)
                    .bind(&subject)
                    .bind(&filter.action)
                    .bind(filter.from_ms)
                    .bind(filter.to_ms)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let list = rows.iter().map(Self::audit_from).collect::<Result<Vec<_>>>()?;
                Ok((list, u64::try_from(total).unwrap_or(0)))
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
                rows.iter().map(Self::audit_from).collect()
            }
        }
    };
}

audit_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
audit_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
