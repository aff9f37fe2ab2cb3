//! Counts the dossiers by procedure, checkpoint and period, in Việt Nam time.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use domain::CheckpointCode;
use domain::DossierScope;
use domain::port::ProcedureCode;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use store::AuditAction;
use store::Store;
use time::Duration;
use time::OffsetDateTime;
use utoipa::IntoParams;
use utoipa::ToSchema;

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
                Ok(d.midnight().assume_offset(domain::bounds::VIETNAM))
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
}
