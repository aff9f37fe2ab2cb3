//! [`ControlStore`] for both databases: travellers, crossings, their screening. Written once, like
//! the rest of the SQL, and compiled against each driver.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;

macro_rules! control_impl {
    ($store:ident, $db:ty, $row:ty, $backend:literal, $begin:literal) => {
        impl $store {
            /// [`crate::ControlStore::record_crossings`] inside the caller's transaction, which
            /// commits it (with whatever else it writes); returns the audit head to tell the
            /// store once it has.
            pub(crate) async fn record_crossings_in(
                &self,
                tx: &mut sqlx::Transaction<'_, $db>,
                batch: &[NewCrossing],
                by: &RecordedBy,
                at: OffsetDateTime,
            ) -> Result<(Vec<RecordOutcome>, Option<Head>)> {
                let now = millis(at);
                let select = format!("SELECT {CROSSING_COLUMNS} FROM crossings WHERE id = $1");
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
                    for row in q.fetch_all(&mut **tx).await? {
                        let stored = Self::traveller_from(&row)?;
                        let name_key: String = row.try_get("name_key")?;
                        let key = (
                            stored.document.issuing_state.to_string(),
                            stored.document.number.to_string(),
                        );
                        known.insert(key, (stored, name_key));
                    }
                }
                // Travellers new or changed, many to a statement: a node's batch brings a
                // thousand travellers, and a round trip each would cost more than the rows.
                let mut changed: Vec<((&str, &str), &NewCrossing)> = Vec::new();
                for (key, c) in docs {
                    let d = &c.document;
                    if let Some((stored, name_key)) = known.get(&(key.0.to_string(), key.1.to_string()))
                        && &stored.document == d
                        && *name_key == c.name_key
                    {
                        ids.insert(key, stored.id);
                        continue;
                    }
                    changed.push((key, c));
                }
                for chunk in changed.chunks(TRAVELLERS_PER_UPSERT) {
                    let mut sql = String::from(
                        "INSERT INTO travellers (issuing_state, number, doc_type, surname, \
                         given_names, nationality, birth_date, sex, expiry_date, issuing_area, \
                         name_key, updated_at) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        if $backend == "sqlite" {
                            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                        } else {
                            sql.push('(');
                            for k in 1..=12 {
                                if k > 1 {
                                    sql.push_str(", ");
                                }
                                sql.push_str(&format!("${}", i * 12 + k));
                            }
                            sql.push(')');
                        }
                    }
                    sql.push_str(
                        " ON CONFLICT (issuing_state, number) DO UPDATE SET \
                         doc_type = excluded.doc_type, surname = excluded.surname, \
                         given_names = excluded.given_names, nationality = excluded.nationality, \
                         birth_date = excluded.birth_date, sex = excluded.sex, \
                         expiry_date = excluded.expiry_date, issuing_area = excluded.issuing_area, \
                         name_key = excluded.name_key, updated_at = excluded.updated_at \
                         RETURNING id, issuing_state, number",
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (_, c) in chunk {
                        let d = &c.document;
                        q = q
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
                            .bind(now);
                    }
                    let rows = q.fetch_all(&mut **tx).await?;
                    let mut returned: std::collections::HashMap<(String, String), i64> =
                        std::collections::HashMap::with_capacity(rows.len());
                    for r in &rows {
                        returned.insert(
                            (r.try_get("issuing_state")?, r.try_get("number")?),
                            r.try_get("id")?,
                        );
                    }
                    for (key, _) in chunk {
                        let id = *returned
                            .get(&(key.0.to_string(), key.1.to_string()))
                            .ok_or_else(|| corrupt("a traveller of the batch was not stored"))?;
                        ids.insert(*key, id);
                    }
                }
                // Crossings many to a statement: each statement costs more than its rows.
                let mut created: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
                for chunk in batch.chunks(CROSSINGS_PER_STATEMENT) {
                    let mut sql = String::from(
                        "INSERT INTO crossings (id, traveller_id, checkpoint, direction, channel, \
                         at, decision, client_decision, actor, body_hash, recorded_at, \
                         screened_at, outcome, stamped) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let p = i * 14;
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        // SQLite finds a numbered parameter by walking the list of all of them,
                        // once per bind: a thousand `$N` cost a quadratic scan, anonymous `?`
                        // nothing. PostgreSQL takes only `$N`.
                        if $backend == "sqlite" {
                            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                        } else {
                            sql.push('(');
                            for k in 1..=14 {
                                if k > 1 {
                                    sql.push_str(", ");
                                }
                                sql.push_str(&format!("${}", p + k));
                            }
                            sql.push(')');
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
                            .bind(c.screened.then_some(now))
                            .bind(c.outcome.as_str())
                            .bind(c.stamped);
                    }
                    let rows = q.fetch_all(&mut **tx).await?;
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
                                outcome: c.outcome,
                                stamped: c.stamped,
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
                                    crossing_at: Some(c.at),
                                };
                                Self::raise_alert_in(tx, &alert, now).await?;
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
                            .fetch_one(&mut **tx)
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
                    let head = self.append_audit_in(tx, &[(event, at)]).await?;
                    return Ok((out, Some(head)));
                }
                Ok((out, None))
            }
        }

        impl crate::ControlStore for $store {
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

            async fn find_travellers(
                &self,
                query: &TravellerQuery,
                offset: u32,
                limit: u32,
            ) -> Result<(Vec<TravellerRecord>, u64)> {
                // A prefix is looked up as a range of the name index (`>= prefix` and `<` the
                // prefix with its last letter raised), then held to the exact prefix: both
                // databases read the range from the index whatever their collation, since a
                // folded name has only capital letters and single spaces.
                let (filter, binds): (&str, Vec<String>) = match query {
                    TravellerQuery::Number(n) => ("number = $1", vec![n.to_string()]),
                    TravellerQuery::NamePrefix { prefix, birth_date } => {
                        let mut upper = prefix.clone();
                        let raised = upper.pop().and_then(|c| {
                            (c.is_ascii_uppercase() && c != 'Z').then(|| (c as u8 + 1) as char)
                        });
                        let upper = raised.map(|c| format!("{upper}{c}"));
                        let filter = match (upper.is_some(), birth_date.is_some()) {
                            (true, true) => "name_key >= $1 AND name_key < $2 \
                                 AND substr(name_key, 1, length($1)) = $1 AND birth_date = $3",
                            (true, false) => "name_key >= $1 AND name_key < $2 \
                                 AND substr(name_key, 1, length($1)) = $1",
                            (false, true) => "substr(name_key, 1, length($1)) = $1 \
                                 AND birth_date = $2",
                            (false, false) => "substr(name_key, 1, length($1)) = $1",
                        };
                        let binds = std::iter::once(prefix.clone())
                            .chain(upper)
                            .chain(birth_date.clone())
                            .collect();
                        (filter, binds)
                    }
                };
                let n = binds.len();
                let sql = format!(
                    "SELECT {TRAVELLER_COLUMNS} FROM travellers WHERE {filter} \
                     ORDER BY name_key, birth_date, id LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in &binds {
                    q = q.bind(b.as_str());
                }
                let rows =
                    q.bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(&self.pool).await?;
                let found = rows.iter().map(Self::traveller_from).collect::<Result<Vec<_>>>()?;
                let count = format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM travellers WHERE {filter} \
                     LIMIT {}) m",
                    crate::TRAVELLER_COUNT_CAP + 1
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(count));
                for b in &binds {
                    q = q.bind(b.as_str());
                }
                let total: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
                Ok((found, u64::try_from(total).unwrap_or(0)))
            }

            async fn last_stamp(&self, traveller_id: i64) -> Result<Option<OffsetDateTime>> {
                let row = sqlx::query(
                    "SELECT MAX(at) AS at FROM crossings WHERE traveller_id = $1 AND stamped",
                )
                .bind(traveller_id)
                .fetch_one(&self.pool)
                .await?;
                row.try_get::<Option<i64>, _>("at")?.map(from_ms).transpose()
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
                let mut tx = self.pool.begin_with($begin).await?;
                let (out, head) = self.record_crossings_in(&mut tx, batch, by, at).await?;
                tx.commit().await?;
                if let Some(head) = head {
                    self.audit_committed(head);
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
                     c.client_decision AS c_client_decision, c.outcome AS c_outcome, c.stamped AS c_stamped, \
                     c.screened_at AS c_screened_at, \
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
                         WHERE id = $1 AND screened_at IS NULL RETURNING traveller_id, checkpoint, at",
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
                    let at = from_ms(row.try_get("at")?)?;
                    for a in &s.alerts {
                        let alert = NewAlert {
                            entry_id: a.entry_id.clone(),
                            traveller_id,
                            checkpoint: checkpoint.clone(),
                            score: a.score,
                            crossing_at: Some(at),
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
                checkpoint: Option<&CheckpointCode>,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> Result<Vec<HourCount>> {
                // Two texts rather than `$1 = '' OR ...`, so that each keeps its own plan.
                let place = if checkpoint.is_some() { "checkpoint = $3 AND " } else { "" };
                let sql = format!(
                    "SELECT at / 3600000 AS hour, direction, outcome, COUNT(*) AS n FROM crossings \
                     WHERE {place}at >= $1 AND at < $2 \
                     GROUP BY at / 3600000, direction, outcome ORDER BY hour, direction, outcome"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(millis(from)).bind(millis(to));
                if let Some(cp) = checkpoint {
                    q = q.bind(cp.as_str());
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(HourCount {
                            hour: r.try_get("hour")?,
                            direction: Direction::parse(&r.try_get::<String, _>("direction")?)
                                .map_err(corrupt)?,
                            outcome: CrossingOutcome::parse(&r.try_get::<String, _>("outcome")?)
                                .map_err(corrupt)?,
                            count: r.try_get("n")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

control_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite", "BEGIN IMMEDIATE");
control_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres", "BEGIN");
