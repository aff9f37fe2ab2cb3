//! Counts the dossiers by procedure, checkpoint and period, in Việt Nam time.

use crate::app::{Acting, App, AuditFailed};
use domain::CheckpointCode;
use domain::DossierScope;
use domain::InvalidValue;
use domain::port::ProcedureCode;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use store::AuditAction;
use store::Store;
use time::Date;
use time::Duration;
use time::OffsetDateTime;
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The first day (Việt Nam time); 30 days before `to` when left out.
    #[param(value_type = Option<domain::schema::Day>, inline)]
    pub from: Option<String>,
    /// The last day, included; today when left out.
    #[param(value_type = Option<domain::schema::Day>, inline)]
    pub to: Option<String>,
    /// `month` by default.
    #[param(value_type = Option<Period>, inline)]
    pub period: Option<String>,
}

/// How the statistics group the days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Month,
    Year,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
            Period::Year => "year",
        }
    }
}

/// What the statistics are asked for, read: the days (Việt Nam time, the last included) and
/// the grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsAsked {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub period: Period,
}

impl StatsQuery {
    /// The query's values, each checked.
    pub fn read(&self) -> Result<StatsAsked, InvalidValue> {
        let day = |field: &'static str, s: &Option<String>| {
            s.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| domain::bounds::parse_date(field, t))
                .transpose()
        };
        let period = match self.period.as_deref().map(str::trim).unwrap_or("") {
            "day" => Period::Day,
            "month" | "" => Period::Month,
            "year" => Period::Year,
            _ => return Err(InvalidValue::new("period", "day, month or year")),
        };
        Ok(StatsAsked { from: day("from", &self.from)?, to: day("to", &self.to)?, period })
    }
}

/// Why the statistics were refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
}

/// The right to the statistics: the border guard's, for the dossiers its scope covers.
pub fn stats_scope(actor: &domain::Actor) -> Result<DossierScope, domain::Forbidden> {
    match actor.dossiers()? {
        DossierScope::Agency(_) => {
            Err(domain::Forbidden("the statistics are the border guard's".into()))
        }
        s => Ok(s),
    }
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
    scope: &DossierScope,
    by: &Acting,
    asked: StatsAsked,
) -> Result<Stats, StatsError> {
    let now = app.now();
    let midnight = |d: Date| d.midnight().assume_offset(domain::bounds::VIETNAM);
    // The days counted stay within the years every time on the wire is held to: the default
    // month before a `to` in January 1900 starts on its first day, a `to` on the last day of
    // 2199 ends at its last moment.
    let first = Date::from_ordinal_date(domain::bounds::FIRST_YEAR, 1).map(midnight);
    let last = Date::from_ordinal_date(domain::bounds::LAST_YEAR + 1, 1)
        .map(|d| midnight(d) - Duration::milliseconds(1));
    let to = asked.to.map_or(now, |d| midnight(d) + Duration::days(1));
    let to = last.map_or(to, |l| to.min(l));
    let from = asked.from.map_or(to - Duration::days(30), midnight);
    let from = first.map_or(from, |f| from.max(f));
    if from >= to {
        return Err(InvalidValue::new("from", "must come before to").into());
    }
    let period = asked.period.as_str();
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
        if let DossierScope::Checkpoint(c) = scope
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
    app.audit(by.audit(AuditAction::StatsDossiers, "dossiers".into(), json!({"rows": rows.len()})))
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
