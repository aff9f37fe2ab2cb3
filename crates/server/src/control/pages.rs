//! The desk (read, decide, record), a traveller's history and the checkpoint's board.

use crate::app::App;
use crate::control::service::Outcome;
use crate::control::service::{
    ControlError, CrossingAsked, DocumentAsked, ItemResult, find_history, record_many,
};
use crate::http::error::ApiError;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::Pager;
use crate::web::check_csrf;
use crate::web::i18n::Texts;
use crate::web::i18n::thousands;
use crate::web::vn_date;
use crate::web::vn_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::CheckpointCode;
use domain::Decision;
use domain::Direction;
use domain::Role;
use domain::bounds::VIETNAM;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use store::Store;

// ---------------------------------------------------------------- the desk

#[derive(Debug)]
pub struct VerdictView {
    pub class: &'static str,
    pub word: &'static str,
    pub reasons: Vec<String>,
    pub name: String,
    pub document: String,
    pub nationality: String,
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
    pub hits: Vec<HitView>,
    /// A refusal only: the rules deny, so the traveller may not be recorded as crossing.
    pub deny: bool,
    /// For a border pass: whether it needs its stamp today, in words.
    pub stamp: Option<(bool, String)>,
    /// At a node: whose history the sequence was judged on, and whether that is the post's
    /// own only.
    pub history: Option<(bool, String)>,
}

#[derive(Debug)]
pub struct HitView {
    pub entry_id: String,
    pub name: String,
    pub score: String,
    pub action: &'static str,
    pub listed_for: String,
    pub reasons: String,
    pub dismissed: bool,
}

/// A listing held back: its whole name matches, but the name is common and the list has no
/// full date of birth.
#[derive(Debug)]
pub struct HeldView {
    pub entry_id: String,
    pub name: String,
    pub score: String,
    pub listed_for: String,
    pub reasons: String,
}

#[derive(Debug)]
pub struct CrossingView {
    pub when: String,
    pub checkpoint: String,
    pub direction: &'static str,
    pub channel: String,
    pub decision: &'static str,
    pub decision_class: &'static str,
    pub refused: bool,
    pub stamped: bool,
}

fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Clear => "clear",
        Decision::Refer => "refer",
        Decision::Deny => "deny",
    }
}

/// Crossings as the pages list them: the checkpoint by its name, the channel in words.
fn crossing_views<S: Store>(
    app: &App<S>,
    t: &Texts,
    list: &[store::CrossingRecord],
) -> Vec<CrossingView> {
    list.iter()
        .map(|c| CrossingView {
            when: vn_time(c.at),
            checkpoint: crate::web::checkpoint_name(app, t, &c.checkpoint),
            direction: if c.crossed() {
                t.direction_word(c.direction)
            } else {
                t.refused_word(c.direction)
            },
            channel: t.channel_word(c.channel).to_string(),
            decision: t.verdict(c.decision),
            decision_class: decision_class(c.decision),
            refused: !c.crossed(),
            stamped: c.stamped,
        })
        .collect()
}

fn verdict_view(t: &Texts, o: &Outcome) -> VerdictView {
    let d = &o.traveller;
    let vi = t.lang == "vi";
    // A live hit is never shown under the green band, whatever its entry asks.
    let hit = o.watchlist_hits.iter().any(|h| !h.dismissed);
    let (class, word) = match o.decision() {
        Decision::Clear if hit => ("notify", t.verdict_notify),
        d => (decision_class(d), t.verdict(d)),
    };
    VerdictView {
        class,
        word,
        deny: o.decision() == Decision::Deny,
        stamp: o.stamp.as_ref().map(|s| {
            if s.due {
                (true, t.stamp_due.to_string())
            } else {
                (false, format!("{} {}", t.stamp_not_due, vn_date(s.last_day)))
            }
        }),
        history: o
            .history
            .as_ref()
            .map(|h| (h.scope == "this_post", if vi { h.note_vi.clone() } else { h.note.clone() })),
        reasons: o.verdict.reasons.iter().map(|r| r.said(vi).to_string()).collect(),
        name: d.full_name(),
        document: format!("{} {}/{}", t.doc_type_word(d.doc_type), d.issuing_state, d.number),
        nationality: d.nationality.map(|c| c.to_string()).unwrap_or_default(),
        birth_date: vn_date(d.birth_date),
        sex: d.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
        expiry_date: vn_date(d.expiry_date),
        hits: o
            .watchlist_hits
            .iter()
            .map(|h| HitView {
                entry_id: h.entry_id.clone(),
                name: h.matched_name.clone(),
                score: crate::web::i18n::decimal(f64::from(h.score), 2, t.lang),
                action: t.action_word(h.action),
                listed_for: h.listed_for.clone(),
                reasons: if vi { h.reasons_vi.join("; ") } else { h.reasons.join("; ") },
                dismissed: h.dismissed,
            })
            .collect(),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk.html")]
pub struct DeskPage {
    ctx: Ctx,
    entry_selected: bool,
    mrz: String,
    verdict: Option<VerdictView>,
    crossings: Vec<CrossingView>,
    crossing_id: String,
    manual: ManualFields,
    notice: Option<String>,
    error: Option<String>,
    /// The e-gates' referrals waiting for an officer.
    referrals: Vec<crate::egate::pages::ReferralRow>,
    /// The listings held back, once the officer asks for them.
    held_back: Option<Vec<HeldView>>,
    g: &'static crate::web::i18n::GateTexts,
}

impl DeskPage {
    fn new(ctx: Ctx, direction: Direction) -> Self {
        let lang = if ctx.t.lang == "en" {
            crate::web::i18n::Lang::En
        } else {
            crate::web::i18n::Lang::Vi
        };
        DeskPage {
            g: lang.gates(),
            referrals: Vec::new(),
            held_back: None,
            ctx,
            entry_selected: direction == Direction::Entry,
            mrz: String::new(),
            verdict: None,
            crossings: Vec::new(),
            crossing_id: String::new(),
            manual: ManualFields::default(),
            notice: None,
            error: None,
        }
    }
}

fn may_use_desk(page: &Page) -> Result<CheckpointCode, ApiError> {
    let cp = page.who.actor.checkpoint.clone();
    match cp {
        Some(cp) if page.who.actor.act_at(&cp).is_ok() => Ok(cp),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", page.ctx.t.forbidden)),
    }
}

pub async fn desk<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    if let Err(r) = may_use_desk(&page) {
        return r.into_response();
    }
    let mut view = DeskPage::new(page.ctx.clone(), Direction::Exit);
    view.referrals = referrals(&app, &page).await;
    view.into_response()
}

/// The gates' referrals waiting at this desk, newest first; none when they cannot be read (the
/// desk still works, and the cause is logged).
async fn referrals<S: Store>(app: &App<S>, page: &Page) -> Vec<crate::egate::pages::ReferralRow> {
    let Some(cp) = page.who.actor.checkpoint.clone() else { return Vec::new() };
    let Ok(right) = page.who.actor.act_at(&cp) else { return Vec::new() };
    let g = crate::web::PageLang::of(page).gates();
    match crate::egate::service::waiting(app, &right, &page.who.acting()).await {
        Ok(list) => {
            list.iter().map(|r| crate::egate::pages::referral_row(r, &page.ctx, g)).collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the gates' referrals");
            Vec::new()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DeskForm {
    #[serde(default)]
    csrf: String,
    direction: String,
    #[serde(default)]
    mrz: String,
    #[serde(default)]
    crossing_id: String,
    /// `refused` from the refusal's button; a crossing otherwise.
    #[serde(default)]
    outcome: String,
    /// The officer stamped the border pass.
    #[serde(default)]
    stamped: Option<String>,
    /// A gate's referral the officer takes over with this check.
    #[serde(default)]
    referral: String,
    /// The officer asks for the listings held back as well.
    #[serde(default)]
    explain: Option<String>,
    /// The fields typed by hand; the record form carries them on as the check read them.
    #[serde(flatten)]
    manual: ManualFields,
}

impl DeskForm {
    /// The document as the form gives it: the fields typed by hand when there is no MRZ.
    fn asked(&self) -> DocumentAsked {
        if self.mrz.trim().is_empty() && !self.manual.is_empty() {
            self.manual.asked()
        } else {
            DocumentAsked::Mrz(self.mrz.clone())
        }
    }

    /// What makes a second press of the record key the same crossing: the same id, the same
    /// checkpoint and way, the same document as typed.
    fn fingerprint(&self, id: uuid::Uuid, cp: &CheckpointCode, direction: Direction) -> String {
        let m = &self.manual;
        let typed = [
            self.mrz.trim(),
            &m.doc_type,
            &m.number,
            &m.issuing_state,
            &m.surname,
            &m.given_names,
            &m.nationality,
            &m.birth_date,
            &m.sex,
            &m.expiry_date,
            &m.issuing_area,
        ]
        .join("\u{1f}");
        let how = format!("{}\n{}", self.outcome.trim(), self.stamped.is_some());
        hex::encode(Sha256::digest(
            format!("desk\n{id}\n{cp}\n{direction}\n{how}\n{typed}").as_bytes(),
        ))
    }
}

/// A document typed by hand at the desk (a border pass without an MRZ, a damaged one).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ManualFields {
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuing_state: String,
    #[serde(default)]
    surname: String,
    #[serde(default)]
    given_names: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    expiry_date: String,
    #[serde(default)]
    issuing_area: String,
}

impl ManualFields {
    fn is_empty(&self) -> bool {
        self.number.trim().is_empty() && self.surname.trim().is_empty()
    }

    /// The fields as the control reads them.
    fn asked(&self) -> DocumentAsked {
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        DocumentAsked::Fields(Box::new(domain::DocumentInput {
            doc_type: Some(opt(&self.doc_type).unwrap_or_else(|| "passport".into())),
            number: Some(self.number.trim().to_string()),
            issuing_state: Some(self.issuing_state.trim().to_string()),
            surname: Some(self.surname.trim().to_string()),
            given_names: opt(&self.given_names),
            nationality: opt(&self.nationality),
            birth_date: opt(&self.birth_date).map(|d| crate::web::typed_date(&d)),
            sex: opt(&self.sex),
            expiry_date: opt(&self.expiry_date).map(|d| crate::web::typed_date(&d)),
            issuing_area: opt(&self.issuing_area),
        }))
    }
}

/// The document the desk was given: the fields typed by hand, an MRZ, or a border pass's
/// barcode (its seal's text, as a scanner types it), with what the seal says against it.
async fn desk_document<S: Store>(
    app: &App<S>,
    f: &DeskForm,
) -> Result<(DocumentAsked, Vec<domain::Reason>), ApiError> {
    let asked = f.asked();
    let DocumentAsked::Mrz(text) = &asked else { return Ok((asked, Vec::new())) };
    // Every MRZ has `<` fillers; a seal's text as a scanner types it (base64, hex) has none,
    // or begins with the seal's own marker.
    let sealed = text.trim_start().starts_with('\u{DC}') || !text.contains('<');
    let Some(bytes) = sealed.then(|| crate::permits::pages::code_bytes(text)).flatten() else {
        return Ok((asked, Vec::new()));
    };
    match crate::permits::service::border_pass_at_desk(app, &bytes).await {
        Ok(Some((input, problems))) => Ok((DocumentAsked::Fields(Box::new(input)), problems)),
        Ok(None) => Ok((asked, Vec::new())),
        // Without the keys open, the pass is read by its MRZ or by hand.
        Err(crate::permits::service::PermitsError::KeysNotOpen) => Ok((asked, Vec::new())),
        Err(e) => Err(e.into()),
    }
}

/// A desk form's own checks: its CSRF token, the user's checkpoint, the direction.
fn desk_form(page: &Page, f: &DeskForm) -> Result<(CheckpointCode, Direction), ApiError> {
    check_csrf(page, &f.csrf)?;
    let cp = may_use_desk(page)?;
    Ok((cp, Direction::parse(&f.direction)?))
}

pub async fn desk_check<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<DeskForm>,
) -> Response {
    let (cp, direction) = match desk_form(&page, &f) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let t = page.ctx.t;
    let mut view = DeskPage::new(page.ctx.clone(), direction);
    view.mrz = f.mrz.clone();
    view.manual = f.manual.clone();
    let (asked, seal_problems) = match desk_document(&app, &f).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let mut reading = match asked.read(app.today()) {
        Ok(r) => r,
        Err(e) => {
            view.error = Some(crate::web::said(t, &ApiError::from(e)));
            return (StatusCode::BAD_REQUEST, view).into_response();
        }
    };
    reading.problems.extend(seal_problems);
    let right = match page.who.actor.act_at(&cp) {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !f.referral.trim().is_empty() {
        let g = crate::web::PageLang::of(&page).gates();
        let id = f.referral.trim();
        match crate::egate::service::take(&app, &right, &page.who.acting(), id).await {
            Ok(r) => {
                let row = crate::egate::pages::referral_row(&r, &page.ctx, g);
                view.notice = Some(format!(
                    "{} {} ({}): {}",
                    g.taken_from,
                    row.gate,
                    row.at,
                    row.reasons.join("; ")
                ));
            }
            Err(crate::egate::service::EgateError::NotFound(_)) => {
                view.error = Some(g.referral_gone.to_string());
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let outcome = match crate::control::service::check_audited(
        &app,
        &right,
        &page.who.acting(),
        direction,
        &reading,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if f.explain.is_some() {
        let held = match crate::control::service::held_back_audited(
            &app,
            &page.who.acting(),
            &reading.document,
        )
        .await
        {
            Ok(h) => h,
            Err(e) => return ApiError::from(e).into_response(),
        };
        let vi = t.lang == "vi";
        view.held_back = Some(
            held.into_iter()
                .map(|h| HeldView {
                    entry_id: h.entry_id,
                    name: h.matched_name,
                    score: crate::web::i18n::decimal(f64::from(h.score), 2, t.lang),
                    listed_for: h.listed_for,
                    reasons: if vi { h.reasons_vi.join("; ") } else { h.reasons.join("; ") },
                })
                .collect(),
        );
    }
    view.crossings = crossing_views(&app, t, &outcome.recent_crossings);
    view.verdict = Some(verdict_view(t, &outcome));
    // Made now, so that pressing the key twice records once.
    view.crossing_id = uuid::Uuid::new_v4().hyphenated().to_string();
    view.into_response()
}

pub async fn desk_record<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<DeskForm>,
) -> Response {
    let (cp, direction) = match desk_form(&page, &f) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let t = page.ctx.t;
    let outcome = match f.outcome.trim() {
        "" => Ok(domain::CrossingOutcome::Crossed),
        o => domain::CrossingOutcome::parse(o),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (document, seal_problems) = match desk_document(&app, &f).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let item = uuid::Uuid::parse_str(f.crossing_id.trim())
        .map_err(|_| {
            ControlError::InvalidId(format!(
                "{:?} is not a UUID",
                domain::bounds::clip(&f.crossing_id)
            ))
        })
        .map(|id| CrossingAsked {
            id,
            checkpoint: cp.clone(),
            direction,
            channel: domain::Channel::Manual,
            at: None,
            decision: None,
            outcome,
            refused_when_denied: true,
            seal_problems,
            stamped: f.stamped.is_some(),
            body_hash: f.fingerprint(id, &cp, direction),
            document: Ok(document),
        });
    let mut view = DeskPage::new(page.ctx.clone(), direction);
    match record_many(&app, &page.who.actor, &page.who.acting(), vec![item], false).await.pop() {
        Some(ItemResult::Stored { created, record }) => {
            let word = if created { t.recorded } else { t.recorded_before };
            let what = if record.crossed() {
                format!("{} — {}", t.direction_word(record.direction), t.verdict(record.decision))
            } else {
                t.refused_word(record.direction).to_string()
            };
            let stamp =
                if record.stamped { format!(" — {}", t.stamp_given) } else { String::new() };
            view.notice = Some(format!("{word}: {what}{stamp} — {}", vn_time(record.at)));
            if let Ok(list) = app.store.crossings_of(record.traveller_id, 5).await {
                view.crossings = crossing_views(&app, t, &list);
            }
            view.into_response()
        }
        Some(ItemResult::Failed(e)) => {
            let e = ApiError::from(e);
            view.mrz = f.mrz;
            view.error = Some(crate::web::said(t, &e));
            (e.status, view).into_response()
        }
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// ---------------------------------------------------------------- history

#[derive(Debug, Template, WebTemplate)]
#[template(path = "history.html")]
pub struct HistoryPage {
    ctx: Ctx,
    q: HistoryForm,
    searched: bool,
    results: Vec<(String, String, Vec<CrossingView>)>,
    pager: Option<Pager>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryForm {
    #[serde(default)]
    issuing_state: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    offset: Option<u32>,
    /// `csv` or `xlsx`: the search as a file.
    #[serde(default)]
    format: Option<String>,
}

impl HistoryForm {
    fn searched(&self) -> bool {
        !(self.number.trim().is_empty() && self.name.trim().is_empty())
    }

    /// The search as the service reads it: by number (and issuing state), else by name.
    fn query(&self, offset: Option<u32>, limit: u32) -> crate::control::service::HistoryQuery {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let by_number = !self.number.trim().is_empty();
        crate::control::service::HistoryQuery {
            issuing_state: if by_number { opt(&self.issuing_state) } else { None },
            number: opt(&self.number),
            name: if by_number { None } else { opt(&self.name) },
            birth_date: Some(crate::web::typed_date(&self.birth_date)).filter(|s| !s.is_empty()),
            limit: Some(limit),
            offset,
        }
    }

    /// The search's own parameters, for the links of its pages.
    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("issuing_state", self.issuing_state.trim().to_string()),
            ("number", self.number.trim().to_string()),
            ("name", self.name.trim().to_string()),
            ("birth_date", self.birth_date.trim().to_string()),
        ]
    }
}

/// Travellers searched for, with their latest crossings; `Err` is said in the page's words.
async fn search_history<S: Store>(
    app: &App<S>,
    page: &Page,
    q: &HistoryForm,
    offset: Option<u32>,
    limit: u32,
) -> Result<crate::control::service::HistoryFound, ApiError> {
    let right = page.who.actor.read_history()?;
    let (asked, limit) = q.query(offset, limit).read()?;
    Ok(find_history(app, &right, &page.who.acting(), &asked, limit).await?)
}

pub async fn history<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<HistoryForm>,
) -> Response {
    if let Err(e) = page.who.actor.read_history() {
        return ApiError::from(e).into_response();
    }
    let t = page.ctx.t;
    if let Some(format) = crate::web::export::Format::asked(q.format.as_deref()) {
        return history_file(&app, &page, &q, format).await;
    }
    let searched = q.searched();
    let mut view = HistoryPage {
        ctx: page.ctx.clone(),
        q: HistoryForm::default(),
        searched,
        results: Vec::new(),
        pager: None,
        error: None,
    };
    if searched {
        match search_history(&app, &page, &q, q.offset, 50).await {
            Ok(found) => {
                let many = q.number.trim().is_empty() || q.issuing_state.trim().is_empty();
                if many && found.total > 0 {
                    let window = crate::web::Window {
                        offset: u64::from(found.offset),
                        shown: found.people.len(),
                        per_page: u64::from(crate::control::service::HISTORY_PAGE),
                        total: found.total,
                        cap: store::TRAVELLER_COUNT_CAP,
                    };
                    view.pager = Some(Pager::new(t, "/history", &q.params(), window));
                }
                for (tr, crossings) in found.people {
                    let d = &tr.document;
                    let doc = format!(
                        "{} {}/{} · {} {}",
                        t.doc_type_word(d.doc_type),
                        d.issuing_state,
                        d.number,
                        t.birth_date,
                        vn_date(d.birth_date)
                    );
                    view.results.push((d.full_name(), doc, crossing_views(&app, t, &crossings)));
                }
            }
            Err(e) => view.error = Some(crate::web::said(t, &e)),
        }
    }
    view.q = q;
    view.into_response()
}

/// The search as a file: every traveller found (up to the export's rows), a row per crossing.
async fn history_file<S: Store>(
    app: &App<S>,
    page: &Page,
    q: &HistoryForm,
    format: crate::web::export::Format,
) -> Response {
    use crate::web::export::{Cell, Sheet};
    let t = page.ctx.t;
    let mut sheet = Sheet::new(
        "lich-su-xuat-nhap-canh",
        vec![
            t.name,
            t.doc_type,
            t.issuing_state,
            t.number,
            t.nationality,
            t.birth_date,
            t.when,
            t.checkpoint,
            t.direction,
            t.channel,
            t.decision,
        ],
    );
    if !q.searched() {
        return sheet.respond(format);
    }
    let mut offset = 0u32;
    'pages: loop {
        let found = match search_history(app, page, q, Some(offset), 1_000).await {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        };
        let n = found.people.len() as u32;
        for (tr, crossings) in &found.people {
            let d = &tr.document;
            let person = |c: Vec<Cell>| {
                let mut row: Vec<Cell> = vec![
                    d.full_name().into(),
                    t.doc_type_word(d.doc_type).into(),
                    d.issuing_state.as_str().into(),
                    d.number.as_str().into(),
                    d.nationality.map(|c| c.to_string()).unwrap_or_default().into(),
                    vn_date(d.birth_date).into(),
                ];
                row.extend(c);
                row
            };
            if crossings.is_empty() && !sheet.push(person(Vec::new())) {
                break 'pages;
            }
            for c in crossing_views(app, t, crossings) {
                let row = person(vec![
                    c.when.into(),
                    c.checkpoint.into(),
                    c.direction.into(),
                    c.channel.into(),
                    c.decision.into(),
                ]);
                if !sheet.push(row) {
                    break 'pages;
                }
            }
        }
        offset += n;
        if n == 0 || u64::from(offset) >= found.total.min(store::TRAVELLER_COUNT_CAP) {
            break;
        }
    }
    sheet.respond(format)
}

// ---------------------------------------------------------------- today's board

#[derive(Debug)]
pub struct BarView {
    pub hour: String,
    pub entry: i64,
    pub exit: i64,
    pub entry_h: f64,
    pub exit_h: f64,
    pub x: f64,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    ctx: Ctx,
    checkpoint: String,
    checkpoint_name: String,
    checkpoints: Vec<(String, String, bool)>,
    date: String,
    bars: Vec<BarView>,
    /// The value axis: each tick's height and its number.
    ticks: Vec<(f64, String)>,
    total_entry: String,
    total_exit: String,
    total_refused: String,
    nation_entry: String,
    nation_exit: String,
    nation_refused: String,
}

/// Crossings of a day by hour (entries, exits) and the refusals of the day.
fn per_hour(counts: &[store::HourCount], first_hour: i64) -> ([(i64, i64); 24], i64) {
    let mut per = [(0i64, 0i64); 24];
    let mut refused = 0;
    for c in counts {
        if c.outcome == domain::CrossingOutcome::Refused {
            refused += c.count;
            continue;
        }
        let h = (c.hour - first_hour).clamp(0, 23) as usize;
        match c.direction {
            Direction::Entry => per[h].0 += c.count,
            Direction::Exit => per[h].1 += c.count,
        }
    }
    (per, refused)
}

/// A round top for the value axis (1, 2 or 5 times a power of ten) at or above `max`.
pub(crate) fn nice_top(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    checkpoint: Option<String>,
}

pub async fn board<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<BoardQuery>,
) -> Response {
    let t = page.ctx.t;
    let actor = &page.who.actor;
    let code = match (actor.role(), &actor.checkpoint, &q.checkpoint) {
        (Some(Role::Officer | Role::Commander), Some(cp), _) => cp.clone(),
        (Some(Role::Analyst), _, Some(c)) => match CheckpointCode::parse(c) {
            Ok(c) => c,
            Err(e) => return ApiError::from(e).into_response(),
        },
        (Some(Role::Analyst), _, None) => match app.checkpoints.keys().min() {
            Some(c) => c.clone(),
            None => return ApiError::not_found("no checkpoints").into_response(),
        },
        _ => return (StatusCode::FORBIDDEN, t.forbidden).into_response(),
    };
    let Some(cp) = app.checkpoints.get(&code) else {
        return ApiError::not_found(format!("checkpoint {code}")).into_response();
    };
    let now = domain::bounds::at_offset(app.now(), VIETNAM);
    let start = now.replace_time(time::Time::MIDNIGHT);
    let end = start + time::Duration::days(1);
    let (counts, nation) = match tokio::try_join!(
        app.store.crossings_by_hour(Some(&code), start, end),
        app.store.crossings_by_hour(None, start, end)
    ) {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let first_hour = start.unix_timestamp() / 3600;
    let (per, refused) = per_hour(&counts, first_hour);
    let (nation_per, nation_refused) = per_hour(&nation, first_hour);
    let top = nice_top(per.iter().map(|p| p.0.max(p.1)).max().unwrap_or(0).max(1));
    let max = top as f64;
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|v| (180.0 - 160.0 * v as f64 / max, thousands(v, t.lang)))
        .collect();
    let bars = per
        .iter()
        .enumerate()
        .map(|(h, &(entry, exit))| BarView {
            hour: format!("{h:02}"),
            entry,
            exit,
            entry_h: 160.0 * entry as f64 / max,
            exit_h: 160.0 * exit as f64 / max,
            x: 40.0 + h as f64 * 30.0,
        })
        .collect();
    let mut checkpoints: Vec<(String, String, bool)> = app
        .checkpoints
        .values()
        .map(|c| (c.code.to_string(), c.name_vi.clone(), c.code == code))
        .collect();
    checkpoints.sort();
    BoardPage {
        ctx: page.ctx.clone(),
        checkpoint: code.to_string(),
        checkpoint_name: cp.name_vi.clone(),
        checkpoints: if actor.role() == Some(Role::Analyst) { checkpoints } else { Vec::new() },
        date: vn_date(Some(now.date())),
        total_entry: thousands(per.iter().map(|p| p.0).sum(), t.lang),
        total_exit: thousands(per.iter().map(|p| p.1).sum(), t.lang),
        total_refused: thousands(refused, t.lang),
        nation_entry: thousands(nation_per.iter().map(|p| p.0).sum(), t.lang),
        nation_exit: thousands(nation_per.iter().map(|p| p.1).sum(), t.lang),
        nation_refused: thousands(nation_refused, t.lang),
        ticks,
        bars,
    }
    .into_response()
}
