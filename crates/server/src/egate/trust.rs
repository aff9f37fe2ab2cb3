//! The Country Signing CAs the chips are checked under, with their revocation lists, held in
//! memory and brought up to date from the store at most once a second: `csca import` at
//! headquarters, or the sync at a node, reaches the gates within a second, without a restart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use emrtd::trust::Trust;
use store::CscaStore;

/// How often the store is asked for CSCAs added since.
const REFRESH: Duration = Duration::from_secs(1);
/// Read again from this far before the newest held: a CSCA committed late with an earlier
/// time of addition is still found. Adding one held already changes nothing.
const OVERLAP_MS: i64 = 60_000;
/// More than the world's CSCAs: the page is never cut between two of one import.
const PAGE: u32 = 20_000;

#[derive(Debug, Default)]
pub struct PassportTrust {
    held: RwLock<Arc<Trust>>,
    /// A first look at the store has been had.
    loaded: AtomicBool,
    cursor: tokio::sync::Mutex<Cursor>,
}

#[derive(Debug, Default)]
struct Cursor {
    /// The newest time of addition read, of the CSCAs and of their revocation lists.
    added_ms: i64,
    crls_ms: i64,
    /// The revocation lists taken, by fingerprint: read again in the overlap, each is taken once.
    crls_held: std::collections::HashSet<String>,
    checked: Option<Instant>,
}

impl PassportTrust {
    /// The trust as it stands, refreshed first when a second has passed since the last look.
    /// While another request refreshes, this one takes the trust as it was.
    /// Until a first look has been had, every request waits for it: an empty trust would refer
    /// every traveller as `csca_unknown`.
    pub async fn current<S: CscaStore>(&self, store: &S) -> store::Result<Arc<Trust>> {
        let cursor = match self.cursor.try_lock() {
            Ok(c) => Some(c),
            Err(_) if !self.loaded.load(Ordering::Acquire) => Some(self.cursor.lock().await),
            Err(_) => None,
        };
        if let Some(mut cursor) = cursor
            && cursor.checked.is_none_or(|t| t.elapsed() >= REFRESH)
        {
            self.refresh(store, &mut cursor).await?;
        }
        Ok(self.snapshot())
    }

    /// A chip whose CSCA is not held may be one imported a moment ago: the store is asked
    /// again at once, unless it was asked within `fresh`. Returns whether it was asked.
    pub async fn refresh_unless_fresh<S: CscaStore>(
        &self,
        store: &S,
        fresh: Duration,
    ) -> store::Result<bool> {
        let mut cursor = self.cursor.lock().await;
        if cursor.checked.is_some_and(|t| t.elapsed() < fresh) {
            return Ok(false);
        }
        self.refresh(store, &mut cursor).await?;
        Ok(true)
    }

    /// Reads every CSCA added since the last look, now.
    pub async fn refresh_now<S: CscaStore>(&self, store: &S) -> store::Result<()> {
        let mut cursor = self.cursor.lock().await;
        self.refresh(store, &mut cursor).await
    }

    fn snapshot(&self) -> Arc<Trust> {
        self.held.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn refresh<S: CscaStore>(&self, store: &S, cursor: &mut Cursor) -> store::Result<()> {
        let mut after = cursor.added_ms.saturating_sub(OVERLAP_MS);
        let mut trust: Option<Trust> = None;
        loop {
            let from = after;
            let page = store.cscas_since(from, PAGE).await?;
            for c in &page {
                after = after.max(store::millis(c.added_at));
                let t = trust.get_or_insert_with(|| (*self.snapshot()).clone());
                if let Err(e) = t.add_certificate(&c.der) {
                    // Checked when imported; a certificate unreadable now is passed over.
                    tracing::warn!(fingerprint = %c.fingerprint, error = %e, "a CSCA held is unreadable");
                }
            }
            if page.len() < PAGE as usize || after == from {
                break;
            }
        }
        cursor.added_ms = cursor.added_ms.max(after);
        // Then the revocation lists, once their CSCAs are held.
        let mut after = cursor.crls_ms.saturating_sub(OVERLAP_MS);
        loop {
            let from = after;
            let page = store.csca_crls_since(from, PAGE).await?;
            for c in &page {
                after = after.max(store::millis(c.added_at));
                if cursor.crls_held.contains(&c.fingerprint) {
                    continue;
                }
                let t = trust.get_or_insert_with(|| (*self.snapshot()).clone());
                match t.add_crl(&c.der) {
                    Ok(()) => {
                        cursor.crls_held.insert(c.fingerprint.clone());
                    }
                    Err(e) => {
                        tracing::warn!(fingerprint = %c.fingerprint, error = %e, "a revocation list held is not taken");
                    }
                }
            }
            if page.len() < PAGE as usize || after == from {
                break;
            }
        }
        cursor.crls_ms = cursor.crls_ms.max(after);
        cursor.checked = Some(Instant::now());
        self.loaded.store(true, Ordering::Release);
        if let Some(t) = trust {
            *self.held.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(t);
        }
        Ok(())
    }
}

/// A CSCA's certificate as the store holds it, read from its DER; refused if it is no CA's.
pub fn csca_record(
    der: &[u8],
    source: &str,
    now: time::OffsetDateTime,
) -> Result<store::csca::CscaRecord, emrtd::trust::TrustError> {
    let info = emrtd::trust::describe(der)?;
    Ok(store::csca::CscaRecord {
        fingerprint: info.fingerprint,
        der: der.to_vec(),
        country: info.country,
        subject: info.subject,
        not_before: domain::bounds::held_time(info.not_before),
        not_after: domain::bounds::held_time(info.not_after),
        source: source.to_string(),
        added_at: now,
    })
}
