//! A vessel dossier's life: filed with every problem told at once, its lists replaced, its steps
//! taken under the clock, and shown to each party as theirs to see.

use crate::app::{Acting, App, AuditFailed};
use crate::watchlist::index::Match;
use domain::Actor;
use domain::CheckpointCode;
use domain::CheckpointKind;
use domain::Country;
use domain::DocumentType;
use domain::DossierScope;
use domain::TravelDocument;
use domain::port::CallSign;
use domain::port::Clock;
use domain::port::DossierAction;
use domain::port::DossierParty;
use domain::port::DossierStatus;
use domain::port::ImoNumber;
use domain::port::ProcedureCode;
use domain::port::UnLocode;
use domain::port::step;
use domain::{AgencyRight, InvalidValue};
use fal::DateStyle;
use fal::ListKind;
use fal::PersonOnBoard;
use fal::Refused;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use serde_json::json;
use store::AuditAction;
use store::Store;
use store::StoreError;
use store::port::DossierEvent;
use store::port::DossierRecord;
use store::port::DossierUpdate;
use store::port::NewDossier;
use store::port::PortCall;
use store::port::Vessel;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Why a dossier's action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("{0} not found")]
    NotFound(String),
    /// A rule of the procedures refuses it; `code` says which.
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// The filing or the list, with every problem found in its fields and rows.
    #[error("{}", refusal_message(.fields, .lists))]
    Refused { fields: Vec<FieldProblem>, lists: Vec<fal::Problem> },
    #[error("that dossier id was filed with another body")]
    IdConflict,
    #[error("the dossier changed meanwhile: reload it and try again")]
    ChangedMeanwhile,
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
}

type PortResult<T> = std::result::Result<T, PortError>;

fn refusal_message(fields: &[FieldProblem], lists: &[fal::Problem]) -> String {
    let count = fields.len() + lists.len();
    match (fields.first(), lists.first()) {
        (Some(f), _) if count == 1 => {
            format!("the dossier was refused: {}: {}", f.field, f.message)
        }
        (Some(f), _) => {
            format!(
                "the dossier was refused: {count} problems; the first: {}: {}",
                f.field, f.message
            )
        }
        (None, Some(p)) if count == 1 => format!("the list was refused: {p}"),
        (None, Some(p)) => format!("the list was refused: {count} problems; the first: {p}"),
        (None, None) => "the list was refused".to_string(),
    }
}

impl PortError {
    /// The problems of a refusal, in the order told: the dossier's fields, then the lists.
    pub fn problems(&self) -> Vec<DossierProblem> {
        match self {
            PortError::Refused { fields, lists } => fields
                .iter()
                .cloned()
                .map(DossierProblem::Field)
                .chain(lists.iter().cloned().map(DossierProblem::List))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The general declaration's other fields: at most 50, keys of at most 64 characters, values
/// strings, numbers or booleans of at most 2,000 characters, nothing that holds a control
/// character where a line is expected.
pub(crate) fn declaration(
    map: serde_json::Map<String, Value>,
) -> std::result::Result<serde_json::Map<String, Value>, InvalidValue> {
    if map.len() > 50 {
        return Err(InvalidValue::new("declaration", "at most 50 fields"));
    }
    for (k, v) in &map {
        domain::bounds::clean_line("declaration", k, 64)?;
        match v {
            Value::String(s) => {
                domain::bounds::clean_text("declaration", s, domain::bounds::NOTE_MAX)?;
            }
            Value::Number(_) | Value::Bool(_) | Value::Null => {}
            _ => {
                return Err(InvalidValue::new(
                    "declaration",
                    "each field is a string, a number or true/false",
                ));
            }
        }
    }
    Ok(map)
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

pub(crate) fn when(
    field: &'static str,
    s: &Option<String>,
) -> Result<Option<OffsetDateTime>, domain::InvalidValue> {
    s.as_deref().map(|t| domain::bounds::parse_time(field, t)).transpose()
}

fn refused(Refused(problems): Refused) -> PortError {
    PortError::Refused { fields: Vec::new(), lists: problems }
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

fn rule(code: &'static str, message: impl Into<String>) -> PortError {
    PortError::Rule { code, message: message.into() }
}

fn event(
    by: &Acting,
    action: &str,
    status: DossierStatus,
    note: Option<String>,
    at: OffsetDateTime,
) -> DossierEvent {
    DossierEvent { action: action.into(), status, actor: by.actor.clone(), note, at }
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

/// Files a dossier: everything checked, both lists whole, before anything is stored. The
/// stored dossier, and whether it is new (false: the same id was filed before by this agency).
pub async fn file<S: Store>(
    app: &App<S>,
    right: &AgencyRight,
    by: &Acting,
    r: Filing,
) -> PortResult<(bool, DossierRecord)> {
    let code = ProcedureCode::parse(&r.procedure)?;
    let procedure = app.procedure(code).filter(|p| p.vessel_dossier).ok_or_else(|| {
        rule("not_a_vessel_procedure", format!("{code} is not filed as a vessel dossier"))
    })?;
    let checkpoint = CheckpointCode::parse(&r.checkpoint)?;
    match app.checkpoints.get(&checkpoint) {
        None => return Err(PortError::NotFound(format!("checkpoint {checkpoint}"))),
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
            let name = fields
                .take("vessel.name", domain::bounds::required_line("vessel.name", &v.name, 100));
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
                return Err(PortError::Refused { fields: fields.0, lists });
            }
        };
    let port_call = PortCall { eta, etd, berth, last_port, next_port };
    let now = app.now();
    let mut clock = Clock::new(procedure.deadline);
    let (status, submitted_at, events) = if r.draft {
        (DossierStatus::Draft, None, vec![event(by, "create", DossierStatus::Draft, None, now)])
    } else {
        clock.enter(DossierStatus::Submitted, now);
        (
            DossierStatus::Submitted,
            Some(now),
            vec![event(by, "submit", DossierStatus::Submitted, None, now)],
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
        created_by: by.actor.clone(),
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
                None => Err(PortError::IdConflict),
            };
        }
        Err(e) => return Err(e.into()),
    }
    app.audit(by.audit(
        AuditAction::DossierFile,
        format!("dossier:{id}"),
        json!({"procedure": code, "checkpoint": checkpoint, "crew": dossier.crew.len(), "passengers": dossier.passengers.len()}),
    ))
    .await?;
    let stored = app.store.dossier(&id).await?.ok_or_else(|| PortError::NotFound(id.clone()))?;
    Ok((true, stored))
}

/// A dossier the actor may see, or 404 (another agency's dossier is not theirs to know of).
pub async fn visible<S: Store>(app: &App<S>, actor: &Actor, id: &str) -> PortResult<DossierRecord> {
    visible_in(app, &actor.dossiers()?, id).await
}

/// A dossier within this scope, or 404.
pub async fn visible_in<S: Store>(
    app: &App<S>,
    scope: &DossierScope,
    id: &str,
) -> PortResult<DossierRecord> {
    let d = app.store.dossier(id).await?;
    match d {
        Some(d)
            if match scope {
                DossierScope::All => true,
                DossierScope::Checkpoint(c) => *c == d.checkpoint,
                DossierScope::Agency(a) => *a == d.agency_id,
            } =>
        {
            Ok(d)
        }
        _ => Err(PortError::NotFound(format!("dossier {id}"))),
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
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub due_at: Option<String>,
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub submitted_at: Option<String>,
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub resolved_at: Option<String>,
    pub on_time: Option<bool>,
    pub created_by: String,
    #[schema(value_type = domain::schema::Instant)]
    pub created_at: String,
    #[schema(value_type = domain::schema::Instant)]
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
    scope: &DossierScope,
    d: &DossierRecord,
    history: &[DossierEvent],
) -> DossierView {
    let hits = (!matches!(scope, DossierScope::Agency(_))).then(|| screen_people(app, d));
    dossier_json(d, history, app.today(), hits.as_deref())
}

/// Applies one step to a dossier: checked against its rules, the clock moved, stored only if
/// nobody changed it meanwhile.
pub async fn apply_step<S: Store>(
    app: &App<S>,
    by: &Acting,
    d: &DossierRecord,
    action: DossierAction,
    party: DossierParty,
    note: Option<String>,
) -> PortResult<DossierRecord> {
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
        event: event(by, action.as_str(), status, note, now),
    };
    if !app.store.update_dossier(&update, now).await? {
        return Err(PortError::ChangedMeanwhile);
    }
    app.audit(by.audit(
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
    app.store.dossier(&d.id).await?.ok_or_else(|| PortError::NotFound(d.id.clone()))
}

/// The agency's own steps: submit and cancel.
pub async fn agency_step<S: Store>(
    app: &App<S>,
    right: &AgencyRight,
    by: &Acting,
    id: &str,
    action: DossierAction,
) -> PortResult<DossierView> {
    let scope = DossierScope::Agency(right.agency());
    let d = visible_in(app, &scope, id).await?;
    if action == DossierAction::Submit
        && d.crew.is_empty()
        && app
            .procedure(d.procedure)
            .is_some_and(|p| p.documents.contains(&domain::port::DocumentKind::CrewList))
    {
        return Err(rule("crew_list_missing", "the crew list (FAL 5) is needed before submitting"));
    }
    let d = apply_step(app, by, &d, action, DossierParty::Agent, None).await?;
    let history = app.store.dossier_events(id).await?;
    Ok(dossier_view(app, &scope, &d, &history))
}

/// The most a spreadsheet upload may weigh.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// Reads a list from a request body: XLSX (by its content type or its zip signature) or CSV.
pub fn read_upload(
    kind: ListKind,
    content_type: &str,
    body: &[u8],
) -> std::result::Result<Vec<fal::Row>, Refused> {
    if content_type.contains("spreadsheetml") || body.starts_with(b"PK\x03\x04") {
        fal::read_xlsx(kind, body)
    } else {
        fal::read_csv(kind, body)
    }
}

/// Replaces a list of a dossier the agency may still change.
pub async fn replace_list<S: Store>(
    app: &App<S>,
    right: &AgencyRight,
    by: &Acting,
    id: &str,
    kind: ListKind,
    rows: std::result::Result<Vec<fal::Row>, Refused>,
    dates: DateStyle,
) -> PortResult<DossierRecord> {
    let d = visible_in(app, &DossierScope::Agency(right.agency()), id).await?;
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
            by,
            &format!("replace_{}", kind.as_str()),
            d.status,
            Some(format!("{count} people")),
            now,
        ),
    };
    if !app.store.update_dossier(&update, now).await? {
        return Err(PortError::ChangedMeanwhile);
    }
    app.audit(by.audit(
        match kind {
            ListKind::Crew => AuditAction::DossierReplaceCrew,
            ListKind::Passengers => AuditAction::DossierReplacePassengers,
        },
        format!("dossier:{id}"),
        json!({"people": count}),
    ))
    .await?;
    app.store.dossier(id).await?.ok_or_else(|| PortError::NotFound(id.to_string()))
}

/// Replaces a list with an uploaded spreadsheet (CSV, or XLSX by its type or its signature).
pub async fn upload<S: Store>(
    app: &App<S>,
    right: &AgencyRight,
    by: &Acting,
    id: &str,
    kind: ListKind,
    content_type: &str,
    body: &[u8],
) -> PortResult<DossierView> {
    let rows = read_upload(kind, content_type, body);
    let d = replace_list(app, right, by, id, kind, rows, DateStyle::DayMonthYear).await?;
    let history = app.store.dossier_events(id).await?;
    Ok(dossier_view(app, &DossierScope::Agency(right.agency()), &d, &history))
}

/// A dossier the actor may see and its history; the reading audited.
pub async fn read_dossier<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    id: &str,
) -> PortResult<(DossierRecord, Vec<DossierEvent>)> {
    let d = visible(app, actor, id).await?;
    let history = app.store.dossier_events(id).await?;
    app.audit(by.audit(
        AuditAction::DossierRead,
        format!("dossier:{id}"),
        json!({"people": d.crew.len() + d.passengers.len()}),
    ))
    .await?;
    Ok((d, history))
}
