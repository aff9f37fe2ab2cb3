//! The agencies' API.

use crate::agencies::service::Registration;
use crate::agencies::service::add_agency_staff;
use crate::agencies::service::close_agency;
use crate::agencies::service::own_agency;
use crate::agencies::service::register_agency;
use crate::agencies::service::{AgenciesError, Registered};
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
use domain::Username;
use serde::Deserialize;
use serde::Serialize;
use store::Store;
use utoipa::ToSchema;

impl From<AgenciesError> for ApiError {
    fn from(e: AgenciesError) -> Self {
        match e {
            AgenciesError::Invalid(e) => e.into(),
            AgenciesError::Forbidden(e) => e.into(),
            AgenciesError::NotFound(_) => ApiError::not_found(e.to_string()),
            AgenciesError::TooManyRegistrations(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_registrations",
                e.to_string(),
            ),
            AgenciesError::Taken(_) => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", e.to_string())
            }
            AgenciesError::AlreadyClosed => {
                ApiError::new(StatusCode::CONFLICT, "already_closed", e.to_string())
            }
            AgenciesError::Store(e) => ApiError::internal(&e),
            AgenciesError::Audit(e) => e.into(),
            AgenciesError::Task(e) => ApiError::internal(&e),
        }
    }
}
/// A shipping agency registers itself with its first account, active at once (no sign-in; ten
/// an hour from one address).
#[utoipa::path(post, path = "/agencies", tag = "agencies", security(()),
    request_body = Registration,
    responses((status = 201, body = Registered)))]
pub async fn register<S: Store>(
    State(app): State<App<S>>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let r: Registration = json_body(&body)?;
    let done = register_agency(&app, ip, r).await?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

/// An agency with its staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    #[serde(flatten)]
    pub agency: store::port::AgencyRecord,
    pub staff: Vec<store::port::StaffRecord>,
}

/// The agency's record and staff (its own staff, or an administrator).
#[utoipa::path(get, path = "/agencies/{id}", tag = "agencies",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgencyView)))]
pub async fn agency<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<AgencyView>> {
    if !who.actor.is_admin() {
        own_agency(&who.actor, id, false)?;
    }
    let agency =
        app.store.agency(id).await?.ok_or_else(|| ApiError::not_found("agency not found"))?;
    let staff = app.store.agency_staff(id).await?;
    Ok(Json(AgencyView { agency, staff }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffRequest {
    #[schema(value_type = Username)]
    username: String,
    #[schema(format = Password)]
    password: String,
}

impl std::fmt::Debug for StaffRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRequest").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAdded {
    pub id: i64,
    pub username: Username,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyClosed {
    pub id: i64,
    pub closed: bool,
}

/// The agency adds one of its staff.
#[utoipa::path(post, path = "/agencies/{id}/users", tag = "agencies",
    params(("id" = i64, Path)),
    request_body = StaffRequest,
    responses((status = 201, body = StaffAdded)))]
pub async fn add_staff<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let r: StaffRequest = json_body(&body)?;
    let right = who.actor.file_dossiers()?;
    let (user_id, username) =
        add_agency_staff(&app, &right, &who.acting(), id, &r.username, r.password).await?;
    Ok((StatusCode::CREATED, Json(StaffAdded { id: user_id, username })).into_response())
}

/// The agency (or an administrator) closes its account: its staff's accounts and tokens stop
/// working.
#[utoipa::path(post, path = "/agencies/{id}/close", tag = "agencies",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgencyClosed)))]
pub async fn close<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<AgencyClosed>> {
    close_agency(&app, &who.actor, &who.acting(), id).await?;
    Ok(Json(AgencyClosed { id, closed: true }))
}
