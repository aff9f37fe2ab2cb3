//! The accounts' API: tokens, who is asking, devices and disabled accounts.

use crate::accounts::credentials::Password;
use crate::accounts::credentials::Secret;
use crate::accounts::service::{AccountsError, sign_in};
use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::extract::ClientIp;
use crate::http::json_body;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::CheckpointCode;
use domain::bounds;
use serde::Deserialize;
use serde::Serialize;
use store::NewToken;
use store::Store;
use store::TokenKind;
use store::TokenOwner;
use utoipa::ToSchema;

/// How long an API token lives.
const TOKEN_HOURS: i64 = 12;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    #[schema(format = Password, min_length = 1, max_length = 256)]
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until it stops working.
    pub expires_in: i64,
}

/// A bearer token for a user's name and password.
#[utoipa::path(post, path = "/auth/token", tag = "accounts", security(()),
    request_body = Credentials,
    responses((status = 200, body = TokenResponse)))]
pub async fn token<S: Store>(
    State(app): State<App<S>>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<TokenResponse>> {
    let c: Credentials = json_body(&body)?;
    let user = sign_in(&app, &c.username, &Password::new(c.password), ip).await?;
    let secret = Secret::generate();
    let now = app.now();
    app.store
        .put_token(
            &NewToken {
                hash: secret.digest(),
                kind: TokenKind::Api,
                owner: TokenOwner::User(user.id),
                csrf: None,
                expires_at: Some(now + time::Duration::hours(TOKEN_HOURS)),
            },
            now,
        )
        .await?;
    Ok(Json(TokenResponse { token: secret.expose().to_string(), expires_in: TOKEN_HOURS * 3600 }))
}

impl From<AccountsError> for ApiError {
    fn from(e: AccountsError) -> Self {
        match e {
            AccountsError::TooManyAttempts(_) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", e.to_string())
            }
            AccountsError::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", e.to_string())
            }
            AccountsError::Invalid(e) => e.into(),
            AccountsError::NotFound(_) => ApiError::not_found(e.to_string()),
            AccountsError::Duplicate(_) => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", e.to_string())
            }
            AccountsError::Store(e) => ApiError::internal(&e),
            AccountsError::Audit(e) => e.into(),
            AccountsError::Task(e) => ApiError::internal(&e),
        }
    }
}

fn admin(who: &Authed) -> ApiResult<crate::app::Acting> {
    if !who.actor.is_admin() {
        return Err(
            domain::Forbidden("only an administrator manages devices and accounts".into()).into()
        );
    }
    Ok(crate::app::Acting { actor: who.actor.label(), ip: who.ip.map(|i| i.to_string()) })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DevicesResponse {
    pub devices: Vec<store::DeviceRecord>,
}

/// Every device, revoked ones too (administrators).
#[utoipa::path(get, path = "/devices", tag = "accounts",
    responses((status = 200, body = DevicesResponse)))]
pub async fn devices<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
) -> ApiResult<Json<DevicesResponse>> {
    admin(&who)?;
    Ok(Json(DevicesResponse { devices: app.store.devices().await? }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// How long its token works, 1 to 730 days (365).
    #[schema(minimum = 1, maximum = 730)]
    days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceCreated {
    pub id: i64,
    pub checkpoint: CheckpointCode,
    pub name: String,
    /// Shown once: the device sends it as its bearer token.
    pub token: String,
    #[schema(value_type = domain::schema::Instant)]
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceRevoked {
    pub id: i64,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDisabled {
    pub username: domain::Username,
    pub disabled: bool,
}

/// Registers a device (an e-gate, a reader) and gives its token (administrators).
#[utoipa::path(post, path = "/devices", tag = "accounts",
    request_body = DeviceRequest,
    responses((status = 201, body = DeviceCreated)))]
pub async fn device_add<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let by = admin(&who)?;
    let r: DeviceRequest = json_body(&body)?;
    let checkpoint = CheckpointCode::parse(&r.checkpoint)?;
    if !app.checkpoints.contains_key(&checkpoint) {
        return Err(ApiError::not_found(format!("checkpoint {checkpoint}")));
    }
    let name = crate::accounts::service::device_name(&r.name)?;
    let days = crate::accounts::service::token_days(r.days.unwrap_or(crate::DEVICE_TOKEN_DAYS))?;
    let (id, secret, expires_at) =
        crate::accounts::service::add_device(&app.store, &by, &checkpoint, &name, days, app.now())
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(DeviceCreated {
            id,
            checkpoint,
            name,
            token: secret.expose().to_string(),
            expires_at: bounds::rfc3339(expires_at),
        }),
    )
        .into_response())
}

/// Revokes a device: its tokens stop working at once (administrators).
#[utoipa::path(post, path = "/devices/{id}/revoke", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeviceRevoked)))]
pub async fn device_revoke<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceRevoked>> {
    let by = admin(&who)?;
    crate::accounts::service::revoke_device(&app.store, &by, id, app.now()).await?;
    Ok(Json(DeviceRevoked { id, revoked: true }))
}

/// Disables an account: it can no longer sign in, and its sessions and tokens stop working
/// (administrators).
#[utoipa::path(post, path = "/users/{username}/disable", tag = "accounts",
    params(("username" = inline(domain::Username), Path)),
    responses((status = 200, body = UserDisabled)))]
pub async fn user_disable<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(username): Path<String>,
) -> ApiResult<Json<UserDisabled>> {
    let by = admin(&who)?;
    let username = domain::Username::parse(&username)?;
    crate::accounts::service::disable_user(&app.store, &by, &username, app.now()).await?;
    Ok(Json(UserDisabled { username, disabled: true }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub actor: domain::Actor,
}

/// Who the token or session belongs to.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = MeResponse)))]
pub async fn me(who: Authed) -> Json<MeResponse> {
    Json(MeResponse { actor: who.actor })
}
