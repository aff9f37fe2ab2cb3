//! The watchlist as the server holds it: the screening index, each entry's action and validity,
//! and its documents, kept in step with the store's change log.

use domain::TravelDocument;
use domain::WatchAction;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
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

/// What the server keeps of an entry beside the index, by the index's slot. Kept small: a node
/// holds a million of them on a machine with 1 GB.
#[derive(Debug, Clone)]
struct Meta {
    action: WatchAction,
    valid_until: Option<Date>,
    /// Shared by every entry listed for the same reason.
    reason: Arc<str>,
    /// The name and aliases folded (`NGUYEN VAN DUC|DUC BEO`), for finding entries by name.
    folded: Box<str>,
    /// Its documents' keys (see [`document_key`]).
    documents: Box<[Box<str>]>,
}

#[derive(Debug, Default)]
pub struct Watchlist {
    index: screen::Index,
    /// By the index's slot.
    meta: Vec<Option<Meta>>,
    live: usize,
    reasons: HashSet<Arc<str>>,
    /// A document's key → the slots of the entries that list it.
    documents: HashMap<Box<str>, Box<[u32]>>,
    /// The store's change log up to here is applied.
    pub applied_seq: i64,
}

/// `STATE/NUMBER`, or `/NUMBER` when the issuing state is not known.
fn document_key(state: &str, number: &str) -> Box<str> {
    format!("{state}/{number}").into()
}

fn screen_entry(e: &WatchEntry) -> screen::Entry {
    screen::Entry {
        id: e.id.clone(),
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        dob: e.birth_date.map(|d| match d {
            WatchDob::Date(d) => screen::Dob::Full(d),
            WatchDob::Month { year, month } => screen::Dob::Month { year, month },
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
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn put(&mut self, e: &WatchEntry) -> Result<(), screen::FieldError> {
        self.remove(&e.id);
        self.index.upsert(screen_entry(e))?;
        let Some(slot) = self.index.slot_of(&e.id) else { return Ok(()) };
        let documents: Box<[Box<str>]> = e
            .documents
            .iter()
            .map(|d| {
                document_key(
                    d.issuing_state.map(|c| c.to_string()).as_deref().unwrap_or_default(),
                    d.number.as_str(),
                )
            })
            .collect();
        for key in &documents {
            let slots = self.documents.remove(key).unwrap_or_default();
            let slots: Box<[u32]> = slots.iter().copied().chain([slot]).collect();
            self.documents.insert(key.clone(), slots);
        }
        let reason = match self.reasons.get(e.reason.as_str()) {
            Some(r) => r.clone(),
            None => {
                let r: Arc<str> = e.reason.as_str().into();
                self.reasons.insert(r.clone());
                r
            }
        };
        let at = slot as usize;
        if self.meta.len() <= at {
            self.meta.resize(at + 1, None);
        }
        self.meta[at] = Some(Meta {
            action: e.action,
            valid_until: e.valid_until,
            reason,
            folded: std::iter::once(&e.name)
                .chain(&e.aliases)
                .map(|n| screen::normalize::tokens(n).join(" "))
                .collect::<Vec<_>>()
                .join("|")
                .into(),
            documents,
        });
        self.live += 1;
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
            .enumerate()
            .filter_map(|(slot, m)| {
                let m = m.as_ref()?;
                let (k, _) = self.index.at(u32::try_from(slot).ok()?)?;
                let hit = action.is_none_or(|a| m.action == a)
                    && (words.is_empty() || *k == id || m.folded.contains(words.as_str()));
                hit.then(|| k.to_string())
            })
            .collect();
        out.sort_unstable();
        out
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.index.slot_of(id) else { return false };
        self.index.remove(id);
        let Some(meta) = self.meta.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        self.live = self.live.saturating_sub(1);
        for key in meta.documents.iter() {
            if let Some(slots) = self.documents.remove(key) {
                let rest: Box<[u32]> = slots.iter().copied().filter(|s| *s != slot).collect();
                if !rest.is_empty() {
                    self.documents.insert(key.clone(), rest);
                }
            }
        }
        true
    }

    fn live_at(&self, slot: u32, today: Date) -> Option<&Meta> {
        self.meta
            .get(slot as usize)?
            .as_ref()
            .filter(|m| m.valid_until.is_none_or(|until| until >= today))
    }

    /// Entries in force on `today` that match the document, best first.
    pub fn screen(&self, doc: &TravelDocument, today: Date, limit: usize) -> Vec<Match> {
        let mut out: Vec<Match> = Vec::new();
        let number = doc.number.to_string();
        for state in [doc.issuing_state.to_string(), String::new()] {
            let key = document_key(&state, &number);
            for &slot in self.documents.get(&key).into_iter().flatten() {
                let (Some(m), Some((id, name))) = (self.live_at(slot, today), self.index.at(slot))
                else {
                    continue;
                };
                if !out.iter().any(|o| o.entry_id == id) {
                    out.push(Match {
                        entry_id: id.to_string(),
                        score: 1.0,
                        action: m.action,
                        matched_name: name.to_string(),
                        listed_for: m.reason.to_string(),
                        reasons: vec![format!("document {}/{number} matches", doc.issuing_state)],
                        reasons_vi: vec![format!("trùng giấy tờ {}/{number}", doc.issuing_state)],
                    });
                }
            }
        }
        let query = query_of(doc);
        let options = screen::SearchOptions { limit: limit + 5, ..Default::default() };
        for hit in self.index.search(&query, options) {
            if out.iter().any(|o| o.entry_id == hit.id) {
                continue;
            }
            out.extend(self.in_force(hit, today));
        }
        out.truncate(limit);
        out
    }

    /// Entries in force on `today` that the screening held back for this document: the whole
    /// name matches, but the name is common and the list has no full date of birth for them.
    pub fn held_back(&self, doc: &TravelDocument, today: Date, limit: usize) -> Vec<Match> {
        let query = query_of(doc);
        let options =
            screen::SearchOptions { limit: limit + 5, held_back: true, ..Default::default() };
        let mut out = Vec::new();
        for hit in self.index.search(&query, options).into_iter().filter(|h| h.held_back) {
            out.extend(self.in_force(hit, today));
        }
        out.truncate(limit);
        out
    }

    /// A screening hit as a match, when its entry is in force on `today`.
    fn in_force(&self, hit: screen::Hit, today: Date) -> Option<Match> {
        let m = self.index.slot_of(&hit.id).and_then(|s| self.live_at(s, today))?;
        Some(Match {
            entry_id: hit.id,
            score: hit.score,
            action: m.action,
            matched_name: hit.matched_name,
            listed_for: m.reason.to_string(),
            reasons: hit.reasons,
            reasons_vi: hit.reasons_vi,
        })
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

/// What the document tells the screening: its name, date of birth, nationality and sex. The
/// number is matched on its own, by issuing state.
fn query_of(doc: &TravelDocument) -> screen::Query {
    screen::Query {
        name: doc.full_name(),
        dob: doc.birth_date.map(screen::Dob::Full),
        nationality: doc.nationality.and_then(|c| screen::Country::parse(c.as_str()).ok()),
        sex: doc.sex.and_then(|s| screen::Sex::parse(s.as_str()).ok().flatten()),
        document_number: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

    use super::*;
    use domain::{Country, DocumentInput, DocumentNumber};
    use store::WatchDocument;
    use time::macros::date;

    fn entry(id: &str, name: &str, documents: &[(&str, &str)], reason: &str) -> WatchEntry {
        WatchEntry {
            id: id.into(),
            name: name.into(),
            aliases: if id == "W1" { vec!["Đức Béo".into()] } else { Vec::new() },
            birth_date: None,
            nationality: None,
            sex: None,
            documents: documents
                .iter()
                .map(|(state, number)| WatchDocument {
                    issuing_state: (!state.is_empty()).then(|| Country::parse(state).unwrap()),
                    number: DocumentNumber::parse(number).unwrap(),
                })
                .collect(),
            action: WatchAction::Refer,
            reason: reason.into(),
            valid_until: None,
        }
    }

    fn passport(number: &str) -> TravelDocument {
        DocumentInput {
            doc_type: Some("passport".into()),
            number: Some(number.into()),
            issuing_state: Some("VNM".into()),
            surname: Some("PHAM".into()),
            given_names: Some("THI MAI".into()),
            nationality: Some("VNM".into()),
            birth_date: Some("1990-01-01".into()),
            sex: Some("F".into()),
            expiry_date: Some("2031-01-01".into()),
            issuing_area: None,
        }
        .validate()
        .unwrap()
    }

    fn ids(matches: Vec<Match>) -> Vec<String> {
        matches.into_iter().map(|m| m.entry_id).collect()
    }

    #[test]
    fn entries_are_found_by_document_and_name_until_replaced_or_removed() {
        let today = date!(2026 - 12 - 06);
        let mut w = Watchlist::default();
        w.put(&entry("W1", "Nguyễn Văn Đức", &[("VNM", "B1234567")], "wanted")).unwrap();
        w.put(&entry("W2", "Trần Văn Nam", &[("", "B1234567")], "wanted")).unwrap();
        assert_eq!(w.len(), 2);
        let hits = w.screen(&passport("B1234567"), today, 5);
        assert_eq!(ids(hits.clone()), ["W1", "W2"], "the state's and the stateless document");
        assert_eq!(hits[0].matched_name, "Nguyễn Văn Đức");
        assert_eq!(hits[0].listed_for, "wanted");
        assert_eq!(w.find("nguyen van", None), ["W1"]);
        assert_eq!(w.find("duc beo", None), ["W1"], "by alias");
        assert_eq!(w.find("w2", None), ["W2"], "by id");

        // Replaced with another document: the old one no longer finds it.
        w.put(&entry("W1", "Nguyễn Văn Đức", &[("VNM", "C7654321")], "moved")).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(ids(w.screen(&passport("B1234567"), today, 5)), ["W2"]);
        let moved = w.screen(&passport("C7654321"), today, 5);
        assert_eq!((moved[0].entry_id.as_str(), moved[0].listed_for.as_str()), ("W1", "moved"));

        // Out of force, then removed.
        let mut expired = entry("W2", "Trần Văn Nam", &[("", "B1234567")], "wanted");
        expired.valid_until = Some(date!(2026 - 12 - 05));
        w.put(&expired).unwrap();
        assert!(w.screen(&passport("B1234567"), today, 5).is_empty());
        assert!(w.remove("W2"));
        assert!(!w.remove("W2"));
        assert_eq!((w.len(), w.find("", None)), (1, vec!["W1".to_string()]));
    }
}
