//! The background screening of crossings a batch brought with their own decision (a gate, a
//! post that decided offline): each is screened against the watchlist as the platform would
//! have at the desk, takes the stricter decision, and raises its alerts. The work list is the
//! store's unscreened crossings, so nothing is lost to a crash, and several processes may share
//! it: each crossing is settled once.

use std::time::Duration;

use domain::{ControlFacts, WatchHit};
use store::{CrossingAlert, Screening, Store};

use crate::state::App;

/// Crossings screened per round, and so per transaction.
const ROUND: u32 = 500;

/// Screens every crossing stored unscreened, round by round, until none is left. Returns how
/// many this process settled.
pub async fn run<S: Store>(app: &App<S>) -> store::Result<usize> {
    let mut total = 0;
    loop {
        let pending = app.store.unscreened(ROUND).await?;
        if pending.is_empty() {
            return Ok(total);
        }
        let mut settled = Vec::with_capacity(pending.len());
        for (crossing, document) in &pending {
            let day = domain::bounds::vietnam_date(crossing.at);
            let matches = app.watchlist().screen(document, day, 5);
            let dismissed = if matches.is_empty() {
                Vec::new()
            } else {
                app.store.dismissed_entries(crossing.traveller_id).await?
            };
            let hits: Vec<WatchHit> = matches
                .into_iter()
                .map(|m| WatchHit {
                    dismissed: dismissed.contains(&m.entry_id),
                    entry_id: m.entry_id,
                    score: m.score,
                    action: m.action,
                    matched_name: m.matched_name,
                    reasons: m.reasons,
                })
                .collect();
            // The rules that rest on the document and the watchlist; the order of crossings was
            // the gate's to judge when it let the traveller through.
            let platform = match app.checkpoints.get(&crossing.checkpoint) {
                Some(checkpoint) => {
                    domain::decide(&ControlFacts {
                        checkpoint,
                        direction: crossing.direction,
                        document,
                        reading_problems: &[],
                        today: day,
                        watch_hits: &hits,
                        last_crossing: None,
                    })
                    .decision
                }
                None => crossing.decision,
            };
            settled.push(Screening {
                crossing_id: crossing.id.clone(),
                decision: crossing.decision.max(platform),
                alerts: hits
                    .iter()
                    .filter(|h| !h.dismissed)
                    .map(|h| CrossingAlert {
                        entry_id: h.entry_id.clone(),
                        score: f64::from(h.score),
                    })
                    .collect(),
            });
        }
        total += app.store.settle_screening(&settled, app.now()).await?;
        // Another process took them all meanwhile: let it finish.
        if settled.len() < ROUND as usize {
            return Ok(total);
        }
    }
}

/// Screens what is pending whenever a batch was stored here, and every `every` for what other
/// processes stored or a crash left.
pub fn follow<S: Store>(app: App<S>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let _ = tokio::time::timeout(every, app.screening.notified()).await;
            if let Err(e) = run(&app).await {
                tracing::warn!(error = %e, "screening the crossings stored unscreened");
            }
        }
    })
}
