//! The statistics' API.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::statistics::service::StatsQuery;
use crate::statistics::service::StatsRow;
use crate::statistics::service::{StatsError, dossier_stats, stats_scope};
use axum::Json;
use axum::extract::Query;
use axum::extract::State;
use serde::Serialize;
use store::Store;
use utoipa::ToSchema;

impl From<StatsError> for ApiError {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Invalid(e) => e.into(),
            StatsError::Forbidden(e) => e.into(),
            StatsError::Store(e) => e.into(),
            StatsError::Audit(e) => e.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    #[schema(value_type = domain::schema::Instant)]
    pub from: String,
    /// Exclusive.
    #[schema(value_type = domain::schema::Instant)]
    pub to: String,
    pub period: &'static str,
    pub rows: Vec<StatsRow>,
}

/// Received, resolved, on-time share and median handling time per procedure, checkpoint and
/// period (by the day of filing, Việt Nam time); the border guard's only.
#[utoipa::path(get, path = "/stats/dossiers", tag = "statistics",
    params(StatsQuery),
    responses((status = 200, body = StatsResponse)))]
pub async fn stats<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<StatsResponse>> {
    let asked = q.read()?;
    let scope = stats_scope(&who.actor)?;
    let s = dossier_stats(&app, &scope, &who.acting(), asked).await?;
    Ok(Json(StatsResponse {
        from: domain::bounds::rfc3339(s.from),
        to: domain::bounds::rfc3339(s.to),
        period: s.period,
        rows: s.rows,
    }))
}
