//! What every request can reach: the store, the watchlist in memory, the checkpoints, the
//! sign-in throttle and the clock.

use crate::accounts::credentials::Quota;
use crate::accounts::credentials::Throttle;
use crate::watchlist::index::Watchlist;
use domain::Checkpoint;
use domain::CheckpointCode;
pub use domain::bounds::VIETNAM;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;
use time::Date;
use time::OffsetDateTime;

pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// One audit record on its way, and where to say it is stored.
pub type AuditJob = (store::AuditEvent, OffsetDateTime, tokio::sync::oneshot::Sender<bool>);

pub struct Inner<S> {
    pub store: S,
    /// Audit records are written by one task, many to a transaction (see `audit_writer`).
    pub audit_tx: tokio::sync::mpsc::Sender<AuditJob>,
    pub watch: RwLock<Watchlist>,
    /// Woken when crossings were stored for the background screening (the control's background screening).
    pub screening: tokio::sync::Notify,
    pub checkpoints: HashMap<CheckpointCode, Checkpoint>,
    pub throttle: Throttle,
    /// Agencies registered per address.
    pub registrations: Quota,
    pub clock: Clock,
    /// Cookies marked `Secure` (behind TLS); off for a plain-HTTP demo on localhost.
    pub secure_cookies: bool,
    /// A permit scanned again within this time of its last movement is not recorded again.
    pub rescan_window: time::Duration,
    /// The procedure catalogue, with the deadlines this server was given.
    pub procedures: Vec<domain::port::Procedure>,
    /// The permits' signing keys and trust store, once opened (`App::open_keys`).
    pub permit_keys: RwLock<crate::permits::keys::PermitKeys>,
    /// A checkpoint node's link to headquarters; `None` at headquarters.
    pub node: Option<Arc<crate::sync::link::NodeLink>>,
    /// Messages from nodes stored at once by this process: when a hundred posts send together,
    /// the others wait their turn here rather than for a database connection, which would
    /// give up after seconds.
    pub sync_intake: tokio::sync::Semaphore,
    /// The CSCAs e-passports' chips are checked under, kept up to date from the store.
    pub passport_trust: crate::egate::trust::PassportTrust,
}

pub struct App<S>(pub Arc<Inner<S>>);

impl<S> std::fmt::Debug for Inner<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("checkpoints", &self.checkpoints.len())
            .finish_non_exhaustive()
    }
}

impl<S> std::fmt::Debug for App<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App(self.0.clone())
    }
}

/// The audit trail could not be written (its cause is logged by the writer): ours, never the
/// caller's, and nothing is answered as done.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the audit trail could not be written")]
pub struct AuditFailed;

/// Who acts, as the audit trail names them: `user:NAME`, `device:ID`, or `system` for the
/// command line; and from which address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    pub actor: String,
    pub ip: Option<String>,
}

impl Acting {
    pub fn system() -> Self {
        Acting { actor: "system".into(), ip: None }
    }

    /// The audit record of an action by this actor.
    pub fn audit(
        &self,
        action: store::AuditAction,
        subject: String,
        detail: serde_json::Value,
    ) -> store::AuditEvent {
        store::AuditEvent {
            actor: self.actor.clone(),
            ip: self.ip.clone(),
            action,
            subject,
            detail: detail.to_string(),
        }
    }
}

impl<S> std::ops::Deref for App<S> {
    type Target = Inner<S>;
    fn deref(&self) -> &Inner<S> {
        &self.0
    }
}

impl<S> Inner<S> {
    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// Today at the border: the date in Việt Nam.
    pub fn today(&self) -> Date {
        domain::bounds::vietnam_date(self.now())
    }

    /// Stores an audit record; returns once it is committed, so that nothing is answered whose
    /// audit record could still be lost.
    pub async fn audit(&self, event: store::AuditEvent) -> Result<(), AuditFailed> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.audit_tx.send((event, self.now(), tx)).await.map_err(|_| AuditFailed)?;
        match rx.await {
            Ok(true) => Ok(()),
            _ => Err(AuditFailed),
        }
    }

    pub fn procedure(&self, code: domain::port::ProcedureCode) -> Option<&domain::port::Procedure> {
        self.procedures.iter().find(|p| p.code == code)
    }

    pub fn watchlist(&self) -> std::sync::RwLockReadGuard<'_, Watchlist> {
        self.watch.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn watchlist_mut(&self) -> std::sync::RwLockWriteGuard<'_, Watchlist> {
        self.watch.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Group commit: whatever records are waiting go in one transaction, so that requests do not
/// queue one by one behind the chain's head row.
pub(crate) async fn audit_writer<S: store::Store>(
    store: S,
    mut rx: tokio::sync::mpsc::Receiver<crate::app::AuditJob>,
) {
    let mut jobs = Vec::with_capacity(256);
    while rx.recv_many(&mut jobs, 256).await > 0 {
        let events: Vec<_> = jobs.iter().map(|(e, at, _)| (e.clone(), *at)).collect();
        let ok = match store.append_audits(&events).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, records = events.len(), "writing the audit trail");
                false
            }
        };
        for (_, _, done) in jobs.drain(..) {
            let _ = done.send(ok);
        }
    }
}
