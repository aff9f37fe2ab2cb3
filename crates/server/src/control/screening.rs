//! The background screening of crossings a batch brought with their own decision (a gate, a
//! post that decided offline): each is screened against the watchlist as the platform would
//! have at the desk, takes the stricter decision, and raises its alerts. The work list is the
//! store's unscreened crossings, so nothing is lost to a crash, and several processes may share
//! it: each crossing is settled once.
//!
//! It yields to the requests: the screening itself runs off the request workers, rounds are
//! small so that each settling transaction holds SQLite's one writer briefly, and after each
//! round it rests three times as long as the round took. A backlog (a post back online with a
//! month of crossings) drains at about a quarter of a core's pace while checks keep their
//! latency.

use crate::app::App;
use domain::ControlFacts;
use std::time::Duration;
use std::time::Instant;
use store::CrossingAlert;
use store::Screening;
use store::Store;

/// Crossings screened per round, and so per settling transaction.
const ROUND: u32 = 100;

/// How long it rests after a round, as a multiple of the round's time: a quarter of one core
/// for a backlog, the rest for the requests.
const REST: u32 = 3;

/// Screens one round of what is pending; returns how many were pending in it (0: none left).
async fn round<S: Store>(app: &App<S>) -> store::Result<usize> {
    let pending = app.store.unscreened(ROUND).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let docs: Vec<_> =
        pending.iter().map(|(c, d)| (d.clone(), domain::bounds::vietnam_date(c.at))).collect();
    let (docs, matches) = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || {
            let list = app.watchlist();
            let matches: Vec<_> = docs.iter().map(|(d, day)| list.screen(d, *day, 5)).collect();
            (docs, matches)
        })
        .await
        .map_err(|e| store::StoreError::Corrupt(format!("screening stopped: {e}")))?
    };
    let mut settled = Vec::with_capacity(pending.len());
    for (((crossing, _), (document, day)), matches) in pending.iter().zip(&docs).zip(matches) {
        let day = *day;
        let dismissed = if matches.is_empty() {
            Vec::new()
        } else {
            app.store.dismissed_entries(crossing.traveller_id).await?
        };
        let hits = crate::control::service::as_hits(matches, &dismissed);
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
                .map(|h| CrossingAlert { entry_id: h.entry_id.clone(), score: f64::from(h.score) })
                .collect(),
        });
    }
    app.store.settle_screening(&settled, app.now()).await?;
    if let Some(link) = &app.node {
        link.wake.notify_one();
    }
    Ok(pending.len())
}

/// Screens every crossing stored unscreened until none is left, without resting (tests, and
/// a caller that wants it done now). Returns how many were screened.
pub async fn run<S: Store>(app: &App<S>) -> store::Result<usize> {
    let mut total = 0;
    loop {
        let n = round(app).await?;
        total += n;
        if n < ROUND as usize {
            return Ok(total);
        }
    }
}

/// Screens what is pending whenever a batch was stored here, and every `every` for what other
/// processes stored or a crash left, resting after each round as long as it took.
pub fn follow<S: Store>(app: App<S>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let _ = tokio::time::timeout(every, app.screening.notified()).await;
            loop {
                let started = Instant::now();
                match round(&app).await {
                    Ok(n) if n == ROUND as usize => {
                        tokio::time::sleep(started.elapsed() * REST).await;
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "screening the crossings stored unscreened");
                        break;
                    }
                }
            }
        }
    })
}
