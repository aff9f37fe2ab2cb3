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

/// One period's bars on the chart: dossiers received and resolved.
#[derive(Debug)]
pub struct StatsBar {
    label: String,
    received: u64,
    resolved: u64,
    x: f64,
    received_h: f64,
    resolved_h: f64,
}

/// A period as the page's language writes it: `25/11/2026`, `11/2026`, `2026`.
fn period_words(p: &str) -> String {
    p.split('-').rev().collect::<Vec<_>>().join("/")
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
    bars: Vec<StatsBar>,
    ticks: Vec<(f64, String)>,
    bar_width: f64,
    /// The same search, as files.
    csv: String,
    xlsx: String,
    error: Option<String>,
}

impl StatsPage {
    /// A count grouped as the page's language groups it.
    fn n(&self, v: &u64) -> String {
        crate::web::i18n::thousands(i64::try_from(*v).unwrap_or(i64::MAX), self.ctx.t.lang)
    }
}

fn share(on_time: u64, resolved: u64, lang: &str) -> String {
    if resolved == 0 {
        "—".into()
    } else {
        format!(
            "{} %",
            crate::web::i18n::decimal(on_time as f64 * 100.0 / resolved as f64, 1, lang)
        )
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct StatsForm {
    #[serde(flatten)]
    q: StatsQuery,
    #[serde(default)]
    format: Option<String>,
}

/// `GET /stats`: dossiers received and resolved, on time, per procedure, checkpoint and period.
pub async fn stats<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(form): Query<StatsForm>,
) -> Response {
    let q = form.q;
    let lang = PageLang::of(&page);
    let t = page.ctx.t;
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
        Err(StatsError::Invalid(e)) => (None, Some(crate::web::said(t, &e.into()))),
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
            checkpoint: crate::web::checkpoint_name(&app, t, &r.checkpoint),
            period: period_words(&r.period),
            received: r.received,
            resolved: r.resolved,
            on_time: r.on_time,
            share: share(r.on_time, r.resolved, t.lang),
            median: r
                .median_handling_minutes
                .map(|m| crate::web::i18n::decimal(m, 1, t.lang))
                .unwrap_or("—".into()),
        })
        .collect();
    if let Some(format) = crate::web::export::Format::asked(form.format.as_deref()) {
        let mut sheet = crate::web::export::Sheet::new(
            "thong-ke-ho-so",
            vec![
                pt.procedure,
                t.checkpoint,
                at.period,
                at.received,
                at.resolved,
                at.on_time,
                at.on_time_share,
                at.median,
            ],
        );
        for l in &lines {
            sheet.push(vec![
                l.procedure.into(),
                l.checkpoint.clone().into(),
                l.period.clone().into(),
                (l.received as i64).into(),
                (l.resolved as i64).into(),
                (l.on_time as i64).into(),
                l.share.clone().into(),
                l.median.clone().into(),
            ]);
        }
        return sheet.respond(format);
    }
    // The chart: every procedure and checkpoint of a period together, in period order.
    let mut periods: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for r in &rows {
        let p = periods.entry(r.period.as_str()).or_default();
        p.0 += r.received;
        p.1 += r.resolved;
    }
    let top = crate::control::pages::nice_top(
        periods.values().map(|p| p.0.max(p.1)).max().unwrap_or(0).max(1) as i64,
    );
    let width = 700.0 / periods.len().max(1) as f64;
    let bars = periods
        .iter()
        .enumerate()
        .map(|(i, (p, &(received, resolved)))| StatsBar {
            label: period_words(p),
            received,
            resolved,
            x: 50.0 + i as f64 * width,
            received_h: 160.0 * received as f64 / top as f64,
            resolved_h: 160.0 * resolved as f64 / top as f64,
        })
        .collect();
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|v| (180.0 - 160.0 * v as f64 / top as f64, crate::web::i18n::thousands(v, t.lang)))
        .collect();
    let link = |format: &str| {
        let params = [
            ("from", q.from.clone().unwrap_or_default()),
            ("to", q.to.clone().unwrap_or_default()),
            ("period", q.period.clone().unwrap_or_default()),
            ("format", format.to_string()),
        ];
        let kept: Vec<(&str, &str)> =
            params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
        format!("/stats?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    };
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
            share: share(on_time, resolved, t.lang),
            median: String::new(),
        }
    });
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = StatsPage {
        ctx: page.ctx,
        at,
        pt,
        from,
        to,
        period,
        lines,
        total,
        bar_width: (width * 0.4).min(40.0),
        bars,
        ticks,
        csv: link("csv"),
        xlsx: link("xlsx"),
        error,
    };
    (status, page).into_response()
}
