//! Any bytes as a scanned seal: decoding never panics; what decodes is written back to the same
//! signed bytes, and C40 text in any feature decodes or is refused without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = seal::decode(data) else { return };
    assert!(s.header_len <= s.signed_data.len());
    assert_eq!(&data[..s.signed_data.len()], s.signed_data.as_slice());
    for f in &s.features {
        let _ = seal::c40::decode(&f.value, 0);
    }
    // Writing the header and features again gives the bytes that were signed, unless the
    // sender wrote a length in a longer form than needed or a version 3 reference of another
    // width (both read, never written).
    let mut b = seal::SealBuilder::new(s.header.clone());
    for f in &s.features {
        b = b.feature(f.tag, f.value.clone());
    }
    if let Ok(bytes) = b.unsigned_bytes()
        && bytes.len() == s.signed_data.len()
    {
        let again = seal::decode(&bytes).expect("what was written reads back");
        assert_eq!(again.header, s.header);
        assert_eq!(again.features, s.features);
    }
});
