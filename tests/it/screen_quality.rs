//! A guard on screening quality: the evaluation set at a small scale, with margins below what the
//! million-entry benchmark measures, so a change that breaks matching fails here first.

use screen::eval::EvalSet;
use screen::{Index, SearchOptions};

#[test]
fn recall_and_false_alarms_hold_on_a_generated_list() {
    let set = EvalSet::generate(20_261_125, 20_000, 1_500, 1_500);
    let index = indexed(&set.entries);
    let dated: std::collections::HashSet<&str> = set
        .entries
        .iter()
        .filter(|e| matches!(e.dob, Some(screen::Dob::Full(_))))
        .map(|e| e.id.as_str())
        .collect();
    let (mut pos, mut found, mut neg, mut alarmed) = (0, 0, 0, 0);
    let (mut pos_dated, mut found_dated) = (0, 0);
    let mut romanised = (0, 0);
    for l in &set.queries {
        let hits = index.search(&l.query, SearchOptions::default());
        match &l.expect {
            Some(id) => {
                let hit = usize::from(hits.iter().any(|h| &h.id == id));
                pos += 1;
                found += hit;
                if dated.contains(id.as_str()) {
                    pos_dated += 1;
                    found_dated += hit;
                    if l.kind == "romanisation" {
                        romanised.0 += 1;
                        romanised.1 += hit;
                    }
                }
            }
            None => {
                neg += 1;
                alarmed += usize::from(!hits.is_empty());
            }
        }
    }
    let recall = found as f64 / pos as f64;
    let recall_dated = found_dated as f64 / pos_dated as f64;
    let recall_romanised = romanised.1 as f64 / romanised.0 as f64;
    let alarms = alarmed as f64 / neg as f64;
    eprintln!(
        "recall {recall:.4}, dated {recall_dated:.4}, romanised {recall_romanised:.4}, false alarms {alarms:.4}"
    );
    // Measured: 0.973 overall (0.974 before Hong Kong given names were written in Cantonese),
    // 1.000 where the list has the full date of birth, 1.000 for names
    // in another romanisation system (0.880 before the rules gave alternatives and were run by
    // family of systems, 0.925 before Korean customary u met McCune–Reischauer o, Thai customary
    // spellings met RTGS and Khmer had its own family), 0.009 false alarms.
    assert!(recall >= 0.96, "recall {recall:.4}");
    assert!(recall_dated >= 0.99, "recall where the date is listed {recall_dated:.4}");
    assert!(recall_romanised >= 0.97, "recall of other romanisations {recall_romanised:.4}");
    assert!(alarms <= 0.015, "false alarms {alarms:.4}");
    // No scorer deciding from the facts the engine weighs passes the ceiling at its own false
    // alarms: a ceiling below the engine is a ceiling computed wrong.
    let asked: Vec<screen::ceiling::Asked<'_>> = set
        .queries
        .iter()
        .map(|l| screen::ceiling::Asked { query: &l.query, expect: l.expect.as_deref() })
        .collect();
    let ceiling = screen::ceiling::ceiling(&set.entries, &asked, alarms);
    eprintln!("ceiling at {alarms:.4} false alarms: {ceiling:?}");
    assert_eq!((ceiling.positives, ceiling.negatives), (pos, neg));
    assert!(recall <= ceiling.recall, "recall {recall:.4} above the ceiling {ceiling:?}");
}

#[test]
fn the_same_seed_gives_the_same_set() {
    let a = EvalSet::generate(7, 200, 20, 20);
    let b = EvalSet::generate(7, 200, 20, 20);
    assert_eq!(a.entries, b.entries);
    let names = |s: &EvalSet| s.queries.iter().map(|q| q.query.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    assert_ne!(a.entries, EvalSet::generate(8, 200, 20, 20).entries);
}

#[test]
fn a_name_reordered_is_the_listed_name_turned_round() {
    let set = EvalSet::generate(20_261_125, 5_000, 2_000, 0);
    let by_id: std::collections::HashMap<&str, &screen::Entry> =
        set.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut russian = 0;
    for q in set.queries.iter().filter(|q| q.kind == "reordered") {
        let listed = by_id[q.expect.as_deref().unwrap()];
        let parts = screen::normalize::tokens(&listed.name);
        let read = screen::normalize::tokens(&q.query.name);
        // The family name moved to the other end, the rest in their order: a Russian name
        // as Russians list it (`IVANOVA ANNA PETROVNA`), never with the patronymic first. The
        // letters are compared, not the parts: a list may write apart the syllables a document
        // joins (`Lee Chul Jun`, `CHULJUN LEE`).
        let turned = (1..parts.len()).any(|k| {
            parts[k..].iter().chain(&parts[..k]).map(String::as_str).collect::<String>()
                == read.concat()
        });
        assert!(turned, "{} for {}", q.query.name, listed.name);
        if listed.nationality.is_some_and(|c| c.as_str() == "RUS") {
            russian += 1;
            assert_eq!(read[0], parts[parts.len() - 1], "{}", q.query.name);
        }
    }
    assert!(russian > 0);
}

/// Spellings written by hand from public name lists and romanisation tables, which neither
/// generator makes (`tests/data/hand_spellings.tsv`): each listed person is found from the
/// other spelling beside the same date of birth, on a generated list of 5,000 others.
#[test]
fn hand_written_spellings_find_their_listed_person() {
    let mut index = indexed(&EvalSet::generate(3, 5_000, 0, 0).entries);
    let table = include_str!("../data/hand_spellings.tsv");
    let pairs: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let dob = |n: usize| {
        let day = time::Date::from_ordinal_date(1950 + (n % 40) as i32, 1 + (n % 360) as u16);
        Some(screen::Dob::Full(day.unwrap()))
    };
    for (n, p) in pairs.iter().enumerate() {
        let [listed, listed_state, _, _] = p[..] else { panic!("line {}: four columns", n + 1) };
        index
            .upsert(screen::Entry {
                id: format!("HAND{n}"),
                name: listed.to_string(),
                aliases: Vec::new(),
                dob: dob(n),
                nationality: Some(screen::Country::parse(listed_state).unwrap()),
                sex: None,
                document_number: None,
            })
            .unwrap();
    }
    let mut missed = Vec::new();
    for (n, p) in pairs.iter().enumerate() {
        let query = screen::Query {
            name: p[2].to_string(),
            dob: dob(n),
            nationality: Some(screen::Country::parse(p[3]).unwrap()),
            sex: None,
            document_number: None,
        };
        let hits = index.search(&query, SearchOptions::default());
        if hits.first().is_none_or(|h| h.id != format!("HAND{n}")) {
            missed.push(format!("{} for {}", p[2], p[0]));
        }
    }
    assert!(pairs.len() >= 130, "{} pairs", pairs.len());
    assert!(missed.is_empty(), "{} of {} missed: {missed:#?}", missed.len(), pairs.len());
}

fn indexed(entries: &[screen::Entry]) -> Index {
    let mut index = Index::new();
    for e in entries {
        index.upsert(e.clone()).unwrap();
    }
    index
}
