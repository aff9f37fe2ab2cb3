//! [`PortStore`] for both databases, written once like the rest of the SQL.

use domain::port::{CallSign, Clock, DossierStatus, ImoNumber, ProcedureCode, TaxCode, UnLocode};
use domain::{CheckpointCode, Country, DossierScope};
use fal::PersonOnBoard;
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use super::{PgStore, SqliteStore, corrupt, from_ms, unique_violation};
use crate::audit::millis;
use crate::port::*;
use crate::{NewUser, Result, StoreError};

const DOSSIER_COLUMNS: &str = "d.id, d.agency_id, a.name AS agency_name, d.procedure, \
     d.checkpoint, d.status, d.declaration, d.crew, d.passengers, d.deadline_ms, \
     d.clock_used_ms, d.running_since, d.due_at, d.submitted_at, d.resolved_at, d.on_time, \
     d.created_by, d.created_at, d.updated_at, d.version, p.eta, p.etd, p.berth, p.last_port, \
     p.next_port, v.imo, v.name AS vessel_name, v.call_sign, v.flag, v.vessel_type, \
     v.gross_tonnage";
/// A value bound to a dossier filter's placeholder.
enum FilterBind {
    Text(String),
    Int(i64),
}

/// The filter's conditions (` AND ...`, placeholders from `$1`) and their values in order.
fn dossier_filter(f: &DossierFilter) -> (String, Vec<FilterBind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut push = |cond: &str, b: FilterBind, sql: &mut String| {
        binds.push(b);
        sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
    };
    match &f.scope {
        DossierScope::All => {}
        DossierScope::Checkpoint(c) => {
            push(" AND d.checkpoint = ?", FilterBind::Text(c.as_str().to_string()), &mut sql);
        }
        DossierScope::Agency(a) => push(" AND d.agency_id = ?", FilterBind::Int(*a), &mut sql),
    }
    if let Some(c) = &f.checkpoint {
        push(" AND d.checkpoint = ?", FilterBind::Text(c.as_str().to_string()), &mut sql);
    }
    if !f.statuses.is_empty() {
        sql.push_str(" AND d.status IN (");
        for (i, s) in f.statuses.iter().enumerate() {
            let sep = if i == 0 { "?" } else { ", ?" };
            push(sep, FilterBind::Text(s.as_str().to_string()), &mut sql);
        }
        sql.push(')');
    }
    if let Some(t) = f.changed_since {
        push(" AND d.updated_at >= ?", FilterBind::Int(millis(t)), &mut sql);
    }
    let text = f.text.trim();
    if !text.is_empty() {
        // The vessel's name without regard to case, its IMO number, or the reference's start.
        let escaped =
            text.to_uppercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        push(
            " AND (UPPER(v.name) LIKE ? ESCAPE '\\'",
            FilterBind::Text(format!("%{escaped}%")),
            &mut sql,
        );
        push(" OR CAST(v.imo AS TEXT) = ?", FilterBind::Text(text.to_string()), &mut sql);
        push(
            " OR UPPER(d.id) LIKE ? ESCAPE '\\')",
            FilterBind::Text(format!("{escaped}%")),
            &mut sql,
        );
    }
    (sql, binds)
}

macro_rules! agency_select {
    ($where:literal) => {
        concat!(
            "SELECT id, tax_code, name, address, email, phone, created_at, closed_at \
             FROM agencies WHERE ",
            $where
        )
    };
}
const DOSSIER_FROM: &str = "FROM dossiers d JOIN agencies a ON a.id = d.agency_id \
     LEFT JOIN port_calls p ON p.id = d.port_call_id LEFT JOIN vessels v ON v.imo = p.vessel_imo";

fn people(text: &str) -> Result<Vec<PersonOnBoard>> {
    serde_json::from_str(text).map_err(corrupt)
}

fn people_text(list: &[PersonOnBoard]) -> Result<String> {
    serde_json::to_string(list).map_err(corrupt)
}

fn opt_time(ms: Option<i64>) -> Result<Option<OffsetDateTime>> {
    ms.map(from_ms).transpose()
}

fn locode(s: Option<String>) -> Result<Option<UnLocode>> {
    s.map(|s| UnLocode::parse_field("port", &s).map_err(corrupt)).transpose()
}

macro_rules! port_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            fn agency_from(r: &$row) -> Result<AgencyRecord> {
                Ok(AgencyRecord {
                    id: r.try_get("id")?,
                    tax_code: r.try_get("tax_code")?,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    email: r.try_get("email")?,
                    phone: r.try_get("phone")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                    closed_at: opt_time(r.try_get("closed_at")?)?,
                })
            }

            fn dossier_from(r: &$row) -> Result<DossierRecord> {
                let s = |c: &str| r.try_get::<String, _>(c).map_err(StoreError::from);
                let o = |c: &str| r.try_get::<Option<String>, _>(c).map_err(StoreError::from);
                let t = |c: &str| r.try_get::<Option<i64>, _>(c).map_err(StoreError::from);
                let deadline = Duration::milliseconds(r.try_get("deadline_ms")?);
                let clock = Clock::restore(
                    deadline,
                    Duration::milliseconds(r.try_get("clock_used_ms")?),
                    opt_time(t("running_since")?)?,
                );
                let vessel = match o("imo")? {
                    None => None,
                    Some(imo) => Some(Vessel {
                        imo: ImoNumber::parse(&imo).map_err(corrupt)?,
                        name: s("vessel_name")?,
                        call_sign: o("call_sign")?
                            .map(|c| CallSign::parse(&c).map_err(corrupt))
                            .transpose()?,
                        flag: o("flag")?.map(|c| Country::parse(&c).map_err(corrupt)).transpose()?,
                        vessel_type: o("vessel_type")?,
                        gross_tonnage: t("gross_tonnage")?
                            .map(|g| u32::try_from(g).map_err(corrupt))
                            .transpose()?,
                    }),
                };
                Ok(DossierRecord {
                    id: s("id")?,
                    agency_id: r.try_get("agency_id")?,
                    agency_name: s("agency_name")?,
                    procedure: ProcedureCode::parse(&s("procedure")?).map_err(corrupt)?,
                    checkpoint: CheckpointCode::parse(&s("checkpoint")?).map_err(corrupt)?,
                    vessel,
                    port_call: PortCall {
                        eta: opt_time(t("eta")?)?,
                        etd: opt_time(t("etd")?)?,
                        berth: o("berth")?,
                        last_port: locode(o("last_port")?)?,
                        next_port: locode(o("next_port")?)?,
                    },
                    declaration: serde_json::from_str(&s("declaration")?).map_err(corrupt)?,
                    crew: people(&s("crew")?)?,
                    passengers: people(&s("passengers")?)?,
                    status: DossierStatus::parse(&s("status")?).map_err(corrupt)?,
                    clock,
                    due_at: opt_time(t("due_at")?)?,
                    submitted_at: opt_time(t("submitted_at")?)?,
                    resolved_at: opt_time(t("resolved_at")?)?,
                    on_time: t("on_time")?.map(|v| v != 0),
                    created_by: s("created_by")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                    updated_at: from_ms(r.try_get("updated_at")?)?,
                    version: r.try_get("version")?,
                })
            }

            async fn insert_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                e: &DossierEvent,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO dossier_events (dossier_id, action, status, actor, note, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(&e.action)
                .bind(e.status.as_str())
                .bind(&e.actor)
                .bind(&e.note)
                .bind(millis(e.at))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }

        impl PortStore for $store {
            async fn add_agency(
                &self,
                a: &NewAgency,
                first: &NewUser,
                now: OffsetDateTime,
            ) -> Result<(i64, i64)> {
                let mut tx = self.pool.begin_with($begin).await?;
                let agency = sqlx::query(
                    "INSERT INTO agencies (tax_code, name, address, email, phone, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(a.tax_code.to_string())
                .bind(&a.name)
                .bind(&a.address)
                .bind(&a.email)
                .bind(&a.phone)
                .bind(millis(now))
                .fetch_one(&mut *tx)
                .await;
                let agency: i64 = match agency {
                    Ok(row) => row.try_get("id")?,
                    Err(e) if unique_violation(&e) => {
                        return Err(StoreError::Duplicate(format!("agency {}", a.tax_code)));
                    }
                    Err(e) => return Err(e.into()),
                };
                let user = sqlx::query(
                    "INSERT INTO users (username, role, checkpoint, agency_id, password_hash, \
                     created_at) VALUES ($1, $2, NULL, $3, $4, $5) RETURNING id",
                )
                .bind(first.username.as_str())
                .bind(first.role.as_str())
                .bind(agency)
                .bind(&first.password_hash)
                .bind(millis(now))
                .fetch_one(&mut *tx)
                .await;
                let user: i64 = match user {
                    Ok(row) => row.try_get("id")?,
                    Err(e) if unique_violation(&e) => {
                        return Err(StoreError::Duplicate(format!("user {}", first.username)));
                    }
                    Err(e) => return Err(e.into()),
                };
                tx.commit().await?;
                Ok((agency, user))
            }

            async fn agency(&self, id: i64) -> Result<Option<AgencyRecord>> {
                let row = sqlx::query(agency_select!("id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Self::agency_from(&r)).transpose()
            }

            async fn agency_by_tax_code(&self, tax_code: &TaxCode) -> Result<Option<AgencyRecord>> {
                let row = sqlx::query(agency_select!("tax_code = $1"))
                    .bind(tax_code.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Self::agency_from(&r)).transpose()
            }

            async fn agency_staff(&self, agency: i64) -> Result<Vec<StaffRecord>> {
                let rows = sqlx::query(
                    "SELECT id, username, created_at, disabled_at FROM users \
                     WHERE agency_id = $1 ORDER BY username",
                )
                .bind(agency)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(StaffRecord {
                            id: r.try_get("id")?,
                            username: r.try_get("username")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            disabled_at: opt_time(r.try_get("disabled_at")?)?,
                        })
                    })
                    .collect()
            }

            async fn close_agency(&self, id: i64, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let closed = sqlx::query(
                    "UPDATE agencies SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
                )
                .bind(id)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
                if closed.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query("UPDATE users SET disabled_at = $2 WHERE agency_id = $1")
                    .bind(id)
                    .bind(millis(now))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE agency_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn create_dossier(&self, d: &NewDossier, now: OffsetDateTime) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                let port_call: Option<i64> = match &d.vessel {
                    None => None,
                    Some(v) => {
                        sqlx::query(
                            "INSERT INTO vessels (imo, name, call_sign, flag, vessel_type, \
                             gross_tonnage, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                             ON CONFLICT (imo) DO UPDATE SET name = excluded.name, \
                             call_sign = COALESCE(excluded.call_sign, vessels.call_sign), \
                             flag = COALESCE(excluded.flag, vessels.flag), \
                             vessel_type = COALESCE(excluded.vessel_type, vessels.vessel_type), \
                             gross_tonnage = COALESCE(excluded.gross_tonnage, vessels.gross_tonnage), \
                             updated_at = excluded.updated_at",
                        )
                        .bind(v.imo.to_string())
                        .bind(&v.name)
                        .bind(v.call_sign.as_ref().map(|c| c.as_str().to_string()))
                        .bind(v.flag.map(|c| c.to_string()))
                        .bind(&v.vessel_type)
                        .bind(v.gross_tonnage.map(i64::from))
                        .bind(millis(now))
                        .execute(&mut *tx)
                        .await?;
                        let p = &d.port_call;
                        let row = sqlx::query(
                            "INSERT INTO port_calls (vessel_imo, checkpoint, agency_id, eta, etd, \
                             berth, last_port, next_port, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                        )
                        .bind(v.imo.to_string())
                        .bind(d.checkpoint.as_str())
                        .bind(d.agency)
                        .bind(p.eta.map(millis))
                        .bind(p.etd.map(millis))
                        .bind(&p.berth)
                        .bind(p.last_port.map(|l| l.to_string()))
                        .bind(p.next_port.map(|l| l.to_string()))
                        .bind(millis(now))
                        .fetch_one(&mut *tx)
                        .await?;
                        Some(row.try_get("id")?)
                    }
                };
                let inserted = sqlx::query(
                    "INSERT INTO dossiers (id, agency_id, procedure, checkpoint, port_call_id, \
                     status, declaration, crew, passengers, deadline_ms, clock_used_ms, \
                     running_since, due_at, submitted_at, resolved_at, on_time, created_by, \
                     created_at, updated_at, version, filing_hash) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, 1, $19)",
                )
                .bind(&d.id)
                .bind(d.agency)
                .bind(d.procedure.as_str())
                .bind(d.checkpoint.as_str())
                .bind(port_call)
                .bind(d.status.as_str())
                .bind(d.declaration.to_string())
                .bind(people_text(&d.crew)?)
                .bind(people_text(&d.passengers)?)
                .bind(d.clock.deadline().whole_milliseconds() as i64)
                .bind(d.clock.used_before().whole_milliseconds() as i64)
                .bind(d.clock.running_since().map(millis))
                .bind(d.clock.due_at().map(millis))
                .bind(d.submitted_at.map(millis))
                .bind(d.resolved.map(|r| millis(r.0)))
                .bind(d.resolved.map(|r| i64::from(r.1)))
                .bind(&d.created_by)
                .bind(millis(now))
                .bind(&d.filing_hash)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if unique_violation(&e) => {
                        return Err(StoreError::Duplicate(format!("dossier {}", d.id)));
                    }
                    Err(e) if e.as_database_error().is_some_and(|x| x.is_foreign_key_violation()) => {
                        return Err(StoreError::NotFound(format!("checkpoint {}", d.checkpoint)));
                    }
                    Err(e) => return Err(e.into()),
                }
                for e in &d.events {
                    Self::insert_event(&mut tx, &d.id, e).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn dossier_filing(&self, id: &str) -> Result<Option<(i64, Option<String>)>> {
                let row = sqlx::query("SELECT agency_id, filing_hash FROM dossiers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok((r.try_get("agency_id")?, r.try_get("filing_hash")?))).transpose()
            }

            async fn dossier(&self, id: &str) -> Result<Option<DossierRecord>> {
                // Both parts are constants of this file.
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DOSSIER_COLUMNS} {DOSSIER_FROM} WHERE d.id = $1"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::dossier_from).transpose()
            }

            async fn dossier_events(&self, id: &str) -> Result<Vec<DossierEvent>> {
                let rows = sqlx::query(
                    "SELECT action, status, actor, note, at FROM dossier_events \
                     WHERE dossier_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DossierEvent {
                            action: r.try_get("action")?,
                            status: DossierStatus::parse(&r.try_get::<String, _>("status")?)
                                .map_err(corrupt)?,
                            actor: r.try_get("actor")?,
                            note: r.try_get("note")?,
                            at: from_ms(r.try_get("at")?)?,
                        })
                    })
                    .collect()
            }

            async fn count_dossiers(&self, f: &DossierFilter) -> Result<u64> {
                let (filter, binds) = dossier_filter(f);
                let sql = format!(
                    "SELECT COUNT(*) AS n FROM dossiers d \
                     LEFT JOIN port_calls p ON p.id = d.port_call_id \
                     LEFT JOIN vessels v ON v.imo = p.vessel_imo WHERE 1 = 1{filter}"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        FilterBind::Text(t) => q.bind(t),
                        FilterBind::Int(i) => q.bind(i),
                    };
                }
                let n: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn dossiers(&self, f: &DossierFilter) -> Result<Vec<DossierSummary>> {
                // Every value is bound; only the shape of the filter is written into the text.
                let (filter, binds) = dossier_filter(f);
                let n = binds.len();
                let order = if f.by_due {
                    " ORDER BY d.due_at IS NULL, d.due_at, d.updated_at"
                } else {
                    " ORDER BY d.updated_at DESC, d.id DESC"
                };
                let sql = format!(
                    "SELECT d.id, d.procedure, d.checkpoint, a.name AS agency_name, \
                     v.name AS vessel_name, v.imo, d.status, d.due_at, d.submitted_at, \
                     d.updated_at, d.on_time FROM dossiers d JOIN agencies a ON a.id = d.agency_id \
                     LEFT JOIN port_calls p ON p.id = d.port_call_id \
                     LEFT JOIN vessels v ON v.imo = p.vessel_imo WHERE 1 = 1{filter}{order} \
                     LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        FilterBind::Text(t) => q.bind(t),
                        FilterBind::Int(i) => q.bind(i),
                    };
                }
                let rows = q
                    .bind(i64::from(f.limit))
                    .bind(i64::try_from(f.offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        let s = |c: &str| r.try_get::<String, _>(c).map_err(StoreError::from);
                        Ok(DossierSummary {
                            id: s("id")?,
                            procedure: ProcedureCode::parse(&s("procedure")?).map_err(corrupt)?,
                            checkpoint: CheckpointCode::parse(&s("checkpoint")?)
                                .map_err(corrupt)?,
                            agency_name: s("agency_name")?,
                            vessel_name: r.try_get("vessel_name")?,
                            imo: r.try_get("imo")?,
                            status: DossierStatus::parse(&s("status")?).map_err(corrupt)?,
                            due_at: opt_time(r.try_get("due_at")?)?,
                            submitted_at: opt_time(r.try_get("submitted_at")?)?,
                            updated_at: from_ms(r.try_get("updated_at")?)?,
                            on_time: r.try_get::<Option<i64>, _>("on_time")?.map(|v| v != 0),
                        })
                    })
                    .collect()
            }

            async fn update_dossier(&self, u: &DossierUpdate, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let crew = u.crew.as_deref().map(people_text).transpose()?;
                let passengers = u.passengers.as_deref().map(people_text).transpose()?;
                let done = sqlx::query(
                    "UPDATE dossiers SET status = $3, clock_used_ms = $4, running_since = $5, \
                     due_at = $6, submitted_at = COALESCE(submitted_at, $7), \
                     resolved_at = $8, on_time = $9, crew = COALESCE($10, crew), \
                     passengers = COALESCE($11, passengers), updated_at = $12, \
                     version = version + 1 WHERE id = $1 AND version = $2",
                )
                .bind(&u.id)
                .bind(u.expected_version)
                .bind(u.status.as_str())
                .bind(u.clock.used_before().whole_milliseconds() as i64)
                .bind(u.clock.running_since().map(millis))
                .bind(u.clock.due_at().map(millis))
                .bind(u.submitted_at.map(millis))
                .bind(u.resolved.map(|r| millis(r.0)))
                .bind(u.resolved.map(|r| i64::from(r.1)))
                .bind(crew)
                .bind(passengers)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                Self::insert_event(&mut tx, &u.id, &u.event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn dossier_facts(
                &self,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> Result<Vec<DossierFact>> {
                let rows = sqlx::query(
                    "SELECT procedure, checkpoint, submitted_at, resolved_at, clock_used_ms, \
                     running_since, on_time FROM dossiers \
                     WHERE submitted_at >= $1 AND submitted_at < $2",
                )
                .bind(millis(from))
                .bind(millis(to))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let s = |c: &str| r.try_get::<String, _>(c).map_err(StoreError::from);
                        Ok(DossierFact {
                            procedure: ProcedureCode::parse(&s("procedure")?).map_err(corrupt)?,
                            checkpoint: CheckpointCode::parse(&s("checkpoint")?)
                                .map_err(corrupt)?,
                            submitted_at: from_ms(r.try_get("submitted_at")?)?,
                            resolved_at: opt_time(r.try_get("resolved_at")?)?,
                            handling: Duration::milliseconds(r.try_get("clock_used_ms")?),
                            on_time: r.try_get::<Option<i64>, _>("on_time")?.map(|v| v != 0),
                        })
                    })
                    .collect()
            }
        }
    };
}

port_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
port_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
