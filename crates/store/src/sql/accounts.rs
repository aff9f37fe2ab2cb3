//! [`AccountStore`] for both databases: users, devices and their tokens. Written once, like
//! the rest of the SQL, and compiled against each driver.

#[allow(clippy::wildcard_imports)] // The parent's imports: this is a part of its SQL.
use super::*;

macro_rules! accounts_impl {
    ($store:ident, $db:ty, $row:ty, $begin:literal) => {
        impl $store {
            /// Ends the sessions and tokens of the account an update found (its row holds
            /// `id`): after its password, checkpoint or standing changed, it signs in again.
            async fn end_sessions_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                found: Option<$row>,
            ) -> Result<bool> {
                let Some(row) = found else { return Ok(false) };
                let id: i64 = row.try_get("id")?;
                sqlx::query("DELETE FROM tokens WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(true)
            }
        }

        impl crate::AccountStore for $store {
            async fn add_user(&self, u: &NewUser, now: OffsetDateTime) -> Result<i64> {
                let r = sqlx::query(
                    "INSERT INTO users (username, role, checkpoint, agency_id, password_hash, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(u.username.as_str())
                .bind(u.role.as_str())
                .bind(u.checkpoint.as_ref().map(|c| c.as_str()))
                .bind(u.agency)
                .bind(&u.password_hash)
                .bind(millis(now))
                .fetch_one(&self.pool)
                .await;
                match r {
                    Ok(row) => Ok(row.try_get("id")?),
                    Err(e) if unique_violation(&e) => {
                        Err(StoreError::Duplicate(format!("user {}", u.username)))
                    }
                    Err(e)
                        if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) =>
                    {
                        Err(StoreError::NotFound(format!(
                            "checkpoint {}",
                            u.checkpoint.as_ref().map_or("", |c| c.as_str())
                        )))
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn accounts(&self) -> Result<Vec<AccountRecord>> {
                let rows = sqlx::query(
                    "SELECT username, role, checkpoint, agency_id, created_at, disabled_at \
                     FROM users ORDER BY username",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AccountRecord {
                            username: Username::parse(&r.try_get::<String, _>("username")?)
                                .map_err(corrupt)?,
                            role: Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?,
                            checkpoint: r
                                .try_get::<Option<String>, _>("checkpoint")?
                                .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                                .transpose()?,
                            agency: r.try_get("agency_id")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            disabled_at: r
                                .try_get::<Option<i64>, _>("disabled_at")?
                                .map(from_ms)
                                .transpose()?,
                        })
                    })
                    .collect()
            }

            async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(
                    "UPDATE users SET password_hash = $2 WHERE username = $1 \
                     AND disabled_at IS NULL RETURNING id",
                )
                .bind(username)
                .bind(password_hash)
                .fetch_optional(&mut *tx)
                .await?;
                if !Self::end_sessions_in(&mut tx, row).await? {
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn bind_checkpoint(
                &self,
                username: &str,
                checkpoint: Option<&CheckpointCode>,
            ) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(
                    "UPDATE users SET checkpoint = $2 WHERE username = $1 \
                     AND disabled_at IS NULL RETURNING id",
                )
                .bind(username)
                .bind(checkpoint.map(|c| c.as_str()))
                .fetch_optional(&mut *tx)
                .await;
                let row = match row {
                    Ok(r) => r,
                    Err(e)
                        if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) =>
                    {
                        return Err(StoreError::NotFound(format!(
                            "checkpoint {}",
                            checkpoint.map_or("", |c| c.as_str())
                        )));
                    }
                    Err(e) => return Err(e.into()),
                };
                if !Self::end_sessions_in(&mut tx, row).await? {
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
                let row = sqlx::query(
                    "SELECT id, username, role, checkpoint, agency_id, password_hash FROM users \
                     WHERE username = $1 AND disabled_at IS NULL",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(UserRecord {
                        id: r.try_get("id")?,
                        username: Username::parse(&r.try_get::<String, _>("username")?)
                            .map_err(corrupt)?,
                        role: Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?,
                        checkpoint: r
                            .try_get::<Option<String>, _>("checkpoint")?
                            .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                            .transpose()?,
                        agency: r.try_get("agency_id")?,
                        password_hash: r.try_get("password_hash")?,
                    })
                })
                .transpose()
            }

            async fn add_device(
                &self,
                checkpoint: &CheckpointCode,
                name: &str,
                now: OffsetDateTime,
            ) -> Result<i64> {
                let r = sqlx::query(
                    "INSERT INTO devices (checkpoint, name, created_at) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(checkpoint.as_str())
                .bind(name)
                .bind(millis(now))
                .fetch_one(&self.pool)
                .await;
                match r {
                    Ok(row) => Ok(row.try_get("id")?),
                    Err(e)
                        if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) =>
                    {
                        Err(StoreError::NotFound(format!("checkpoint {checkpoint}")))
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn disable_user(&self, username: &str, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(
                    "UPDATE users SET disabled_at = $2 WHERE username = $1 \
                     AND disabled_at IS NULL RETURNING id",
                )
                .bind(username)
                .bind(millis(now))
                .fetch_optional(&mut *tx)
                .await?;
                if !Self::end_sessions_in(&mut tx, row).await? {
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_device(&self, id: i64, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let n = sqlx::query(
                    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(millis(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM tokens WHERE device_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(n > 0)
            }

            async fn devices(&self) -> Result<Vec<DeviceRecord>> {
                let rows = sqlx::query(
                    "SELECT id, checkpoint, name, created_at, revoked_at FROM devices ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeviceRecord {
                            id: r.try_get("id")?,
                            checkpoint: CheckpointCode::parse(
                                &r.try_get::<String, _>("checkpoint")?,
                            )
                            .map_err(corrupt)?,
                            name: r.try_get("name")?,
                            created_at: from_ms(r.try_get("created_at")?)?,
                            revoked_at: r
                                .try_get::<Option<i64>, _>("revoked_at")?
                                .map(from_ms)
                                .transpose()?,
                        })
                    })
                    .collect()
            }

            async fn put_token(&self, t: &NewToken, now: OffsetDateTime) -> Result<()> {
                let (user, device) = match t.owner {
                    TokenOwner::User(id) => (Some(id), None),
                    TokenOwner::Device(id) => (None, Some(id)),
                };
                sqlx::query(
                    "INSERT INTO tokens (hash, kind, user_id, device_id, csrf, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&t.hash)
                .bind(t.kind.as_str())
                .bind(user)
                .bind(device)
                .bind(&t.csrf)
                .bind(millis(now))
                .bind(t.expires_at.map(millis))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn token(&self, hash: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>> {
                let row = sqlx::query(
                    "SELECT t.kind, t.csrf, t.user_id, t.device_id, u.username, u.role, \
                     u.checkpoint AS user_checkpoint, u.agency_id, d.name AS device_name, \
                     d.checkpoint AS device_checkpoint FROM tokens t \
                     LEFT JOIN users u ON u.id = t.user_id \
                     LEFT JOIN devices d ON d.id = t.device_id \
                     WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) \
                     AND u.disabled_at IS NULL AND d.revoked_at IS NULL",
                )
                .bind(hash)
                .bind(millis(now))
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let cp = |c: &str| -> Result<Option<CheckpointCode>> {
                    r.try_get::<Option<String>, _>(c)?
                        .map(|c| CheckpointCode::parse(&c).map_err(corrupt))
                        .transpose()
                };
                let actor = match (
                    r.try_get::<Option<i64>, _>("user_id")?,
                    r.try_get::<Option<i64>, _>("device_id")?,
                ) {
                    (Some(id), _) => domain::Actor {
                        kind: ActorKind::User {
                            id,
                            username: Username::parse(&r.try_get::<String, _>("username")?)
                                .map_err(corrupt)?,
                            role: Role::parse(&r.try_get::<String, _>("role")?).map_err(corrupt)?,
                            agency: r.try_get("agency_id")?,
                        },
                        checkpoint: cp("user_checkpoint")?,
                    },
                    (None, Some(id)) => domain::Actor {
                        kind: ActorKind::Device { id, name: r.try_get("device_name")? },
                        checkpoint: cp("device_checkpoint")?,
                    },
                    (None, None) => return Err(corrupt("a token without an owner")),
                };
                Ok(Some(TokenRecord {
                    kind: TokenKind::parse(&r.try_get::<String, _>("kind")?)?,
                    actor,
                    csrf: r.try_get("csrf")?,
                }))
            }

            async fn delete_token(&self, hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM tokens WHERE hash = $1")
                    .bind(hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

accounts_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "BEGIN IMMEDIATE");
accounts_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "BEGIN");
