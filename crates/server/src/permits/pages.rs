//! The permits' pages: the gangway scan (a handheld scanner's typed input, or the camera's
//! frames read on the server), the checkpoint's permits with the commander's issue form, and a
//! permit's own page. Forms work without JavaScript.

use crate::app::App;
use crate::http::error::ApiError;
use crate::permits::service::HolderInput;
use crate::permits::service::Issue;
use crate::permits::service::ScanResult;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::PageLang;
use crate::web::check_csrf;
use crate::web::i18n::PermitTexts;
use crate::web::vn_date;
use crate::web::vn_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use base64::Engine as _;
use domain::PermitScope;
use domain::permit::PermitKind;
use serde::Deserialize;
use store::Store;
use store::permit::Movement;
use store::permit::PermitRecord;

fn texts(page: &Page) -> &'static PermitTexts {
    PageLang::of(page).permit()
}

pub use crate::permits::service::code_bytes;

// ---------------------------------------------------------------- the scan

#[derive(Debug)]
pub struct VerdictView {
    valid: bool,
    reason: &'static str,
    kind: &'static str,
    name: String,
    name_mrz: String,
    nationality: String,
    birth_date: String,
    document_number: String,
    vessel: String,
    checkpoint: String,
    validity: String,
    serial: String,
    movement: Option<&'static str>,
    /// Scanned again within the rescan window: the movement shown was recorded just before.
    repeated: bool,
    /// A good seal this node does not hold yet: its movement was not recorded.
    unrecorded: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "scan.html")]
pub struct ScanPage {
    ctx: Ctx,
    pt: &'static PermitTexts,
    direction: String,
    verdict: Option<VerdictView>,
    list_age: String,
    error: Option<String>,
}

fn list_age(
    pt: &PermitTexts,
    app_now: time::OffsetDateTime,
    at: Option<time::OffsetDateTime>,
) -> String {
    match at {
        None => pt.list_none.to_string(),
        Some(t) => format!(
            "{}: {} ({} {})",
            pt.list_age,
            vn_time(t),
            (app_now - t).whole_minutes().max(0),
            pt.minutes_ago
        ),
    }
}

fn scan_page<S: Store>(app: &App<S>, page: Page, direction: String) -> ScanPage {
    let pt = texts(&page);
    let at = app
        .permit_keys
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .trust
        .as_ref()
        .and_then(|t| t.revocations_issued_at());
    ScanPage {
        pt,
        direction,
        verdict: None,
        list_age: list_age(pt, app.now(), at),
        error: None,
        ctx: page.ctx,
    }
}

/// `GET /scan`.
pub async fn scan_form<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    if let Err(e) = page.who.actor.verify_permits() {
        return ApiError::from(e).into_response();
    }
    scan_page(&app, page, "auto".into()).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ScanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    direction: String,
}

fn verdict_view(pt: &PermitTexts, r: &ScanResult, place: &dyn Fn(&str) -> String) -> VerdictView {
    let p = r.permit.as_ref();
    let text = |f: &dyn Fn(&seal::profile::PermitData) -> String| p.map(f).unwrap_or_default();
    VerdictView {
        valid: r.valid,
        reason: r.reason.map_or("", |c| pt.reason(c)),
        kind: p.map_or("", |p| pt.kind(p.kind)),
        name: text(&|p| p.name.clone()),
        name_mrz: text(&|p| p.name_mrz.clone()),
        nationality: text(&|p| p.nationality.clone()),
        birth_date: text(&|p| vn_date(Some(p.birth_date))),
        document_number: text(&|p| p.document_number.clone()),
        vessel: text(&|p| p.vessel_imo.clone().unwrap_or_default()),
        checkpoint: text(&|p| place(&p.checkpoint)),
        validity: text(&|p| {
            format!("{} – {}", vn_date(Some(p.valid_from)), vn_date(Some(p.valid_until)))
        }),
        serial: text(&|p| p.serial.clone()),
        movement: r.movement.map(|m| match m {
            Movement::Ashore => pt.ashore,
            Movement::Aboard => pt.aboard,
        }),
        repeated: r.repeated,
        unrecorded: r.unrecorded,
    }
}

/// `POST /scan`: the verdict, in large colour, with what the guard compares.
pub async fn scan<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<ScanForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    let direction = Movement::parse(&f.direction);
    let pt = texts(&page);
    let who = page.who.clone();
    let mut view = scan_page(&app, page, f.direction.clone());
    let Some(bytes) = code_bytes(&f.code) else {
        view.verdict = Some(VerdictView {
            valid: false,
            reason: pt.reason("unreadable"),
            kind: "",
            name: String::new(),
            name_mrz: String::new(),
            nationality: String::new(),
            birth_date: String::new(),
            document_number: String::new(),
            vessel: String::new(),
            checkpoint: String::new(),
            validity: String::new(),
            serial: String::new(),
            movement: None,
            repeated: false,
            unrecorded: false,
        });
        return (StatusCode::UNPROCESSABLE_ENTITY, view).into_response();
    };
    let here = match who.actor.verify_permits() {
        Ok(h) => h,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match crate::permits::service::scan(&app, here, &who.acting(), &bytes, direction)
        .await
        .map_err(ApiError::from)
    {
        Ok(r) => {
            view.list_age = list_age(pt, app.now(), r.list_issued_at);
            let t = view.ctx.t;
            let place = |code: &str| match domain::CheckpointCode::parse(code) {
                Ok(c) => crate::web::checkpoint_name(&app, t, &c),
                Err(_) => code.to_string(),
            };
            view.verdict = Some(verdict_view(pt, &r, &place));
            view.into_response()
        }
        Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => {
            view.error = Some(pt.keys_not_open.into());
            (e.status, view).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /scan/frame`: a camera frame (JPEG or PNG body; the session's CSRF token in
/// `x-csrf`). 200 with the seal in base64 when a code is in it, 204 when none is.
pub async fn frame(page: Page, headers: HeaderMap, body: Bytes) -> Response {
    let sent = headers.get("x-csrf").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Err(e) = check_csrf(&page, sent) {
        return e.into_response();
    }
    if let Err(e) = page.who.actor.verify_permits() {
        return ApiError::from(e).into_response();
    }
    match tokio::task::spawn_blocking(move || seal::barcode::read_image(&body)).await {
        Ok(Ok(bytes)) => axum::Json(serde_json::json!({
            "seal_base64": base64::engine::general_purpose::STANDARD.encode(bytes)
        }))
        .into_response(),
        Ok(Err(_)) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

// ---------------------------------------------------------------- the checkpoint's permits

#[derive(Debug)]
pub struct PermitRow {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) holder: String,
    pub(crate) document: String,
    pub(crate) validity: String,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
}

fn status_of(
    pt: &PermitTexts,
    r: &PermitRecord,
    today: time::Date,
) -> (&'static str, &'static str) {
    if r.revoked.is_some() {
        (pt.revoked, "deny")
    } else if r.permit.valid_until < today {
        (pt.expired, "refer")
    } else {
        (pt.active, "clear")
    }
}

fn rows(pt: &PermitTexts, list: &[PermitRecord], today: time::Date) -> Vec<PermitRow> {
    list.iter()
        .map(|r| {
            let p = &r.permit;
            let (status, status_class) = status_of(pt, r, today);
            PermitRow {
                id: p.id.clone(),
                kind: pt.kind(p.kind),
                holder: format!("{} {}", p.holder.family_name, p.holder.given_names),
                document: format!("{} {}", p.holder.nationality, p.holder.document_number.as_str()),
                validity: format!(
                    "{} – {}",
                    vn_date(Some(p.valid_from)),
                    vn_date(Some(p.valid_until))
                ),
                status,
                status_class,
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    given_names: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    vessel_imo: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "permits.html")]
pub struct PermitsPage {
    ctx: Ctx,
    pt: &'static PermitTexts,
    can_issue: bool,
    kinds: Vec<(&'static str, &'static str)>,
    form: IssueForm,
    rows: Vec<PermitRow>,
    find: PermitsQuery,
    pager: crate::web::Pager,
    error: Option<String>,
}

/// The list's search: a serial, a document number or a part of the holder's name; a page; a file.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PermitsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    format: Option<String>,
}

async fn permits_page<S: Store>(
    app: &App<S>,
    page: Page,
    form: IssueForm,
    error: Option<String>,
) -> Result<PermitsPage, ApiError> {
    permits_found(app, page, form, error, PermitsQuery::default()).await
}

const PERMITS_PER_PAGE: u32 = 50;

async fn permits_found<S: Store>(
    app: &App<S>,
    page: Page,
    form: IssueForm,
    error: Option<String>,
    find: PermitsQuery,
) -> Result<PermitsPage, ApiError> {
    let pt = texts(&page);
    let scope = page.who.actor.permits()?;
    let checkpoint = match &scope {
        PermitScope::Checkpoint(c) => Some(c.clone()),
        PermitScope::All => None,
    };
    let offset = find.offset.unwrap_or(0);
    let filter = store::permit::PermitFilter {
        checkpoint: checkpoint.clone(),
        text: find.q.trim().to_string(),
        offset,
        limit: PERMITS_PER_PAGE,
        ..Default::default()
    };
    let (list, total) =
        crate::permits::service::list_permits(app, &scope, &page.who.acting(), filter).await?;
    let window = crate::web::Window {
        offset,
        shown: list.len(),
        per_page: u64::from(PERMITS_PER_PAGE),
        total,
        cap: u64::MAX,
    };
    let pager =
        crate::web::Pager::new(page.ctx.t, "/permits", &[("q", find.q.trim().to_string())], window);
    let can_issue = checkpoint.as_ref().is_some_and(|c| page.who.actor.issue_permits_at(c).is_ok());
    let here = checkpoint.as_ref().and_then(|c| app.checkpoints.get(c)).map(|c| c.kind);
    Ok(PermitsPage {
        pt,
        can_issue,
        kinds: PermitKind::ALL
            .into_iter()
            .filter(|k| here.is_some_and(|h| k.issued_at(h)))
            .map(|k| (k.as_str(), pt.kind(k)))
            .collect(),
        form,
        rows: rows(pt, &list, app.today()),
        find,
        pager,
        error,
        ctx: page.ctx,
    })
}

/// `GET /permits`: the list searched and paged, or as a file.
pub async fn list<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    axum::extract::Query(q): axum::extract::Query<PermitsQuery>,
) -> Response {
    if let Some(format) = crate::web::export::Format::asked(q.format.as_deref()) {
        return permits_file(&app, &page, &q, format).await.unwrap_or_else(|e| e.into_response());
    }
    match permits_found(&app, page, IssueForm::default(), None, q).await {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn permits_file<S: Store>(
    app: &App<S>,
    page: &Page,
    q: &PermitsQuery,
    format: crate::web::export::Format,
) -> Result<Response, ApiError> {
    let pt = texts(page);
    let scope = page.who.actor.permits()?;
    let filter = store::permit::PermitFilter {
        text: q.q.trim().to_string(),
        limit: 10_000,
        ..Default::default()
    };
    let (list, _) =
        crate::permits::service::list_permits(app, &scope, &page.who.acting(), filter).await?;
    let mut sheet = crate::web::export::Sheet::new(
        "giay-phep",
        vec![
            pt.serial,
            pt.kind,
            pt.holder,
            pt.document_number,
            pt.checkpoint,
            pt.validity,
            pt.status,
        ],
    );
    for (r, p) in rows(pt, &list, app.today()).into_iter().zip(&list) {
        sheet.push(vec![
            p.permit.serial.clone().into(),
            r.kind.into(),
            r.holder.clone().into(),
            r.document.clone().into(),
            crate::web::checkpoint_name(app, page.ctx.t, &p.permit.checkpoint).into(),
            r.validity.clone().into(),
            r.status.into(),
        ]);
    }
    Ok(sheet.respond(format))
}

/// `POST /permits`: the commander issues one.
pub async fn issue<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<IssueForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    let Some(checkpoint) = page.who.actor.checkpoint.clone() else {
        return ApiError::from(domain::Forbidden(
            "only a checkpoint's commander issues permits".into(),
        ))
        .into_response();
    };
    let result = async {
        let kind = PermitKind::parse_field("kind", &f.kind)?;
        let holder = crate::permits::service::holder(&HolderInput {
            family_name: f.family_name.clone(),
            given_names: f.given_names.clone(),
            nationality: f.nationality.clone(),
            birth_date: f.birth_date.clone(),
            document_number: f.document_number.clone(),
        })?;
        let vessel = f.vessel_imo.trim();
        let issue = Issue {
            kind,
            holder,
            vessel_imo: (!vessel.is_empty())
                .then(|| domain::port::ImoNumber::parse(vessel))
                .transpose()?,
            valid_from: if f.valid_from.trim().is_empty() {
                app.today()
            } else {
                crate::permits::service::day("valid_from", &f.valid_from)?
            },
            valid_until: crate::permits::service::day("valid_until", &f.valid_until)?,
        };
        let right = page.who.actor.issue_permits_at(&checkpoint)?;
        crate::permits::service::issue(&app, &right, &page.who.acting(), None, vec![issue])
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(issued) => crate::web::redirect(&format!("/permits/{}", issued[0].permit.id)),
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            let status = e.status;
            let message = if status == StatusCode::SERVICE_UNAVAILABLE {
                texts(&page).keys_not_open.to_string()
            } else {
                e.message
            };
            match permits_page(&app, page, f, Some(message)).await {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------- one permit

#[derive(Debug, Template, WebTemplate)]
#[template(path = "permit.html")]
pub struct PermitPage {
    ctx: Ctx,
    pt: &'static PermitTexts,
    id: String,
    kind: &'static str,
    name: String,
    nationality: String,
    birth_date: String,
    document_number: String,
    vessel: String,
    checkpoint: String,
    validity: String,
    serial: String,
    signer: String,
    issued: String,
    status: &'static str,
    status_class: &'static str,
    revocation: String,
    can_revoke: bool,
    movements: Vec<(String, &'static str, String)>,
}

/// `GET /permits/{id}`: audited.
pub async fn one<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let (r, moves) =
        match crate::permits::service::read_permit(&app, &page.who.actor, &page.who.acting(), &id)
            .await
        {
            Ok(x) => x,
            Err(e) => return ApiError::from(e).into_response(),
        };
    let pt = texts(&page);
    let p = &r.permit;
    let (status, status_class) = status_of(pt, &r, app.today());
    let view = PermitPage {
        pt,
        id: p.id.clone(),
        kind: pt.kind(p.kind),
        name: format!("{} {}", p.holder.family_name, p.holder.given_names),
        nationality: p.holder.nationality.to_string(),
        birth_date: vn_date(Some(p.holder.birth_date)),
        document_number: p.holder.document_number.as_str().to_string(),
        vessel: p.vessel_imo.map(|v| v.to_string()).unwrap_or_default(),
        checkpoint: crate::web::checkpoint_name(&app, page.ctx.t, &p.checkpoint),
        validity: format!("{} – {}", vn_date(Some(p.valid_from)), vn_date(Some(p.valid_until))),
        serial: p.serial.clone(),
        signer: p.signer.clone(),
        issued: format!("{} · {}", vn_time(r.issued_at), p.issued_by.trim_start_matches("user:")),
        status,
        status_class,
        revocation: r
            .revoked
            .as_ref()
            .map(|v| {
                format!(
                    "{} · {} · {}",
                    vn_time(v.at),
                    v.by.trim_start_matches("user:"),
                    v.reason.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        can_revoke: r.revoked.is_none() && page.who.actor.issue_permits_at(&p.checkpoint).is_ok(),
        movements: moves
            .iter()
            .map(|m| {
                let d = match m.direction {
                    Movement::Ashore => pt.ashore,
                    Movement::Aboard => pt.aboard,
                };
                (vn_time(m.at), d, m.actor.clone())
            })
            .collect(),
        ctx: page.ctx,
    };
    view.into_response()
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /permits/{id}/revoke`.
pub async fn revoke<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    match crate::permits::service::revoke_one(
        &app,
        &page.who.actor,
        &page.who.acting(),
        &id,
        Some(f.reason),
    )
    .await
    .map_err(ApiError::from)
    {
        Ok(_) => crate::web::redirect(&format!("/permits/{id}")),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /dossiers/{id}/shore-passes`: from the dossier's page, the crew's passes in one action.
pub async fn shore_passes<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    match crate::permits::service::crew_passes(&app, &page.who.actor, &page.who.acting(), &id, None)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => crate::web::redirect(&format!("/dossiers/{id}#shore-passes")),
        Err(e) => e.into_response(),
    }
}

/// The shore passes of a dossier, for its page: rows and whether more can be issued.
pub async fn dossier_passes<S: Store>(
    app: &App<S>,
    page: &Page,
    dossier: &store::port::DossierRecord,
) -> Result<(Vec<PermitRow>, bool), ApiError> {
    if page.who.actor.permits().is_err() {
        return Ok((Vec::new(), false));
    }
    let list = crate::permits::service::of_dossier(app, &dossier.id).await?;
    let eligible = crate::permits::service::gives_shore_passes(dossier)
        && page.who.actor.issue_permits_at(&dossier.checkpoint).is_ok();
    let waiting = crate::permits::service::waiting_for_pass(dossier, &list).next().is_some();
    Ok((rows(texts(page), &list, app.today()), eligible && waiting))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scanner_types_base64_hex_or_the_bytes_themselves() {
        let seal = vec![0xDC, 0x03, 0x00, 0x7F, 0xFF, 0x0A];
        let b64 = base64::engine::general_purpose::STANDARD.encode(&seal);
        assert_eq!(code_bytes(&format!("  {b64}\n")), Some(seal.clone()));
        assert_eq!(code_bytes("DC03007FFF0A"), Some(seal.clone()));
        assert_eq!(code_bytes("dc 03 00 7f ff 0a"), Some(seal.clone()));
        let typed: String = seal.iter().map(|&b| char::from(b)).collect();
        assert_eq!(code_bytes(&typed).map(|b| b[..5].to_vec()), Some(seal[..5].to_vec()));
        assert_eq!(code_bytes("   "), None);
        assert_eq!(code_bytes("không phải mã"), None);
        assert_eq!(code_bytes("Ü\u{4E00}"), None, "a character beyond a byte");
    }
}
