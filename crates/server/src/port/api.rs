//! The port procedures' API: the catalogue and the dossiers.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::json_body;
use crate::port::service::DossierView;
use crate::port::service::Filing;
use crate::port::service::PortError;
use crate::port::service::VesselInput;
use crate::port::service::agency_step;
use crate::port::service::apply_step;
use crate::port::service::declaration;
use crate::port::service::dossier_view;
use crate::port::service::file;
use crate::port::service::upload;
use crate::port::service::visible;
use axum::Json;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::CheckpointCode;
use domain::Role;
use domain::port::DossierAction;
use domain::port::DossierStatus;
use domain::port::Procedure;
use domain::port::ProcedureCode;
use domain::port::UnLocode;
use fal::DateStyle;
use fal::ListKind;
use fal::PersonInput;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use store::Store;
use store::port::DossierFilter;
use store::port::DossierRecord;
use utoipa::IntoParams;
use utoipa::ToSchema;

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        match e {
            PortError::Invalid(e) => e.into(),
            PortError::Forbidden(e) => e.into(),
            PortError::NotFound(_) => ApiError::not_found(e.to_string()),
            PortError::Rule { code, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
            }
            PortError::Refused { ref fields, .. } => {
                let code = if fields.is_empty() { "invalid_list" } else { "invalid_dossier" };
                let problems = serde_json::to_value(e.problems()).unwrap_or_default();
                ApiError::unprocessable(code, e.to_string(), problems)
            }
            PortError::IdConflict => {
                ApiError::new(StatusCode::CONFLICT, "id_conflict", e.to_string())
            }
            PortError::ChangedMeanwhile => {
                ApiError::new(StatusCode::CONFLICT, "changed_meanwhile", e.to_string())
            }
            PortError::Store(e) => e.into(),
            PortError::Audit(e) => e.into(),
        }
    }
}

/// The request's content type, as a spreadsheet upload names it.
fn content_type(headers: &HeaderMap) -> &str {
    headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A procedure of the public listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    pub code: ProcedureCode,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub documents: Vec<DocumentView>,
    /// From a complete dossier to a decision.
    pub deadline_minutes: i64,
    pub decided_by: Role,
    /// Filed as a vessel dossier (vessel, port call, people on board).
    pub vessel_dossier: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub code: domain::port::DocumentKind,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProceduresResponse {
    pub procedures: Vec<ProcedureView>,
}

fn procedure_view(p: &Procedure) -> ProcedureView {
    ProcedureView {
        code: p.code,
        name_vi: p.name_vi,
        name_en: p.name_en,
        documents: p
            .documents
            .iter()
            .map(|d| {
                let (name_vi, name_en) = d.names();
                DocumentView { code: *d, name_vi, name_en }
            })
            .collect(),
        deadline_minutes: p.deadline.whole_minutes(),
        decided_by: p.decided_by,
        vessel_dossier: p.vessel_dossier,
    }
}

/// The procedures, their documents and deadlines: the checkpoint's public listing, no sign-in.
#[utoipa::path(get, path = "/procedures", tag = "port", security(()),
    responses((status = 200, body = ProceduresResponse)))]
pub async fn procedures<S: Store>(State(app): State<App<S>>) -> Json<ProceduresResponse> {
    Json(ProceduresResponse { procedures: app.procedures.iter().map(procedure_view).collect() })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierRequest {
    /// A client-made id, so that a retry never files twice.
    #[schema(format = "uuid")]
    id: Option<String>,
    #[schema(value_type = ProcedureCode)]
    procedure: String,
    #[schema(value_type = CheckpointCode)]
    checkpoint: String,
    vessel: Option<VesselInput>,
    #[schema(value_type = Option<domain::schema::Instant>)]
    eta: Option<String>,
    #[schema(value_type = Option<domain::schema::Instant>)]
    etd: Option<String>,
    berth: Option<String>,
    #[schema(value_type = Option<UnLocode>)]
    last_port: Option<String>,
    #[schema(value_type = Option<UnLocode>)]
    next_port: Option<String>,
    #[serde(default)]
    crew: Vec<PersonInput>,
    #[serde(default)]
    passengers: Vec<PersonInput>,
    /// The general declaration's other fields, kept as given: at most 50.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    declaration: Option<serde_json::Map<String, Value>>,
    /// Keep it as a draft instead of submitting it.
    #[serde(default)]
    draft: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierCreated {
    pub id: String,
    pub status: DossierStatus,
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub due_at: Option<String>,
}

/// An agency files a dossier, submitted at once unless `draft`. The vessel, the port call and
/// both lists are checked whole: one 422 lists every problem, and nothing is stored.
#[utoipa::path(post, path = "/dossiers", tag = "port",
    request_body = DossierRequest,
    responses((status = 201, body = DossierCreated),
              (status = 200, description = "a retry of the same id and body", body = DossierCreated)))]
pub async fn create<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let r: DossierRequest = json_body(&body)?;
    // Serialised from a map, the body's keys come in one order, whatever the client's.
    let canonical: Value = json_body(&body)?;
    let fingerprint = crate::accounts::credentials::token_digest(&canonical.to_string());
    let filing = Filing {
        fingerprint: Some(fingerprint),
        id: r.id,
        procedure: r.procedure,
        checkpoint: r.checkpoint,
        vessel: r.vessel,
        eta: r.eta,
        etd: r.etd,
        berth: r.berth,
        last_port: r.last_port,
        next_port: r.next_port,
        crew: Ok(fal::json_rows(r.crew)),
        passengers: Ok(fal::json_rows(r.passengers)),
        dates: DateStyle::Iso,
        declaration: declaration(r.declaration.unwrap_or_default())?,
        draft: r.draft,
    };
    let right = who.actor.file_dossiers()?;
    let (created, d) = file(&app, &right, &who.acting(), filing).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(created_json(&d))).into_response())
}

fn created_json(d: &DossierRecord) -> DossierCreated {
    DossierCreated {
        id: d.id.clone(),
        status: d.status,
        due_at: d.due_at.map(domain::bounds::rfc3339),
    }
}

/// A dossier (read audited): an agency's own, or a checkpoint's for its officers; another
/// agency's is 404.
#[utoipa::path(get, path = "/dossiers/{id}", tag = "port",
    params(("id" = String, Path)),
    responses((status = 200, body = DossierView)))]
pub async fn get_one<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<DossierView>> {
    let (d, history) =
        crate::port::service::read_dossier(&app, &who.actor, &who.acting(), &id).await?;
    Ok(Json(dossier_view(&app, &who.actor.dossiers()?, &d, &history)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<CheckpointCode>, inline)]
    checkpoint: Option<String>,
    /// Statuses separated by commas: `submitted,in_review`.
    #[param(
        pattern = "^(draft|submitted|in_review|approved|rejected|supplement_requested|cancelled)(,(draft|submitted|in_review|approved|rejected|supplement_requested|cancelled))*$"
    )]
    status: Option<String>,
    /// 1 to 1,000 (200).
    limit: Option<u32>,
}

/// A dossier in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierRow {
    #[serde(flatten)]
    pub summary: store::port::DossierSummary,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossiersResponse {
    pub dossiers: Vec<DossierRow>,
}

/// An agency's own dossiers, a checkpoint's queue (pending ones soonest due first), or all of
/// them for headquarters.
#[utoipa::path(get, path = "/dossiers", tag = "port",
    params(ListQuery),
    responses((status = 200, body = DossiersResponse)))]
pub async fn list<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<DossiersResponse>> {
    let scope = who.actor.dossiers()?;
    let checkpoint = q.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?;
    let statuses = q
        .status
        .as_deref()
        .map(|s| s.split(',').map(DossierStatus::parse).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    // Soonest due first is a queue's order, for dossiers still waiting; the rest, latest first.
    let by_due = !statuses.is_empty() && statuses.iter().all(|s| s.is_pending());
    let filter = DossierFilter {
        scope,
        checkpoint,
        statuses,
        by_due,
        text: String::new(),
        changed_since: None,
        offset: 0,
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
    };
    let list = app.store.dossiers(&filter).await?;
    let now = app.now();
    let dossiers = list
        .into_iter()
        .map(|summary| DossierRow { overdue: summary.due_at.is_some_and(|d| d < now), summary })
        .collect();
    Ok(Json(DossiersResponse { dossiers }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[schema(value_type = DossierDecision)]
    decision: String,
    /// Needed to reject or ask for a supplement; at most 1,000 characters.
    note: Option<String>,
}

/// The border guard's steps on a dossier.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Describes what `decide` reads.
pub enum DossierDecision {
    Approve,
    Reject,
    RequestSupplement,
    Review,
}

/// The border guard's step: commanders decide; officers take a dossier into review or ask for a
/// supplement.
#[utoipa::path(post, path = "/dossiers/{id}/decision", tag = "port",
    params(("id" = String, Path)),
    request_body = DecisionRequest,
    responses((status = 200, body = DossierView)))]
pub async fn decide<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<DossierView>> {
    let r: DecisionRequest = json_body(&body)?;
    let action = DossierAction::parse(&r.decision)?;
    if matches!(action, DossierAction::Submit | DossierAction::Cancel) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "decision: approve, reject, request_supplement or review",
        ));
    }
    let d = visible(&app, &who.actor, &id).await?;
    let right = who.actor.review_dossiers_at(&d.checkpoint)?;
    let d = apply_step(&app, &who.acting(), &d, action, right.party(), r.note).await?;
    let history = app.store.dossier_events(&id).await?;
    Ok(Json(dossier_view(&app, &who.actor.dossiers()?, &d, &history)))
}

/// The agency submits its dossier (a draft, or again after a supplement was asked for).
#[utoipa::path(post, path = "/dossiers/{id}/submit", tag = "port",
    params(("id" = String, Path)),
    responses((status = 200, body = DossierView)))]
pub async fn submit<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<DossierView>> {
    let right = who.actor.file_dossiers()?;
    Ok(Json(agency_step(&app, &right, &who.acting(), &id, DossierAction::Submit).await?))
}

/// The agency withdraws its dossier.
#[utoipa::path(post, path = "/dossiers/{id}/cancel", tag = "port",
    params(("id" = String, Path)),
    responses((status = 200, body = DossierView)))]
pub async fn cancel<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<DossierView>> {
    let right = who.actor.file_dossiers()?;
    Ok(Json(agency_step(&app, &right, &who.acting(), &id, DossierAction::Cancel).await?))
}

/// Replaces the crew list (FAL 5) with a spreadsheet: CSV (comma or semicolon) or XLSX, headers
/// in Vietnamese or English, dates dd/mm/yyyy.
#[utoipa::path(put, path = "/dossiers/{id}/crew", tag = "port",
    params(("id" = String, Path)),
    request_body(description = "the spreadsheet", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = DossierView)))]
pub async fn upload_crew<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<DossierView>> {
    let right = who.actor.file_dossiers()?;
    let content_type = content_type(&headers);
    Ok(Json(upload(&app, &right, &who.acting(), &id, ListKind::Crew, content_type, &body).await?))
}

/// Replaces the passenger list (FAL 6) with a spreadsheet, as the crew list.
#[utoipa::path(put, path = "/dossiers/{id}/passengers", tag = "port",
    params(("id" = String, Path)),
    request_body(description = "the spreadsheet", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = DossierView)))]
pub async fn upload_passengers<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<DossierView>> {
    let right = who.actor.file_dossiers()?;
    let content_type = content_type(&headers);
    Ok(Json(
        upload(&app, &right, &who.acting(), &id, ListKind::Passengers, content_type, &body).await?,
    ))
}
