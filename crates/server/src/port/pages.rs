//! The port procedures' pages: the public listing of procedures, an agency's dossiers and its
//! filing form with spreadsheet upload, the checkpoint's queue, and a dossier's page where the
//! border guard reviews and decides. Forms work without JavaScript.

use crate::app::App;
use crate::http::error::ApiError;
use crate::port::service::Filing;
use crate::port::service::PortError;
use crate::port::service::VesselInput;
use crate::watchlist::index::Match;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::PageLang;
use crate::web::check_csrf;
use crate::web::i18n::PortTexts;
use crate::web::i18n::Texts;
use crate::web::vn_date;
use crate::web::vn_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::CheckpointKind;
use domain::port::DossierAction;
use domain::port::DossierStatus;
use fal::DateStyle;
use fal::ListKind;
use fal::Refused;
use serde::Deserialize;
use std::collections::HashMap;
use store::Store;
use store::port::DossierFilter;
use store::port::DossierRecord;

fn procedure_name(app_lang_en: bool, p: &domain::port::Procedure) -> &'static str {
    if app_lang_en { p.name_en } else { p.name_vi }
}

fn is_en(t: &Texts) -> bool {
    t.lang == "en"
}

// ---------------------------------------------------------------- the public listing

#[derive(Debug)]
pub struct ProcedureRow {
    code: String,
    name: &'static str,
    documents: Vec<&'static str>,
    deadline: i64,
    decided_by: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "procedures.html")]
pub struct ProceduresPage {
    ctx: Ctx,
    pt: &'static PortTexts,
    at: &'static crate::web::i18n::AgencyTexts,
    rows: Vec<ProcedureRow>,
}

/// `GET /procedures`: no sign-in needed.
pub async fn procedures<S: Store>(
    State(app): State<App<S>>,
    PageLang(lang): PageLang,
    parts: Parts,
) -> ProceduresPage {
    let t = lang.texts();
    let en = is_en(t);
    let rows = app
        .procedures
        .iter()
        .map(|p| ProcedureRow {
            code: p.code.to_string(),
            name: procedure_name(en, p),
            documents: p
                .documents
                .iter()
                .map(|d| if en { d.names().1 } else { d.names().0 })
                .collect(),
            deadline: p.deadline.whole_minutes(),
            decided_by: t.role_word(p.decided_by.as_str()).to_string(),
        })
        .collect();
    let ctx = Ctx::public(t, parts.uri.path());
    ProceduresPage { ctx, pt: lang.port(), at: lang.agency(), rows }
}

// ---------------------------------------------------------------- lists

#[derive(Debug)]
pub struct DossierRow {
    id: String,
    reference: String,
    procedure: &'static str,
    vessel: String,
    checkpoint: String,
    agency: String,
    status: &'static str,
    status_class: &'static str,
    due: String,
    badge: Option<(&'static str, &'static str)>,
    submitted: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "dossiers.html")]
pub struct DossiersPage {
    ctx: Ctx,
    pt: &'static PortTexts,
    agent: bool,
    view: String,
    q: String,
    rows: Vec<DossierRow>,
    pager: crate::web::Pager,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    view: Option<String>,
    /// Words of the vessel's name, its IMO number or the reference's start.
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    format: Option<String>,
}

/// An event's note as the page says it: a list replaced is stored as `N people`, said in the
/// page's words; a person's note as they wrote it.
fn event_note(pt: &PortTexts, action: &str, note: Option<&str>) -> String {
    let note = note.unwrap_or_default();
    match (action.starts_with("replace_"), note.strip_suffix(" people")) {
        (true, Some(n)) if n.bytes().all(|b| b.is_ascii_digit()) => format!("{n} {}", pt.people),
        _ => note.to_string(),
    }
}

/// A dossier's reference as agents quote it: `HS-` and the first eight signs of its id.
pub fn reference(id: &str) -> String {
    let head: String = id.chars().filter(|c| *c != '-').take(8).collect();
    format!("HS-{}", head.to_uppercase())
}

fn status_class(s: DossierStatus) -> &'static str {
    match s {
        DossierStatus::Approved => "clear",
        DossierStatus::Rejected | DossierStatus::Cancelled => "deny",
        DossierStatus::SupplementRequested => "refer",
        _ => "entry",
    }
}

/// `GET /dossiers`: an agency's own dossiers; the checkpoint's queue, soonest due first.
pub async fn dossiers<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let scope = match page.who.actor.dossiers() {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let agent = page.who.actor.agency().is_some();
    let view = match q.view.as_deref() {
        Some("decided") => "decided",
        Some("all") => "all",
        _ if agent => "all",
        _ => "pending",
    };
    let statuses = match view {
        "pending" => vec![DossierStatus::Submitted, DossierStatus::InReview],
        "decided" => vec![DossierStatus::Approved, DossierStatus::Rejected],
        _ => Vec::new(),
    };
    let format = crate::web::export::Format::asked(q.format.as_deref());
    let offset = if format.is_some() { 0 } else { q.offset.unwrap_or(0) };
    let filter = DossierFilter {
        scope,
        checkpoint: None,
        statuses,
        by_due: view == "pending",
        // A reference as quoted (`HS-7B0E6D8E`) is looked up by the start of the id.
        text: domain::bounds::clip(q.q.trim().trim_start_matches("HS-").trim_start_matches("hs-")),
        changed_since: None,
        offset,
        limit: if format.is_some() { 10_000 } else { 50 },
    };
    let (list, total) =
        match tokio::try_join!(app.store.dossiers(&filter), app.store.count_dossiers(&filter)) {
            Ok(l) => l,
            Err(e) => return ApiError::from(e).into_response(),
        };
    let pt = PageLang::of(&page).port();
    let en = is_en(page.ctx.t);
    let now = app.now();
    let rows = list
        .into_iter()
        .map(|s| {
            let badge = match (s.due_at, s.on_time) {
                (_, Some(true)) => Some(("clear", pt.on_time)),
                (_, Some(false)) => Some(("deny", pt.late)),
                (Some(d), None) if d < now => Some(("deny", pt.overdue)),
                (Some(d), None) if d - now < time::Duration::minutes(30) => {
                    Some(("refer", pt.due_soon))
                }
                _ => None,
            };
            DossierRow {
                reference: reference(&s.id),
                id: s.id,
                procedure: app.procedure(s.procedure).map_or("", |p| procedure_name(en, p)),
                vessel: match (s.vessel_name, s.imo) {
                    (Some(n), Some(i)) => format!("{n} (IMO {i})"),
                    (Some(n), None) => n,
                    _ => String::new(),
                },
                checkpoint: crate::web::checkpoint_name(&app, page.ctx.t, &s.checkpoint),
                agency: s.agency_name,
                status: pt.status(s.status),
                status_class: status_class(s.status),
                due: s.due_at.map(vn_time).unwrap_or_default(),
                badge,
                submitted: s.submitted_at.map(vn_time).unwrap_or_default(),
            }
        })
        .collect::<Vec<DossierRow>>();
    if let Some(format) = format {
        let t = page.ctx.t;
        let mut sheet = crate::web::export::Sheet::new(
            "ho-so-tau",
            vec![
                pt.reference,
                pt.due,
                pt.vessel,
                pt.procedure,
                t.checkpoint,
                pt.agency,
                pt.status,
                pt.submitted_at,
            ],
        );
        for r in &rows {
            sheet.push(vec![
                r.id.clone().into(),
                r.due.clone().into(),
                r.vessel.clone().into(),
                r.procedure.into(),
                r.checkpoint.clone().into(),
                r.agency.clone().into(),
                r.status.into(),
                r.submitted.clone().into(),
            ]);
        }
        return sheet.respond(format);
    }
    let window =
        crate::web::Window { offset, shown: rows.len(), per_page: 50, total, cap: u64::MAX };
    let params = [("view", view.to_string()), ("q", q.q.trim().to_string())];
    let pager = crate::web::Pager::new(page.ctx.t, "/dossiers", &params, window);
    DossiersPage { ctx: page.ctx, pt, agent, view: view.to_string(), q: q.q, rows, pager }
        .into_response()
}

// ---------------------------------------------------------------- filing

#[derive(Debug, Default, Clone)]
pub struct FilingForm {
    procedure: String,
    checkpoint: String,
    imo: String,
    vessel_name: String,
    call_sign: String,
    flag: String,
    gross_tonnage: String,
    eta: String,
    last_port: String,
}

#[derive(Debug)]
pub struct ProblemRow {
    list: &'static str,
    /// Empty for a problem of the dossier's own fields.
    row: String,
    column: String,
    message: String,
}

fn problem_rows(pt: &PortTexts, Refused(problems): Refused) -> Vec<ProblemRow> {
    problems
        .into_iter()
        .map(|p| ProblemRow {
            list: match p.list {
                ListKind::Crew => pt.crew,
                ListKind::Passengers => pt.passengers,
            },
            row: p.row.to_string(),
            column: p.column,
            message: if pt.lang_en { p.message } else { p.fault.vietnamese() },
        })
        .collect()
}

/// A problem of the dossier's own fields, labelled as the form labels the field.
fn field_row(pt: &PortTexts, p: crate::port::service::FieldProblem) -> ProblemRow {
    let column = match p.field.as_str() {
        "vessel.imo" => pt.imo,
        "vessel.name" => pt.vessel_name,
        "vessel.call_sign" => pt.call_sign,
        "vessel.flag" => pt.flag,
        "eta" => pt.eta,
        "last_port" => pt.last_port,
        _ => "",
    };
    let column = if column.is_empty() { p.field } else { column.to_string() };
    let message =
        if pt.lang_en { p.message } else { format!("{}: {}", pt.invalid_value, p.message) };
    ProblemRow { list: pt.vessel, row: String::new(), column, message }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "dossier_new.html")]
pub struct NewDossierPage {
    ctx: Ctx,
    pt: &'static PortTexts,
    procedures: Vec<(String, &'static str)>,
    ports: Vec<(String, String)>,
    form: FilingForm,
    error: Option<String>,
    problems: Vec<ProblemRow>,
}

fn new_page<S: Store>(app: &App<S>, page: Page, form: FilingForm) -> NewDossierPage {
    let en = is_en(page.ctx.t);
    let procedures = app
        .procedures
        .iter()
        .filter(|p| p.vessel_dossier)
        .map(|p| (p.code.to_string(), procedure_name(en, p)))
        .collect();
    let mut ports: Vec<(String, String)> = app
        .checkpoints
        .values()
        .filter(|c| c.kind == CheckpointKind::Seaport)
        .map(|c| (c.code.to_string(), if en { c.name_ascii.clone() } else { c.name_vi.clone() }))
        .collect();
    ports.sort();
    NewDossierPage {
        pt: PageLang::of(&page).port(),
        ctx: page.ctx,
        procedures,
        ports,
        form,
        error: None,
        problems: Vec::new(),
    }
}

/// `GET /dossiers/new`: the agency's filing form.
pub async fn new_form<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    if let Err(e) = page.who.actor.file_dossiers() {
        return ApiError::from(e).into_response();
    }
    let form = FilingForm {
        procedure: "vessel_entry".into(),
        checkpoint: "CANG-HAI-PHONG".into(),
        ..FilingForm::default()
    };
    new_page(&app, page, form).into_response()
}

/// A multipart form: its text fields, and its files (name → bytes).
#[derive(Debug, Default)]
struct FormParts {
    text: HashMap<String, String>,
    files: HashMap<String, (String, Vec<u8>)>,
}

async fn read_multipart(mut m: Multipart) -> Result<FormParts, ApiError> {
    let mut out = FormParts::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request("invalid_form", format!("the form could not be read: {e}"))
    };
    while let Some(field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file) => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    out.files.insert(name, (file, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(bad)?;
                out.text.insert(name, text);
            }
        }
    }
    Ok(out)
}

fn list_from_file(
    kind: ListKind,
    file: Option<&(String, Vec<u8>)>,
) -> Result<Vec<fal::Row>, Refused> {
    match file {
        None => Ok(Vec::new()),
        Some((name, bytes)) => {
            if name.to_ascii_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
                fal::read_xlsx(kind, bytes)
            } else {
                fal::read_csv(kind, bytes)
            }
        }
    }
}

/// `POST /dossiers/new` (multipart): files the dossier, or shows the form again with every
/// problem of the uploaded lists.
pub async fn new_submit<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    multipart: Multipart,
) -> Response {
    let parts = match read_multipart(multipart).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let field = |k: &str| parts.text.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    if let Err(e) = check_csrf(&page, &field("csrf")) {
        return e.into_response();
    }
    let form = FilingForm {
        procedure: field("procedure"),
        checkpoint: field("checkpoint"),
        imo: field("imo"),
        vessel_name: field("vessel_name"),
        call_sign: field("call_sign"),
        flag: field("flag"),
        gross_tonnage: field("gross_tonnage"),
        eta: field("eta"),
        last_port: field("last_port"),
    };
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    // The form's local time is Việt Nam's.
    let eta = opt(&form.eta).map(|e| format!("{e}:00+07:00"));
    let filing = Filing {
        id: None,
        procedure: form.procedure.clone(),
        checkpoint: form.checkpoint.clone(),
        vessel: Some(VesselInput {
            imo: form.imo.clone(),
            name: form.vessel_name.clone(),
            call_sign: opt(&form.call_sign),
            flag: opt(&form.flag),
            vessel_type: None,
            gross_tonnage: form.gross_tonnage.parse().ok(),
        }),
        eta,
        etd: None,
        berth: None,
        last_port: opt(&form.last_port),
        next_port: None,
        crew: list_from_file(ListKind::Crew, parts.files.get("crew")),
        passengers: list_from_file(ListKind::Passengers, parts.files.get("passengers")),
        dates: DateStyle::DayMonthYear,
        declaration: serde_json::Map::new(),
        draft: false,
        fingerprint: None,
    };
    let pt = PageLang::of(&page).port();
    let right = match page.who.actor.file_dossiers() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let filed = crate::port::service::file(&app, &right, &page.who.acting(), filing).await;
    let problems = filed.as_ref().err().map(|e| problems_of(e, pt)).unwrap_or_default();
    let fields_refused =
        matches!(&filed, Err(PortError::Refused { fields, .. }) if !fields.is_empty());
    match filed.map_err(ApiError::from) {
        Ok((_, d)) => crate::web::redirect(&format!("/dossiers/{}", d.id)),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let status = e.status;
            let mut p = new_page(&app, page, form);
            p.error = Some(match (problems.is_empty(), fields_refused) {
                (true, _) => e.message,
                (false, true) => pt.dossier_refused.to_string(),
                (false, false) => pt.list_refused.to_string(),
            });
            p.problems = problems;
            (status, p).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The problems a refused filing or list came back with, for the page's table.
fn problems_of(e: &PortError, pt: &PortTexts) -> Vec<ProblemRow> {
    let all = e.problems();
    let mut lists = Vec::new();
    let mut rows = Vec::new();
    for p in all {
        match p {
            crate::port::service::DossierProblem::Field(f) => rows.push(field_row(pt, f)),
            crate::port::service::DossierProblem::List(l) => lists.push(l),
        }
    }
    rows.extend(problem_rows(pt, Refused(lists)));
    rows
}

// ---------------------------------------------------------------- one dossier

#[derive(Debug)]
pub struct PersonRow {
    n: usize,
    family: String,
    given: String,
    rank: String,
    nationality: String,
    birth: String,
    sex: &'static str,
    document: String,
    expiry: String,
    expired: bool,
    shore_leave: bool,
    hits: Vec<String>,
}

#[derive(Debug)]
pub struct EventRow {
    when: String,
    what: String,
    who: String,
    note: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "dossier.html")]
pub struct DossierPage {
    ctx: Ctx,
    pt: &'static PortTexts,
    at: &'static crate::web::i18n::AgencyTexts,
    /// The border guard's note, when it asks this agency for a supplement.
    supplement: Option<String>,
    ppt: &'static crate::web::i18n::PermitTexts,
    passes: Vec<crate::permits::pages::PermitRow>,
    can_issue_passes: bool,
    id: String,
    reference: String,
    /// When the border guard received it: the receipt's time.
    received_at: String,
    procedure: &'static str,
    checkpoint: String,
    agency: String,
    vessel: String,
    eta: String,
    last_port: String,
    status: &'static str,
    status_class: &'static str,
    due: String,
    result: Option<(&'static str, &'static str)>,
    crew: Vec<PersonRow>,
    passengers: Vec<PersonRow>,
    expired: usize,
    shore_leave: usize,
    hit_count: usize,
    history: Vec<EventRow>,
    can_upload: bool,
    can_submit: bool,
    can_cancel: bool,
    can_review: bool,
    can_supplement: bool,
    can_decide: bool,
    error: Option<String>,
    problems: Vec<ProblemRow>,
}

fn person_rows(
    t: &crate::web::i18n::Texts,
    pt: &PortTexts,
    people: &[fal::PersonOnBoard],
    hits: &[Vec<Match>],
    today: time::Date,
) -> Vec<PersonRow> {
    people
        .iter()
        .enumerate()
        .map(|(i, p)| PersonRow {
            n: i + 1,
            family: p.family_name.clone(),
            given: p.given_names.clone(),
            rank: p.rank.clone().unwrap_or_default(),
            nationality: p.nationality.to_string(),
            birth: vn_date(Some(p.birth_date)),
            sex: p.sex.as_str(),
            document: format!(
                "{} {}/{}",
                match p.document_type {
                    fal::IdDocType::Passport => pt.doc_passport,
                    fal::IdDocType::SeafarerBook => pt.doc_seafarer_book,
                    fal::IdDocType::IdCard => pt.doc_id_card,
                    fal::IdDocType::Other => pt.doc_other,
                },
                p.document_issuing_state,
                p.document_number
            ),
            expiry: vn_date(Some(p.document_expiry)),
            expired: p.document_expiry < today,
            shore_leave: p.shore_leave,
            hits: hits
                .get(i)
                .map(|h| {
                    h.iter()
                        .map(|m| {
                            format!(
                                "{} ({}, {:.2}): {}",
                                m.matched_name,
                                t.action_word(m.action),
                                m.score,
                                m.entry_id
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

async fn dossier_page<S: Store>(
    app: &App<S>,
    page: Page,
    d: DossierRecord,
    error: Option<String>,
    problems: Vec<ProblemRow>,
) -> Result<DossierPage, ApiError> {
    let pt = PageLang::of(&page).port();
    let en = is_en(page.ctx.t);
    let actor = &page.who.actor;
    // Read again with its history, as every reading is: audited, and as it stands now.
    let (d, history) =
        crate::port::service::read_dossier(app, actor, &page.who.acting(), &d.id).await?;
    let agent = actor.agency() == Some(d.agency_id);
    let hits = if agent { Vec::new() } else { crate::port::service::screen_people(app, &d) };
    let (crew_hits, passenger_hits) = hits.split_at(d.crew.len().min(hits.len()));
    let today = app.today();
    let review = actor.review_dossiers_at(&d.checkpoint).ok();
    let pending = d.status.is_pending();
    let names: HashMap<&str, &str> = [
        ("submit", pt.submit),
        ("review", pt.review),
        ("approve", pt.approve),
        ("reject", pt.reject),
        ("request_supplement", pt.request_supplement),
        ("cancel", pt.cancel),
        ("replace_crew", pt.replace_crew),
        ("replace_passengers", pt.passenger_list),
        ("create", pt.status_draft),
    ]
    .into_iter()
    .collect();
    // What the agency is asked to mend, where it will look first.
    let supplement = (agent && d.status == DossierStatus::SupplementRequested).then(|| {
        history
            .iter()
            .rev()
            .find(|e| e.action == "request_supplement")
            .and_then(|e| e.note.clone())
            .unwrap_or_default()
    });
    let (passes, can_issue_passes) = crate::permits::pages::dossier_passes(app, &page, &d).await?;
    Ok(DossierPage {
        ppt: PageLang::of(&page).permit(),
        passes,
        can_issue_passes,
        supplement,
        at: PageLang::of(&page).agency(),
        id: d.id.clone(),
        reference: reference(&d.id),
        received_at: d.submitted_at.map(vn_time).unwrap_or_default(),
        procedure: app.procedure(d.procedure).map_or("", |p| procedure_name(en, p)),
        checkpoint: crate::web::checkpoint_name(app, page.ctx.t, &d.checkpoint),
        agency: d.agency_name.clone(),
        vessel: d
            .vessel
            .as_ref()
            .map(|v| {
                let mut s = format!("{} · IMO {}", v.name, v.imo);
                if let Some(c) = &v.call_sign {
                    s.push_str(&format!(" · {}", c.as_str()));
                }
                if let Some(f) = v.flag {
                    s.push_str(&format!(" · {f}"));
                }
                if let Some(gt) = v.gross_tonnage {
                    s.push_str(&format!(" · {gt} GT"));
                }
                s
            })
            .unwrap_or_default(),
        eta: d.port_call.eta.map(vn_time).unwrap_or_default(),
        last_port: d.port_call.last_port.map(|p| p.to_string()).unwrap_or_default(),
        status: pt.status(d.status),
        status_class: status_class(d.status),
        due: d.due_at.map(vn_time).unwrap_or_default(),
        result: d.on_time.map(|t| if t { ("clear", pt.on_time) } else { ("deny", pt.late) }),
        expired: d.crew.iter().chain(&d.passengers).filter(|p| p.document_expiry < today).count(),
        shore_leave: d.crew.iter().filter(|p| p.shore_leave).count(),
        hit_count: hits.iter().filter(|h| !h.is_empty()).count(),
        crew: person_rows(page.ctx.t, pt, &d.crew, crew_hits, today),
        passengers: person_rows(page.ctx.t, pt, &d.passengers, passenger_hits, today),
        history: history
            .iter()
            .map(|e| EventRow {
                when: vn_time(e.at),
                what: format!(
                    "{} → {}",
                    names.get(e.action.as_str()).copied().unwrap_or(e.action.as_str()),
                    pt.status(e.status)
                ),
                who: e.actor.trim_start_matches("user:").to_string(),
                note: event_note(pt, e.action.as_str(), e.note.as_deref()),
            })
            .collect(),
        can_upload: agent
            && matches!(
                d.status,
                DossierStatus::Draft
                    | DossierStatus::Submitted
                    | DossierStatus::SupplementRequested
            ),
        can_submit: agent
            && matches!(d.status, DossierStatus::Draft | DossierStatus::SupplementRequested),
        can_cancel: agent && !d.status.is_final(),
        can_review: review.is_some() && d.status == DossierStatus::Submitted,
        can_supplement: review.is_some() && pending,
        can_decide: review
            .as_ref()
            .is_some_and(|r| r.party() == domain::port::DossierParty::Commander)
            && pending,
        error,
        problems,
        pt,
        ctx: page.ctx,
    })
}

async fn visible<S: Store>(app: &App<S>, page: &Page, id: &str) -> Result<DossierRecord, ApiError> {
    Ok(crate::port::service::visible(app, &page.who.actor, id).await?)
}

/// `GET /dossiers/{id}`.
pub async fn dossier<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let d = match visible(&app, &page, &id).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    match dossier_page(&app, page, d, None, Vec::new()).await {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /dossiers/{id}/step`: a step from the dossier's page, by whoever may take it.
pub async fn step<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    let d = match visible(&app, &page, &id).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let action = match DossierAction::parse(&f.action) {
        Ok(a) => a,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let party = if page.who.actor.agency() == Some(d.agency_id) {
        Ok(domain::port::DossierParty::Agent)
    } else {
        page.who.actor.review_dossiers_at(&d.checkpoint).map(|r| r.party())
    };
    let party = match party {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let note = (!f.note.trim().is_empty()).then(|| f.note.clone());
    match crate::port::service::apply_step(&app, &page.who.acting(), &d, action, party, note)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => crate::web::redirect(&format!("/dossiers/{id}")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let status = e.status;
            match dossier_page(&app, page, d, Some(e.message), Vec::new()).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /dossiers/{id}/crew` (multipart): the agency replaces the crew list.
pub async fn upload_crew<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    upload_list(&app, page, &id, ListKind::Crew, multipart).await
}

/// `POST /dossiers/{id}/passengers` (multipart): the agency replaces the passenger list.
pub async fn upload_passengers<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    upload_list(&app, page, &id, ListKind::Passengers, multipart).await
}

async fn upload_list<S: Store>(
    app: &App<S>,
    page: Page,
    id: &str,
    kind: ListKind,
    multipart: Multipart,
) -> Response {
    let parts = match read_multipart(multipart).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_csrf(&page, parts.text.get("csrf").map_or("", String::as_str)) {
        return e.into_response();
    }
    let rows = list_from_file(kind, parts.files.get(kind.as_str()));
    let right = match page.who.actor.file_dossiers() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let by = page.who.acting();
    let changed = crate::port::service::replace_list(
        app,
        &right,
        &by,
        id,
        kind,
        rows,
        DateStyle::DayMonthYear,
    )
    .await;
    after_list_change(app, page, id, changed).await
}

/// Back to the dossier after a list changed; a refused list shows the dossier again with every
/// problem.
async fn after_list_change<S: Store>(
    app: &App<S>,
    page: Page,
    id: &str,
    changed: Result<DossierRecord, PortError>,
) -> Response {
    let pt = PageLang::of(&page).port();
    let (e, problems) = match changed {
        Ok(_) => return crate::web::redirect(&format!("/dossiers/{id}#crew-table")),
        Err(e) => {
            let problems = problems_of(&e, pt);
            match ApiError::from(e) {
                e if e.status == StatusCode::UNPROCESSABLE_ENTITY => (e, problems),
                e => return e.into_response(),
            }
        }
    };
    let d = match visible(app, &page, id).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let message = if problems.is_empty() { e.message } else { pt.list_refused.to_string() };
    match dossier_page(app, page, d, Some(message), problems).await {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
        Err(e) => e.into_response(),
    }
}

impl PageLang {
    pub(crate) fn of(page: &Page) -> crate::web::i18n::Lang {
        if is_en(page.ctx.t) { crate::web::i18n::Lang::En } else { crate::web::i18n::Lang::Vi }
    }
}

/// The people of a list as rows to check again, in their order.
fn rows_of(people: &[fal::PersonOnBoard]) -> Result<Vec<fal::PersonInput>, ApiError> {
    people
        .iter()
        .map(|p| {
            serde_json::to_value(p)
                .and_then(serde_json::from_value)
                .map_err(|e| ApiError::internal(&e))
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct CrewMemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    given_names: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    document_issuing_state: String,
    #[serde(default)]
    document_expiry: String,
    #[serde(default)]
    shore_leave: Option<String>,
    /// The row to remove, from 1.
    #[serde(default)]
    remove: Option<usize>,
}

/// `POST /dossiers/{id}/crew/edit`: the crew list editor — one person added, or one removed —
/// checked whole like an upload.
pub async fn crew_edit<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<CrewMemberForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    let d = match visible(&app, &page, &id).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let mut people = match rows_of(&d.crew) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match f.remove {
        Some(n) if (1..=people.len()).contains(&n) => {
            people.remove(n - 1);
        }
        Some(_) => return ApiError::not_found("no such row").into_response(),
        None => {
            let cell = |s: &str| (!s.trim().is_empty()).then(|| fal::Cell(s.trim().to_string()));
            people.push(fal::PersonInput {
                family_name: cell(&f.family_name.to_uppercase()),
                given_names: cell(&f.given_names.to_uppercase()),
                rank: cell(&f.rank),
                nationality: cell(&f.nationality),
                birth_date: cell(&f.birth_date),
                sex: cell(&f.sex),
                document_type: cell(&f.document_type),
                document_number: cell(&f.document_number),
                document_issuing_state: cell(&f.document_issuing_state),
                document_expiry: cell(&f.document_expiry),
                shore_leave: Some(fal::Cell(
                    if f.shore_leave.is_some() { "1" } else { "0" }.into(),
                )),
                ..fal::PersonInput::default()
            });
        }
    }
    let rows = Ok(fal::json_rows(people));
    let right = match page.who.actor.file_dossiers() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let by = page.who.acting();
    let changed = crate::port::service::replace_list(
        &app,
        &right,
        &by,
        &id,
        ListKind::Crew,
        rows,
        DateStyle::Iso,
    )
    .await;
    after_list_change(&app, page, &id, changed).await
}
