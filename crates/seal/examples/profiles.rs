//! Prints an example seal of each national profile, signed by a throwaway signer whose
//! certificate is printed too, for `docs/seals.md`:
//! `cargo run -p bienphong-seal --example profiles`.

use seal::profile::{PermitData, PermitKind, category, sign_permit};
use seal::{SigningKey, pki};
use time::macros::{date, datetime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let from = datetime!(2026-01-01 0:00 UTC);
    let until = datetime!(2031-01-01 0:00 UTC);
    let root_key = SigningKey::generate()?;
    let root = pki::root_certificate(&root_key, "Example root", from, until)?;
    let signer = SigningKey::generate()?;
    let cert =
        pki::signer_certificate(&root, &root_key, &signer, "VN", "0A", "1F2E3D4C", from, until)?;
    println!(
        "signer certificate (VN0A, serial 1F2E3D4C), DER in hexadecimal:\n{}\n",
        hex::encode_upper(&cert)
    );
    println!("root certificate, DER in hexadecimal:\n{}\n", hex::encode_upper(&root));
    for kind in PermitKind::ALL {
        let border = kind == PermitKind::BorderPass;
        let data = PermitData {
            kind,
            serial: "2A6F0C913B7E".into(),
            name_mrz: if border { "LY<<THI<HOA".into() } else { "SANTOS<<JOSE<MARIA".into() },
            name: if border { "Lý Thị Hoa".into() } else { "Santos José María".into() },
            document_number: if border { "C7654321".into() } else { "P1234567A".into() },
            nationality: if border { "VNM".into() } else { "PHL".into() },
            birth_date: date!(1988 - 12 - 15),
            vessel_imo: (kind == PermitKind::ShorePass || kind == PermitKind::Alongside)
                .then(|| "9074729".into()),
            checkpoint: if border { "MONG-CAI".into() } else { "CANG-HAI-PHONG".into() },
            valid_from: date!(2026 - 11 - 25),
            valid_until: if border { date!(2027 - 11 - 24) } else { date!(2026 - 11 - 28) },
        };
        let bytes = sign_permit(&data, "VN0A", "1F2E3D4C", date!(2026 - 11 - 25), &signer)?;
        println!(
            "{} (category {:#04x}), {} bytes:\n{}\n",
            kind.as_str(),
            category(kind),
            bytes.len(),
            hex::encode_upper(&bytes)
        );
    }
    Ok(())
}
