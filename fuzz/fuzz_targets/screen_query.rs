//! Any names, added, changed, removed and queried: the index must never panic and its answers
//! must stay within bounds.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    Upsert { id: u8, name: String, aliases: Vec<String>, year: Option<u16>, doc: Option<String> },
    Remove { id: u8 },
    Search { name: String, year: Option<u16>, limit: u8, threshold: u8, doc: Option<String> },
}

fuzz_target!(|ops: Vec<Op>| {
    let mut index = screen::Index::new();
    for op in ops.into_iter().take(64) {
        match op {
            Op::Upsert { id, name, aliases, year, doc } => {
                let entry = screen::Entry {
                    id: format!("E{id}"),
                    name,
                    aliases,
                    // A year, or a month and year.
                    dob: year.and_then(|y| {
                        let year = 1 + y % 9999;
                        let text = if y % 3 == 0 {
                            format!("{year:04}-{:02}", 1 + y % 12)
                        } else {
                            format!("{year:04}")
                        };
                        screen::Dob::parse(&text).ok()
                    }),
                    nationality: screen::Country::parse("VNM").ok(),
                    sex: None,
                    document_number: doc.as_deref().and_then(screen::DocumentNumber::parse),
                };
                let _ = index.upsert(entry);
            }
            Op::Remove { id } => {
                index.remove(&format!("E{id}"));
            }
            Op::Search { name, year, limit, threshold, doc } => {
                let query = screen::Query {
                    name,
                    dob: year
                        .and_then(|y| screen::Dob::parse(&format!("{:04}", 1 + y % 9999)).ok()),
                    nationality: None,
                    sex: None,
                    document_number: doc.as_deref().and_then(screen::DocumentNumber::parse),
                };
                let options = screen::SearchOptions {
                    limit: usize::from(limit % 20),
                    threshold: f32::from(threshold) / 255.0,
                    held_back: threshold % 2 == 1,
                };
                let hits = index.search(&query, options);
                let (held, hits): (Vec<_>, Vec<_>) = hits.into_iter().partition(|h| h.held_back);
                assert!(hits.len() <= options.limit && held.len() <= options.limit);
                assert!(options.held_back || held.is_empty());
                assert!(hits.iter().all(|h| h.score >= options.threshold && h.score <= 1.0));
                assert!(held.iter().all(|h| (0.0..=1.0).contains(&h.score)));
                assert!(hits.iter().chain(&held).all(|h| index.contains(&h.id)));
            }
        }
    }
});
