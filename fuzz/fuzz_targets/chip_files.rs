//! An e-gate's chip files, as a gate sends them: EF.SOD, EF.COM, DG1 and DG2 are read from any
//! bytes without a panic, and a SOD read is checked against the same bytes as data groups.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = emrtd::Com::read(data);
    let _ = emrtd::Dg1::read(data).map(|d| d.lines().len());
    let _ = emrtd::Dg2::read(data);
    if let Ok(sod) = emrtd::Sod::read(data) {
        let _ = sod.content_digest_holds();
        let _ = sod.check_hashes([(1, data), (2, data)]);
        let _ = emrtd::pa::verify_signature(&sod, data);
        for cert in &sod.certificates {
            let _ = emrtd::pa::verify_signature(&sod, cert);
        }
    }
});
