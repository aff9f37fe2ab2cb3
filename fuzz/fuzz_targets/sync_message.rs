//! Any bytes as a sync message, compressed or as its JSON: reading must never panic, and
//! whatever a record reads into must hold only bounded values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::sync::wire;

fn read_all(up: &wire::Up, down: Option<&wire::DownAnswer>) {
    for c in &up.crossings {
        if let Ok(read) = c.read() {
            assert!(read.id.len() == 36, "a crossing's id is a UUID");
        }
    }
    for a in &up.audit {
        let _ = a.read();
    }
    for a in &up.alerts {
        let _ = a.read();
    }
    let post = domain::CheckpointCode::parse("CANG-HAI-PHONG").expect("a code");
    for m in &up.movements {
        let _ = m.read(&post);
    }
    if let Some(d) = down {
        let post = domain::CheckpointCode::parse("MONG-CAI").expect("a code");
        for a in &d.accounts {
            let _ = a.read(&post);
        }
        for dev in &d.devices {
            let _ = dev.read(&post);
        }
        for e in &d.watch.entries {
            let _ = e.read();
        }
        for c in &d.certificates {
            let _ = c.read();
        }
        for l in &d.revocation_lists {
            let _ = l.read();
        }
        for c in &d.cscas {
            let _ = c.read();
        }
        for l in &d.csca_crls {
            let _ = l.read();
        }
        if let Some(t) = &d.egate_thresholds {
            let _ = t.read();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(up) = wire::unpack::<wire::Up>(data) {
        read_all(&up, None);
    }
    if let Ok(up) = serde_json::from_slice::<wire::Up>(data) {
        read_all(&up, None);
    }
    if let Ok(down) = serde_json::from_slice::<wire::DownAnswer>(data) {
        let empty = wire::Up {
            protocol: 1,
            version: String::new(),
            sent_at: String::new(),
            backlog: 0,
            crossings: Vec::new(),
            audit: Vec::new(),
            alerts: Vec::new(),
            movements: Vec::new(),
        };
        read_all(&empty, Some(&down));
    }
});
