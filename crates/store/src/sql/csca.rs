//! [`CscaStore`](crate::CscaStore) for both databases.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;
use crate::csca::CscaRecord;

macro_rules! csca_impl {
    ($store:ident, $begin:literal) => {
        impl crate::CscaStore for $store {
            async fn put_cscas(&self, cscas: &[CscaRecord]) -> Result<usize> {
                let mut tx = self.pool.begin_with($begin).await?;
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
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as usize;
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn cscas(&self) -> Result<Vec<CscaRecord>> {
                let rows = sqlx::query(
                    "SELECT fingerprint, der, country, subject, not_before, not_after, source, \
                     added_at FROM cscas ORDER BY country, not_after DESC, fingerprint",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
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
                    })
                    .collect()
            }
        }
    };
}

csca_impl!(SqliteStore, "BEGIN IMMEDIATE");
csca_impl!(PgStore, "BEGIN");
