//! The in-memory index: tokens of every name and alias with their posting lists, a deletion
//! neighbourhood for one-edit lookups, and exact document numbers. A query touches only the
//! posting lists of its own tokens and their near spellings, never the whole list.

use std::cell::RefCell;
use std::fmt::Write as _;

use rustc_hash::FxHashMap;

use crate::model::{Country, Dob, DocumentNumber, Entry, FieldError, Hit, Query, Sex};
use crate::normalize::{osa_distance, skeleton, tokens};
use crate::score::{
    Evidence, SUBSTITUTION_FACTOR, UNMATCHED_QUERY_WEIGHT, least_name_score, prefix_similarity,
    token_similarity,
};

type TokenId = u32;
type Slot = u32;

/// Posting lists longer than this are not walked when a rarer token of the query can find the
/// candidates; their weight is counted as if present, so no candidate is lost.
const LONG_POSTINGS: usize = 50_000;
/// Tokens of a query beyond this are ignored: no real name has more.
const MAX_QUERY_TOKENS: usize = 12;

/// The watchlist, ready to be screened against. Add, change and remove entries while serving.
#[derive(Debug, Default)]
pub struct Index {
    vocab: FxHashMap<Box<str>, TokenId>,
    tokens: Vec<Token>,
    /// Each token's skeleton with one letter deleted → the tokens it came from.
    deletions: FxHashMap<Box<str>, Vec<TokenId>>,
    entries: Vec<Option<Stored>>,
    by_id: FxHashMap<Box<str>, Slot>,
    by_document: FxHashMap<DocumentNumber, Vec<Slot>>,
    live: usize,
}

#[derive(Debug)]
struct Token {
    /// The first spelling seen with this skeleton, for reasons.
    spelling: Box<str>,
    skeleton: Box<str>,
    /// Slots holding the token, ascending, each once.
    postings: Vec<Slot>,
}

#[derive(Debug)]
struct Stored {
    id: Box<str>,
    /// The name first, then the aliases.
    names: Box<[StoredName]>,
    dob: Option<Dob>,
    nationality: Option<Country>,
    sex: Option<Sex>,
    document: Option<DocumentNumber>,
}

#[derive(Debug)]
struct StoredName {
    display: Box<str>,
    tokens: Box<[TokenId]>,
}

/// How many hits, and from what score.
#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    pub limit: usize,
    pub threshold: f32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            threshold: crate::score::DEFAULT_THRESHOLD,
        }
    }
}

/// A query token: as read, and its skeleton.
#[derive(Clone, Debug)]
struct QueryToken {
    raw: String,
    skeleton: String,
}

/// The near spellings on the list of one query token.
#[derive(Debug)]
struct Group {
    variants: Vec<(TokenId, f32)>,
    /// The highest weight among the variants, or the unmatched weight.
    weight: f32,
    postings: usize,
}

/// A candidate's best score under one reading of the query.
#[derive(Clone, Copy, Debug)]
struct Scored {
    score: f32,
    name: usize,
    alternative: usize,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// Live entries.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds an entry, or replaces the one with the same id.
    pub fn upsert(&mut self, entry: Entry) -> Result<(), FieldError> {
        if entry.id.trim().is_empty() {
            return Err(FieldError::EmptyId);
        }
        let mut names = Vec::with_capacity(1 + entry.aliases.len());
        for (i, name) in std::iter::once(&entry.name)
            .chain(&entry.aliases)
            .enumerate()
        {
            let toks = tokens(name);
            if toks.is_empty() {
                if i == 0 {
                    return Err(FieldError::EmptyName);
                }
                continue;
            }
            names.push((name.trim().to_string(), toks));
        }
        self.remove(&entry.id);
        let slot = Slot::try_from(self.entries.len()).unwrap_or(Slot::MAX);
        let mut stored_names = Vec::with_capacity(names.len());
        let mut distinct: Vec<TokenId> = Vec::new();
        for (display, toks) in names {
            let ids: Box<[TokenId]> = toks.iter().map(|t| self.intern(t)).collect();
            distinct.extend(ids.iter().copied());
            stored_names.push(StoredName {
                display: display.into(),
                tokens: ids,
            });
        }
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            // Slots only grow, so pushing keeps each list ascending.
            self.tokens[t as usize].postings.push(slot);
        }
        if let Some(doc) = &entry.document_number {
            self.by_document.entry(doc.clone()).or_default().push(slot);
        }
        self.by_id.insert(entry.id.as_str().into(), slot);
        self.entries.push(Some(Stored {
            id: entry.id.into(),
            names: stored_names.into(),
            dob: entry.dob,
            nationality: entry.nationality,
            sex: entry.sex,
            document: entry.document_number,
        }));
        self.live += 1;
        Ok(())
    }

    /// Removes an entry; false when there was none with that id.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        let Some(stored) = self.entries.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        let mut distinct: Vec<TokenId> = stored
            .names
            .iter()
            .flat_map(|n| n.tokens.iter().copied())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            let postings = &mut self.tokens[t as usize].postings;
            if let Ok(at) = postings.binary_search(&slot) {
                postings.remove(at);
            }
        }
        if let Some(doc) = &stored.document
            && let Some(slots) = self.by_document.get_mut(doc)
        {
            slots.retain(|&s| s != slot);
            if slots.is_empty() {
                self.by_document.remove(doc);
            }
        }
        self.live -= 1;
        true
    }

    fn intern(&mut self, raw: &str) -> TokenId {
        let skel = skeleton(raw);
        if let Some(&id) = self.vocab.get(skel.as_str()) {
            return id;
        }
        let id = TokenId::try_from(self.tokens.len()).unwrap_or(TokenId::MAX);
        if skel.len() >= 3 {
            for i in 0..skel.len() {
                let mut d = skel.clone();
                d.remove(i);
                self.deletions.entry(d.into()).or_default().push(id);
            }
        }
        self.vocab.insert(skel.as_str().into(), id);
        self.tokens.push(Token {
            spelling: raw.into(),
            skeleton: skel.into(),
            postings: Vec::new(),
        });
        id
    }

    fn weight(&self, t: TokenId) -> f32 {
        let df = self.tokens[t as usize].postings.len().max(1) as f32;
        (1.0 + self.live as f32 / df).ln()
    }

    /// Tokens on the list within one edit of `skel` (two for long tokens), with similarity.
    fn variants(&self, skel: &str) -> Vec<(TokenId, f32)> {
        let mut found: Vec<TokenId> = Vec::new();
        if let Some(&id) = self.vocab.get(skel) {
            found.push(id);
        }
        if skel.len() >= 3 {
            if let Some(ids) = self.deletions.get(skel) {
                found.extend(ids);
            }
            let mut d = String::with_capacity(skel.len());
            for i in 0..skel.len() {
                d.clear();
                d.push_str(&skel[..i]);
                d.push_str(&skel[i + 1..]);
                if let Some(&id) = self.vocab.get(d.as_str()) {
                    found.push(id);
                }
                if let Some(ids) = self.deletions.get(d.as_str()) {
                    found.extend(ids);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        let max = if skel.len() >= 7 { 2 } else { 1 };
        found
            .into_iter()
            .filter_map(|id| {
                let listed = &self.tokens[id as usize];
                if listed.postings.is_empty() {
                    return None;
                }
                let d = osa_distance(skel.as_bytes(), listed.skeleton.as_bytes(), max);
                let sim = token_similarity(d, skel.len().min(listed.skeleton.len()));
                (d <= max && sim > 0.0).then_some((id, sim))
            })
            .collect()
    }

    /// The readings of a query's tokens: as typed, with joined syllables split where the list has
    /// the parts, and with neighbours joined where the list has them joined.
    fn alternatives(&self, base: Vec<QueryToken>) -> Vec<Vec<QueryToken>> {
        let df = |skel: &str| {
            self.vocab
                .get(skel)
                .map_or(0, |&t| self.tokens[t as usize].postings.len())
        };
        let mut split = Vec::with_capacity(base.len() + 2);
        let mut any_split = false;
        for t in &base {
            let whole = df(&t.skeleton);
            let best = (2..t.raw.len().saturating_sub(1))
                .filter_map(|k| {
                    let (a, b) = t.raw.split_at(k);
                    let (sa, sb) = (skeleton(a), skeleton(b));
                    let m = df(&sa).min(df(&sb));
                    (m > whole).then_some((m, a, b, sa, sb))
                })
                .max_by_key(|x| x.0);
            match best {
                Some((_, a, b, sa, sb)) if t.raw.len() >= 4 => {
                    any_split = true;
                    split.push(QueryToken {
                        raw: a.to_string(),
                        skeleton: sa,
                    });
                    split.push(QueryToken {
                        raw: b.to_string(),
                        skeleton: sb,
                    });
                }
                _ => split.push(t.clone()),
            }
        }
        let mut joined = Vec::with_capacity(base.len());
        let mut any_join = false;
        let mut i = 0;
        while i < base.len() {
            if i + 1 < base.len() {
                let raw = format!("{}{}", base[i].raw, base[i + 1].raw);
                let skel = skeleton(&raw);
                if df(&skel) > 0 {
                    joined.push(QueryToken {
                        raw,
                        skeleton: skel,
                    });
                    any_join = true;
                    i += 2;
                    continue;
                }
            }
            joined.push(base[i].clone());
            i += 1;
        }
        let mut alts = vec![base];
        if any_split {
            alts.push(split);
        }
        if any_join {
            alts.push(joined);
        }
        alts
    }

    /// Screens one query. Hits come best first, at most `limit`, none below `threshold`.
    pub fn search(&self, query: &Query, options: SearchOptions) -> Vec<Hit> {
        let mut best: FxHashMap<Slot, Scored> = FxHashMap::default();
        let mut document_hits: Vec<Slot> = Vec::new();
        if let Some(doc) = &query.document_number
            && let Some(slots) = self.by_document.get(doc)
        {
            for &slot in slots {
                let Some(e) = self.stored(slot) else { continue };
                let same_state = match (query.nationality, e.nationality) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if same_state {
                    document_hits.push(slot);
                }
            }
        }

        let base: Vec<QueryToken> = tokens(&query.name)
            .into_iter()
            .take(MAX_QUERY_TOKENS)
            .map(|raw| QueryToken {
                skeleton: skeleton(&raw),
                raw,
            })
            .collect();
        let alternatives = if base.is_empty() {
            Vec::new()
        } else {
            self.alternatives(base)
        };
        let groups: Vec<Vec<Group>> = alternatives.iter().map(|alt| self.groups(alt)).collect();
        let least = least_name_score(
            options.threshold,
            matches!(query.dob, Some(Dob::Full(_)) | Some(Dob::Year(_))),
            query.nationality.is_some(),
        );
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            for (a, (alt, groups)) in alternatives.iter().zip(&groups).enumerate() {
                let candidates = self.candidates(groups, least, &mut scratch);
                for slot in candidates {
                    let Some(e) = self.stored(slot) else { continue };
                    let (name_score, name) = e
                        .names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (self.align(alt, groups, n).score, i))
                        .fold((0.0f32, 0usize), |acc, x| if x.0 > acc.0 { x } else { acc });
                    let evidence = Evidence::of(
                        (query.dob, query.nationality, query.sex),
                        (e.dob, e.nationality, e.sex),
                    );
                    let score = evidence.combine(name_score);
                    if score >= options.threshold {
                        let slot_best = best.entry(slot).or_insert(Scored {
                            score,
                            name,
                            alternative: a,
                        });
                        if score > slot_best.score {
                            *slot_best = Scored {
                                score,
                                name,
                                alternative: a,
                            };
                        }
                    }
                }
            }
        });

        let mut ranked: Vec<(Slot, Option<Scored>)> =
            document_hits.iter().map(|&s| (s, None)).collect();
        ranked.extend(
            best.into_iter()
                .filter(|(s, _)| !document_hits.contains(s))
                .map(|(s, b)| (s, Some(b))),
        );
        let id_of = |s: Slot| self.stored(s).map_or("", |e| &*e.id);
        ranked.sort_by(|a, b| {
            let score = |x: &Option<Scored>| x.map_or(1.0, |s| s.score);
            score(&b.1)
                .total_cmp(&score(&a.1))
                .then_with(|| id_of(a.0).cmp(id_of(b.0)))
        });
        ranked.truncate(options.limit);
        ranked
            .into_iter()
            .filter_map(|(slot, scored)| {
                let e = self.stored(slot)?;
                Some(match scored {
                    None => self.document_hit(e, query),
                    Some(s) => self.explain(
                        e,
                        query,
                        &alternatives[s.alternative],
                        &groups[s.alternative],
                        s,
                    ),
                })
            })
            .collect()
    }

    fn stored(&self, slot: Slot) -> Option<&Stored> {
        self.entries.get(slot as usize).and_then(Option::as_ref)
    }

    fn groups(&self, alt: &[QueryToken]) -> Vec<Group> {
        alt.iter()
            .map(|t| {
                let variants = self.variants(&t.skeleton);
                let weight = variants
                    .iter()
                    .map(|&(id, _)| self.weight(id))
                    .fold(None, |m: Option<f32>, w| Some(m.map_or(w, |m| m.max(w))))
                    .unwrap_or(UNMATCHED_QUERY_WEIGHT);
                let postings = variants
                    .iter()
                    .map(|&(id, _)| self.tokens[id as usize].postings.len())
                    .sum();
                Group {
                    variants,
                    weight,
                    postings,
                }
            })
            .collect()
    }

    /// Slots whose matched query tokens weigh enough that the name could reach `least`.
    fn candidates(&self, groups: &[Group], least: f32, scratch: &mut Scratch) -> Vec<Slot> {
        let matched: Vec<usize> = (0..groups.len())
            .filter(|&g| !groups[g].variants.is_empty())
            .collect();
        if matched.is_empty() {
            return Vec::new();
        }
        // Best case for a candidate: it has nothing but the matched tokens, each exact.
        let query_weight: f32 = groups.iter().map(|g| g.weight).sum();
        let needed = least * query_weight / (2.0 - least);
        let mut by_size = matched;
        by_size.sort_by_key(|&g| groups[g].postings);
        let (mut walk, mut skip) = (Vec::new(), Vec::new());
        for (rank, &g) in by_size.iter().enumerate() {
            if rank == 0 || groups[g].postings <= LONG_POSTINGS {
                walk.push(g);
            } else {
                skip.push(g);
            }
        }
        let assumed: f32 = skip.iter().map(|&g| groups[g].weight).sum();
        scratch.begin(self.entries.len());
        let mut out = Vec::new();
        for (order, &g) in walk.iter().enumerate() {
            let tag = u8::try_from(order + 1).unwrap_or(u8::MAX);
            let w = groups[g].weight;
            for &(t, _) in &groups[g].variants {
                for &slot in &self.tokens[t as usize].postings {
                    scratch.add(slot, tag, w, assumed, needed, &mut out);
                }
            }
        }
        out
    }

    /// Aligns the query's tokens with a listed name's, each used once, best pairs first.
    fn align(&self, alt: &[QueryToken], groups: &[Group], name: &StoredName) -> Alignment {
        let mut pairs: Vec<(f32, f32, usize, usize)> =
            Vec::with_capacity(alt.len() * name.tokens.len());
        for (j, &t) in name.tokens.iter().enumerate() {
            let w = self.weight(t);
            for (i, q) in alt.iter().enumerate() {
                let sim = groups[i]
                    .variants
                    .iter()
                    .find(|v| v.0 == t)
                    .map(|v| v.1)
                    .unwrap_or_else(|| {
                        prefix_similarity(&q.skeleton, &self.tokens[t as usize].skeleton)
                    });
                if sim > 0.0 {
                    pairs.push((sim * w, sim, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut query_used = vec![false; alt.len()];
        let mut listed_used = vec![false; name.tokens.len()];
        let mut matched = Vec::new();
        let mut matched_weight = 0.0;
        for (sw, sim, i, j) in pairs {
            if !query_used[i] && !listed_used[j] {
                query_used[i] = true;
                listed_used[j] = true;
                matched_weight += sw;
                matched.push((i, j, sim));
            }
        }
        let listed_total: f32 = name.tokens.iter().map(|&t| self.weight(t)).sum();
        let query_total: f32 = (0..alt.len())
            .map(|i| match matched.iter().find(|m| m.0 == i) {
                Some(&(_, j, _)) => self.weight(name.tokens[j]),
                None => groups[i].weight,
            })
            .sum();
        let mut score = if listed_total + query_total > 0.0 {
            2.0 * matched_weight / (listed_total + query_total)
        } else {
            0.0
        };
        let query_left = query_used.iter().any(|u| !u);
        let listed_left = listed_used.iter().any(|u| !u);
        if query_left && listed_left {
            score *= SUBSTITUTION_FACTOR;
        }
        Alignment {
            score,
            matched,
            query_left: query_used,
            listed_left: listed_used,
        }
    }

    fn document_hit(&self, e: &Stored, query: &Query) -> Hit {
        let mut reasons = vec![format!(
            "document number {} matches{}",
            e.document.as_ref().map_or("", DocumentNumber::as_str),
            e.nationality
                .map(|n| format!(" (issued by {n})"))
                .unwrap_or_default()
        )];
        reasons.extend(evidence_reasons(query, e));
        Hit {
            id: e.id.to_string(),
            score: 1.0,
            matched_name: e.names[0].display.to_string(),
            reasons,
        }
    }

    fn explain(
        &self,
        e: &Stored,
        query: &Query,
        alt: &[QueryToken],
        groups: &[Group],
        s: Scored,
    ) -> Hit {
        let name = &e.names[s.name];
        let a = self.align(alt, groups, name);
        let mut parts = a.matched.clone();
        parts.sort_by_key(|m| m.1);
        let mut line = format!(
            "{} {:?}: ",
            if s.name == 0 { "name" } else { "alias" },
            &*name.display
        );
        for (k, &(i, j, sim)) in parts.iter().enumerate() {
            if k > 0 {
                line.push_str(", ");
            }
            let listed = &self.tokens[name.tokens[j] as usize].spelling;
            let q = &alt[i].raw;
            if sim >= 1.0 {
                let _ = write!(line, "{q}");
            } else {
                let _ = write!(line, "{q} ≈ {listed}");
            }
        }
        let missing: Vec<&str> = a
            .listed_left
            .iter()
            .enumerate()
            .filter(|(_, used)| !**used)
            .map(|(j, _)| &*self.tokens[name.tokens[j] as usize].spelling)
            .collect();
        if !missing.is_empty() {
            let _ = write!(line, "; not in the query: {}", missing.join(" "));
        }
        let extra: Vec<&str> = a
            .query_left
            .iter()
            .enumerate()
            .filter(|(_, used)| !**used)
            .map(|(i, _)| alt[i].raw.as_str())
            .collect();
        if !extra.is_empty() {
            let _ = write!(line, "; not on the list: {}", extra.join(" "));
        }
        let _ = write!(line, " (name similarity {:.2})", a.score);
        let mut reasons = vec![line];
        reasons.extend(evidence_reasons(query, e));
        Hit {
            id: e.id.to_string(),
            score: s.score,
            matched_name: name.display.to_string(),
            reasons,
        }
    }
}

struct Alignment {
    score: f32,
    /// (query token, listed token, similarity)
    matched: Vec<(usize, usize, f32)>,
    query_left: Vec<bool>,
    listed_left: Vec<bool>,
}

fn evidence_reasons(query: &Query, e: &Stored) -> Vec<String> {
    use crate::score::{DobVerdict, compare_dob};
    let mut out = Vec::new();
    match (compare_dob(query.dob, e.dob), query.dob, e.dob) {
        (DobVerdict::Same, _, Some(d)) => out.push(format!("date of birth {d} matches")),
        (DobVerdict::SameYear, _, Some(d)) => out.push(format!("year of birth matches ({d})")),
        (DobVerdict::Close, Some(q), Some(d)) => {
            out.push(format!("date of birth close: {q} against {d} listed"))
        }
        (DobVerdict::Differs, Some(q), Some(d)) => {
            out.push(format!("date of birth differs: {q} against {d} listed"))
        }
        _ => out.push("no date of birth to compare".to_string()),
    }
    match (query.nationality, e.nationality) {
        (Some(q), Some(l)) if q == l => out.push(format!("nationality {l} matches")),
        (Some(q), Some(l)) => out.push(format!("nationality differs: {q} against {l} listed")),
        _ => {}
    }
    if let (Some(q), Some(l)) = (query.sex, e.sex)
        && q != l
    {
        out.push("sex differs".to_string());
    }
    out
}

/// Per-thread counters over slots, reused across queries: which group last added to a slot,
/// the weight gathered, and whether it is already a candidate.
#[derive(Debug, Default)]
struct Scratch {
    epoch: Vec<u32>,
    weight: Vec<f32>,
    mark: Vec<u8>,
    now: u32,
}

impl Scratch {
    fn begin(&mut self, slots: usize) {
        if self.epoch.len() < slots {
            self.epoch.resize(slots, 0);
            self.weight.resize(slots, 0.0);
            self.mark.resize(slots, 0);
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.epoch.fill(0);
            self.now = 1;
        }
    }

    /// Counts group `tag`'s weight for `slot` once, and makes it a candidate when enough.
    #[inline]
    fn add(&mut self, slot: Slot, tag: u8, w: f32, assumed: f32, needed: f32, out: &mut Vec<Slot>) {
        let s = slot as usize;
        if self.epoch[s] != self.now {
            self.epoch[s] = self.now;
            self.weight[s] = 0.0;
            self.mark[s] = 0;
        }
        const CANDIDATE: u8 = 0x80;
        if (self.mark[s] & 0x7f) == tag {
            return;
        }
        self.weight[s] += w;
        let already = self.mark[s] & CANDIDATE;
        self.mark[s] = tag | already;
        if already == 0 && self.weight[s] + assumed + 1e-4 >= needed {
            self.mark[s] |= CANDIDATE;
            out.push(slot);
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
