//! The in-memory index: tokens of every name and alias with their posting lists, a deletion
//! neighbourhood for one-edit lookups, and exact document numbers and dates of birth. A query
//! touches only the posting lists of its own tokens and their near spellings, never the whole
//! list.

use std::cell::RefCell;
use std::fmt::Write as _;

use rustc_hash::FxHashMap;

use crate::model::{Country, Dob, DocumentNumber, Entry, FieldError, Hit, Query, Sex};
use crate::normalize::{
    joins_syllables, key_family, misread_likelihood, osa_distance, romanisation_keys, skeleton,
    systems_of_state, tokens,
};
use crate::score::{
    DOB_BEST_BUT_SAME, DobVerdict, END_OMISSION_SHARE, EXTRA_CAP, EXTRA_SHARE, FOLLOW_PRIOR,
    FOLLOW_RAISE_CAP, INITIAL_EVIDENCE, NEAR_FLOOR, OMISSION_CAP, OMISSION_SHARE, OUT_OF_ORDER,
    PATRONYMIC_SHARE, PREFIX_COST, RESPELLING_COST, RESPELLING_RATE, ROMANISATION_RATE,
    SHORT_NAME_CAP, SHORT_NAME_PRIOR, SLIP_RATES, SUBSTITUTION, TRUNCATION_LENGTH,
    UNMATCHED_QUERY_WEIGHT, compare_dob, evidence_needed, min_name_evidence, nationality_evidence,
    score, sex_evidence, years_may_be_one_slip,
};

type TokenId = u32;
type Slot = u32;

/// Posting lists longer than this may be counted as present in every slot instead of walked,
/// as long as together they cannot make a candidate: no candidate is lost. Walking a list costs
/// a cache miss for each slot it credits; counting it present lets more slots through on the
/// other lists. At a million entries 10,000 gave the evaluation sets' slowest hundredth of
/// queries a third of the time 150,000 did, and the median no more.
const LONG_POSTINGS: usize = 10_000;
/// Rounding room in the candidate bound.
const BOUND_EPSILON: f32 = 1e-4;
/// Tokens of a query beyond this are ignored: no real name has more.
const MAX_QUERY_TOKENS: usize = 12;
/// Name parts of a listed name beyond this are not aligned.
const MAX_NAME_TOKENS: usize = 16;
/// Tokens this long may match two edits away.
const LONG_TOKEN: usize = 7;
/// Nats the candidate bound gives away so as not to lose a candidate: weights within a
/// nationality, and what an unusual sequence of parts adds.
const BOUND_SLACK: f32 = 1.0 + FOLLOW_RAISE_CAP;
/// Query tokens, after splitting, that candidate search tracks per slot.
const MAX_GROUPS: usize = 15;
/// Counter bits for candidate search: the query tokens' and the shared spellings'.
const MAX_BITS: usize = 15;

/// The watchlist, ready to be screened against. Add, change and remove entries while serving.
#[derive(Debug, Default)]
pub struct Index {
    vocab: FxHashMap<Box<str>, TokenId>,
    tokens: Vec<Token>,
    /// Each token's skeleton and spellings, whole and with one letter deleted → the tokens.
    neighbours: FxHashMap<Box<str>, Vec<TokenId>>,
    /// Each spelling's romanisation key → the tokens spelt so: one name part in another
    /// system's spelling (`CHIHUN` for `JIHOON`), found with one lookup.
    by_key: FxHashMap<Box<str>, Vec<TokenId>>,
    entries: Vec<Option<Stored>>,
    /// Beside each slot, the families of romanisation systems its listed person's state writes
    /// names in (all where the state is not known): a respelling by another family's key
    /// cannot count for it, and the candidate search passes it by.
    systems: Vec<u8>,
    by_id: FxHashMap<Box<str>, Slot>,
    by_document: FxHashMap<DocumentNumber, Vec<Slot>>,
    by_dob: FxHashMap<time::Date, Vec<Slot>>,
    /// Live entries per nationality (`None`: not known).
    nationalities: FxHashMap<Option<Country>, u32>,
    /// Listed names (not the aliases) by nationality and number of parts: how rare a name as
    /// short as a query's is among them.
    lengths: FxHashMap<(Option<Country>, u8), u32>,
    /// Name parts in a row in the listed names (not the aliases), by nationality: how often a
    /// part follows another (`None`: it opens the name). Names are not bags of parts: `LIU LI`
    /// is a family name and a rare given name, not two family names; `VAN DER BERG` is one.
    follows: FxHashMap<(Option<Country>, Option<TokenId>, TokenId), u32>,
    /// How many parts follow each part (`None`: how many names open).
    leads: FxHashMap<(Option<Country>, Option<TokenId>), u32>,
    /// Parts in a row after the first in the listed names of states whose names join syllables
    /// (`JI HOON` in `Park Ji Hoon`): a given name written syllable by syllable. The pairs that
    /// open a name are a family and a given name (`Li Juan`), which say nothing of that.
    apart: FxHashMap<(Option<Country>, TokenId, TokenId), u32>,
    live: usize,
    /// Tests set this to try the long-list path on a short list; `None` is `LONG_POSTINGS`.
    long_postings: Option<usize>,
}

#[derive(Debug)]
struct Token {
    /// The spellings seen with this skeleton; the first one names the token in reasons.
    spellings: Vec<Box<str>>,
    skeleton: Box<str>,
    /// Slots holding the token, each once.
    postings: Postings,
    /// Slots with a name that holds the token twice or more (`LE VAN XUAN XUAN`): a query with
    /// the token twice walks these for its second one, since a name holding it once can match
    /// only one of the two.
    repeats: Postings,
    /// How many of those per nationality: names cluster by culture, so a token's rarity is
    /// reckoned among the listed people of the same nationality.
    by_nationality: Vec<(Option<Country>, u32)>,
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
    /// Neighbouring parts after the first, joined (`JIHOON` for `Ji Hoon`), for a name of a
    /// state whose names join syllables: the part at `j` and the next, and the skeleton of the
    /// two as one. Where other listed names hold that part, the two say no more together than
    /// it does. The first part is the family name there (`Li Yu` is no given name `LIYU`).
    /// Looked up when scoring, so that the order in which names were listed changes nothing.
    joined: Box<[(u8, Box<str>)]>,
}

/// How many hits, and from what score.
#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    pub limit: usize,
    pub threshold: f32,
    /// Also give, after the hits and flagged [`Hit::held_back`], up to `limit` listings that
    /// the whole name matches but whose score stays under `threshold` because the name is
    /// common and the list has no full date of birth for them: what an officer was not shown.
    pub held_back: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { limit: 10, threshold: crate::score::DEFAULT_THRESHOLD, held_back: false }
    }
}

/// The lowest score a held-back listing is given with: below it the name is so common that
/// listing its bearers would say nothing.
pub const HELD_BACK_FLOOR: f32 = 0.1;

/// A query token: as read, and its skeleton.
#[derive(Clone, Debug)]
struct QueryToken {
    raw: String,
    skeleton: String,
}

/// Groups by the token as read (the skeleton follows from it).
type GroupCache = FxHashMap<String, Group>;

/// The spellings on the list that one query token may stand for, with the evidence each gives.
#[derive(Clone, Debug)]
struct Group {
    variants: Vec<(TokenId, f32)>,
    /// Variants that owe their evidence to a romanisation key: the families of systems whose
    /// keys they share, and what they say without the key (a misread, or nothing). A key of a
    /// family counts only where the listed person or the traveller holds one of its states.
    keyed: Vec<(TokenId, u8, Option<f32>)>,
    /// The token with the query token's own skeleton, and what a respelling costs.
    exact: Option<(TokenId, f32)>,
    /// What the token costs when nothing on the listed name matches it.
    weight: f32,
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

    /// Where an entry is held: a number that stays the entry's until it is replaced or
    /// removed, and is never given to another. A caller keeps what it adds to an entry beside
    /// the index by it, rather than by a second map of the ids.
    pub fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The entry held at `slot`: its id and its name (the first, before the aliases).
    pub fn at(&self, slot: u32) -> Option<(&str, &str)> {
        let stored = self.entries.get(slot as usize)?.as_ref()?;
        Some((&stored.id, stored.names.first().map_or("", |n| &n.display)))
    }

    /// What the list knows of the date of birth of the entry `id`: `None` for no such entry.
    pub fn dob_of(&self, id: &str) -> Option<Option<Dob>> {
        let slot = self.slot_of(id)?;
        Some(self.stored(slot)?.dob)
    }

    /// One past the greatest slot yet given.
    pub fn slots(&self) -> u32 {
        Slot::try_from(self.entries.len()).unwrap_or(Slot::MAX)
    }

    /// Adds an entry, or replaces the one with the same id.
    pub fn upsert(&mut self, entry: Entry) -> Result<(), FieldError> {
        if entry.id.trim().is_empty() {
            return Err(FieldError::EmptyId);
        }
        let mut names = Vec::with_capacity(1 + entry.aliases.len());
        for (i, name) in std::iter::once(&entry.name).chain(&entry.aliases).enumerate() {
            // Read from the name as kept, so that a hit's reasons can read it again the same way.
            let name = name.trim();
            let toks = tokens(name);
            if toks.is_empty() {
                if i == 0 {
                    return Err(FieldError::EmptyName);
                }
                continue;
            }
            names.push((name.to_string(), toks));
        }
        self.remove(&entry.id);
        let slot = Slot::try_from(self.entries.len()).unwrap_or(Slot::MAX);
        let mut stored_names = Vec::with_capacity(names.len());
        let mut distinct: Vec<TokenId> = Vec::new();
        let joins = entry.nationality.is_none_or(|c| joins_syllables(c.as_str()));
        for (display, toks) in names {
            let ids: Box<[TokenId]> = toks.iter().map(|t| self.intern(t)).collect();
            distinct.extend(ids.iter().copied());
            let joined: Box<[(u8, Box<str>)]> = if joins {
                (1..toks.len().min(MAX_NAME_TOKENS).saturating_sub(1))
                    .filter_map(|j| {
                        let whole = skeleton(&format!("{}{}", toks[j], toks[j + 1]));
                        Some((u8::try_from(j).ok()?, whole.into()))
                    })
                    .collect()
            } else {
                Box::default()
            };
            stored_names.push(StoredName { display: display.into(), tokens: ids, joined });
        }
        let posting = Posting { slot, dob: DobKey::new(entry.dob) };
        for t in repeated(&stored_names) {
            self.tokens[t as usize].repeats.push(posting);
        }
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            let token = &mut self.tokens[t as usize];
            token.postings.push(posting);
            match token.by_nationality.iter_mut().find(|c| c.0 == entry.nationality) {
                Some(c) => c.1 += 1,
                None => token.by_nationality.push((entry.nationality, 1)),
            }
        }
        *self.nationalities.entry(entry.nationality).or_default() += 1;
        if let Some(name) = stored_names.first() {
            *self.lengths.entry((entry.nationality, parts_of(name))).or_default() += 1;
            for (prev, t) in sequence(&name.tokens) {
                *self.follows.entry((entry.nationality, prev, t)).or_default() += 1;
                *self.leads.entry((entry.nationality, prev)).or_default() += 1;
            }
            if joins {
                for pair in name.tokens.windows(2).skip(1) {
                    *self.apart.entry((entry.nationality, pair[0], pair[1])).or_default() += 1;
                }
            }
        }
        if let Some(doc) = &entry.document_number {
            self.by_document.entry(doc.clone()).or_default().push(slot);
        }
        if let Some(Dob::Full(d)) = entry.dob {
            self.by_dob.entry(d).or_default().push(slot);
        }
        self.by_id.insert(entry.id.as_str().into(), slot);
        self.systems.push(state_systems(entry.nationality));
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
        let mut distinct: Vec<TokenId> =
            stored.names.iter().flat_map(|n| n.tokens.iter().copied()).collect();
        let posting = Posting { slot, dob: DobKey::new(stored.dob) };
        for t in repeated(&stored.names) {
            self.tokens[t as usize].repeats.remove(posting);
        }
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            let token = &mut self.tokens[t as usize];
            token.postings.remove(posting);
            if let Some(c) = token.by_nationality.iter_mut().find(|c| c.0 == stored.nationality) {
                c.1 = c.1.saturating_sub(1);
            }
        }
        if let Some(c) = self.nationalities.get_mut(&stored.nationality) {
            *c = c.saturating_sub(1);
        }
        if let Some(name) = stored.names.first() {
            decrement(&mut self.lengths, (stored.nationality, parts_of(name)));
            for pair in name.tokens.windows(2).skip(1) {
                decrement(&mut self.apart, (stored.nationality, pair[0], pair[1]));
            }
            for (prev, t) in sequence(&name.tokens) {
                decrement(&mut self.follows, (stored.nationality, prev, t));
                decrement(&mut self.leads, (stored.nationality, prev));
            }
        }
        if let Some(doc) = &stored.document {
            remove_slot(&mut self.by_document, doc, slot);
        }
        if let Some(Dob::Full(d)) = stored.dob {
            remove_slot(&mut self.by_dob, &d, slot);
        }
        self.live -= 1;
        true
    }

    fn intern(&mut self, raw: &str) -> TokenId {
        let skel = skeleton(raw);
        let id = match self.vocab.get(skel.as_str()) {
            Some(&id) => {
                if self.tokens[id as usize].spellings.iter().any(|s| &**s == raw) {
                    return id;
                }
                self.tokens[id as usize].spellings.push(raw.into());
                id
            }
            None => {
                let id = TokenId::try_from(self.tokens.len()).unwrap_or(TokenId::MAX);
                self.vocab.insert(skel.as_str().into(), id);
                self.tokens.push(Token {
                    spellings: vec![raw.into()],
                    skeleton: skel.as_str().into(),
                    postings: Postings::default(),
                    repeats: Postings::default(),
                    by_nationality: Vec::new(),
                });
                self.add_neighbours(&skel, id);
                id
            }
        };
        if raw != skel {
            self.add_neighbours(raw, id);
        }
        for key in romanisation_keys(raw) {
            let ids = self.by_key.entry(key.into()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        id
    }

    /// Files `form` and its one-letter deletions under `id`, for one-edit lookups.
    fn add_neighbours(&mut self, form: &str, id: TokenId) {
        let mut add = |key: &str| {
            let ids = self.neighbours.entry(key.into()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        };
        add(form);
        if form.len() >= 2 {
            let mut d = String::with_capacity(form.len());
            for i in 0..form.len() {
                d.clear();
                d.push_str(&form[..i]);
                d.push_str(&form[i + 1..]);
                add(&d);
            }
        }
    }

    fn df(&self, t: TokenId) -> usize {
        self.tokens[t as usize].postings.len()
    }

    /// The evidence of an exact match on a token: how rare it is on the list, in nats.
    fn weight(&self, t: TokenId) -> f32 {
        rarity(self.live, self.df(t))
    }

    fn nationality_count(&self, c: Option<Country>) -> usize {
        self.nationalities.get(&c).copied().unwrap_or(0) as usize
    }

    /// What a query name of `parts` parts says by its shortness against a longer listed name
    /// of nationality `c`: `-ln` of the share of such listed names no longer, at most
    /// `SHORT_NAME_CAP`.
    fn short_name_evidence(&self, c: Option<Country>, parts: usize) -> f32 {
        let total = self.nationality_count(c);
        if total == 0 {
            return 0.0;
        }
        let no_longer: u32 = (1..=parts.min(usize::from(u8::MAX)))
            .filter_map(|k| self.lengths.get(&(c, k as u8)))
            .sum();
        // A share read off a few names says little: it starts from an even guess worth
        // `SHORT_NAME_PRIOR` names.
        ((total as f32 + SHORT_NAME_PRIOR) / (no_longer as f32 + SHORT_NAME_PRIOR))
            .ln()
            .clamp(0.0, SHORT_NAME_CAP)
    }

    /// The most [`Index::short_name_evidence`] gives a query of `parts` parts, over every
    /// nationality: what the candidate bound must allow for.
    fn most_short_name_evidence(&self, parts: usize) -> f32 {
        self.nationalities.keys().map(|&c| self.short_name_evidence(c, parts)).fold(0.0, f32::max)
    }

    /// The evidence of a match on a token for a listed person of nationality `c`: its rarity
    /// among the listed people of that nationality.
    fn weight_in(&self, t: TokenId, c: Option<Country>) -> f32 {
        let df =
            self.tokens[t as usize].by_nationality.iter().find(|x| x.0 == c).map_or(0, |x| x.1);
        rarity(self.nationality_count(c), df as usize)
    }

    /// The evidence of listed part `t` after `prev` (`None`: opening the name) among the names
    /// of nationality `c`: `-ln P(t | prev)`, drawn towards the part's own rarity where the
    /// pair is seldom seen.
    fn follow_weight(&self, c: Option<Country>, prev: Option<TokenId>, t: TokenId) -> f32 {
        let p = (-self.weight_in(t, c)).exp();
        let pair = self.follows.get(&(c, prev, t)).copied().unwrap_or(0) as f32;
        let lead = self.leads.get(&(c, prev)).copied().unwrap_or(0) as f32;
        -((pair + FOLLOW_PRIOR * p) / (lead + FOLLOW_PRIOR)).ln()
    }

    /// The spellings on the list within one edit of `skel` (two for long tokens), with the
    /// evidence each gives: an exact match its rarity; a near one the odds that a misread of that
    /// token explains `skel` better than somebody else's name does.
    /// A token's group, worked out once per query: the readings share most of their tokens.
    fn cached_group<'c>(&self, q: &QueryToken, cache: &'c mut GroupCache) -> &'c Group {
        cache.entry(q.raw.clone()).or_insert_with(|| self.group(q))
    }

    fn group(&self, q: &QueryToken) -> Group {
        let skel = q.skeleton.as_str();
        let exact = self.vocab.get(skel).copied().filter(|&t| self.df(t) > 0);
        let mut found: Vec<TokenId> = Vec::new();
        let mut d = String::with_capacity(q.raw.len());
        for form in [skel, q.raw.as_str()] {
            if let Some(ids) = self.neighbours.get(form) {
                found.extend(ids);
            }
            if form.len() >= 2 {
                for i in 0..form.len() {
                    d.clear();
                    d.push_str(&form[..i]);
                    d.push_str(&form[i + 1..]);
                    if let Some(ids) = self.neighbours.get(d.as_str()) {
                        found.extend(ids);
                    }
                }
            }
            // Long tokens may be two edits away: two deletions here meet one there.
            if form.len() >= LONG_TOKEN {
                for i in 0..form.len() {
                    for j in i + 1..form.len() {
                        d.clear();
                        d.push_str(&form[..i]);
                        d.push_str(&form[i + 1..j]);
                        d.push_str(&form[j + 1..]);
                        if let Some(ids) = self.neighbours.get(d.as_str()) {
                            found.extend(ids);
                        }
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        let max = if skel.len() >= LONG_TOKEN { 2 } else { 1 };
        // Each near spelling with the chance that it is read as the query token: by skeleton or
        // by any of its spellings, whichever is likelier.
        let near: Vec<(TokenId, f32)> = found
            .into_iter()
            .filter(|&id| Some(id) != exact && self.df(id) > 0)
            .filter_map(|id| {
                let t = &self.tokens[id as usize];
                let by_skeleton = osa_distance(skel.as_bytes(), t.skeleton.as_bytes(), max);
                let by_spelling = t
                    .spellings
                    .iter()
                    .map(|s| osa_distance(q.raw.as_bytes(), s.as_bytes(), max))
                    .min()
                    .unwrap_or(max + 1);
                if by_skeleton.min(by_spelling) > max {
                    return None;
                }
                let likelihood = t
                    .spellings
                    .iter()
                    .map(|s| misread_likelihood(q.raw.as_bytes(), s.as_bytes(), SLIP_RATES))
                    .fold(
                        misread_likelihood(skel.as_bytes(), t.skeleton.as_bytes(), SLIP_RATES),
                        f32::max,
                    );
                Some((id, likelihood))
            })
            .collect();
        // Spellings of another romanisation system: as likely whatever letters they differ by.
        let misread = near.clone();
        let mut near = near;
        let mut key_families: Vec<(TokenId, u8)> = Vec::new();
        for key in romanisation_keys(&q.raw) {
            let family = key_family(&key);
            for &id in self.by_key.get(key.as_str()).into_iter().flatten() {
                if Some(id) == exact || self.df(id) == 0 {
                    continue;
                }
                match key_families.iter_mut().find(|x| x.0 == id) {
                    Some(x) => x.1 |= family,
                    None => key_families.push((id, family)),
                }
                match near.iter_mut().find(|x| x.0 == id) {
                    Some(x) => x.1 = x.1.max(ROMANISATION_RATE),
                    None => near.push((id, ROMANISATION_RATE)),
                }
            }
        }
        let n = self.live.max(1) as f32;
        // Only the very spelling read counts against a misread; a respelling is itself a variant.
        let spelt =
            exact.filter(|&t| self.tokens[t as usize].spellings.iter().any(|s| **s == *q.raw));
        let spelt_df = spelt.map_or(0, |t| self.df(t)) as f32;
        // How often some listed name is read as this token: spelt so, or misread or respelt so.
        let read_so: f32 = spelt_df
            + near.iter().map(|&(t, p)| p * self.df(t) as f32).sum::<f32>()
            + exact
                .filter(|&t| Some(t) != spelt)
                .map_or(0.0, |t| RESPELLING_RATE * self.df(t) as f32);
        let mut variants: Vec<(TokenId, f32)> = Vec::with_capacity(near.len() + 1);
        let exact = exact.map(|t| (t, if spelt.is_some() { 0.0 } else { RESPELLING_COST }));
        if let Some((t, cost)) = exact {
            variants.push((t, self.weight(t) - cost));
        }
        let evidence = |t: TokenId, p: f32| {
            (p * n / read_so.max(1e-9)).ln().min(self.weight(t)).max(NEAR_FLOOR)
        };
        for &(t, p) in &near {
            variants.push((t, evidence(t, p)));
        }
        let keyed = key_families
            .into_iter()
            .filter_map(|(t, families)| {
                let plain = misread.iter().find(|x| x.0 == t).map(|x| x.1);
                // A misread at least as likely as a respelling stands without the key.
                (plain.is_none_or(|p| p < ROMANISATION_RATE))
                    .then(|| (t, families, plain.map(|p| evidence(t, p))))
            })
            .collect();
        let weight = exact.map_or(UNMATCHED_QUERY_WEIGHT, |(t, _)| self.weight(t));
        Group { variants, keyed, exact, weight }
    }

    /// The readings of a query's tokens: as typed; with one token split in two where the list
    /// has both parts (`NGOCANH` → `NGOC ANH`), its two likeliest splits; with two neighbours
    /// joined where the list has them joined (`XIAO MING` → `XIAOMING`).
    fn alternatives(
        &self,
        base: Vec<QueryToken>,
        nationality: Option<Country>,
        cache: &mut GroupCache,
    ) -> Vec<Vec<QueryToken>> {
        const MAX_ALTERNATIVES: usize = 6;
        let joined_names = nationality.is_none_or(|c| joins_syllables(c.as_str()));
        let id = |skel: &str| self.vocab.get(skel).copied();
        let df = |skel: &str| id(skel).map_or(0, |t| self.df(t));
        // A listed name of the traveller's state that writes the two halves apart, one after
        // the other in its given name (`Park Ji Hoon` for the passport's `PARK<<JIHOON`),
        // though the whole is the commoner part on the list.
        let listed_apart = |a: &str, b: &str| {
            joined_names
                && nationality.is_some()
                && id(a).zip(id(b)).is_some_and(|(a, b)| {
                    self.apart.get(&(nationality, a, b)).is_some_and(|&n| n > 0)
                })
        };
        let mut alts = vec![base.clone()];
        for (i, t) in base.iter().enumerate().filter(|(_, t)| t.raw.len() >= 4) {
            let whole = df(&t.skeleton);
            let mut splits: Vec<(usize, usize)> = (2..t.raw.len() - 1)
                .filter_map(|k| {
                    let (a, b) = (skeleton(&t.raw[..k]), skeleton(&t.raw[k..]));
                    let m = df(&a).min(df(&b));
                    (m > whole || (m > 0 && listed_apart(&a, &b))).then_some((m, k))
                })
                .collect();
            splits.sort_unstable_by(|a, b| b.cmp(a));
            for &(_, k) in splits.iter().take(2) {
                let mut alt = base.clone();
                let (a, b) = t.raw.split_at(k);
                alt.splice(
                    i..=i,
                    [
                        QueryToken { raw: a.to_string(), skeleton: skeleton(a) },
                        QueryToken { raw: b.to_string(), skeleton: skeleton(b) },
                    ],
                );
                alts.push(alt);
            }
        }
        for i in 0..base.len().saturating_sub(1) {
            let raw = format!("{}{}", base[i].raw, base[i + 1].raw);
            let skel = skeleton(&raw);
            let joined = QueryToken { raw: raw.clone(), skeleton: skel.clone() };
            // A join the list holds as one part, as spelt or in another system's spelling; or
            // near one (`MIN YOUGN` → `MINYOUNG`), where a half is no listed part or the
            // traveller's culture writes a given name's syllables as one word. Two Vietnamese
            // parts joined into something merely near a third (`THI YEN` → `THIYEN`, near
            // `TIEN`) would swallow a query part and find somebody else.
            let halves_listed = df(&base[i].skeleton) > 0 && df(&base[i + 1].skeleton) > 0;
            let tried = df(&skel) > 0 || {
                let group = self.cached_group(&joined, cache);
                !group.keyed.is_empty()
                    || ((!halves_listed || joined_names) && !group.variants.is_empty())
            };
            if tried {
                let mut alt = base.clone();
                alt.splice(i..=i + 1, [QueryToken { raw, skeleton: skel }]);
                alts.push(alt);
            }
        }
        // A split can push a reading past the tokens alignment tracks.
        alts.retain(|a| a.len() <= MAX_QUERY_TOKENS);
        alts.truncate(MAX_ALTERNATIVES);
        alts
    }

    /// All the evidence but the name's.
    fn other_evidence(&self, query: &Query, e: &Stored) -> f32 {
        compare_dob(query.dob, e.dob).evidence()
            + nationality_evidence(query.nationality.zip(e.nationality).map(|(a, b)| a == b))
            + sex_evidence(query.sex.zip(e.sex).map(|(a, b)| a == b))
    }

    /// Screens one query. Hits come best first, at most `limit`, none below `threshold`.
    pub fn search(&self, query: &Query, options: SearchOptions) -> Vec<Hit> {
        self.search_among(query, options, Among::Candidates)
    }

    fn search_among(&self, query: &Query, options: SearchOptions, among: Among) -> Vec<Hit> {
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
            .map(|raw| QueryToken { skeleton: skeleton(&raw), raw })
            .collect();
        let mut cache = GroupCache::default();
        let alternatives = if base.is_empty() {
            Vec::new()
        } else {
            self.alternatives(base, query.nationality, &mut cache)
        };
        let groups: Vec<Vec<Group>> = alternatives
            .iter()
            .map(|alt| alt.iter().map(|t| self.cached_group(t, &mut cache).clone()).collect())
            .collect();
        // The first reading is the name as read.
        let read = alternatives.first().map_or(0, Vec::len);
        let parts = |alt: &[QueryToken]| alt.len().max(read);

        let floor = if options.held_back {
            options.threshold.min(HELD_BACK_FLOOR)
        } else {
            options.threshold
        };
        let min_name = min_name_evidence(self.live);
        let bound = Bound {
            needed: evidence_needed(floor, self.live),
            // Held back may be a name too common to say enough: the search must not pass it by.
            min_name: if options.held_back { 0.0 } else { min_name },
            held_back: options.held_back,
            dob: DobBound::new(query.dob),
            short_name: self.most_short_name_evidence(read),
            traveller: state_systems(query.nationality),
        };
        let same_day: &[Slot] = match query.dob {
            Some(Dob::Full(d)) => self.by_dob.get(&d).map_or(&[], Vec::as_slice),
            _ => &[],
        };

        let mut best: FxHashMap<Slot, Scored> = FxHashMap::default();
        let mut held: FxHashMap<Slot, Scored> = FxHashMap::default();
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            for (a, (alt, groups)) in alternatives.iter().zip(&groups).enumerate() {
                let candidates = match among {
                    Among::Candidates => self.candidates(groups, &bound, same_day, &mut scratch),
                    Among::Everyone => {
                        (0..self.entries.len()).filter_map(|s| Slot::try_from(s).ok()).collect()
                    }
                };
                for slot in candidates {
                    let Some(e) = self.stored(slot) else { continue };
                    let (name_evidence, floor_evidence, name, complete) = e
                        .names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            let listed = Listed::new(n, i == 0, e.nationality, query);
                            let a = self.align(alt, groups, parts(alt), listed);
                            (a.evidence, a.floor_evidence, i, a.complete)
                        })
                        .fold((f32::MIN, f32::MIN, 0usize, false), |acc, x| {
                            if x.0 > acc.0 { x } else { acc }
                        });
                    // A middle name left out (`NGUYEN HAI` for `NGUYEN HUU HAI`) costs in the
                    // score, but does not make the parts that agree say less; a family or
                    // given name left out does (`NGUYEN VAN` for `NGUYEN VAN DUC`). A name too
                    // common to say enough is never a hit, but the whole of it on a listing
                    // without a full date is held back, for a caller who asks.
                    let s = score(name_evidence + self.other_evidence(query, e), self.live);
                    let undated = !matches!(e.dob, Some(Dob::Full(_)));
                    let kept = if s >= options.threshold && floor_evidence >= min_name {
                        &mut best
                    } else if options.held_back && complete && undated && s >= floor {
                        &mut held
                    } else {
                        continue;
                    };
                    let entry =
                        kept.entry(slot).or_insert(Scored { score: s, name, alternative: a });
                    if s > entry.score {
                        *entry = Scored { score: s, name, alternative: a };
                    }
                }
            }
        });

        let mut ranked: Vec<(Slot, Option<Scored>)> =
            document_hits.iter().map(|&s| (s, None)).collect();
        ranked.extend(
            best.iter().filter(|(s, _)| !document_hits.contains(s)).map(|(&s, &b)| (s, Some(b))),
        );
        let id_of = |s: Slot| self.stored(s).map_or("", |e| &*e.id);
        ranked.sort_by(|a, b| {
            let score = |x: &Option<Scored>| x.map_or(1.0, |s| s.score);
            score(&b.1).total_cmp(&score(&a.1)).then_with(|| id_of(a.0).cmp(id_of(b.0)))
        });
        ranked.truncate(options.limit);
        let hits = ranked.len();
        // Held back: what an alternative reading made a hit is a hit already.
        let mut held: Vec<(Slot, Scored)> =
            held.into_iter().filter(|(s, _)| !best.contains_key(s)).collect();
        held.sort_by(|a, b| {
            b.1.score.total_cmp(&a.1.score).then_with(|| id_of(a.0).cmp(id_of(b.0)))
        });
        held.truncate(options.limit);
        ranked.extend(held.into_iter().map(|(s, b)| (s, Some(b))));
        ranked
            .into_iter()
            .enumerate()
            .filter_map(|(k, (slot, scored))| {
                let e = self.stored(slot)?;
                Some(match scored {
                    None => self.document_hit(e, query),
                    Some(s) => self.explain(
                        e,
                        query,
                        &alternatives[s.alternative],
                        &groups[s.alternative],
                        s,
                        k >= hits,
                    ),
                })
            })
            .collect()
    }

    fn stored(&self, slot: Slot) -> Option<&Stored> {
        self.entries.get(slot as usize).and_then(Option::as_ref)
    }

    /// Slots whose names, with what their dates of birth add, could reach the evidence of a
    /// hit, plus those born the same day (the date then brings most of it).
    ///
    /// Each spelling of each query token is a posting list to walk. Lists too long to walk
    /// cheaply (`NGUYEN`, `VAN`) are counted as present in every slot instead, with the most
    /// evidence they could give: the bound stays an upper bound, so no candidate is lost. Each
    /// posting carries its entry's date of birth, so a slot whose date rules it out (a listed
    /// person born in another year) is passed over without touching its counter, unless the
    /// query's name could outweigh even that.
    fn candidates(
        &self,
        groups: &[Group],
        bound: &Bound,
        same_day: &[Slot],
        scratch: &mut Scratch,
    ) -> Vec<Slot> {
        scratch.begin(self.entries.len());
        let mut out = Vec::new();
        for &slot in same_day {
            scratch.force(slot, &mut out);
        }
        // Spellings that count against a match cannot raise the bound: they are not walked.
        let mut uses: Vec<(TokenId, u32)> = Vec::new();
        for (g, group) in groups.iter().enumerate().take(MAX_GROUPS) {
            let walked = |e: f32| e > 0.0 || (bound.held_back && e == 0.0);
            for &(t, _) in group.variants.iter().filter(|v| walked(v.1)) {
                match uses.iter_mut().find(|u| u.0 == t) {
                    Some(u) => u.1 |= 1 << g,
                    None => uses.push((t, 1 << g)),
                }
            }
        }
        let weight_for = |g: usize, t: TokenId| {
            groups[g].variants.iter().find(|v| v.0 == t).map_or(0.0, |v| v.1)
        };
        // A spelling the query token reaches only by a key of families the traveller's state
        // does not write counts only for listed people whose state writes one of them.
        let only_for = |g: usize, t: TokenId| {
            groups[g]
                .keyed
                .iter()
                .find(|k| k.0 == t)
                .filter(|k| k.2.is_none() && k.1 & bound.traveller == 0)
                .map(|k| k.1)
        };
        let only_for_all = |mask: u32, t: TokenId| {
            (0..MAX_GROUPS)
                .filter(|g| mask & (1 << g) != 0)
                .try_fold(0u8, |acc, g| only_for(g, t).map(|f| acc | f))
        };
        // An alignment gives each query token one listed part: a slot can get no more than each
        // token's strongest spelling (walked or counted as present), and a slot credited with a
        // spelling of one token no more than that beside the others' strongest.
        let mut strongest = [0.0f32; MAX_GROUPS];
        for (g, group) in groups.iter().enumerate().take(MAX_GROUPS) {
            strongest[g] = group.variants.iter().map(|v| v.1).fold(0.0, f32::max);
        }
        let per_token: f32 = strongest.iter().sum();
        // Of the query tokens in `mask` the spelling may stand for, the alignment gives it to one.
        let reach_of = |mask: u32, t: TokenId| {
            (0..MAX_GROUPS)
                .filter(|g| mask & (1 << g) != 0)
                .map(|g| per_token - strongest[g] + weight_for(g, t))
                .fold(f32::MIN, f32::max)
        };
        // Each unit is counted once per slot under its counter bit: a query token's own
        // spellings under the token's bit, strongest first. A spelling that several query tokens
        // may stand for (`KIM` in `NGUYEN KIM KIM THO`) has a bit of its own, with the most any
        // of them gets from it, since a name holding it once can match only one of them; the
        // names holding it twice bring the rest.
        let mut units: Vec<Unit<'_>> = Vec::new();
        let mut next_bit = groups.len().min(MAX_GROUPS);
        for &(t, mask) in &uses {
            let token = &self.tokens[t as usize];
            let members = (0..MAX_GROUPS).filter(|g| mask & (1 << g) != 0);
            if mask.count_ones() >= 2 && next_bit + 2 <= MAX_BITS {
                let mut weights: Vec<f32> = members.map(|g| weight_for(g, t)).collect();
                weights.sort_by(|a, b| b.total_cmp(a));
                let rest = weights[1..].iter().sum();
                let only = only_for_all(mask, t);
                let reach = reach_of(mask, t);
                units.push(Unit {
                    bit: next_bit,
                    weight: weights[0],
                    postings: &token.postings,
                    only,
                    reach,
                });
                // A name holding the spelling twice gives it to two query tokens.
                units.push(Unit {
                    bit: next_bit + 1,
                    weight: rest,
                    postings: &token.repeats,
                    only,
                    reach: per_token,
                });
                next_bit += 2;
            } else {
                // One query token's spelling; or, out of bits, a shared one counted for each of
                // its query tokens, which only loosens the bound.
                let reach = reach_of(mask, t);
                units.extend(members.map(|g| Unit {
                    bit: g,
                    weight: weight_for(g, t),
                    postings: &token.postings,
                    only: only_for(g, t),
                    reach,
                }));
            }
        }
        if units.is_empty() {
            return out;
        }
        // Lists too long to walk cheaply are counted as present in every slot, longest first,
        // for as long as together they fall short of what the most promising slot not born the
        // same day needs: a candidate must then be on one of the lists walked. (Those born the
        // same day are candidates already.)
        let lenient = bound.name_needed(bound.dob.best_but_same());
        let long = self.long_postings.unwrap_or(LONG_POSTINGS);
        let mut by_length: Vec<usize> =
            (0..units.len()).filter(|&i| units[i].postings.len() > long).collect();
        by_length.sort_by_key(|&i| std::cmp::Reverse(units[i].postings.len()));
        let mut assumed_best = [0.0f32; MAX_BITS];
        let mut assumed = vec![false; units.len()];
        for i in by_length {
            let u = &units[i];
            let mut trial = assumed_best;
            trial[u.bit] = trial[u.bit].max(u.weight);
            if trial.iter().sum::<f32>() + BOUND_EPSILON < lenient {
                assumed_best = trial;
                assumed[i] = true;
            }
        }
        let assumed_sum: f32 = assumed_best.iter().sum();
        let mut assumed = assumed.into_iter();
        units.retain(|_| !assumed.next().unwrap_or(false));
        // The most the walked lists can bring a slot together.
        let mut walked_best = [0.0f32; MAX_BITS];
        for u in &units {
            walked_best[u.bit] = walked_best[u.bit].max(u.weight);
        }
        // Shared spellings have bits of their own, so the bits' sum may count a query token
        // twice.
        let walked_sum: f32 = walked_best.iter().sum::<f32>().min(per_token - assumed_sum).max(0.0);
        // What the walked lists must bring a slot, by what its date of birth adds; none of the
        // slots a date rules out can get there when `passed_over` is below zero.
        let needed = |dob: f32| bound.name_needed(dob) - assumed_sum;
        let needed_other_year = needed(DobVerdict::Differs.evidence());
        let other_year_hopeless = walked_sum + BOUND_EPSILON < needed_other_year;
        // Within a bit, the strongest spellings first: a slot is credited once per bit, with
        // the most it can give.
        units.sort_by(|a, b| a.bit.cmp(&b.bit).then(b.weight.total_cmp(&a.weight)));
        // Where no slot born two or more years from the query's year can get there, only the
        // stretches of each list whose dates may still count are walked.
        let window = if other_year_hopeless { bound.dob.window() } else { None };
        for u in units {
            for p in u.postings.within(window.as_deref()) {
                if let Some(families) = u.only
                    && self.systems.get(p.slot as usize).is_none_or(|&s| s & families == 0)
                {
                    continue;
                }
                let need = if bound.dob.other_year(p.dob) {
                    if other_year_hopeless {
                        continue;
                    }
                    needed_other_year
                } else {
                    match bound.dob.evidence(p.dob) {
                        // Born the same day: a candidate already.
                        None => continue,
                        Some(dob) => needed(dob),
                    }
                };
                if walked_sum.min(u.reach - assumed_sum) + BOUND_EPSILON < need {
                    continue;
                }
                scratch.add(p.slot, u.bit, u.weight, need, &mut out);
            }
        }
        out
    }

    /// Aligns the query's tokens with a listed name's, each used once, strongest pairs first,
    /// and sums the evidence.
    /// `parts`: how many parts the query's name has, as the document writes it or as this
    /// reading splits one; a reading that joins two (`THIUYEN`) does not make the name shorter.
    fn align(
        &self,
        alt: &[QueryToken],
        groups: &[Group],
        parts: usize,
        whom: Listed<'_>,
    ) -> Alignment {
        let Listed { name, primary, nat, .. } = whom;
        let listed = &name.tokens[..name.tokens.len().min(MAX_NAME_TOKENS)];
        // Only a name long enough to have been cut to fit an MRZ can match on a prefix.
        let length: usize = alt.iter().map(|q| q.raw.len() + 1).sum();
        let maybe_truncated = length > TRUNCATION_LENGTH;
        // Each listed token's weight among its nationality, worked out once: this runs for every
        // candidate, so it allocates nothing.
        let mut weights = [0.0f32; MAX_NAME_TOKENS];
        for (j, &t) in listed.iter().enumerate() {
            weights[j] = self.weight_in(t, nat);
        }
        let mut pairs = [(0.0f32, 0u8, 0u8); MAX_QUERY_TOKENS * MAX_NAME_TOKENS];
        let mut n = 0;
        for (j, &t) in listed.iter().enumerate() {
            let w = weights[j];
            for (i, q) in alt.iter().enumerate().take(MAX_QUERY_TOKENS) {
                let group = &groups[i];
                let e = if let Some(&(_, cost)) = group.exact.as_ref().filter(|x| x.0 == t) {
                    Some(w - cost)
                } else if let Some(v) = group.variants.iter().find(|v| v.0 == t) {
                    match group.keyed.iter().find(|k| k.0 == t) {
                        Some(&(_, families, plain)) if !whom.counts_respelling(families) => plain,
                        _ => Some(v.1),
                    }
                    .map(|e| e.min(w).max(NEAR_FLOOR))
                } else {
                    let token = &self.tokens[t as usize];
                    let listed_skel = &token.skeleton;
                    // A cut may fall inside a pair of letters the skeleton writes as one
                    // (`CHANTHANAP` of `CHANTHANAPHON`, whose skeleton has `F` for `PH`): the
                    // listed spellings say what the letters were.
                    let cut_from = |whole: &str, part: &str| {
                        whole.len() > part.len() && whole.starts_with(part)
                    };
                    if q.skeleton.len() == 1 && listed_skel.starts_with(q.skeleton.as_str()) {
                        Some(INITIAL_EVIDENCE)
                    } else if maybe_truncated
                        && q.skeleton.len() >= 2
                        && (cut_from(listed_skel, &q.skeleton)
                            || token.spellings.iter().any(|s| cut_from(s, &q.raw)))
                    {
                        Some(w - PREFIX_COST)
                    } else {
                        None
                    }
                };
                if let Some(e) = e {
                    pairs[n] = (e, i as u8, j as u8);
                    n += 1;
                }
            }
        }
        let pairs = &mut pairs[..n];
        // Strongest first; between equals (a part the listed name holds twice), the end of the
        // name first, since a middle name is the one documents leave out.
        let middle = |j: u8| j != 0 && usize::from(j) + 1 != listed.len();
        pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(middle(a.2).cmp(&middle(b.2))));
        let mut query_used = [false; MAX_QUERY_TOKENS];
        let mut listed_used = [false; MAX_NAME_TOKENS];
        let mut matched = [(0u8, 0u8); MAX_QUERY_TOKENS];
        let mut matched_len = 0;
        let mut evidence = 0.0;
        let mut gave = [0.0f32; MAX_NAME_TOKENS];
        for &mut (e, i, j) in pairs {
            let (iu, ju) = (usize::from(i), usize::from(j));
            if !query_used[iu] && !listed_used[ju] {
                query_used[iu] = true;
                listed_used[ju] = true;
                evidence += e;
                gave[ju] = e;
                matched[matched_len] = (i, j);
                matched_len += 1;
            }
        }
        // Parts are weighed in sequence, each by its chance after the part before it in the
        // listed name, matched or not: `LI` after `LIU` is a rare given name, not a common
        // family name; `DER` after `VAN` says nothing more. An alias may be written in another
        // order than the names the sequences were counted on, so it is only weighed down.
        let mut raise = [0.0f32; MAX_NAME_TOKENS];
        for j in (0..listed.len()).filter(|&j| listed_used[j]) {
            let prev = j.checked_sub(1).map(|p| listed[p]);
            let delta = self.follow_weight(nat, prev, listed[j]) - weights[j];
            let e = gave[j];
            if delta < 0.0 {
                let lowered = (e + delta).max(e.min(0.0));
                evidence += lowered - e;
                gave[j] = lowered;
            } else if primary {
                raise[j] = delta;
            }
        }
        // Syllables a list writes apart are as common as the name they make: `Ji Hoon` says
        // what `JIHOON` says, not what two rare parts would. Nor is their sequence unusual:
        // the pairs were counted only on the names a list writes apart (`Seong` seldom follows
        // `Bak` where most lists write `Seong-gwang`), so they raise nothing.
        for (j, whole) in &*name.joined {
            let j = usize::from(*j);
            if j + 1 < listed.len() && listed_used[j] && listed_used[j + 1] {
                let Some(&t) = self.vocab.get(&**whole) else { continue };
                if t == listed[j] || t == listed[j + 1] {
                    continue;
                }
                raise[j] = 0.0;
                raise[j + 1] = 0.0;
                // What the joined part would say here, after the part before it: a spelling
                // system's family name comes with its given names.
                let prev = j.checked_sub(1).map(|p| listed[p]);
                let whole_says = self.weight_in(t, nat).min(self.follow_weight(nat, prev, t));
                let excess = gave[j] + gave[j + 1] - whole_says;
                if excess > 0.0 {
                    evidence -= excess;
                }
            }
        }
        evidence += raise.iter().sum::<f32>().min(FOLLOW_RAISE_CAP);
        let mut query_left = false;
        for i in 0..alt.len().min(MAX_QUERY_TOKENS) {
            if !query_used[i] {
                evidence -= (EXTRA_SHARE * groups[i].weight).min(EXTRA_CAP);
                query_left = true;
            }
        }
        let mut listed_left = false;
        let mut complete = !query_left;
        let mut middle_omitted = 0.0;
        for (j, &t) in listed.iter().enumerate() {
            if !listed_used[j] {
                let patronymic = is_patronymic(&self.tokens[t as usize].skeleton);
                complete &= patronymic;
                let (share, cap) = if patronymic {
                    (PATRONYMIC_SHARE, OMISSION_CAP)
                } else if j == 0 || j + 1 == listed.len() {
                    (END_OMISSION_SHARE, EXTRA_CAP)
                } else {
                    (OMISSION_SHARE, OMISSION_CAP)
                };
                let cost = (share * weights[j]).min(cap);
                evidence -= cost;
                if share == OMISSION_SHARE {
                    middle_omitted += cost;
                }
                listed_left = true;
            }
        }
        // A name part found twice (`NGUYEN QUOC NGUYEN`) may have been paired the wrong way
        // round: pair it the other way if that puts the parts in order.
        if !in_rotated_order(&matched[..matched_len]) {
            'swaps: for a in 0..matched_len {
                for b in a + 1..matched_len {
                    let ((ia, ja), (ib, jb)) = (matched[a], matched[b]);
                    let same_listed = listed[usize::from(ja)] == listed[usize::from(jb)];
                    let same_query = alt[usize::from(ia)].raw == alt[usize::from(ib)].raw;
                    if !(same_listed || same_query) {
                        continue;
                    }
                    matched[a] = (ia, jb);
                    matched[b] = (ib, ja);
                    if in_rotated_order(&matched[..matched_len]) {
                        break 'swaps;
                    }
                    matched[a] = (ia, ja);
                    matched[b] = (ib, jb);
                }
            }
        }
        // Names are written family first or family last, so the query's parts may come in
        // the list's order turned round (`THI DUNG NGUYEN` for `NGUYEN THI DUNG`), but no other
        // way: `NGUYEN THU MAI` is not `NGUYEN MAI THU`, whose given name is another.
        if !in_rotated_order(&matched[..matched_len]) {
            evidence -= OUT_OF_ORDER;
            complete = false;
        }
        if query_left && listed_left {
            evidence -= SUBSTITUTION;
        } else if middle_omitted > 0.0 {
            evidence += self.short_name_evidence(nat, parts);
        }
        if matched_len == 0 {
            evidence = f32::MIN / 4.0;
        } else {
            // The culture's own rarity, counted once: the name parts were weighed within it.
            evidence += rarity(self.live, self.nationality_count(nat));
        }
        Alignment {
            evidence,
            floor_evidence: evidence + middle_omitted,
            matched,
            matched_len,
            query_used,
            listed_used,
            listed_len: listed.len(),
            complete: complete && matched_len > 0,
        }
    }

    fn document_hit(&self, e: &Stored, query: &Query) -> Hit {
        let number = e.document.as_ref().map_or("", DocumentNumber::as_str);
        let mut reasons = vec![format!(
            "document number {number} matches{}",
            e.nationality.map(|n| format!(" (issued by {n})")).unwrap_or_default()
        )];
        let mut reasons_vi = vec![format!(
            "trùng số giấy tờ {number}{}",
            e.nationality.map(|n| format!(" (do {n} cấp)")).unwrap_or_default()
        )];
        evidence_reasons(query, e, &mut reasons, &mut reasons_vi);
        Hit {
            id: e.id.to_string(),
            score: 1.0,
            matched_name: e.names[0].display.to_string(),
            reasons,
            reasons_vi,
            held_back: false,
        }
    }

    fn explain(
        &self,
        e: &Stored,
        query: &Query,
        alt: &[QueryToken],
        groups: &[Group],
        s: Scored,
        held_back: bool,
    ) -> Hit {
        let name = &e.names[s.name];
        // What the alignment's evidence would be is not told here: `parts` changes nothing else.
        let listed = Listed::new(name, s.name == 0, e.nationality, query);
        let a = self.align(alt, groups, alt.len(), listed);
        let mut parts: Vec<(usize, usize)> = a.matched[..a.matched_len]
            .iter()
            .map(|&(i, j)| (usize::from(i), usize::from(j)))
            .collect();
        parts.sort_by_key(|m| m.1);
        let mut line =
            format!("{} {:?}: ", if s.name == 0 { "name" } else { "alias" }, &*name.display);
        let mut line_vi =
            format!("{} {:?}: ", if s.name == 0 { "tên" } else { "tên khác" }, &*name.display);
        let mut matched_weight = 0.0;
        let mut compared = String::new();
        // The listed name's own spelling of each part: a token is named by the first spelling
        // the list gave its skeleton, which may be another name's (`NEO` for `LIYANG`).
        let own = tokens(&name.display);
        let spelling = |j: usize| match own.get(j) {
            Some(s) => s.as_str(),
            None => &*self.tokens[name.tokens[j] as usize].spellings[0],
        };
        for (k, &(i, j)) in parts.iter().enumerate() {
            if k > 0 {
                compared.push_str(", ");
            }
            let t = name.tokens[j];
            let listed = &self.tokens[t as usize];
            let q = &alt[i];
            matched_weight += self.weight_in(t, e.nationality);
            if q.skeleton.as_str() == &*listed.skeleton && q.raw == spelling(j) {
                let _ = write!(compared, "{}", q.raw);
            } else {
                let _ = write!(compared, "{} ≈ {}", q.raw, spelling(j));
            }
        }
        line.push_str(&compared);
        line_vi.push_str(&compared);
        let missing: Vec<&str> =
            (0..a.listed_len).filter(|&j| !a.listed_used[j]).map(spelling).collect();
        if !missing.is_empty() {
            let _ = write!(line, "; not in the query: {}", missing.join(" "));
            let _ = write!(line_vi, "; giấy tờ không có: {}", missing.join(" "));
        }
        let extra: Vec<&str> =
            (0..alt.len()).filter(|&i| !a.query_used[i]).map(|i| alt[i].raw.as_str()).collect();
        if !extra.is_empty() {
            let _ = write!(line, "; not on the list: {}", extra.join(" "));
            let _ = write!(line_vi, "; danh sách không có: {}", extra.join(" "));
        }
        if !in_rotated_order(&a.matched[..a.matched_len]) {
            line.push_str("; in another order than listed");
            line_vi.push_str("; thứ tự khác với danh sách");
        }
        let mut reasons = vec![line];
        let mut reasons_vi = vec![line_vi];
        // How many listed people such a name would fit by chance: what makes a name common.
        let sharing =
            self.nationality_count(e.nationality) as f64 * (-f64::from(matched_weight)).exp();
        if held_back {
            let (en, vi) = if sharing >= 2.0 {
                let n = sharing.round();
                (
                    format!(
                        "held back: a common name (about {n} listed people share it), and the list has no full date of birth to tell them apart"
                    ),
                    format!(
                        "không báo: tên phổ biến (khoảng {n} người trong danh sách cùng tên), danh sách không có ngày sinh đầy đủ để phân biệt"
                    ),
                )
            } else {
                (
                    "held back: the whole name matches, but without a full date of birth on the list it is not rare enough for a hit".to_string(),
                    "không báo: trùng cả họ tên, nhưng danh sách không có ngày sinh đầy đủ và tên chưa đủ hiếm để báo".to_string(),
                )
            };
            reasons.insert(0, en);
            reasons_vi.insert(0, vi);
        } else if sharing >= 2.0 {
            reasons
                .push(format!("a common name: about {} listed people share it", sharing.round()));
            reasons_vi.push(format!(
                "tên phổ biến: khoảng {} người trong danh sách cùng tên",
                sharing.round()
            ));
        }
        evidence_reasons(query, e, &mut reasons, &mut reasons_vi);
        Hit {
            id: e.id.to_string(),
            score: s.score,
            matched_name: name.display.to_string(),
            reasons,
            reasons_vi,
            held_back,
        }
    }
}

/// The tokens that some one name holds twice or more, each once.
fn repeated(names: &[StoredName]) -> Vec<TokenId> {
    let mut out: Vec<TokenId> = Vec::new();
    for name in names {
        for (i, t) in name.tokens.iter().enumerate() {
            if name.tokens[..i].contains(t) && !out.contains(t) {
                out.push(*t);
            }
        }
    }
    out.sort_unstable();
    out
}

/// Whether the listed parts, taken in the query's order, run in the listed order or in that
/// order turned round (begun somewhere in the middle and carried on from the start).
fn in_rotated_order(matched: &[(u8, u8)]) -> bool {
    let mut by_query = [(0u8, 0u8); MAX_QUERY_TOKENS];
    let by_query = &mut by_query[..matched.len()];
    by_query.copy_from_slice(matched);
    by_query.sort_unstable();
    let descents = by_query.windows(2).filter(|w| w[1].1 < w[0].1).count();
    match (descents, by_query.first(), by_query.last()) {
        (0, _, _) => true,
        (1, Some(first), Some(last)) => last.1 < first.1,
        _ => false,
    }
}

/// A name's parts, each with the one before it (`None` for the first).
fn sequence(tokens: &[TokenId]) -> impl Iterator<Item = (Option<TokenId>, TokenId)> + '_ {
    tokens.iter().enumerate().map(|(i, &t)| (i.checked_sub(1).map(|p| tokens[p]), t))
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, u32>, key: K) {
    if let Some(c) = map.get_mut(&key) {
        *c -= 1;
        if *c == 0 {
            map.remove(&key);
        }
    }
}

/// `ln(n / count)`: the evidence of sharing something that `count` of `n` entries have.
/// How many parts a listed name has, for [`Index::lengths`].
fn parts_of(name: &StoredName) -> u8 {
    u8::try_from(name.tokens.len()).unwrap_or(u8::MAX)
}

fn rarity(n: usize, count: usize) -> f32 {
    ((n.max(1) as f32) / (count.max(1) as f32)).ln().max(0.0)
}

/// A Russian patronymic (`IVANOVICH`, `PETROVNA`): on the list, never in a passport's MRZ.
fn is_patronymic(skeleton: &str) -> bool {
    // The skeleton writes `CH` as `J`: `IVANOVICH` is `IVANOVIJ` there.
    ["OVIJ", "EVIJ", "OVNA", "EVNA", "IJNA"].iter().any(|s| skeleton.ends_with(s))
}

/// The families of romanisation systems a state writes names in; all where it is not known,
/// since then any respelling counts.
fn state_systems(state: Option<Country>) -> u8 {
    state.map_or(u8::MAX, |c| systems_of_state(c.as_str()))
}

fn remove_slot<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, Vec<Slot>>, key: &K, slot: Slot) {
    if let Some(slots) = map.get_mut(key) {
        slots.retain(|&s| s != slot);
        if slots.is_empty() {
            map.remove(key);
        }
    }
}

/// Which entries a search scores: those candidate search finds, or, to check that search,
/// every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Among {
    Candidates,
    #[cfg_attr(not(test), allow(dead_code))]
    Everyone,
}

/// One posting list to walk for one query token, with the evidence it gives.
struct Unit<'a> {
    /// The counter bit a slot is credited under, once.
    bit: usize,
    weight: f32,
    postings: &'a Postings,
    /// Where the spelling is only a respelling by keys of families the traveller's state does
    /// not write: the families a listed person's state must write for it to count.
    only: Option<u8>,
    /// The most a slot's name can give with this spelling among its parts.
    reach: f32,
}

/// One slot on a posting list, with its entry's date of birth, so the walk can tell what the
/// date adds without visiting the entry.
#[derive(Clone, Copy, Debug)]
struct Posting {
    slot: Slot,
    dob: DobKey,
}

impl Posting {
    /// By date of birth, then slot: each year's slots lie together on a list.
    fn order(&self) -> u64 {
        u64::from(self.dob.0) << 32 | u64::from(self.slot)
    }
}

/// A token's slots: a head in [`Posting::order`], so that a walk can pass over the years a
/// query's date of birth rules out without reading them, and a tail of the latest, in the
/// order they came, merged into the head once it is an eighth as long. A list is mostly head,
/// and a change costs no more than a sort of the tail, and now and then a merge.
#[derive(Debug, Default)]
struct Postings {
    list: Vec<Posting>,
    sorted: usize,
}

/// A tail this short is never merged: it is walked whole.
const SHORT_TAIL: usize = 64;

impl Postings {
    fn len(&self) -> usize {
        self.list.len()
    }

    fn push(&mut self, p: Posting) {
        self.list.push(p);
        if self.list.len() - self.sorted > SHORT_TAIL.max(self.sorted / 8) {
            // Stable: the head is one run, which the sort finds and merges the tail into.
            self.list.sort_by_key(Posting::order);
            self.sorted = self.list.len();
        }
    }

    fn remove(&mut self, p: Posting) {
        let (head, tail) = self.list.split_at(self.sorted);
        if let Ok(at) = head.binary_search_by_key(&p.order(), Posting::order) {
            self.list.remove(at);
            self.sorted -= 1;
        } else if let Some(at) = tail.iter().position(|q| q.slot == p.slot) {
            self.list.swap_remove(self.sorted + at);
        }
    }

    /// The slots whose dates of birth fall in `window` (stretches of [`DobKey`]s, each
    /// inclusive), and maybe others; every slot where `window` is `None`.
    fn within<'a>(&'a self, window: Option<&'a [(u32, u32)]>) -> impl Iterator<Item = &'a Posting> {
        const ALL: &[(u32, u32)] = &[(0, u32::MAX)];
        let (head, tail) = self.list.split_at(self.sorted);
        window
            .unwrap_or(ALL)
            .iter()
            .map(move |&(lo, hi)| {
                let from = head.partition_point(|p| p.dob.0 < lo);
                let to = head.partition_point(|p| p.dob.0 <= hi).max(from);
                &head[from..to]
            })
            .chain(std::iter::once(tail))
            .flatten()
    }
}

/// A date of birth packed in four bytes: a presence bit, the year (clamped to ±9,999, which only
/// brings far-off years closer: the bound stays an upper bound), the month (zero when only the
/// year is known) and the day. Zero when no date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DobKey(u32);

const YEAR_LIMIT: i32 = 9_999;

impl DobKey {
    const PRESENT: u32 = 1 << 31;

    fn new(dob: Option<Dob>) -> DobKey {
        let pack = |year: i32, month: u8, day: u8| {
            Self::pack(year, u32::from(month) << 5 | u32::from(day))
        };
        match dob {
            None => DobKey(0),
            Some(Dob::Year(y)) => pack(y, 0, 0),
            Some(Dob::Month { year, month }) => pack(year, u8::from(month), 0),
            Some(Dob::Full(d)) => pack(d.year(), u8::from(d.month()), d.day()),
        }
    }

    /// `year` with the month and day bits of [`DobKey::day_of_year`].
    fn pack(year: i32, day_of_year: u32) -> DobKey {
        // In range after the clamp and the offset, so the cast loses nothing.
        let y = (year.clamp(-YEAR_LIMIT, YEAR_LIMIT) + YEAR_LIMIT) as u32;
        DobKey(Self::PRESENT | y << 9 | (day_of_year & 0x1FF))
    }

    fn year(self) -> Option<i32> {
        (self.0 & Self::PRESENT != 0).then(|| ((self.0 >> 9) & 0x7FFF) as i32 - YEAR_LIMIT)
    }

    /// The month and day bits of a full date; zero where the day is not known.
    fn day_of_year(self) -> u32 {
        if self.0 & 0x1F == 0 { 0 } else { self.0 & 0x1FF }
    }

    /// The date as stored, or `Err` for one that no longer makes a date after the clamp.
    fn get(self) -> Result<Option<Dob>, ()> {
        let Some(year) = self.year() else { return Ok(None) };
        let (month, day) = (((self.0 >> 5) & 0xF) as u8, (self.0 & 0x1F) as u8);
        if month == 0 {
            return Ok(Some(Dob::Year(year)));
        }
        let month = time::Month::try_from(month).map_err(|_| ())?;
        if day == 0 {
            return Ok(Some(Dob::Month { year, month }));
        }
        time::Date::from_calendar_date(year, month, day).map(|d| Some(Dob::Full(d))).map_err(|_| ())
    }
}

/// What a query's date of birth makes of a listed one, read off a posting.
#[derive(Clone, Copy, Debug)]
struct DobBound {
    /// The query's date, clamped as the keys are.
    query: Option<Dob>,
    year: Option<i32>,
    /// The query's month and day as a key packs them, zero without a full date.
    day_of_year: u32,
}

impl DobBound {
    fn new(query: Option<Dob>) -> DobBound {
        let key = DobKey::new(query);
        DobBound {
            query: key.get().ok().flatten(),
            year: key.year(),
            day_of_year: key.day_of_year(),
        }
    }

    /// The listed person was born two or more years from the query's year: the date then
    /// counts as differing, unless both are full dates on the same day and month in years one
    /// digit apart (a misread year). The walk asks this of every posting: bits first.
    #[inline]
    fn other_year(&self, key: DobKey) -> bool {
        match (self.year, key.year()) {
            (Some(a), Some(b)) => {
                a.abs_diff(b) > 1
                    && !(self.day_of_year != 0
                        && key.day_of_year() == self.day_of_year
                        && years_may_be_one_slip(a, b))
            }
            _ => false,
        }
    }

    /// The stretches of keys, each inclusive, that hold every key [`DobBound::other_year`]
    /// does not pass over: no date, the query's year and those beside it, the same day and
    /// month in a year one digit off, and (where digits of a year below zero are read in a way
    /// of their own) every year below zero. `None` where the query has no year, or one below
    /// the year 1.
    fn window(&self) -> Option<Vec<(u32, u32)>> {
        let a = self.year.filter(|&a| a >= 1)?;
        let mut window = vec![
            (0, 0),
            (DobKey::pack(-YEAR_LIMIT, 0).0, DobKey::pack(-1, 0x1FF).0),
            (DobKey::pack(a - 1, 0).0, DobKey::pack(a + 1, 0x1FF).0),
        ];
        if self.day_of_year != 0 {
            for place in [1, 10, 100, 1000] {
                for step in -9..=9 {
                    let b = a + step * place;
                    if (0..=YEAR_LIMIT).contains(&b)
                        && a.abs_diff(b) > 1
                        && years_may_be_one_slip(a, b)
                    {
                        let key = DobKey::pack(b, self.day_of_year).0;
                        window.push((key, key));
                    }
                }
            }
        }
        Some(window)
    }

    /// The evidence of a listed date, or `None` when it is the query's own full date.
    fn evidence(&self, key: DobKey) -> Option<f32> {
        let Ok(listed) = key.get() else { return Some(DOB_BEST_BUT_SAME) };
        match compare_dob(self.query, listed) {
            DobVerdict::Same => None,
            v => Some(v.evidence()),
        }
    }

    /// The most a listed date short of the query's own can add.
    fn best_but_same(&self) -> f32 {
        if self.query.is_some() { DOB_BEST_BUT_SAME } else { 0.0 }
    }
}

/// The evidence a hit needs, and what the name must bring of it.
struct Bound {
    needed: f32,
    min_name: f32,
    /// Held-back listings are asked for: a part on every listed name, which says nothing,
    /// still finds the names that hold it.
    held_back: bool,
    dob: DobBound,
    /// The most a query this short may gain against a longer listed name.
    short_name: f32,
    /// The families of systems the traveller's state writes names in (all where not known).
    traveller: u8,
}

impl Bound {
    /// What a slot's name must bring when its date of birth adds `dob`: nationality and sex
    /// add nothing at best. The bound weighs tokens over the whole list; weighed within a
    /// nationality they can come out a little higher, hence the slack.
    fn name_needed(&self, dob: f32) -> f32 {
        (self.needed - dob).max(self.min_name) - BOUND_SLACK - self.short_name
    }
}

/// A listed name as alignment weighs it.
#[derive(Clone, Copy)]
struct Listed<'a> {
    name: &'a StoredName,
    /// The listing's own name, not an alias: only its sequence of parts was counted.
    primary: bool,
    nat: Option<Country>,
    /// The traveller's state, for [`Listed::counts_respelling`].
    traveller: Option<Country>,
}

impl<'a> Listed<'a> {
    fn new(name: &'a StoredName, primary: bool, nat: Option<Country>, query: &Query) -> Self {
        Listed { name, primary, nat, traveller: query.nationality }
    }

    /// Whether a respelling by a key of `families` counts: the listed person's state or the
    /// traveller's writes names in one of them, or either state is not known. Asked only of
    /// the few variants that owe their evidence to a key, so that the states are looked up
    /// off the path every candidate takes.
    fn counts_respelling(&self, families: u8) -> bool {
        match (self.nat, self.traveller) {
            (Some(a), Some(b)) => {
                (systems_of_state(a.as_str()) | systems_of_state(b.as_str())) & families != 0
            }
            _ => true,
        }
    }
}

struct Alignment {
    evidence: f32,
    /// The evidence without what dropped middle names cost: what the floor on a name's
    /// evidence is checked against.
    floor_evidence: f32,
    /// (query token, listed token) pairs, strongest first.
    matched: [(u8, u8); MAX_QUERY_TOKENS],
    matched_len: usize,
    query_used: [bool; MAX_QUERY_TOKENS],
    listed_used: [bool; MAX_NAME_TOKENS],
    listed_len: usize,
    /// Every part of both names matched, in order or turned round; only patronymics, which
    /// documents never print, may be left over.
    complete: bool,
}

/// The evidence beside the name, in English (`en`) and Vietnamese (`vi`), one for one.
fn evidence_reasons(query: &Query, e: &Stored, en: &mut Vec<String>, vi: &mut Vec<String>) {
    let mut say = |e: String, v: String| {
        en.push(e);
        vi.push(v);
    };
    match (compare_dob(query.dob, e.dob), query.dob, e.dob) {
        (DobVerdict::Same, _, Some(d)) => {
            say(format!("date of birth {d} matches"), format!("trùng ngày sinh {}", d.vietnamese()))
        }
        (DobVerdict::SameMonth, _, Some(d)) => say(
            format!("month and year of birth match ({d})"),
            format!("trùng tháng và năm sinh ({})", d.vietnamese()),
        ),
        (DobVerdict::MonthDiffers, Some(q), Some(d)) => say(
            format!("month of birth differs: {q} against {d} listed"),
            format!(
                "tháng sinh khác: {} so với {} trong danh sách",
                q.vietnamese(),
                d.vietnamese()
            ),
        ),
        (DobVerdict::SameYear, _, Some(d)) => say(
            format!("year of birth matches ({d})"),
            format!("trùng năm sinh ({})", d.vietnamese()),
        ),
        (DobVerdict::Close | DobVerdict::YearClose, Some(q), Some(d)) => say(
            format!("date of birth close: {q} against {d} listed"),
            format!(
                "ngày sinh gần giống: {} so với {} trong danh sách",
                q.vietnamese(),
                d.vietnamese()
            ),
        ),
        (DobVerdict::FirstOfMonth, Some(q), Some(d)) => say(
            format!("date of birth {q} against {d} listed: the 1st may stand for an unknown day"),
            format!(
                "ngày sinh {} so với {} trong danh sách: ngày 01 có thể thay cho ngày không rõ",
                q.vietnamese(),
                d.vietnamese()
            ),
        ),
        (DobVerdict::FirstOfYear, Some(q), Some(d)) => say(
            format!(
                "date of birth {q} against {d} listed: 1 January may stand for an unknown day \
                 and month; the year matches"
            ),
            format!(
                "ngày sinh {} so với {} trong danh sách: 01/01 có thể thay cho ngày và tháng \
                 không rõ; trùng năm sinh",
                q.vietnamese(),
                d.vietnamese()
            ),
        ),
        (DobVerdict::Differs, Some(q), Some(d)) => say(
            format!("date of birth differs: {q} against {d} listed"),
            format!("ngày sinh khác: {} so với {} trong danh sách", q.vietnamese(), d.vietnamese()),
        ),
        _ => say("no date of birth to compare".into(), "không có ngày sinh để so sánh".into()),
    }
    match (query.nationality, e.nationality) {
        (Some(q), Some(l)) if q == l => {
            say(format!("nationality {l} matches"), format!("trùng quốc tịch {l}"))
        }
        (Some(q), Some(l)) => say(
            format!("nationality differs: {q} against {l} listed"),
            format!("quốc tịch khác: {q} so với {l} trong danh sách"),
        ),
        _ => {}
    }
    if let (Some(q), Some(l)) = (query.sex, e.sex)
        && q != l
    {
        say("sex differs".into(), "giới tính khác".into());
    }
}

/// Per-thread counters over slots, reused across queries: which query tokens a slot has shown,
/// the evidence gathered, and whether it is already a candidate. One record per slot, so that
/// a posting costs one cache miss, not three: the walk over posting lists is bound by memory.
/// Eight bytes a slot, for the same reason: the epoch wraps every 65,535 queries, when the
/// counters are cleared whole.
#[derive(Debug, Default)]
struct Scratch {
    slots: Vec<Counter>,
    now: u16,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    epoch: u16,
    gathered: f32,
    seen: u16,
}

const CANDIDATE: u16 = 1 << 15;
const _: () = assert!(std::mem::size_of::<Counter>() == 8);

impl Scratch {
    fn begin(&mut self, slots: usize) {
        if self.slots.len() < slots {
            self.slots.resize(slots, Counter::default());
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.slots.fill(Counter::default());
            self.now = 1;
        }
    }

    /// The slot's counter, cleared if it was last used by another query.
    #[inline]
    fn touch(&mut self, s: usize) -> &mut Counter {
        let now = self.now;
        let c = &mut self.slots[s];
        if c.epoch != now {
            *c = Counter { epoch: now, gathered: 0.0, seen: 0 };
        }
        c
    }

    fn force(&mut self, slot: Slot, out: &mut Vec<Slot>) {
        let s = slot as usize;
        if s >= self.slots.len() {
            return;
        }
        let c = self.touch(s);
        if c.seen & CANDIDATE == 0 {
            c.seen |= CANDIDATE;
            out.push(slot);
        }
    }

    /// Counts the evidence under `bit` for `slot` once, and makes it a candidate when enough.
    #[inline]
    fn add(&mut self, slot: Slot, bit: usize, w: f32, needed: f32, out: &mut Vec<Slot>) {
        let c = self.touch(slot as usize);
        let bit = 1u16 << bit;
        if c.seen & bit != 0 {
            return;
        }
        c.seen |= bit;
        c.gathered += w;
        if c.seen & CANDIDATE == 0 && c.gathered + BOUND_EPSILON >= needed {
            c.seen |= CANDIDATE;
            out.push(slot);
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

    use super::*;
    use crate::model::Sex;

    /// A tiny deterministic generator, so that a failure names its case.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    const PARTS: [&str; 24] = [
        "NGUYEN", "NGUYEN", "NGUYEN", "VAN", "VAN", "THI", "THI", "LE", "TRAN", "KIM", "LAN",
        "LANH", "XUAN", "HOA", "HOAN", "HOANG", "MINH", "NINH", "THU", "THUY", "PHUONG", "FUONG",
        "DUC", "DUNG",
    ];

    /// Halves of rare name parts: two of them make one of 144, seldom on the list, so a name
    /// of several can outweigh even a differing date of birth.
    const RARE: [&str; 12] =
        ["BO", "CU", "DA", "GI", "KHE", "LO", "MAU", "PHI", "QUE", "RO", "SA", "TO"];

    /// Parts that meet others only by a family's romanisation key (`CHUL` and `CHOL` Korean,
    /// `KAFAI` and `JIAHUI` Chinese, `SOUK` and `SUK` Lao), which count only where a state on
    /// either side writes that family's systems.
    const KEYED: [&str; 12] = [
        "HUNG",
        "HONG",
        "CHUL",
        "CHOL",
        "KAFAI",
        "JIAHUI",
        "CHIKEUNG",
        "ZHIQIANG",
        "JIHOON",
        "CHIHUN",
        "KHAMPHOUVONG",
        "KAMPUVONG",
    ];

    /// States of every family, and none.
    const STATES: [Option<&str>; 6] =
        [None, Some("VNM"), Some("KOR"), Some("CHN"), Some("LAO"), Some("HKG")];

    fn state(rng: &mut Lcg) -> Option<Country> {
        STATES[rng.below(STATES.len())].map(|c| Country::parse(c).unwrap())
    }

    fn name(rng: &mut Lcg) -> String {
        let n = 2 + rng.below(4);
        let mut parts: Vec<String> = (0..n)
            .map(|_| {
                // Seldom enough that their lists are walked, not taken as long.
                if rng.below(12) == 0 {
                    KEYED[rng.below(KEYED.len())].to_string()
                } else if rng.below(3) == 0 {
                    format!("{}{}", RARE[rng.below(RARE.len())], RARE[rng.below(RARE.len())])
                } else {
                    PARTS[rng.below(PARTS.len())].to_string()
                }
            })
            .collect();
        // A letter dropped now and then, as a misread would.
        if rng.below(4) == 0 {
            let i = rng.below(parts.len());
            if parts[i].len() > 2 {
                let k = rng.below(parts[i].len());
                parts[i].remove(k);
            }
        }
        parts.join(" ")
    }

    /// `wide`: years a digit off each other (`1981`, `1991`, `1931`, `1281`) or further apart
    /// now and then, which a walk may pass over; else within seven years.
    fn dob(rng: &mut Lcg, wide: bool) -> Option<Dob> {
        let year = |rng: &mut Lcg| {
            const OFF: [i32; 8] = [10, -10, 50, -50, 300, -700, 3, -4];
            let y = 1978 + rng.below(7) as i32;
            if wide && rng.below(4) == 0 { y + OFF[rng.below(OFF.len())] } else { y }
        };
        match rng.below(4) {
            0 => None,
            1 => Some(Dob::parse(&format!("{:04}", year(rng))).unwrap()),
            2 => Some(Dob::parse(&format!("{:04}-0{}", year(rng), 1 + rng.below(2))).unwrap()),
            _ => Some(
                Dob::parse(&format!("{:04}-0{}-1{}", year(rng), 1 + rng.below(2), rng.below(3)))
                    .unwrap(),
            ),
        }
    }

    /// A part reached only by another family's key is walked for the listed people whose state
    /// writes that family, and only for them: the listing is found through it alone when the
    /// rest of the name is on lists too long to walk, and a listing it cannot count for is not.
    #[test]
    fn a_respelling_is_walked_for_the_states_that_write_it() {
        let mut ix = Index::new();
        ix.long_postings = Some(20);
        let entry = |id: &str, name: &str, dob: &str, state: &str| Entry {
            id: id.into(),
            name: name.into(),
            aliases: Vec::new(),
            dob: Some(Dob::parse(dob).unwrap()),
            nationality: Some(Country::parse(state).unwrap()),
            sex: None,
            document_number: None,
        };
        for i in 0..200 {
            let dob = format!("19{:02}", 50 + i % 40);
            ix.upsert(entry(
                &format!("F{i}"),
                &format!("NGUYEN VAN {}", ["AN", "BA"][i % 2]),
                &dob,
                "VNM",
            ))
            .unwrap();
        }
        ix.upsert(entry("C1", "NGUYEN JIAHUI", "1980", "CHN")).unwrap();
        ix.upsert(entry("V1", "NGUYEN JIAHUI", "1980", "VNM")).unwrap();
        let q = Query {
            name: "NGUYEN KAFAI".into(),
            dob: Some(Dob::parse("1980-11-21").unwrap()),
            nationality: Some(Country::parse("VNM").unwrap()),
            sex: None,
            document_number: None,
        };
        let options = SearchOptions { limit: 10, threshold: 0.3, held_back: false };
        let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
        let everyone = ids(ix.search_among(&q, options, Among::Everyone));
        assert_eq!(everyone, ["C1"], "the Chinese key counts for the Chinese listing only");
        assert_eq!(ids(ix.search(&q, options)), everyone);
        // The search walked the respelt part's list for the Chinese listing, not the other.
        let bound_for = |q: &Query| {
            SCRATCH.with(|scratch| {
                let base: Vec<QueryToken> = tokens(&q.name)
                    .into_iter()
                    .map(|raw| QueryToken { skeleton: skeleton(&raw), raw })
                    .collect();
                let groups: Vec<Group> = base.iter().map(|t| ix.group(t)).collect();
                let bound = Bound {
                    needed: evidence_needed(0.3, ix.live),
                    min_name: 0.0,
                    held_back: false,
                    dob: DobBound::new(q.dob),
                    short_name: 0.0,
                    traveller: state_systems(q.nationality),
                };
                ix.candidates(&groups, &bound, &[], &mut scratch.borrow_mut())
            })
        };
        let walked: Vec<&str> =
            bound_for(&q).into_iter().filter_map(|s| ix.at(s).map(|(id, _)| id)).collect();
        assert!(walked.contains(&"C1") && !walked.contains(&"V1"), "{walked:?}");
    }

    /// The stretches a walk keeps hold every date of birth `other_year` does not pass over, and
    /// no other: a date two or more years off the query's is passed over unless it is the same
    /// day and month in a year one digit off.
    #[test]
    fn the_window_keeps_what_other_year_keeps() {
        let keys = |year: i32| {
            let mut keys = vec![DobKey::pack(year, 0)];
            for (m, d) in [(1u32, 0u32), (3, 0), (3, 12), (12, 31), (12, 3), (2, 29)] {
                keys.push(DobKey::pack(year, m << 5 | d));
            }
            keys
        };
        let all: Vec<DobKey> = std::iter::once(DobKey(0))
            .chain((-YEAR_LIMIT..=YEAR_LIMIT).step_by(7).flat_map(keys))
            .chain(
                [1, 2, 1881, 1975, 1984, 1985, 1986, 1995, 1988, 2985, 9999]
                    .into_iter()
                    .flat_map(keys),
            )
            .collect();
        for query in ["1985-03-12", "1985", "1985-03", "0001-12-31", "9999-12-03", "2000-12-31"] {
            let bound = DobBound::new(Some(Dob::parse(query).unwrap()));
            let window = bound.window().unwrap();
            for &key in &all {
                let kept = window.iter().any(|&(lo, hi)| (lo..=hi).contains(&key.0));
                let wanted = !bound.other_year(key);
                // Below the year 0 the window keeps every year.
                let exact = key.year().is_none_or(|y| y >= 0);
                assert!(kept == wanted || kept && !exact, "{query} against {:?}", key.get());
            }
        }
        assert!(DobBound::new(None).window().is_none());
    }

    /// A list's head stays in order through additions and removals, and it and the tail hold
    /// each slot once.
    #[test]
    fn postings_stay_in_order_as_they_change() {
        let mut rng = Lcg(7);
        let mut list = Postings::default();
        let mut held: Vec<Posting> = Vec::new();
        for slot in 0..2000 {
            let p = Posting { slot, dob: DobKey::pack(1950 + rng.below(60) as i32, 0) };
            list.push(p);
            held.push(p);
            if rng.below(3) == 0 {
                let gone = held.swap_remove(rng.below(held.len()));
                list.remove(gone);
            }
        }
        assert!(
            list.sorted > list.len() / 2,
            "merged now and then: {} of {}",
            list.sorted,
            list.len()
        );
        assert!(list.list[..list.sorted].is_sorted_by_key(Posting::order));
        let slots = |ps: &mut dyn Iterator<Item = &Posting>| {
            let mut s: Vec<Slot> = ps.map(|p| p.slot).collect();
            s.sort_unstable();
            s
        };
        let mut expected: Vec<Slot> = held.iter().map(|p| p.slot).collect();
        expected.sort_unstable();
        assert_eq!(slots(&mut list.within(None)), expected);
        // A window of one year gives that year's slots, from the head and the tail.
        let year = DobKey::pack(1960, 0).0..=DobKey::pack(1960, 0x1FF).0;
        let in_year = |p: &&Posting| year.contains(&p.dob.0);
        let window = [(*year.start(), *year.end())];
        let got: Vec<Slot> = slots(&mut list.within(Some(&window)).filter(in_year));
        assert_eq!(got, slots(&mut held.iter().filter(in_year)));
        assert!(got.len() > 10);
    }

    /// Candidate search gives exactly the hits that scoring every entry gives: its bound never
    /// drops an entry that would have scored, repeated name parts, long lists, respellings that
    /// count only for some states and dates of birth that rule out whole years included.
    ///
    /// Not quite: the bound weighs a part by its rarity on the whole list and gives a nat of
    /// slack for its rarity among the listed person's nationality, which may be higher (a part
    /// commoner elsewhere). Five rare parts matched in full beside a differing date of birth can
    /// go past that slack. Dates years apart are therefore asked of one nationality, where the
    /// two rarities are one; several nationalities with dates close together.
    #[test]
    fn candidate_search_loses_nothing_that_scoring_everyone_finds() {
        let mut rng = Lcg(20_261_125);
        for (long, wide) in [(None, false), (Some(40), false), (None, true), (Some(40), true)] {
            let nationality = |rng: &mut Lcg| if wide { None } else { state(rng) };
            let mut ix = Index::new();
            ix.long_postings = long;
            let mut listed = Vec::new();
            for i in 0..1500 {
                let aliases = if rng.below(5) == 0 { vec![name(&mut rng)] } else { Vec::new() };
                listed.push(name(&mut rng));
                ix.upsert(Entry {
                    id: format!("E{i}"),
                    name: listed[i].clone(),
                    aliases,
                    dob: dob(&mut rng, wide),
                    nationality: nationality(&mut rng),
                    sex: if rng.below(2) == 0 { Some(Sex::Male) } else { None },
                    document_number: None,
                })
                .unwrap();
            }
            // Changes and removals keep the lists, the repeated parts' included, in step.
            for i in (0..1500).step_by(7) {
                ix.remove(&format!("E{i}"));
            }
            for i in (0..1500).step_by(5) {
                ix.upsert(Entry {
                    id: format!("E{i}"),
                    name: name(&mut rng),
                    aliases: Vec::new(),
                    dob: dob(&mut rng, wide),
                    nationality: nationality(&mut rng),
                    sex: None,
                    document_number: None,
                })
                .unwrap();
            }
            let mut hits = 0;
            for _ in 0..1500 {
                // A listed name now and then, to be found under another date of birth or none.
                let q = Query {
                    name: match rng.below(6) {
                        0 | 1 => listed[rng.below(listed.len())].clone(),
                        // A long listed name cut as an MRZ cuts it, now and then inside a pair
                        // of letters the skeleton reads as one (`PHUONG` to `P`, `THUY` to `T`).
                        2 => {
                            let whole = listed[rng.below(listed.len())].clone();
                            let cut = TRUNCATION_LENGTH + 1 + rng.below(8);
                            if whole.len() > cut { whole[..cut].to_string() } else { whole }
                        }
                        _ => name(&mut rng),
                    },
                    dob: dob(&mut rng, wide),
                    nationality: nationality(&mut rng),
                    sex: None,
                    document_number: None,
                };
                for threshold in [0.3, 0.6] {
                    let options =
                        SearchOptions { limit: 1000, threshold, held_back: threshold > 0.5 };
                    let fast = ix.search(&q, options);
                    let all = ix.search_among(&q, options, Among::Everyone);
                    let key = |h: &Hit| (h.id.clone(), (h.score * 1e4).round() as i64);
                    assert_eq!(
                        fast.iter().map(key).collect::<Vec<_>>(),
                        all.iter().map(key).collect::<Vec<_>>(),
                        "{} (threshold {threshold}, long lists over {long:?}, wide dates {wide})",
                        q.name
                    );
                    hits += all.len();
                }
            }
            // The case is only a check if the queries do hit.
            assert!(hits > 500, "{hits} hits");
        }
    }
}
