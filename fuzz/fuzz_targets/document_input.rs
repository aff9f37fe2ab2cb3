//! A document typed by hand or sent by a device, as JSON: never a panic, and what validates
//! holds only valid values.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<domain::DocumentInput>(data) else { return };
    if let Ok(doc) = input.validate() {
        assert!(!doc.surname.is_empty());
        assert!(doc.number.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(doc.issuing_state.as_str().len(), 3);
        let _ = doc.full_name();
    }
});
