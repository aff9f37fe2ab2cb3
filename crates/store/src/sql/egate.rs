//! [`EgateStore`](crate::EgateStore) for both databases.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;
use crate::egate::{
    EgateDocument, EgateFilter, EgateOutcome, EgateRecord, GateSummary, KeptReason, ThresholdsSet,
};
use domain::InvalidValue;
use domain::egate::{ChipAccess, ChipOutcome, GateDecision, GateName, Score, Thresholds};

const EGATE_COLUMNS: &str = "id, checkpoint, gate, direction, at, decision, reasons, doc_type, \
     issuing_state, number, holder, birth_date, document_text, chip_access, chip, face_score, \
     liveness, fingerprints, timings, gate_ms, platform_ms, crossing_id, actor, body_hash, \
     taken_by, taken_at";

/// The filter's conditions: an empty text or an open end stands for "any".
const EGATE_FILTER: &str = "($1 = '' OR checkpoint = $1) AND ($2 = '' OR gate = $2) \
     AND ($3 = '' OR decision = $3) AND at >= $4 AND at < $5";

fn json_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(format!("encoding: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn parse_word<T>(what: &str, s: &str, parse: fn(&str) -> Result<T, InvalidValue>) -> Result<T> {
    parse(s).map_err(|_| corrupt(format!("{what} {s:?}")))
}

fn score(what: &'static str, v: f64) -> Result<Score> {
    Score::parse(what, v).map_err(|_| corrupt(format!("{what} {v}")))
}

macro_rules! egate_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            fn egate_from(r: &$row) -> Result<EgateRecord> {
                let doc_type: Option<String> = r.try_get("doc_type")?;
                let document = match doc_type {
                    None => None,
                    Some(t) => Some(EgateDocument {
                        doc_type: parse_word("document type", &t, DocumentType::parse)?,
                        issuing_state: parse_country(r.try_get("issuing_state")?)?
                            .ok_or_else(|| corrupt("a transaction's document has no state"))?,
                        number: DocumentNumber::parse(&r.try_get::<String, _>("number")?)
                            .map_err(corrupt)?,
                        holder: r.try_get("holder")?,
                        birth_date: parse_date(r.try_get("birth_date")?)?,
                    }),
                };
                let face = match (
                    r.try_get::<Option<f64>, _>("face_score")?,
                    r.try_get::<Option<f64>, _>("liveness")?,
                ) {
                    (Some(s), Some(l)) => Some((s, l)),
                    _ => None,
                };
                let fingerprints: Option<String> = r.try_get("fingerprints")?;
                let chip_access: Option<String> = r.try_get("chip_access")?;
                let taken_at: Option<i64> = r.try_get("taken_at")?;
                Ok(EgateRecord {
                    id: r.try_get("id")?,
                    checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                        .map_err(corrupt)?,
                    gate: GateName::parse(&r.try_get::<String, _>("gate")?).map_err(corrupt)?,
                    direction: parse_word(
                        "direction",
                        &r.try_get::<String, _>("direction")?,
                        Direction::parse,
                    )?,
                    at: from_ms(r.try_get("at")?)?,
                    decision: parse_word(
                        "decision",
                        &r.try_get::<String, _>("decision")?,
                        GateDecision::parse,
                    )?,
                    reasons: from_json("reasons", &r.try_get::<String, _>("reasons")?)?,
                    document,
                    document_text: r.try_get("document_text")?,
                    chip_access: chip_access
                        .map(|a| parse_word("chip access", &a, ChipAccess::parse))
                        .transpose()?,
                    chip: parse_word("chip", &r.try_get::<String, _>("chip")?, ChipOutcome::parse)?,
                    face,
                    fingerprints: fingerprints
                        .map(|f| from_json("fingerprints", &f))
                        .transpose()?
                        .unwrap_or_default(),
                    timings: from_json("timings", &r.try_get::<String, _>("timings")?)?,
                    gate_ms: r.try_get("gate_ms")?,
                    platform_ms: r.try_get("platform_ms")?,
                    crossing_id: r.try_get("crossing_id")?,
                    actor: r.try_get("actor")?,
                    body_hash: r.try_get("body_hash")?,
                    taken_by: r.try_get("taken_by")?,
                    taken_at: taken_at.map(from_ms).transpose()?,
                })
            }
        }

        impl crate::EgateStore for $store {
            async fn record_egate(
                &self,
                e: &EgateRecord,
                crossing: Option<&NewCrossing>,
                by: &RecordedBy,
                now: OffsetDateTime,
            ) -> Result<EgateOutcome> {
                let mut tx = self.pool.begin_with($begin).await?;
                let d = e.document.as_ref();
                let inserted = sqlx::query(
                    "INSERT INTO egate_transactions (id, checkpoint, gate, direction, at, \
                     decision, reasons, doc_type, issuing_state, number, holder, birth_date, \
                     document_text, chip_access, chip, face_score, liveness, fingerprints, \
                     timings, gate_ms, platform_ms, crossing_id, actor, body_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18, $19, $20, $21, $22, $23, $24) \
                     ON CONFLICT (id) DO NOTHING RETURNING id",
                )
                .bind(&e.id)
                .bind(e.checkpoint.as_str())
                .bind(e.gate.as_str())
                .bind(e.direction.as_str())
                .bind(millis(e.at))
                .bind(e.decision.as_str())
                .bind(json_text(&e.reasons)?)
                .bind(d.map(|d| d.doc_type.as_str()))
                .bind(d.map(|d| d.issuing_state.to_string()))
                .bind(d.map(|d| d.number.to_string()))
                .bind(d.map(|d| d.holder.clone()))
                .bind(date_text(d.and_then(|d| d.birth_date)))
                .bind(&e.document_text)
                .bind(e.chip_access.map(|a| a.as_str()))
                .bind(e.chip.as_str())
                .bind(e.face.map(|f| f.0))
                .bind(e.face.map(|f| f.1))
                .bind(if e.fingerprints.is_empty() {
                    None
                } else {
                    Some(json_text(&e.fingerprints)?)
                })
                .bind(json_text(&e.timings)?)
                .bind(e.gate_ms)
                .bind(e.platform_ms)
                .bind(crossing.map(|c| c.id.clone()))
                .bind(&e.actor)
                .bind(&e.body_hash)
                .fetch_optional(&mut *tx)
                .await?;
                if inserted.is_none() {
                    let sql = format!("SELECT {EGATE_COLUMNS} FROM egate_transactions WHERE id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&e.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let kept = Self::egate_from(&row)?;
                    tx.commit().await?;
                    return Ok(if kept.body_hash == e.body_hash {
                        EgateOutcome::Existing(Box::new(kept))
                    } else {
                        EgateOutcome::Conflict
                    });
                }
                let mut kept = e.clone();
                if let Some(c) = crossing {
                    // The audit head moves on with the transaction's own record below.
                    let (out, _) = self
                        .record_crossings_in(&mut tx, std::slice::from_ref(c), by, now)
                        .await?;
                    if !matches!(out.first(), Some(RecordOutcome::Created(_))) {
                        // The transaction is new but its crossing's id was taken: keep the
                        // transaction, without a crossing of its own.
                        sqlx::query(
                            "UPDATE egate_transactions SET crossing_id = NULL WHERE id = $1",
                        )
                        .bind(&e.id)
                        .execute(&mut *tx)
                        .await?;
                    } else {
                        kept.crossing_id = Some(c.id.clone());
                    }
                }
                let subject = match d {
                    Some(d) => format!("traveller:{}/{}", d.issuing_state, d.number),
                    None => format!("egate:{}", e.id),
                };
                let event = AuditEvent {
                    actor: by.actor.clone(),
                    ip: by.ip.clone(),
                    action: crate::AuditAction::EgateTransaction,
                    subject,
                    detail: serde_json::json!({
                        "id": e.id, "gate": e.gate.as_str(), "decision": e.decision.as_str()
                    })
                    .to_string(),
                };
                let head = self.append_audit_in(&mut tx, &[(event, now)]).await?;
                tx.commit().await?;
                self.audit_committed(head);
                Ok(EgateOutcome::Created(Box::new(kept)))
            }

            async fn egate(&self, id: &str) -> Result<Option<EgateRecord>> {
                let sql = format!("SELECT {EGATE_COLUMNS} FROM egate_transactions WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::egate_from).transpose()
            }

            async fn egates(
                &self,
                f: &EgateFilter,
                offset: u64,
                limit: u32,
            ) -> Result<(Vec<EgateRecord>, u64)> {
                let checkpoint = f.checkpoint.as_ref().map_or("", |c| c.as_str());
                let gate = f.gate.as_ref().map_or("", |g| g.as_str());
                let decision = f.decision.map_or("", |d| d.as_str());
                let from = f.from.map_or(i64::MIN, millis);
                let to = f.to.map_or(i64::MAX, millis);
                let sql = format!(
                    "SELECT {EGATE_COLUMNS} FROM egate_transactions WHERE {EGATE_FILTER} \
                     ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(checkpoint)
                    .bind(gate)
                    .bind(decision)
                    .bind(from)
                    .bind(to)
                    .bind(i64::from(limit))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?;
                let count = format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM egate_transactions \
                     WHERE {EGATE_FILTER} LIMIT {}) m",
                    crate::TRAVELLER_COUNT_CAP + 1
                );
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(count))
                    .bind(checkpoint)
                    .bind(gate)
                    .bind(decision)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let list = rows.iter().map(Self::egate_from).collect::<Result<Vec<_>>>()?;
                Ok((list, u64::try_from(total).unwrap_or(0)))
            }

            async fn gate_summaries(
                &self,
                checkpoint: Option<&CheckpointCode>,
                since: OffsetDateTime,
            ) -> Result<Vec<GateSummary>> {
                let rows = sqlx::query(
                    "SELECT checkpoint, gate, \
                     CAST(SUM(CASE WHEN decision = 'open' THEN 1 ELSE 0 END) AS BIGINT) AS opened, \
                     CAST(SUM(CASE WHEN decision = 'refer' THEN 1 ELSE 0 END) AS BIGINT) AS referred, \
                     CAST(COALESCE(SUM(gate_ms), 0) AS BIGINT) AS gate_ms_sum, \
                     COUNT(gate_ms) AS gate_ms_count, \
                     CAST(COALESCE(SUM(platform_ms), 0) AS BIGINT) AS platform_ms_sum, \
                     MAX(at) AS last_at \
                     FROM egate_transactions WHERE ($1 = '' OR checkpoint = $1) AND at >= $2 \
                     GROUP BY checkpoint, gate ORDER BY checkpoint, gate",
                )
                .bind(checkpoint.map_or("", |c| c.as_str()))
                .bind(millis(since))
                .fetch_all(&self.pool)
                .await?;
                let count = |r: &$row, c: &str| -> Result<u64> {
                    Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0))
                };
                rows.iter()
                    .map(|r| {
                        Ok(GateSummary {
                            checkpoint: CheckpointCode::parse(&r.try_get::<String, _>("checkpoint")?)
                                .map_err(corrupt)?,
                            gate: GateName::parse(&r.try_get::<String, _>("gate")?)
                                .map_err(corrupt)?,
                            opened: count(r, "opened")?,
                            referred: count(r, "referred")?,
                            gate_ms_sum: r.try_get("gate_ms_sum")?,
                            gate_ms_count: count(r, "gate_ms_count")?,
                            platform_ms_sum: r.try_get("platform_ms_sum")?,
                            last_at: from_ms(r.try_get("last_at")?)?,
                        })
                    })
                    .collect()
            }

            async fn egate_referrals(
                &self,
                checkpoint: &CheckpointCode,
                since: OffsetDateTime,
                limit: u32,
            ) -> Result<Vec<EgateRecord>> {
                let sql = format!(
                    "SELECT {EGATE_COLUMNS} FROM egate_transactions WHERE checkpoint = $1 \
                     AND decision = 'refer' AND taken_at IS NULL AND at >= $2 \
                     ORDER BY at DESC, id DESC LIMIT $3"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(checkpoint.as_str())
                    .bind(millis(since))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::egate_from).collect()
            }

            async fn take_referral(
                &self,
                id: &str,
                checkpoint: &CheckpointCode,
                by: &str,
                now: OffsetDateTime,
            ) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE egate_transactions SET taken_by = $1, taken_at = $2 \
                     WHERE id = $3 AND checkpoint = $4 AND decision = 'refer' \
                     AND taken_at IS NULL",
                )
                .bind(by)
                .bind(millis(now))
                .bind(id)
                .bind(checkpoint.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn egate_thresholds(
                &self,
                checkpoint: &CheckpointCode,
            ) -> Result<Option<ThresholdsSet>> {
                let row = sqlx::query(
                    "SELECT face_min, liveness_min, fingerprint_min, updated_at, updated_by \
                     FROM egate_settings WHERE checkpoint = $1",
                )
                .bind(checkpoint.as_str())
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some(ThresholdsSet {
                    thresholds: Thresholds {
                        face: score("face_min", r.try_get("face_min")?)?,
                        liveness: score("liveness_min", r.try_get("liveness_min")?)?,
                        fingerprint: score("fingerprint_min", r.try_get("fingerprint_min")?)?,
                    },
                    updated_at: from_ms(r.try_get("updated_at")?)?,
                    updated_by: r.try_get("updated_by")?,
                }))
            }

            async fn set_egate_thresholds(
                &self,
                checkpoint: &CheckpointCode,
                t: &Thresholds,
                by: &str,
                now: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO egate_settings (checkpoint, face_min, liveness_min, \
                     fingerprint_min, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (checkpoint) DO UPDATE SET face_min = excluded.face_min, \
                     liveness_min = excluded.liveness_min, \
                     fingerprint_min = excluded.fingerprint_min, \
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                )
                .bind(checkpoint.as_str())
                .bind(t.face.get())
                .bind(t.liveness.get())
                .bind(t.fingerprint.get())
                .bind(millis(now))
                .bind(by)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

egate_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
egate_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");

/// Keeps a reason's code and both its sentences.
impl From<&domain::Reason> for KeptReason {
    fn from(r: &domain::Reason) -> Self {
        KeptReason { code: r.code.clone(), message: r.message.clone(), vi: r.vietnamese.clone() }
    }
}
