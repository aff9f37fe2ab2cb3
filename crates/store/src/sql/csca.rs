//! [`CscaStore`](crate::CscaStore) for both databases.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;
use crate::csca::{CrlRecord, CscaRecord};

const CRL_COLUMNS: &str = "fingerprint, der, issuer, this_update, next_update, source, added_at";

const CSCA_COLUMNS: &str =
    "fingerprint, der, country, subject, not_before, not_after, source, added_at";

macro_rules! csca_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            fn csca_from(r: &$row) -> Result<CscaRecord> {
                Ok(CscaRecord {
                    fingerprint: r.try_get("fingerprint")?,
                    der: r.try_get("der")?,
                    country: r.try_get("country")?,
                    subject: r.try_get("subject")?,
                    not_before: from_ms(r.try_get("not_before")?)?,
                    not_after: from_ms(r.try_get("not_after")?)?,
                    source: r.try_get("source")?,
                    added_at: from_ms(r.try_get("added_at")?)?,
                })
            }

            fn crl_from(r: &$row) -> Result<CrlRecord> {
                let next: Option<i64> = r.try_get("next_update")?;
                Ok(CrlRecord {
                    fingerprint: r.try_get("fingerprint")?,
                    der: r.try_get("der")?,
                    issuer: r.try_get("issuer")?,
                    this_update: from_ms(r.try_get("this_update")?)?,
                    next_update: next.map(from_ms).transpose()?,
                    source: r.try_get("source")?,
                    added_at: from_ms(r.try_get("added_at")?)?,
                })
            }

            async fn put_crls_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                crls: &[CrlRecord],
            ) -> Result<usize> {
                let mut added = 0;
                for c in crls {
                    added += sqlx::query(
                        "INSERT INTO csca_crls (fingerprint, der, issuer, this_update, \
                         next_update, source, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (fingerprint) DO NOTHING",
                    )
                    .bind(&c.fingerprint)
                    .bind(&c.der)
                    .bind(&c.issuer)
                    .bind(millis(c.this_update))
                    .bind(c.next_update.map(millis))
                    .bind(&c.source)
                    .bind(millis(c.added_at))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected() as usize;
                }
                Ok(added)
            }

            async fn put_cscas_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                cscas: &[CscaRecord],
            ) -> Result<usize> {
                let mut added = 0;
                for c in cscas {
                    added += sqlx::query(
                        "INSERT INTO cscas (fingerprint, der, country, subject, not_before, \
                         not_after, source, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (fingerprint) DO NOTHING",
                    )
                    .bind(&c.fingerprint)
                    .bind(&c.der)
                    .bind(&c.country)
                    .bind(&c.subject)
                    .bind(millis(c.not_before))
                    .bind(millis(c.not_after))
                    .bind(&c.source)
                    .bind(millis(c.added_at))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected() as usize;
                }
                Ok(added)
            }
        }

        impl crate::CscaStore for $store {
            async fn put_csca_crls(&self, crls: &[CrlRecord]) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
                let added = Self::put_crls_in(&mut tx, crls).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn csca_crls(&self) -> Result<Vec<CrlRecord>> {
                let sql = format!(
                    "SELECT {CRL_COLUMNS} FROM csca_crls ORDER BY issuer, this_update DESC, fingerprint"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                rows.iter().map(Self::crl_from).collect()
            }

            async fn csca_crls_since(&self, after_ms: i64, limit: u32) -> Result<Vec<CrlRecord>> {
                let sql = format!(
                    "SELECT {CRL_COLUMNS} FROM csca_crls WHERE added_at > $1 \
                     ORDER BY added_at, fingerprint LIMIT $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::crl_from).collect()
            }

            async fn hold_csca_crls(&self, crls: &[CrlRecord], as_of: i64) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
                let added = Self::put_crls_in(&mut tx, crls).await?;
                sqlx::query(
                    "UPDATE node_self SET csca_crls_as_of = \
                     CASE WHEN csca_crls_as_of > $1 THEN csca_crls_as_of ELSE $1 END",
                )
                .bind(as_of)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn put_cscas(&self, cscas: &[CscaRecord]) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
                let added = Self::put_cscas_in(&mut tx, cscas).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn cscas(&self) -> Result<Vec<CscaRecord>> {
                let sql = format!(
                    "SELECT {CSCA_COLUMNS} FROM cscas ORDER BY country, not_after DESC, fingerprint"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                rows.iter().map(Self::csca_from).collect()
            }

            async fn cscas_since(&self, after_ms: i64, limit: u32) -> Result<Vec<CscaRecord>> {
                let sql = format!(
                    "SELECT {CSCA_COLUMNS} FROM cscas WHERE added_at > $1 \
                     ORDER BY added_at, fingerprint LIMIT $2"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::csca_from).collect()
            }

            async fn hold_cscas(&self, cscas: &[CscaRecord], as_of: i64) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
                let added = Self::put_cscas_in(&mut tx, cscas).await?;
                sqlx::query(
                    "UPDATE node_self SET cscas_as_of = \
                     CASE WHEN cscas_as_of > $1 THEN cscas_as_of ELSE $1 END",
                )
                .bind(as_of)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(added)
            }
        }
    };
}

csca_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
csca_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
