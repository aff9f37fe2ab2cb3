//! How much of a labelled set any scorer could find at a false-alarm budget: the ceiling the
//! operating curve is read against.
//!
//! Where a query gives a listed name letter for letter, what tells the listed person apart from a
//! stranger of that name is only what the query and the listing say besides: how many listed
//! people bear the name, how the dates of birth agree, whether nationality, sex and document
//! number agree, and the listed nationality. Queries alike in all of these (a *profile*) are alike
//! to any rule that decides from them, so such a rule raises all of them or none; which profiles
//! to raise within the budget is a knapsack. It is solved here with hindsight on the set itself,
//! and relaxed so that the figure is an upper bound: every listed person the query names
//! otherwise (a typo, a respelling) counts as found for free, a stranger's alarm is shared among
//! the profiles that raise it, and a profile may be raised in part. A scorer above this figure on
//! the same set is using something else; a target above it cannot be met on that set by weighing
//! these facts, however the weights are chosen.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::model::{Country, Dob, Entry, Query};
use crate::normalize::tokens;
use crate::score::{DobVerdict, compare_dob};

/// Whether two values given for the same person agree; `Unknown` where either is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Agreement {
    Unknown,
    Same,
    Differs,
}

impl Agreement {
    fn of<T: PartialEq>(a: Option<T>, b: Option<T>) -> Agreement {
        match (a, b) {
            (Some(a), Some(b)) if a == b => Agreement::Same,
            (Some(_), Some(_)) => Agreement::Differs,
            _ => Agreement::Unknown,
        }
    }
}

/// What a rule may see of a query and a listing that share a name letter for letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Profile {
    /// How many listed people the query's name names, as a power of two.
    shared: u8,
    /// How the dates of birth agree, as the engine reads them (a slip, a stand-in first of the
    /// month, a year where only a year is known).
    date: DobVerdict,
    nationality: Agreement,
    sex: Agreement,
    document: Agreement,
    listed_nationality: Option<Country>,
}

/// A query of a labelled set.
#[derive(Clone, Copy, Debug)]
pub struct Asked<'a> {
    pub query: &'a Query,
    /// The id of the listed person it is about; none for a query about someone not listed.
    pub expect: Option<&'a str>,
}

/// What the listing says of a date of birth: `full`, `month`, `year`, `none`, in that order.
pub const DATE_KNOWN: [&str; 4] = ["full", "month", "year", "none"];

fn date_known(dob: Option<Dob>) -> usize {
    match dob {
        Some(Dob::Full(_)) => 0,
        Some(Dob::Month { .. }) => 1,
        Some(Dob::Year(_)) => 2,
        None => 3,
    }
}

/// The figure and what it leaves out of reach.
#[derive(Clone, Debug, PartialEq)]
pub struct Ceiling {
    pub positives: usize,
    pub negatives: usize,
    /// Listed people asked for by another spelling than theirs: counted found.
    pub named_otherwise: usize,
    /// No rule deciding from a profile finds a larger share of the listed people asked for.
    pub recall: f64,
    /// Listed people out of reach within the budget, by what the list knows of their date of
    /// birth ([`DATE_KNOWN`]); fractions where the budget ends within a profile.
    pub out_of_reach: [f64; 4],
}

/// The keys under which a name is the same name letter for letter: its parts in their order, the
/// last part first (a family name written last or first), and in the order of the alphabet;
/// joined without a space, as a list may join what a document writes apart.
fn keys(name: &str) -> Vec<u64> {
    let mut parts = tokens(name);
    if parts.is_empty() {
        return Vec::new();
    }
    let hash = |parts: &[String]| {
        let mut h = DefaultHasher::new();
        for p in parts {
            h.write(p.as_bytes());
        }
        h.finish()
    };
    let mut out = vec![hash(&parts)];
    parts.rotate_right(1);
    out.push(hash(&parts));
    parts.sort_unstable();
    out.push(hash(&parts));
    out.sort_unstable();
    out.dedup();
    out
}

/// A list's names by their keys, to be asked of more than once.
#[derive(Debug)]
pub struct Names<'a> {
    entries: &'a [Entry],
    by_key: Vec<(u64, u32)>,
    position: HashMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    pub fn new(entries: &'a [Entry]) -> Names<'a> {
        let mut by_key: Vec<(u64, u32)> = Vec::with_capacity(entries.len() * 3);
        for (i, e) in entries.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for name in std::iter::once(&e.name).chain(&e.aliases) {
                by_key.extend(keys(name).into_iter().map(|k| (k, i)));
            }
        }
        by_key.sort_unstable();
        by_key.dedup();
        let position = entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
        Names { entries, by_key, position }
    }

    /// The listed people a name gives letter for letter, by their place in the list.
    fn named(&self, name: &str) -> Vec<u32> {
        let mut named: Vec<u32> = Vec::new();
        for k in keys(name) {
            let from = self.by_key.partition_point(|&(key, _)| key < k);
            named.extend(self.by_key[from..].iter().take_while(|&&(key, _)| key == k).map(|p| p.1));
        }
        named.sort_unstable();
        named.dedup();
        named
    }

    /// The recall no rule deciding from a profile can pass on `asked` with at most `budget` (a
    /// share) of the queries about people not listed raising an alarm.
    pub fn ceiling(&self, asked: &[Asked<'_>], budget: f64) -> Ceiling {
        ceiling_of(self, asked, budget)
    }
}

/// [`Names::ceiling`] for a list asked once.
pub fn ceiling(entries: &[Entry], asked: &[Asked<'_>], budget: f64) -> Ceiling {
    Names::new(entries).ceiling(asked, budget)
}

fn ceiling_of(names: &Names<'_>, asked: &[Asked<'_>], budget: f64) -> Ceiling {
    let entries = names.entries;
    #[derive(Default)]
    struct Tally {
        found: [usize; 4],
        alarms: f64,
    }
    let mut tally: HashMap<Profile, Tally> = HashMap::new();
    let (mut positives, mut negatives, mut named_otherwise) = (0usize, 0usize, 0usize);
    for a in asked {
        let q = a.query;
        let named = names.named(&q.name);
        let shared = u8::try_from(named.len().max(1).ilog2()).unwrap_or(u8::MAX);
        let profile = |e: &Entry| Profile {
            shared,
            date: compare_dob(q.dob, e.dob),
            nationality: Agreement::of(q.nationality, e.nationality),
            sex: Agreement::of(q.sex, e.sex),
            document: Agreement::of(q.document_number.as_ref(), e.document_number.as_ref()),
            listed_nationality: e.nationality,
        };
        match a.expect {
            Some(id) => {
                positives += 1;
                let listed =
                    names.position.get(id).copied().filter(|&i| {
                        u32::try_from(i).is_ok_and(|i| named.binary_search(&i).is_ok())
                    });
                match listed.map(|i| &entries[i]) {
                    Some(e) => tally.entry(profile(e)).or_default().found[date_known(e.dob)] += 1,
                    None => named_otherwise += 1,
                }
            }
            None => {
                negatives += 1;
                let mut raised: Vec<Profile> =
                    named.iter().map(|&i| profile(&entries[i as usize])).collect();
                raised.sort_unstable();
                raised.dedup();
                // One alarm, however many profiles raise it: each is charged its share, which
                // can only make the bound higher than charging the whole alarm to each.
                let share = 1.0 / raised.len().max(1) as f64;
                for p in raised {
                    tally.entry(p).or_default().alarms += share;
                }
            }
        }
    }

    // The fractional knapsack, taken greedily by listed people found per alarm, is optimal.
    let mut profiles: Vec<(&Profile, &Tally)> =
        tally.iter().filter(|(_, t)| t.found.iter().sum::<usize>() > 0).collect();
    let worth = |t: &Tally| t.found.iter().sum::<usize>() as f64 / t.alarms;
    profiles.sort_by(|a, b| worth(b.1).total_cmp(&worth(a.1)).then(a.0.cmp(b.0)));
    let mut left = budget.max(0.0) * negatives as f64;
    let mut found = named_otherwise as f64;
    let mut out_of_reach = [0.0; 4];
    for (_, t) in profiles {
        // Sums of shares round: what is left never goes below nothing.
        let taken = if t.alarms <= left { 1.0 } else { (left / t.alarms).clamp(0.0, 1.0) };
        left = (left - taken * t.alarms).max(0.0);
        for (k, &n) in t.found.iter().enumerate() {
            found += taken * n as f64;
            out_of_reach[k] += (1.0 - taken) * n as f64;
        }
    }
    Ceiling {
        positives,
        negatives,
        named_otherwise,
        recall: if positives == 0 { 0.0 } else { found / positives as f64 },
        out_of_reach,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Country, Sex};

    fn date(text: &str) -> Option<Dob> {
        Some(Dob::parse(text).unwrap())
    }

    fn entry(id: &str, name: &str, dob: Option<Dob>) -> Entry {
        Entry {
            id: id.into(),
            name: name.into(),
            aliases: Vec::new(),
            dob,
            nationality: Some(Country::parse("VNM").unwrap()),
            sex: Some(Sex::Male),
            document_number: None,
        }
    }

    fn query(name: &str, dob: &str) -> Query {
        Query {
            name: name.into(),
            dob: date(dob),
            nationality: Some(Country::parse("VNM").unwrap()),
            sex: Some(Sex::Male),
            document_number: None,
        }
    }

    /// Forty undated listings of one common name, ten people asked for by it and ten strangers
    /// who bear it; ten listed people with rare names and full dates asked for by their names,
    /// and ten by another spelling.
    #[test]
    fn strangers_of_a_listed_name_bound_what_its_undated_listings_can_find() {
        let mut entries: Vec<Entry> =
            (0..40).map(|i| entry(&format!("C{i}"), "Nguyễn Văn Hùng", None)).collect();
        let rare = ["Quách Thế Sang", "Lò Văn Páo", "Hồ Sĩ Ngọc", "Văn Đình Thụy", "Ông Ích Khiêm"];
        for (i, name) in rare.iter().enumerate() {
            entries.push(entry(&format!("R{i}"), name, date(&format!("1970-01-0{}", i + 1))));
        }
        let common = query("NGUYEN<<VAN<HUNG", "1985-03-04");
        let rare_q: Vec<Query> = rare
            .iter()
            .enumerate()
            .map(|(i, n)| query(&n.replace(' ', "<"), &format!("1970-01-0{}", i + 1)))
            .collect();
        let respelled = query("NGUYEN<<VAN<HUNGG", "1970-01-01");
        let ids: Vec<String> = (0..10).map(|i| format!("C{i}")).collect();
        let rare_ids: Vec<String> = (0..5).map(|i| format!("R{i}")).collect();
        let mut asked: Vec<Asked<'_>> = Vec::new();
        for i in 0..10 {
            asked.push(Asked { query: &common, expect: Some(&ids[i]) });
            asked.push(Asked { query: &rare_q[i % 5], expect: Some(&rare_ids[i % 5]) });
            asked.push(Asked { query: &respelled, expect: Some("R0") });
            asked.push(Asked { query: &common, expect: None });
        }
        let none = ceiling(&entries, &asked, 0.0);
        assert_eq!((none.positives, none.negatives, none.named_otherwise), (30, 10, 10));
        // The rare names and the other spellings; none of the common name's.
        assert!((none.recall - 20.0 / 30.0).abs() < 1e-9, "{none:?}");
        assert!((none.out_of_reach[3] - 10.0).abs() < 1e-9, "{none:?}");
        assert!(none.out_of_reach[0].abs() < 1e-9, "{none:?}");
        // Half the strangers may be alarmed: half the common name's listed people found.
        let half = ceiling(&entries, &asked, 0.5);
        assert!((half.recall - 25.0 / 30.0).abs() < 1e-9, "{half:?}");
        let all = ceiling(&entries, &asked, 1.0);
        assert!((all.recall - 1.0).abs() < 1e-9, "{all:?}");
    }

    /// More budget never lowers the ceiling, and a budget that alarms every stranger reaches
    /// everyone: each stranger's alarm is shared out, never counted twice.
    #[test]
    fn the_ceiling_rises_with_the_budget_to_everyone() {
        let set = crate::eval::EvalSet::generate(11, 3_000, 300, 300);
        let asked: Vec<Asked<'_>> = set
            .queries
            .iter()
            .map(|l| Asked { query: &l.query, expect: l.expect.as_deref() })
            .collect();
        let names = Names::new(&set.entries);
        let mut last = 0.0;
        for budget in [0.0, 0.005, 0.01, 0.02, 0.05, 0.2, 1.0] {
            let c = names.ceiling(&asked, budget);
            assert!(c.recall >= last && c.recall <= 1.0, "{budget}: {c:?}");
            assert!(c.out_of_reach.iter().all(|&n| n >= 0.0), "{budget}: {c:?}");
            let reached = c.recall * c.positives as f64 + c.out_of_reach.iter().sum::<f64>();
            assert!((reached - c.positives as f64).abs() < 1e-6, "{budget}: {c:?}");
            last = c.recall;
        }
        assert!((last - 1.0).abs() < 1e-9, "{last}");
    }
}
