//! The watchlist as the server holds it: the screening index, each entry's action and validity,
//! and its documents, kept in step with the store's change log.

use domain::TravelDocument;
use domain::WatchAction;
use std::collections::HashMap;
use store::Store;
use store::WatchDob;
use store::WatchEntry;
use time::Date;

/// A hit before the traveller's dismissals are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub entry_id: String,
    pub score: f32,
    pub action: WatchAction,
    pub matched_name: String,
    /// The entry's reason for being listed.
    pub listed_for: String,
    pub reasons: Vec<String>,
    pub reasons_vi: Vec<String>,
}

#[derive(Debug, Clone)]
struct Meta {
    name: String,
    action: WatchAction,
    reason: String,
    /// The name and aliases folded (`NGUYEN VAN DUC|DUC BEO`), for finding entries by name.
    folded: Box<str>,
    valid_until: Option<Date>,
    documents: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub struct Watchlist {
    index: screen::Index,
    meta: HashMap<String, Meta>,
    /// (issuing state, or "" when unknown; number) → entry ids.
    documents: HashMap<(String, String), Vec<String>>,
    /// The store's change log up to here is applied.
    pub applied_seq: i64,
}

fn screen_entry(e: &WatchEntry) -> screen::Entry {
    screen::Entry {
        id: e.id.clone(),
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        dob: e.birth_date.map(|d| match d {
            WatchDob::Date(d) => screen::Dob::Full(d),
            WatchDob::Year(y) => screen::Dob::Year(y),
        }),
        nationality: e.nationality.and_then(|c| screen::Country::parse(c.as_str()).ok()),
        sex: e.sex.and_then(|s| screen::Sex::parse(s.as_str()).ok().flatten()),
        // Documents are matched here, with their own issuing states.
        document_number: None,
    }
}

impl Watchlist {
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    pub fn put(&mut self, e: &WatchEntry) -> Result<(), screen::FieldError> {
        self.remove(&e.id);
        self.index.upsert(screen_entry(e))?;
        let documents: Vec<(String, String)> = e
            .documents
            .iter()
            .map(|d| {
                (d.issuing_state.map(|c| c.to_string()).unwrap_or_default(), d.number.to_string())
            })
            .collect();
        for key in &documents {
            self.documents.entry(key.clone()).or_default().push(e.id.clone());
        }
        self.meta.insert(
            e.id.clone(),
            Meta {
                name: e.name.clone(),
                action: e.action,
                reason: e.reason.clone(),
                folded: std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .map(|n| screen::normalize::tokens(n).join(" "))
                    .collect::<Vec<_>>()
                    .join("|")
                    .into(),
                valid_until: e.valid_until,
                documents,
            },
        );
        Ok(())
    }

    /// The ids of the entries whose id is `text` or whose name or alias holds it (folded:
    /// `nguyen van` finds `Nguyễn Văn Đức`), with the action asked, in id order.
    pub fn find(&self, text: &str, action: Option<WatchAction>) -> Vec<String> {
        let words = screen::normalize::tokens(text).join(" ");
        let id = text.trim().to_uppercase();
        let mut out: Vec<String> = self
            .meta
            .iter()
            .filter(|(k, m)| {
                action.is_none_or(|a| m.action == a)
                    && (words.is_empty() || **k == id || m.folded.contains(words.as_str()))
            })
            .map(|(k, _)| k.clone())
            .collect();
        out.sort_unstable();
        out
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let Some(meta) = self.meta.remove(id) else { return false };
        self.index.remove(id);
        for key in meta.documents {
            if let Some(ids) = self.documents.get_mut(&key) {
                ids.retain(|x| x != id);
                if ids.is_empty() {
                    self.documents.remove(&key);
                }
            }
        }
        true
    }

    /// Entries in force on `today` that match the document, best first.
    pub fn screen(&self, doc: &TravelDocument, today: Date, limit: usize) -> Vec<Match> {
        let live = |id: &str| {
            self.meta.get(id).filter(|m| m.valid_until.is_none_or(|until| until >= today))
        };
        let mut out: Vec<Match> = Vec::new();
        let number = doc.number.to_string();
        for state in [doc.issuing_state.to_string(), String::new()] {
            for id in self.documents.get(&(state.clone(), number.clone())).into_iter().flatten() {
                if let Some(m) = live(id)
                    && !out.iter().any(|o| &o.entry_id == id)
                {
                    out.push(Match {
                        entry_id: id.clone(),
                        score: 1.0,
                        action: m.action,
                        matched_name: m.name.clone(),
                        listed_for: m.reason.clone(),
                        reasons: vec![format!("document {}/{number} matches", doc.issuing_state)],
                        reasons_vi: vec![format!("trùng giấy tờ {}/{number}", doc.issuing_state)],
                    });
                }
            }
        }
        let query = screen::Query {
            name: doc.full_name(),
            dob: doc.birth_date.map(screen::Dob::Full),
            nationality: doc.nationality.and_then(|c| screen::Country::parse(c.as_str()).ok()),
            sex: doc.sex.and_then(|s| screen::Sex::parse(s.as_str()).ok().flatten()),
            document_number: None,
        };
        let options = screen::SearchOptions { limit: limit + 5, ..Default::default() };
        for hit in self.index.search(&query, options) {
            if out.iter().any(|o| o.entry_id == hit.id) {
                continue;
            }
            if let Some(m) = live(&hit.id) {
                out.push(Match {
                    entry_id: hit.id,
                    score: hit.score,
                    action: m.action,
                    matched_name: hit.matched_name,
                    listed_for: m.reason.clone(),
                    reasons: hit.reasons,
                    reasons_vi: hit.reasons_vi,
                });
            }
        }
        out.truncate(limit);
        out
    }

    /// Everything the store holds, read in pages.
    pub async fn load<S: Store>(store: &S) -> store::Result<Self> {
        let mut list =
            Watchlist { applied_seq: store.watch_log_head().await?, ..Default::default() };
        let mut after: Option<String> = None;
        loop {
            let page = store.watch_entries(after.as_deref(), 5_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for e in &page {
                if let Err(err) = list.put(e) {
                    tracing::warn!(entry = %e.id, error = %err, "watchlist entry not indexed");
                }
            }
        }
        Ok(list)
    }

    /// The changes other processes (or this one) made since the last call: which entries to
    /// read again. Returns the ids and the sequence number they bring the list to.
    pub async fn pending<S: Store>(store: &S, after_seq: i64) -> store::Result<(Vec<String>, i64)> {
        let changes = store.watch_changes(after_seq, 10_000).await?;
        let seq = changes.last().map_or(after_seq, |c| c.0);
        let mut ids: Vec<String> = changes.into_iter().map(|c| c.1).collect();
        ids.sort();
        ids.dedup();
        Ok((ids, seq))
    }
}
