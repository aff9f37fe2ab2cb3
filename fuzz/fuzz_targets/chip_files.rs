//! An e-gate's chip files and the CSCA trust, as they arrive from outside: EF.SOD, EF.COM,
//! DG1, DG2, master lists, certificates and revocation lists are read from any bytes without a
//! panic, and passive authentication runs over whatever was read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = emrtd::Com::read(data);
    let _ = emrtd::Dg1::read(data).map(|d| d.lines().len());
    let _ = emrtd::Dg2::read(data);
    let mut trust = emrtd::trust::Trust::default();
    let _ = trust.add_master_list(data);
    let _ = trust.add_certificate(data);
    let _ = trust.add_crl(data);
    let _ = emrtd::trust::describe_crl(data);
    let _ = emrtd::trust::describe(data);
    let _ = trust.check_dsc(data, 1_790_000_000);
    if let Ok(sod) = emrtd::Sod::read(data) {
        let _ = sod.content_digest_holds();
        let _ = sod.check_hashes([(1, data), (2, data)]);
        let _ = emrtd::pa::verify_signature(&sod, data);
        for cert in &sod.certificates {
            let _ = emrtd::pa::verify_signature(&sod, cert);
            let _ = trust.check_dsc(cert, 1_790_000_000);
        }
    }
    let chip = emrtd::pa::Chip { sod: data, groups: vec![(1, data)] };
    let _ = emrtd::pa::passive_authentication(&chip, Some(""), &trust, 0);
});
