//! What every request can reach: the store, the watchlist in memory, the checkpoints, the
//! sign-in throttle and the clock.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use domain::{Checkpoint, CheckpointCode};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::auth::Throttle;
use crate::watch::Watchlist;

/// Việt Nam time, which has no daylight saving.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

pub struct Inner<S> {
    pub store: S,
    pub watch: RwLock<Watchlist>,
    pub checkpoints: HashMap<CheckpointCode, Checkpoint>,
    pub throttle: Throttle,
    pub clock: Clock,
    /// Cookies marked `Secure` (behind TLS); off for a plain-HTTP demo on localhost.
    pub secure_cookies: bool,
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
        self.now().to_offset(VIETNAM).date()
    }

    pub fn watchlist(&self) -> std::sync::RwLockReadGuard<'_, Watchlist> {
        self.watch.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn watchlist_mut(&self) -> std::sync::RwLockWriteGuard<'_, Watchlist> {
        self.watch.write().unwrap_or_else(|e| e.into_inner())
    }
}
