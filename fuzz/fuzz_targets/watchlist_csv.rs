//! Any bytes as a watchlist file: reading must never panic, and what it accepts must index and
//! answer a query about every entry.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = bienphong::watchlist_csv::read(data) {
        let mut index = screen::Index::new();
        for (_, entry) in &rows {
            index.upsert(entry.clone()).expect("a row that reads is a valid entry");
        }
        for (_, entry) in rows.iter().take(20) {
            let query = screen::Query {
                name: entry.name.clone(),
                dob: entry.dob,
                nationality: entry.nationality,
                sex: entry.sex,
                document_number: entry.document_number.clone(),
            };
            let hits = index.search(
                &query,
                screen::SearchOptions { limit: 10, threshold: 0.0, held_back: false },
            );
            assert!(hits.len() <= 10);
            assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
        }
    }
});
