//! The statistics as a page.

use crate::app::App;
use crate::http::error::ApiError;
use crate::statistics::service::StatsQuery;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::PageLang;
use crate::web::i18n::AgencyTexts;
use crate::web::i18n::Lang;
use crate::web::i18n::PortTexts;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use store::Store;

// ---------------------------------------------------------------- statistics

#[derive(Debug)]
pub struct StatsLine {
    procedure: &'static str,
    checkpoint: String,
    period: String,
    received: u64,
    resolved: u64,
    on_time: u64,
    share: String,
    median: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "stats.html")]
pub struct StatsPage {
    ctx: Ctx,
    at: &'static AgencyTexts,
    pt: &'static PortTexts,
    from: String,
    to: String,
    period: String,
    lines: Vec<StatsLine>,
    total: Option<StatsLine>,
    error: Option<String>,
}

fn share(on_time: u64, resolved: u64) -> String {
    if resolved == 0 {
        "—".into()
    } else {
        format!("{:.1} %", on_time as f64 * 100.0 / resolved as f64)
    }
}

/// `GET /stats`: dossiers received and resolved, on time, per procedure, checkpoint and period.
pub async fn stats<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<StatsQuery>,
) -> Response {
    let lang = PageLang::of(&page);
    let (at, pt) = (lang.agency(), lang.port());
    let en = lang == Lang::En;
    use crate::statistics::service::{StatsError, dossier_stats, stats_scope};
    let scope = match stats_scope(&page.who.actor) {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let result = match q.read() {
        Ok(asked) => dossier_stats(&app, &scope, &page.who.acting(), asked).await,
        Err(e) => Err(e.into()),
    };
    let (stats, error) = match result {
        Ok(s) => (Some(s), None),
        Err(StatsError::Invalid(e)) => (None, Some(e.to_string())),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let day = |t: time::OffsetDateTime| {
        let d = domain::bounds::vietnam_date(t);
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let (from, to, period) = match &stats {
        // The range shown is the one counted, its last day included.
        Some(s) => (day(s.from), day(s.to - time::Duration::days(1)), s.period.to_string()),
        None => (
            q.from.clone().unwrap_or_default(),
            q.to.clone().unwrap_or_default(),
            q.period.clone().unwrap_or_else(|| "month".into()),
        ),
    };
    let rows = stats.map(|s| s.rows).unwrap_or_default();
    let lines: Vec<StatsLine> = rows
        .iter()
        .map(|r| StatsLine {
            procedure: app
                .procedure(r.procedure)
                .map_or("", |p| if en { p.name_en } else { p.name_vi }),
            checkpoint: r.checkpoint.to_string(),
            period: r.period.clone(),
            received: r.received,
            resolved: r.resolved,
            on_time: r.on_time,
            share: share(r.on_time, r.resolved),
            median: r.median_handling_minutes.map(|m| format!("{m:.1}")).unwrap_or("—".into()),
        })
        .collect();
    let total = (!lines.is_empty()).then(|| {
        let (received, resolved, on_time) = lines
            .iter()
            .fold((0, 0, 0), |(a, b, c), l| (a + l.received, b + l.resolved, c + l.on_time));
        StatsLine {
            procedure: at.total,
            checkpoint: String::new(),
            period: String::new(),
            received,
            resolved,
            on_time,
            share: share(on_time, resolved),
            median: String::new(),
        }
    });
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = StatsPage { ctx: page.ctx, at, pt, from, to, period, lines, total, error };
    (status, page).into_response()
}
