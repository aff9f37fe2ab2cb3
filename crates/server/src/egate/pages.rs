//! The gate board: each gate's figures over the last 24 hours, the gates gone quiet, the latest
//! referrals with their reasons, and the commander's thresholds. It refreshes itself every
//! half minute; the thresholds' form works without JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::egate::{GateDecision, Score, Thresholds};
use domain::{GateScope, Reason};
use serde::Deserialize;
use store::Store;
use store::egate::{EgateFilter, EgateRecord};

use crate::app::App;
use crate::egate::service;
use crate::http::error::ApiError;
use crate::web::i18n::GateTexts;
use crate::web::{Ctx, Page, PageLang, check_csrf, vn_time};

#[derive(Debug)]
pub struct GateRow {
    pub checkpoint: String,
    pub gate: String,
    pub opened: String,
    pub referred: String,
    pub mean_seconds: String,
    pub platform_ms: String,
    pub last: String,
    pub quiet: bool,
}

/// A referral as a page shows it, its reasons in the page's language.
#[derive(Debug)]
pub struct ReferralRow {
    pub id: String,
    pub at: String,
    pub gate: String,
    pub holder: String,
    pub document: String,
    pub direction: &'static str,
    pub direction_word: &'static str,
    pub reasons: Vec<String>,
    pub taken_by: String,
    /// What the gate read, for the desk to check again.
    pub document_text: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "gates.html")]
pub struct GatesPage {
    ctx: Ctx,
    g: &'static GateTexts,
    all: bool,
    rows: Vec<GateRow>,
    referrals: Vec<ReferralRow>,
    thresholds: Option<(String, String, String)>,
    /// At a checkpoint's node the thresholds come from headquarters: shown, not set.
    thresholds_here: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn number(v: f64, digits: usize, en: bool) -> String {
    let s = format!("{v:.digits$}");
    if en { s } else { s.replace('.', ",") }
}

/// A referral's line, in the page's language.
pub fn referral_row(r: &EgateRecord, ctx: &Ctx, g: &GateTexts) -> ReferralRow {
    let vi = ctx.t.lang != "en";
    let (holder, document) = match &r.document {
        Some(d) => (d.holder.clone(), format!("{} {}", d.issuing_state, d.number)),
        None => (g.unread.to_string(), String::new()),
    };
    ReferralRow {
        id: r.id.clone(),
        at: vn_time(r.at),
        gate: r.gate.to_string(),
        holder,
        document,
        direction: r.direction.as_str(),
        direction_word: match r.direction {
            domain::Direction::Entry => ctx.t.entry,
            domain::Direction::Exit => ctx.t.exit,
        },
        reasons: r
            .reasons
            .iter()
            .map(|k| Reason::new(&k.code, k.message.clone(), k.vi.clone()).said(vi).to_string())
            .collect(),
        taken_by: r.taken_by.clone().unwrap_or_default(),
        document_text: r.document_text.clone().unwrap_or_default(),
    }
}

async fn render<S: Store>(
    app: &App<S>,
    page: Page,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let scope = match page.who.actor.gate_board() {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let g = PageLang::of(&page).gates();
    let en = page.ctx.t.lang == "en";
    let lines = match service::board(app, &scope).await {
        Ok(l) => l,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rows = lines
        .iter()
        .map(|l| GateRow {
            checkpoint: l.summary.checkpoint.to_string(),
            gate: l.summary.gate.to_string(),
            opened: crate::web::i18n::thousands(l.summary.opened as i64, page.ctx.t.lang),
            referred: crate::web::i18n::thousands(l.summary.referred as i64, page.ctx.t.lang),
            mean_seconds: l.mean_seconds.map(|s| number(s, 1, en)).unwrap_or_default(),
            platform_ms: number(l.mean_platform_ms, 1, en),
            last: vn_time(l.summary.last_at),
            quiet: l.quiet,
        })
        .collect();
    let filter = EgateFilter { decision: Some(GateDecision::Refer), ..EgateFilter::default() };
    let found = service::list(app, &scope, &page.who.acting(), filter, 0, 20).await;
    let referrals = match found {
        Ok((list, _)) => list.iter().map(|r| referral_row(r, &page.ctx, g)).collect(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let thresholds = match (&scope, page.who.actor.set_gate_thresholds()) {
        (GateScope::Checkpoint(cp), Ok(_)) => match service::thresholds(app, cp).await {
            Ok(t) => Some((
                number(t.face.get(), 2, en),
                number(t.liveness.get(), 2, en),
                number(t.fingerprint.get(), 2, en),
            )),
            Err(e) => return ApiError::from(e).into_response(),
        },
        _ => None,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let view = GatesPage {
        ctx: page.ctx,
        g,
        all: matches!(scope, GateScope::All),
        rows,
        referrals,
        thresholds,
        thresholds_here: app.node.is_none(),
        notice,
        error,
    };
    (status, view).into_response()
}

pub async fn gates<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    render(&app, page, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct ThresholdsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    face: String,
    #[serde(default)]
    liveness: String,
    #[serde(default)]
    fingerprint: String,
}

/// A score as typed: `0,85` or `0.85`.
fn typed_score(field: &'static str, s: &str) -> Result<Score, domain::InvalidValue> {
    let v: f64 = s.trim().replace(',', ".").parse().map_err(|_| {
        domain::InvalidValue::new(field, "a score from 0 to 1").vi("Điểm từ 0 đến 1")
    })?;
    Score::parse(field, v)
}

pub async fn set_thresholds<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<ThresholdsForm>,
) -> Response {
    if let Err(e) = check_csrf(&page, &f.csrf) {
        return e.into_response();
    }
    let right = match page.who.actor.set_gate_thresholds() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let g = PageLang::of(&page).gates();
    let read = (|| {
        Ok::<_, domain::InvalidValue>(Thresholds {
            face: typed_score("face", &f.face)?,
            liveness: typed_score("liveness", &f.liveness)?,
            fingerprint: typed_score("fingerprint", &f.fingerprint)?,
        })
    })();
    let t = match read {
        Ok(t) => t,
        Err(e) => {
            let said = crate::web::said(page.ctx.t, &ApiError::from(e));
            return render(&app, page, None, Some(said)).await;
        }
    };
    match service::set_thresholds(&app, &right, &page.who.acting(), &t).await {
        Ok(()) => render(&app, page, Some(g.saved.to_string()), None).await,
        Err(e) => ApiError::from(e).into_response(),
    }
}
