//! Port procedures over the API: the public catalogue, agencies registering themselves,
//! dossiers filed, amended and decided, and their statistics.

use std::collections::BTreeMap;
use store::AuditAction;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::port::{
    CallSign, Clock, DossierAction, DossierParty, DossierStatus, ImoNumber, Procedure,
    ProcedureCode, TaxCode, UnLocode, step,
};
use domain::{
    Actor, CheckpointCode, CheckpointKind, Country, DocumentType, DossierScope, Role,
    TravelDocument, Username,
};
use fal::{DateStyle, ListKind, PersonInput, PersonOnBoard, Refused};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::port::{
    DossierEvent, DossierFilter, DossierRecord, DossierUpdate, NewAgency, NewDossier, PortCall,
    Vessel,
};
use store::{NewUser, Store};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::api::json_body;
use crate::auth::{Password, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, ClientIp};
use crate::state::App;
use crate::watch::Match;

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

fn text(field: &'static str, s: &str, max: usize) -> ApiResult<String> {
    let t = domain::bounds::clean_line(field, s, max)?;
    if t.is_empty() {
        return Err(ApiError::bad_request("invalid_field", format!("{field}: missing")));
    }
    Ok(t)
}

/// The general declaration's other fields: at most 50, keys of at most 64 characters, values
/// strings, numbers or booleans of at most 2,000 characters, nothing that holds a control
/// character where a line is expected.
fn declaration(map: serde_json::Map<String, Value>) -> ApiResult<serde_json::Map<String, Value>> {
    if map.len() > 50 {
        return Err(ApiError::bad_request("invalid_field", "declaration: at most 50 fields"));
    }
    for (k, v) in &map {
        domain::bounds::clean_line("declaration", k, 64)?;
        match v {
            Value::String(s) => {
                domain::bounds::clean_text("declaration", s, domain::bounds::NOTE_MAX)?;
            }
            Value::Number(_) | Value::Bool(_) | Value::Null => {}
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    "declaration: each field is a string, a number or true/false",
                ));
            }
        }
    }
    Ok(map)
}

fn email(s: &str) -> ApiResult<String> {
    let t = text("email", s, 200)?;
    let ok = t.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    }) && !t.contains(char::is_whitespace);
    if ok {
        Ok(t)
    } else {
        Err(ApiError::bad_request(
            "invalid_field",
            format!("email: {t:?} is not an e-mail address"),
        ))
    }
}

fn phone(s: &str) -> ApiResult<String> {
    let t = text("phone", s, 30)?;
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if (6..=15).contains(&digits)
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        Ok(t)
    } else {
        Err(ApiError::bad_request("invalid_field", format!("phone: {t:?} is not a phone number")))
    }
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[schema(value_type = domain::port::TaxCode)]
    pub tax_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(format = Email)]
    pub email: String,
    pub phone: String,
    #[schema(value_type = Username)]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("tax_code", &self.tax_code)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A registered agency, as its registration answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    /// The first account's.
    #[serde(skip)]
    #[schema(ignore)]
    pub user_id: i64,
    pub tax_code: String,
    pub name: String,
    pub username: Username,
}

/// Registers an agency with its first account (the API's and the page's way alike).
pub async fn register_agency<S: Store>(
    app: &App<S>,
    ip: Option<std::net::IpAddr>,
    r: Registration,
) -> ApiResult<Registered> {
    let agency = NewAgency {
        tax_code: TaxCode::parse(&r.tax_code)?,
        name: text("name", &r.name, 200)?,
        address: text("address", &r.address, 300)?,
        email: email(&r.email)?,
        phone: phone(&r.phone)?,
    };
    let username = Username::parse(&r.username)?;
    if let Err(wait) = app.registrations.take(ip, std::time::Instant::now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_registrations",
            format!(
                "too many registrations from this address: try again in {} min",
                wait.as_secs().div_ceil(60).max(1)
            ),
        ));
    }
    let password_hash = hashed(r.password).await?;
    let user = NewUser {
        username: username.clone(),
        role: Role::Agent,
        checkpoint: None,
        agency: None,
        password_hash,
    };
    let (id, user_id) = app.store.add_agency(&agency, &user, app.now()).await?;
    app.audit(store::AuditEvent {
        actor: format!("user:{username}"),
        ip: ip.map(|i| i.to_string()),
        action: AuditAction::AgencyRegister,
        subject: format!("agency:{id}"),
        detail: json!({"tax_code": agency.tax_code.to_string(), "user": user_id}).to_string(),
    })
    .await?;
    Ok(Registered {
        id,
        user_id,
        tax_code: agency.tax_code.to_string(),
        name: agency.name,
        username,
    })
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

async fn hashed(password: String) -> ApiResult<String> {
    let pw = Password::new(password);
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::bad_request("invalid_field", format!("password: {e}")))
}

/// The agency's own staff only.
pub fn own_agency(who: &Authed, id: i64) -> ApiResult<()> {
    let right = who.actor.file_dossiers()?;
    if right.agency() == id {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("agency {id} not found")))
    }
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
        own_agency(&who, id)?;
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
pub async fn add_agency_staff<S: Store>(
    app: &App<S>,
    who: &Authed,
    agency: i64,
    username: &str,
    password: String,
) -> ApiResult<(i64, Username)> {
    own_agency(who, agency)?;
    let username = Username::parse(username)?;
    let user = NewUser {
        username: username.clone(),
        role: Role::Agent,
        checkpoint: None,
        agency: Some(agency),
        password_hash: hashed(password).await?,
    };
    let user_id = app.store.add_user(&user, app.now()).await?;
    app.audit(who.audit(
        AuditAction::AgencyAddUser,
        format!("agency:{agency}"),
        json!({"user": user_id}),
    ))
    .await?;
    Ok((user_id, username))
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
    let (user_id, username) = add_agency_staff(&app, &who, id, &r.username, r.password).await?;
    Ok((StatusCode::CREATED, Json(StaffAdded { id: user_id, username })).into_response())
}

/// The agency (or an admin) closes its account; its staff are signed out.
pub async fn close_agency<S: Store>(app: &App<S>, who: &Authed, agency: i64) -> ApiResult<()> {
    if !who.actor.is_admin() {
        own_agency(who, agency)?;
    }
    let closed = app.store.close_agency(agency, app.now()).await?;
    if !closed {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_closed", "the account is closed"));
    }
    app.audit(who.audit(AuditAction::AgencyClose, format!("agency:{agency}"), json!({}))).await?;
    Ok(())
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
    close_agency(&app, &who, id).await?;
    Ok(Json(AgencyClosed { id, closed: true }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VesselInput {
    #[schema(value_type = ImoNumber)]
    pub imo: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(value_type = Option<CallSign>)]
    pub call_sign: Option<String>,
    /// An ICAO code or a country's name.
    pub flag: Option<String>,
    #[serde(rename = "type")]
    pub vessel_type: Option<String>,
    pub gross_tonnage: Option<u32>,
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
    #[schema(format = DateTime)]
    eta: Option<String>,
    #[schema(format = DateTime)]
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

fn when(
    field: &'static str,
    s: &Option<String>,
) -> Result<Option<OffsetDateTime>, domain::InvalidValue> {
    s.as_deref().map(|t| domain::bounds::parse_time(field, t)).transpose()
}

fn refused(Refused(problems): Refused) -> ApiError {
    let message = match problems.first() {
        Some(p) if problems.len() == 1 => format!("the list was refused: {p}"),
        Some(p) => format!("the list was refused: {} problems; the first: {p}", problems.len()),
        None => "the list was refused".to_string(),
    };
    ApiError::unprocessable("invalid_list", message, json!(problems))
}

/// A problem with one of a dossier's own fields (the vessel, the port call), told beside the
/// problems of its lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// One problem of a refused filing: a list's row, or one of the dossier's own fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DossierProblem {
    List(fal::Problem),
    Field(FieldProblem),
}

/// The problems of a dossier's own fields, gathered rather than stopping at the first.
#[derive(Debug, Default)]
struct FieldProblems(Vec<FieldProblem>);

impl FieldProblems {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: field.into(),
            code: "invalid_field".into(),
            message: message.into(),
        });
    }

    /// The value, or `None` with its problem kept.
    fn take<T>(&mut self, field: &str, r: Result<T, domain::InvalidValue>) -> Option<T> {
        r.map_err(|e| self.push(field, e.message)).ok()
    }
}

fn non_empty(field: &'static str, s: &str, max: usize) -> Result<String, domain::InvalidValue> {
    let t = domain::bounds::clean_line(field, s, max)?;
    if t.is_empty() {
        return Err(domain::InvalidValue::new(field, "missing"));
    }
    Ok(t)
}

/// A filing refused with every problem of its fields and its lists (422). Only lists' problems
/// keep the lists' code, `invalid_list`.
fn refused_dossier(fields: Vec<FieldProblem>, lists: Vec<fal::Problem>) -> ApiError {
    if fields.is_empty() {
        return refused(Refused(lists));
    }
    let count = fields.len() + lists.len();
    let first = format!("{}: {}", fields[0].field, fields[0].message);
    let message = if count == 1 {
        format!("the dossier was refused: {first}")
    } else {
        format!("the dossier was refused: {count} problems; the first: {first}")
    };
    let all: Vec<DossierProblem> = fields
        .into_iter()
        .map(DossierProblem::Field)
        .chain(lists.into_iter().map(DossierProblem::List))
        .collect();
    ApiError::unprocessable("invalid_dossier", message, json!(all))
}

fn rule(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn event(
    who: &Authed,
    action: &str,
    status: DossierStatus,
    note: Option<String>,
    at: OffsetDateTime,
) -> DossierEvent {
    DossierEvent { action: action.into(), status, actor: who.actor.label(), note, at }
}

/// A dossier as filed, from the API's JSON or the filing page's form.
#[derive(Debug)]
pub struct Filing {
    pub id: Option<String>,
    pub procedure: String,
    pub checkpoint: String,
    pub vessel: Option<VesselInput>,
    pub eta: Option<String>,
    pub etd: Option<String>,
    pub berth: Option<String>,
    pub last_port: Option<String>,
    pub next_port: Option<String>,
    /// The lists as read; `Ok` with no rows when none was sent.
    pub crew: Result<Vec<fal::Row>, Refused>,
    pub passengers: Result<Vec<fal::Row>, Refused>,
    pub dates: DateStyle,
    pub declaration: serde_json::Map<String, Value>,
    pub draft: bool,
    /// A digest of what was sent, to tell a retry of the same filing from another filing
    /// under the same id.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierCreated {
    pub id: String,
    pub status: DossierStatus,
    #[schema(format = DateTime)]
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
    let fingerprint = crate::auth::token_digest(&canonical.to_string());
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
    let (created, d) = file(&app, &who, filing).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(created_json(&d))).into_response())
}

/// Files a dossier: everything checked, both lists whole, before anything is stored. The
/// stored dossier, and whether it is new (false: the same id was filed before by this agency).
pub async fn file<S: Store>(
    app: &App<S>,
    who: &Authed,
    r: Filing,
) -> ApiResult<(bool, DossierRecord)> {
    let right = who.actor.file_dossiers()?;
    let code = ProcedureCode::parse(&r.procedure)?;
    let procedure = app.procedure(code).filter(|p| p.vessel_dossier).ok_or_else(|| {
        rule("not_a_vessel_procedure", format!("{code} is not filed as a vessel dossier"))
    })?;
    let checkpoint = CheckpointCode::parse(&r.checkpoint)?;
    match app.checkpoints.get(&checkpoint) {
        None => return Err(ApiError::not_found(format!("checkpoint {checkpoint} not found"))),
        Some(c) if c.kind != CheckpointKind::Seaport => {
            return Err(rule("not_a_port", format!("{checkpoint} is not a port checkpoint")));
        }
        Some(_) => {}
    }
    // Every field and both lists are checked before anything is refused, so that the agency
    // sees all of a filing's problems at once.
    let mut fields = FieldProblems::default();
    let vessel = match r.vessel {
        None => {
            fields.push("vessel", "missing");
            None
        }
        Some(v) => {
            let imo = fields.take("vessel.imo", ImoNumber::parse(&v.imo));
            let name = fields.take("vessel.name", non_empty("vessel.name", &v.name, 100));
            let call_sign = fields
                .take("vessel.call_sign", v.call_sign.as_deref().map(CallSign::parse).transpose());
            let flag = fields.take(
                "vessel.flag",
                v.flag.as_deref().map(|f| Country::parse_field("vessel.flag", f)).transpose(),
            );
            let vessel_type = fields.take(
                "vessel.type",
                v.vessel_type
                    .map(|t| domain::bounds::clean_line("vessel.type", &t, 60))
                    .transpose(),
            );
            match (imo, name, call_sign, flag, vessel_type) {
                (Some(imo), Some(name), Some(call_sign), Some(flag), Some(vessel_type)) => {
                    Some(Vessel {
                        imo,
                        name: name.to_uppercase(),
                        call_sign,
                        flag,
                        vessel_type,
                        gross_tonnage: v.gross_tonnage,
                    })
                }
                _ => None,
            }
        }
    };
    let eta = fields.take("eta", when("eta", &r.eta));
    let etd = fields.take("etd", when("etd", &r.etd));
    let berth = fields
        .take("berth", r.berth.map(|b| domain::bounds::clean_line("berth", &b, 60)).transpose());
    let last_port = fields.take(
        "last_port",
        r.last_port.as_deref().map(|p| UnLocode::parse_field("last_port", p)).transpose(),
    );
    let next_port = fields.take(
        "next_port",
        r.next_port.as_deref().map(|p| UnLocode::parse_field("next_port", p)).transpose(),
    );
    let id = match &r.id {
        Some(id) => fields.take(
            "id",
            uuid::Uuid::parse_str(id.trim())
                .map_err(|_| domain::InvalidValue::new("id", "not a UUID")),
        ),
        None => Some(uuid::Uuid::new_v4()),
    }
    .map(|id| id.hyphenated().to_string());
    // Both lists are checked whole before anything is stored; all their problems are told.
    let today = app.today();
    let needs_crew = procedure.documents.contains(&domain::port::DocumentKind::CrewList);
    let crew = match r.crew {
        Ok(rows) if rows.is_empty() && (r.draft || !needs_crew) => Ok(Vec::new()),
        Ok(rows) => fal::check_list(ListKind::Crew, &rows, r.dates, today),
        Err(e) => Err(e),
    };
    let passengers =
        r.passengers.and_then(|rows| fal::check_list(ListKind::Passengers, &rows, r.dates, today));
    let (vessel, eta, etd, berth, last_port, next_port, id, crew, passengers) =
        match (vessel, eta, etd, berth, last_port, next_port, id, crew, passengers) {
            (
                Some(v),
                Some(eta),
                Some(etd),
                Some(berth),
                Some(last_port),
                Some(next_port),
                Some(id),
                Ok(c),
                Ok(p),
            ) if fields.0.is_empty() => (v, eta, etd, berth, last_port, next_port, id, c, p),
            (.., c, p) => {
                let mut lists = Vec::new();
                for e in [c.err(), p.err()].into_iter().flatten() {
                    lists.extend(e.0);
                }
                return Err(refused_dossier(fields.0, lists));
            }
        };
    let port_call = PortCall { eta, etd, berth, last_port, next_port };
    let now = app.now();
    let mut clock = Clock::new(procedure.deadline);
    let (status, submitted_at, events) = if r.draft {
        (DossierStatus::Draft, None, vec![event(who, "create", DossierStatus::Draft, None, now)])
    } else {
        clock.enter(DossierStatus::Submitted, now);
        (
            DossierStatus::Submitted,
            Some(now),
            vec![event(who, "submit", DossierStatus::Submitted, None, now)],
        )
    };
    let dossier = NewDossier {
        id: id.clone(),
        agency: right.agency(),
        procedure: code,
        checkpoint: checkpoint.clone(),
        vessel: Some(vessel),
        port_call,
        declaration: Value::Object(r.declaration),
        crew,
        passengers,
        status,
        clock,
        submitted_at,
        resolved: None,
        created_by: who.actor.label(),
        events,
        filing_hash: r.fingerprint.clone(),
    };
    match app.store.create_dossier(&dossier, now).await {
        Ok(()) => {}
        Err(store::StoreError::Duplicate(_)) => {
            // A retry of the same filing answers with what was stored; another body under the
            // same id, or another agency's id, is a conflict.
            let same = match app.store.dossier_filing(&id).await? {
                Some((agency, hash)) => agency == right.agency() && hash == r.fingerprint,
                None => false,
            };
            let existing = if same { app.store.dossier(&id).await? } else { None };
            return match existing {
                Some(d) => Ok((false, d)),
                None => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "id_conflict",
                    "that dossier id was filed with another body",
                )),
            };
        }
        Err(e) => return Err(e.into()),
    }
    app.audit(who.audit(
        AuditAction::DossierFile,
        format!("dossier:{id}"),
        json!({"procedure": code, "checkpoint": checkpoint, "crew": dossier.crew.len(), "passengers": dossier.passengers.len()}),
    ))
    .await?;
    let stored = app.store.dossier(&id).await?.ok_or_else(|| ApiError::not_found("dossier"))?;
    Ok((true, stored))
}

fn created_json(d: &DossierRecord) -> DossierCreated {
    DossierCreated { id: d.id.clone(), status: d.status, due_at: rfc3339(d.due_at) }
}

/// Another change got to the dossier first.
fn changed_meanwhile() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "changed_meanwhile",
        "the dossier changed meanwhile: reload it and try again",
    )
}

fn rfc3339(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| t.format(&Rfc3339).ok())
}

/// A dossier the actor may see, or 404 (another agency's dossier is not theirs to know of).
pub async fn visible<S: Store>(app: &App<S>, actor: &Actor, id: &str) -> ApiResult<DossierRecord> {
    let scope = actor.dossiers()?;
    let d = app.store.dossier(id).await?;
    match d {
        Some(d)
            if match &scope {
                DossierScope::All => true,
                DossierScope::Checkpoint(c) => *c == d.checkpoint,
                DossierScope::Agency(a) => *a == d.agency_id,
            } =>
        {
            Ok(d)
        }
        _ => Err(ApiError::not_found(format!("dossier {id} not found"))),
    }
}

/// The watchlist's hits for each person on board, crew then passengers: what the border guard
/// sees beside the lists (an agency never does).
pub fn screen_people<S: Store>(app: &App<S>, d: &DossierRecord) -> Vec<Vec<Match>> {
    let today = app.today();
    let list = app.watchlist();
    d.crew
        .iter()
        .chain(&d.passengers)
        .map(|p| {
            let doc = TravelDocument {
                doc_type: if p.document_type == fal::IdDocType::Passport {
                    DocumentType::Passport
                } else {
                    DocumentType::IdCard
                },
                number: p.document_number.clone(),
                issuing_state: p.document_issuing_state,
                surname: p.family_name.clone(),
                given_names: p.given_names.clone(),
                nationality: Some(p.nationality),
                birth_date: Some(p.birth_date),
                sex: Some(match p.sex {
                    fal::Gender::Male => domain::Sex::Male,
                    fal::Gender::Female => domain::Sex::Female,
                }),
                expiry_date: Some(p.document_expiry),
                issuing_area: None,
            };
            list.screen(&doc, today, 3)
        })
        .collect()
}

/// A person on board as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    #[serde(flatten)]
    pub person: PersonOnBoard,
    pub document_expired: bool,
    /// The border guard's view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist_hits: Option<Vec<HitView>>,
}

/// A watchlist hit on a person on board.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    pub entry_id: String,
    pub score: f32,
    pub action: domain::WatchAction,
    pub matched_name: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierFlags {
    pub expired_documents: usize,
    pub shore_leave_requested: usize,
    /// The border guard's view only: how many people the watchlist found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist_hits: Option<usize>,
}

/// A dossier as the API shows it, with its history and the flags an officer looks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub id: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub vessel: Option<Vessel>,
    pub port_call: PortCall,
    /// The general declaration's other fields, as given.
    #[schema(value_type = Object)]
    pub declaration: Value,
    pub crew: Vec<PersonView>,
    pub passengers: Vec<PersonView>,
    pub status: DossierStatus,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    #[schema(format = DateTime)]
    pub submitted_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    pub on_time: Option<bool>,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Bumped by every change.
    pub version: i64,
    pub history: Vec<DossierEvent>,
    pub deadline_minutes: i64,
    pub flags: DossierFlags,
}

/// The dossier as the API shows it; `hits` (the border guard's view only) beside each person.
pub fn dossier_json(
    d: &DossierRecord,
    history: &[DossierEvent],
    today: time::Date,
    hits: Option<&[Vec<Match>]>,
) -> DossierView {
    let expired = |p: &PersonOnBoard| p.document_expiry < today;
    let mut all = hits.map(|h| h.iter());
    let mut people = |list: &[PersonOnBoard]| -> Vec<PersonView> {
        list.iter()
            .map(|p| PersonView {
                person: p.clone(),
                document_expired: expired(p),
                watchlist_hits: all.as_mut().map(|all| {
                    all.next()
                        .map(|found| {
                            found
                                .iter()
                                .map(|m| HitView {
                                    entry_id: m.entry_id.clone(),
                                    score: m.score,
                                    action: m.action,
                                    matched_name: m.matched_name.clone(),
                                    reasons: m.reasons.clone(),
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                }),
            })
            .collect()
    };
    let crew = people(&d.crew);
    let passengers = people(&d.passengers);
    let time = |t: OffsetDateTime| domain::bounds::rfc3339(t);
    DossierView {
        id: d.id.clone(),
        agency_id: d.agency_id,
        agency_name: d.agency_name.clone(),
        procedure: d.procedure,
        checkpoint: d.checkpoint.clone(),
        vessel: d.vessel.clone(),
        port_call: d.port_call.clone(),
        declaration: d.declaration.clone(),
        crew,
        passengers,
        status: d.status,
        due_at: d.due_at.map(time),
        submitted_at: d.submitted_at.map(time),
        resolved_at: d.resolved_at.map(time),
        on_time: d.on_time,
        created_by: d.created_by.clone(),
        created_at: time(d.created_at),
        updated_at: time(d.updated_at),
        version: d.version,
        history: history.to_vec(),
        deadline_minutes: d.clock.deadline().whole_minutes(),
        flags: DossierFlags {
            expired_documents: d.crew.iter().chain(&d.passengers).filter(|p| expired(p)).count(),
            shore_leave_requested: d.crew.iter().filter(|p| p.shore_leave).count(),
            watchlist_hits: hits.map(|h| h.iter().filter(|h| !h.is_empty()).count()),
        },
    }
}

/// The dossier for this actor: with the watchlist's hits for the border guard.
pub fn dossier_view<S: Store>(
    app: &App<S>,
    actor: &Actor,
    d: &DossierRecord,
    history: &[DossierEvent],
) -> DossierView {
    let hits = (actor.agency().is_none()).then(|| screen_people(app, d));
    dossier_json(d, history, app.today(), hits.as_deref())
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
    let d = visible(&app, &who.actor, &id).await?;
    let history = app.store.dossier_events(&id).await?;
    app.audit(who.audit(
        AuditAction::DossierRead,
        format!("dossier:{id}"),
        json!({"people": d.crew.len() + d.passengers.len()}),
    ))
    .await?;
    Ok(Json(dossier_view(&app, &who.actor, &d, &history)))
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

/// Applies one step to a dossier: checked against its rules, the clock moved, stored only if
/// nobody changed it meanwhile.
pub async fn apply_step<S: Store>(
    app: &App<S>,
    who: &Authed,
    d: &DossierRecord,
    action: DossierAction,
    party: DossierParty,
    note: Option<String>,
) -> ApiResult<DossierRecord> {
    let note =
        note.map(|n| n.trim().chars().take(1000).collect::<String>()).filter(|n| !n.is_empty());
    let status = step(d.status, action, party, note.as_deref()).map_err(|e| match e {
        domain::port::StepRefused::NotYours(why) => domain::Forbidden(why.into()).into(),
        other => rule("step_refused", other.to_string()),
    })?;
    let now = app.now();
    let mut clock = d.clock;
    clock.enter(status, now);
    let update = DossierUpdate {
        id: d.id.clone(),
        expected_version: d.version,
        status,
        clock,
        submitted_at: (status == DossierStatus::Submitted).then_some(now),
        resolved: clock.resolved(),
        crew: None,
        passengers: None,
        event: event(who, action.as_str(), status, note, now),
    };
    if !app.store.update_dossier(&update, now).await? {
        return Err(changed_meanwhile());
    }
    app.audit(who.audit(
        match action {
            DossierAction::Submit => AuditAction::DossierSubmit,
            DossierAction::Review => AuditAction::DossierReview,
            DossierAction::Approve => AuditAction::DossierApprove,
            DossierAction::Reject => AuditAction::DossierReject,
            DossierAction::RequestSupplement => AuditAction::DossierRequestSupplement,
            DossierAction::Cancel => AuditAction::DossierCancel,
        },
        format!("dossier:{}", d.id),
        json!({"status": status}),
    ))
    .await?;
    app.store.dossier(&d.id).await?.ok_or_else(|| ApiError::not_found("dossier"))
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
    let d = apply_step(&app, &who, &d, action, right.party(), r.note).await?;
    let history = app.store.dossier_events(&id).await?;
    Ok(Json(dossier_view(&app, &who.actor, &d, &history)))
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
    agency_step(&app, &who, &id, DossierAction::Submit).await.map(Json)
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
    agency_step(&app, &who, &id, DossierAction::Cancel).await.map(Json)
}

/// The agency's own steps: submit and cancel.
async fn agency_step<S: Store>(
    app: &App<S>,
    who: &Authed,
    id: &str,
    action: DossierAction,
) -> ApiResult<DossierView> {
    who.actor.file_dossiers()?;
    let d = visible(app, &who.actor, id).await?;
    if action == DossierAction::Submit
        && d.crew.is_empty()
        && app
            .procedure(d.procedure)
            .is_some_and(|p| p.documents.contains(&domain::port::DocumentKind::CrewList))
    {
        return Err(rule("crew_list_missing", "the crew list (FAL 5) is needed before submitting"));
    }
    let d = apply_step(app, who, &d, action, DossierParty::Agent, None).await?;
    let history = app.store.dossier_events(id).await?;
    Ok(dossier_view(app, &who.actor, &d, &history))
}

/// The most a spreadsheet upload may weigh.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// Reads a list from a request body: XLSX (by its content type or its zip signature) or CSV.
pub fn read_upload(
    kind: ListKind,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<fal::Row>, Refused> {
    let content_type =
        headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.contains("spreadsheetml") || body.starts_with(b"PK\x03\x04") {
        fal::read_xlsx(kind, body)
    } else {
        fal::read_csv(kind, body)
    }
}

/// Replaces a list of a dossier the agency may still change.
pub async fn replace_list<S: Store>(
    app: &App<S>,
    who: &Authed,
    id: &str,
    kind: ListKind,
    rows: Result<Vec<fal::Row>, Refused>,
    dates: DateStyle,
) -> ApiResult<DossierRecord> {
    who.actor.file_dossiers()?;
    let d = visible(app, &who.actor, id).await?;
    if !matches!(
        d.status,
        DossierStatus::Draft | DossierStatus::Submitted | DossierStatus::SupplementRequested
    ) {
        return Err(rule(
            "dossier_locked",
            format!("the dossier is {}: its lists can no longer be changed", d.status),
        ));
    }
    let people =
        rows.and_then(|rows| fal::check_list(kind, &rows, dates, app.today())).map_err(refused)?;
    let now = app.now();
    let count = people.len();
    let (crew, passengers) = match kind {
        ListKind::Crew => (Some(people), None),
        ListKind::Passengers => (None, Some(people)),
    };
    let update = DossierUpdate {
        id: d.id.clone(),
        expected_version: d.version,
        status: d.status,
        clock: d.clock,
        submitted_at: None,
        resolved: None,
        crew,
        passengers,
        event: event(
            who,
            &format!("replace_{}", kind.as_str()),
            d.status,
            Some(format!("{count} people")),
            now,
        ),
    };
    if !app.store.update_dossier(&update, now).await? {
        return Err(changed_meanwhile());
    }
    app.audit(who.audit(
        match kind {
            ListKind::Crew => AuditAction::DossierReplaceCrew,
            ListKind::Passengers => AuditAction::DossierReplacePassengers,
        },
        format!("dossier:{id}"),
        json!({"people": count}),
    ))
    .await?;
    app.store.dossier(id).await?.ok_or_else(|| ApiError::not_found("dossier"))
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
    upload(&app, &who, &id, ListKind::Crew, &headers, &body).await.map(Json)
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
    upload(&app, &who, &id, ListKind::Passengers, &headers, &body).await.map(Json)
}

async fn upload<S: Store>(
    app: &App<S>,
    who: &Authed,
    id: &str,
    kind: ListKind,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<DossierView> {
    let rows = read_upload(kind, headers, body);
    let d = replace_list(app, who, id, kind, rows, DateStyle::DayMonthYear).await?;
    let history = app.store.dossier_events(id).await?;
    Ok(dossier_view(app, &who.actor, &d, &history))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The first day (Việt Nam time); 30 days before `to` when left out.
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last day, included; today when left out.
    #[param(format = Date)]
    pub to: Option<String>,
    /// `month` by default.
    #[param(value_type = Option<Period>, inline)]
    pub period: Option<String>,
}

/// How the statistics group the days.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Describes what `dossier_stats` reads.
pub enum Period {
    Day,
    Month,
    Year,
}

/// One procedure at one checkpoint in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsRow {
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub period: String,
    pub received: u64,
    pub resolved: u64,
    pub on_time: u64,
    pub on_time_share: Option<f64>,
    pub median_handling_minutes: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Stats {
    pub from: OffsetDateTime,
    /// Exclusive.
    pub to: OffsetDateTime,
    pub period: &'static str,
    pub rows: Vec<StatsRow>,
}

/// Counts the dossiers first submitted in the asked days that the actor may see, and audits
/// the reading.
pub async fn dossier_stats<S: Store>(
    app: &App<S>,
    who: &Authed,
    q: &StatsQuery,
) -> ApiResult<Stats> {
    let scope = match who.actor.dossiers()? {
        DossierScope::Agency(_) => {
            return Err(domain::Forbidden("the statistics are the border guard's".into()).into());
        }
        s => s,
    };
    let now = app.now();
    let day = |field: &'static str, s: &Option<String>| -> ApiResult<Option<OffsetDateTime>> {
        s.as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                let d = domain::bounds::parse_date(field, t)?;
                Ok(d.midnight().assume_offset(crate::state::VIETNAM))
            })
            .transpose()
    };
    let to = day("to", &q.to)?.map_or(now, |t| t + Duration::days(1));
    let from = day("from", &q.from)?.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(ApiError::bad_request("invalid_field", "from: must come before to"));
    }
    let period = match q.period.as_deref().unwrap_or("month") {
        "day" => "day",
        "month" | "" => "month",
        "year" => "year",
        _ => return Err(ApiError::bad_request("invalid_field", "period: day, month or year")),
    };
    let key = |t: OffsetDateTime| -> String {
        let d = domain::bounds::vietnam_date(t);
        match period {
            "day" => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            "year" => format!("{:04}", d.year()),
            _ => format!("{:04}-{:02}", d.year(), u8::from(d.month())),
        }
    };
    let facts = app.store.dossier_facts(from, to).await?;
    #[derive(Default)]
    struct Group {
        received: u64,
        resolved: u64,
        on_time: u64,
        handling_ms: Vec<i64>,
    }
    let mut groups: BTreeMap<(ProcedureCode, CheckpointCode, String), Group> = BTreeMap::new();
    for f in facts {
        if let DossierScope::Checkpoint(c) = &scope
            && *c != f.checkpoint
        {
            continue;
        }
        let g = groups.entry((f.procedure, f.checkpoint, key(f.submitted_at))).or_default();
        g.received += 1;
        if f.resolved_at.is_some() {
            g.resolved += 1;
            g.on_time += u64::from(f.on_time == Some(true));
            g.handling_ms.push(f.handling.whole_milliseconds() as i64);
        }
    }
    let rows: Vec<StatsRow> = groups
        .into_iter()
        .map(|((procedure, checkpoint, period), mut g)| {
            g.handling_ms.sort_unstable();
            let median = median_ms(&g.handling_ms);
            StatsRow {
                procedure,
                checkpoint,
                period,
                received: g.received,
                resolved: g.resolved,
                on_time: g.on_time,
                on_time_share: (g.resolved > 0).then(|| g.on_time as f64 / g.resolved as f64),
                median_handling_minutes: median
                    .map(|m| (m as f64 / 60_000.0 * 10.0).round() / 10.0),
            }
        })
        .collect();
    app.audit(who.audit(
        AuditAction::StatsDossiers,
        "dossiers".into(),
        json!({"rows": rows.len()}),
    ))
    .await?;
    Ok(Stats { from, to, period, rows })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    #[schema(format = DateTime)]
    pub from: String,
    /// Exclusive.
    #[schema(format = DateTime)]
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
    let s = dossier_stats(&app, &who, &q).await?;
    Ok(Json(StatsResponse {
        from: domain::bounds::rfc3339(s.from),
        to: domain::bounds::rfc3339(s.to),
        period: s.period,
        rows: s.rows,
    }))
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
fn median_ms(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median_ms(&[]), None);
        assert_eq!(median_ms(&[5]), Some(5));
        assert_eq!(median_ms(&[1, 3, 10]), Some(3));
        assert_eq!(median_ms(&[1, 3, 5, 10]), Some(4));
    }

    #[test]
    fn contacts_are_checked() {
        assert!(email("ops@vosco.vn").is_ok());
        assert!(email("ops@vosco").is_err());
        assert!(email("a b@x.vn").is_err());
        assert!(phone("+84 225 3731 090").is_ok());
        assert!(phone("call me").is_err());
    }
}
