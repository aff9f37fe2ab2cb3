//! [`PermitStore`] for both databases, written once.

use domain::permit::PermitKind;
use domain::port::ImoNumber;
use domain::{CheckpointCode, Country, DocumentNumber};
use sqlx::Row;
use time::OffsetDateTime;

use super::{PgStore, SqliteStore, corrupt, date_text, from_ms, parse_date, unique_violation};
use crate::audit::millis;
use crate::permit::*;
use crate::{Result, StoreError};

pub(super) const PERMIT_COLUMNS: &str = "id, serial, kind, checkpoint, dossier_id, family_name, \
     given_names, nationality, birth_date, document_number, vessel_imo, valid_from, valid_until, \
     seal, signer, issued_by, issued_at, revoked_at, revoked_by, revocation_reason";

const KEY_COLUMNS: &str = "id, role, checkpoint, signer_identifier, serial, certificate, \
     locked_key, created_at, retired_at";

fn day(s: String) -> Result<time::Date> {
    parse_date(Some(s))?.ok_or_else(|| corrupt("date"))
}

macro_rules! permit_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            pub(super) fn permit_from(r: &$row) -> Result<PermitRecord> {
                let s = |c: &str| r.try_get::<String, _>(c).map_err(StoreError::from);
                let o = |c: &str| r.try_get::<Option<String>, _>(c).map_err(StoreError::from);
                let revoked = match r.try_get::<Option<i64>, _>("revoked_at")? {
                    None => None,
                    Some(at) => Some(Revocation {
                        at: from_ms(at)?,
                        by: o("revoked_by")?.unwrap_or_default(),
                        reason: o("revocation_reason")?,
                    }),
                };
                Ok(PermitRecord {
                    permit: NewPermit {
                        id: s("id")?,
                        serial: s("serial")?,
                        kind: PermitKind::parse(&s("kind")?)
                            .ok_or_else(|| corrupt("permit kind"))?,
                        checkpoint: CheckpointCode::parse(&s("checkpoint")?).map_err(corrupt)?,
                        dossier_id: o("dossier_id")?,
                        holder: Holder {
                            family_name: s("family_name")?,
                            given_names: s("given_names")?,
                            nationality: Country::parse(&s("nationality")?).map_err(corrupt)?,
                            birth_date: day(s("birth_date")?)?,
                            document_number: DocumentNumber::parse(&s("document_number")?)
                                .map_err(corrupt)?,
                        },
                        vessel_imo: o("vessel_imo")?
                            .map(|i| ImoNumber::parse(&i).map_err(corrupt))
                            .transpose()?,
                        valid_from: day(s("valid_from")?)?,
                        valid_until: day(s("valid_until")?)?,
                        seal: r.try_get("seal")?,
                        signer: s("signer")?,
                        issued_by: s("issued_by")?,
                    },
                    issued_at: from_ms(r.try_get("issued_at")?)?,
                    revoked,
                })
            }

            fn key_from(r: &$row) -> Result<SigningKeyRecord> {
                let role = match r.try_get::<String, _>("role")?.as_str() {
                    "root" => KeyRole::Root,
                    "signer" => KeyRole::Signer,
                    other => return Err(corrupt(format!("key role {other:?}"))),
                };
                Ok(SigningKeyRecord {
                    id: r.try_get("id")?,
                    role,
                    checkpoint: r
                        .try_get::<Option<String>, _>("checkpoint")?
                        .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                        .transpose()?,
                    signer_identifier: r.try_get("signer_identifier")?,
                    serial: r.try_get("serial")?,
                    certificate: r.try_get("certificate")?,
                    locked_key: r.try_get("locked_key")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                    retired_at: r
                        .try_get::<Option<i64>, _>("retired_at")?
                        .map(from_ms)
                        .transpose()?,
                })
            }

            async fn insert_key(
                tx: &mut sqlx::Transaction<'_, $db>,
                k: &NewSigningKey,
                now: OffsetDateTime,
            ) -> Result<i64> {
                let r = sqlx::query(
                    "INSERT INTO signing_keys (role, checkpoint, signer_identifier, serial, \
                     certificate, locked_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     RETURNING id",
                )
                .bind(k.role.as_str())
                .bind(k.checkpoint.as_ref().map(|c| c.as_str().to_string()))
                .bind(&k.signer_identifier)
                .bind(&k.serial)
                .bind(&k.certificate)
                .bind(&k.locked_key)
                .bind(millis(now))
                .fetch_one(&mut **tx)
                .await;
                match r {
                    Ok(row) => Ok(row.try_get("id")?),
                    Err(e) if unique_violation(&e) => {
                        Err(StoreError::Duplicate(format!("certificate serial {}", k.serial)))
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }

        impl PermitStore for $store {
            async fn add_signing_key(&self, k: &NewSigningKey, now: OffsetDateTime) -> Result<i64> {
                let mut tx = self.pool.begin_with($begin).await?;
                let id = Self::insert_key(&mut tx, k, now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {KEY_COLUMNS} FROM signing_keys ORDER BY id"
                )))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::key_from).collect()
            }

            async fn rotate_signing_key(
                &self,
                retire: i64,
                successor: &NewSigningKey,
                now: OffsetDateTime,
            ) -> Result<i64> {
                let mut tx = self.pool.begin_with($begin).await?;
                let done = sqlx::query(
                    "UPDATE signing_keys SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL",
                )
                .bind(retire)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("current signing key {retire}")));
                }
                let id = Self::insert_key(&mut tx, successor, now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn put_revocation_list(
                &self,
                scope: RevocationScope,
                list: &RevocationListRecord,
            ) -> Result<()> {
                let r = sqlx::query(
                    "INSERT INTO revocation_lists (scope, number, der, issued_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(scope.as_str())
                .bind(list.number)
                .bind(&list.der)
                .bind(millis(list.issued_at))
                .execute(&self.pool)
                .await;
                match r {
                    Ok(_) => Ok(()),
                    Err(e) if unique_violation(&e) => Err(StoreError::Duplicate(format!(
                        "{} revocation list {}",
                        scope.as_str(),
                        list.number
                    ))),
                    Err(e) => Err(e.into()),
                }
            }

            async fn revocation_list(
                &self,
                scope: RevocationScope,
            ) -> Result<Option<RevocationListRecord>> {
                let row = sqlx::query(
                    "SELECT number, der, issued_at FROM revocation_lists WHERE scope = $1 \
                     ORDER BY number DESC LIMIT 1",
                )
                .bind(scope.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(RevocationListRecord {
                        number: r.try_get("number")?,
                        der: r.try_get("der")?,
                        issued_at: from_ms(r.try_get("issued_at")?)?,
                    })
                })
                .transpose()
            }

            async fn create_permits(&self, permits: &[NewPermit], now: OffsetDateTime) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for p in permits {
                    let h = &p.holder;
                    let r = sqlx::query(
                        "INSERT INTO permits (id, serial, kind, checkpoint, dossier_id, \
                         family_name, given_names, nationality, birth_date, document_number, \
                         vessel_imo, valid_from, valid_until, seal, signer, issued_by, issued_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16, $17)",
                    )
                    .bind(&p.id)
                    .bind(&p.serial)
                    .bind(p.kind.as_str())
                    .bind(p.checkpoint.as_str())
                    .bind(&p.dossier_id)
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
                    .bind(millis(now))
                    .execute(&mut *tx)
                    .await;
                    match r {
                        Ok(_) => {}
                        Err(e) if unique_violation(&e) => {
                            return Err(StoreError::Duplicate(format!("permit {}", p.serial)));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn permit(&self, id: &str) -> Result<Option<PermitRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PERMIT_COLUMNS} FROM permits WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| Self::permit_from(&r)).transpose()
            }

            async fn permit_by_serial(&self, serial: &str) -> Result<Option<PermitRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PERMIT_COLUMNS} FROM permits WHERE serial = $1"
                )))
                .bind(serial)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| Self::permit_from(&r)).transpose()
            }

            async fn permits(&self, f: &PermitFilter) -> Result<(Vec<PermitRecord>, u64)> {
                let mut filter = String::new();
                let mut binds: Vec<String> = Vec::new();
                let mut push = |cond: &str, v: String, filter: &mut String| {
                    binds.push(v);
                    filter.push_str(&cond.replace('?', &format!("${}", binds.len())));
                };
                if let Some(c) = &f.checkpoint {
                    push(" AND checkpoint = ?", c.as_str().to_string(), &mut filter);
                }
                if let Some(d) = &f.dossier_id {
                    push(" AND dossier_id = ?", d.clone(), &mut filter);
                }
                let text = f.text.trim();
                if !text.is_empty() {
                    let escaped =
                        text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    push(" AND (serial = ?", text.to_string(), &mut filter);
                    push(" OR document_number = ?", text.to_uppercase(), &mut filter);
                    push(
                        " OR (family_name || ' ' || given_names) LIKE ? ESCAPE '\\')",
                        format!("%{escaped}%"),
                        &mut filter,
                    );
                }
                let n = binds.len();
                let sql = format!(
                    "SELECT {PERMIT_COLUMNS} FROM permits WHERE 1 = 1{filter} \
                     ORDER BY issued_at DESC, id LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b.clone());
                }
                let rows = q
                    .bind(i64::from(f.limit.max(1)))
                    .bind(i64::try_from(f.offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?;
                let list = rows.iter().map(Self::permit_from).collect::<Result<Vec<_>>>()?;
                let count = format!("SELECT COUNT(*) AS n FROM permits WHERE 1 = 1{filter}");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(count));
                for b in &binds {
                    q = q.bind(b.clone());
                }
                let total: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
                Ok((list, u64::try_from(total).unwrap_or(0)))
            }

            async fn revoke_permit(&self, id: &str, rev: &Revocation) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE permits SET revoked_at = $2, revoked_by = $3, revocation_reason = $4 \
                     WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(millis(rev.at))
                .bind(&rev.by)
                .bind(&rev.reason)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoked_permits(&self) -> Result<Vec<(String, OffsetDateTime)>> {
                let rows = sqlx::query(
                    "SELECT serial, revoked_at FROM permits WHERE revoked_at IS NOT NULL \
                     ORDER BY revoked_at, serial",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("serial")?, from_ms(r.try_get("revoked_at")?)?)))
                    .collect()
            }

            async fn record_movement(&self, m: &MovementRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO permit_movements (permit_id, checkpoint, direction, actor, at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&m.permit_id)
                .bind(m.checkpoint.as_str())
                .bind(m.direction.as_str())
                .bind(&m.actor)
                .bind(millis(m.at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn movements(&self, permit_id: &str) -> Result<Vec<MovementRecord>> {
                let rows = sqlx::query(
                    "SELECT permit_id, checkpoint, direction, actor, at FROM permit_movements \
                     WHERE permit_id = $1 ORDER BY at DESC, id DESC",
                )
                .bind(permit_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(MovementRecord {
                            permit_id: r.try_get("permit_id")?,
                            checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                                .map_err(corrupt)?,
                            direction: Movement::parse(&r.try_get::<String, _>("direction")?)
                                .ok_or_else(|| corrupt("movement"))?,
                            actor: r.try_get("actor")?,
                            at: from_ms(r.try_get("at")?)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

permit_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
permit_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
