//! [`WatchlistStore`] for both databases: the watchlist, its change log, the alerts. Written once, like
//! the rest of the SQL, and compiled against each driver.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;

macro_rules! watchlist_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl crate::WatchlistStore for $store {
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

            async fn watch_entries_at(&self, offset: u64, limit: u32) -> Result<Vec<WatchEntry>> {
                let sql = format!(
                    "SELECT {WATCH_COLUMNS} FROM watchlist WHERE removed_at IS NULL \
                     ORDER BY id LIMIT $1 OFFSET $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(i64::from(limit))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
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
                offset: u64,
                limit: u32,
            ) -> Result<(Vec<AlertRecord>, u64)> {
                let checkpoint = match scope {
                    AlertScope::All => "",
                    AlertScope::Checkpoint(c) => c.as_str(),
                };
                let rows = sqlx::query(
                    "SELECT a.id, a.entry_id, w.name AS entry_name, w.action, a.traveller_id, \
                     t.surname, t.given_names, t.issuing_state, t.number, a.checkpoint, a.score, \
                     a.status, a.raised_at, a.decided_by, a.decided_at, a.note FROM alerts a \
                     JOIN watchlist w ON w.id = a.entry_id \
                     JOIN travellers t ON t.id = a.traveller_id \
                     WHERE ($1 = '' OR a.checkpoint = $1) AND ($2 = '' OR a.status = $2) \
                     ORDER BY a.raised_at DESC, a.id DESC LIMIT $3 OFFSET $4",
                )
                .bind(checkpoint)
                .bind(status.map_or("", AlertStatus::as_str))
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let total: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM alerts \
                     WHERE ($1 = '' OR checkpoint = $1) AND ($2 = '' OR status = $2)",
                )
                .bind(checkpoint)
                .bind(status.map_or("", AlertStatus::as_str))
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
                let list = rows.iter().map(Self::alert_from).collect::<Result<Vec<_>>>()?;
                Ok((list, u64::try_from(total).unwrap_or(0)))
            }

            async fn alert(&self, id: i64) -> Result<Option<AlertRecord>> {
                let row = sqlx::query(
                    "SELECT a.id, a.entry_id, w.name AS entry_name, w.action, a.traveller_id, \
                     t.surname, t.given_names, t.issuing_state, t.number, a.checkpoint, a.score, \
                     a.status, a.raised_at, a.decided_by, a.decided_at, a.note FROM alerts a \
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
                note: Option<&str>,
                now: OffsetDateTime,
            ) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE alerts SET status = $2, decided_by = $3, decided_at = $4, note = $5 \
                     WHERE id = $1 AND status = 'open'",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(by)
                .bind(millis(now))
                .bind(note)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(n > 0)
            }
        }
    };
}

watchlist_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
watchlist_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
