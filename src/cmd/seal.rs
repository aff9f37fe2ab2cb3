//! `bienphong seal verify`: a seal checked offline against a trust store, as one JSON object.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use seal::profile::{self, PermitData};
use seal::{Reason, Seal, TrustStore};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Subcommand)]
pub enum SealCommand {
    /// Check a seal against a trust store; exit 0 when valid, 1 when not, 2 on a usage error.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["hex", "base64", "image"])))]
pub struct VerifyArgs {
    /// The folder of trusted certificates and revocation lists (`bienphong trust export`).
    #[arg(long)]
    pub trust_store: PathBuf,
    /// Check as at this time (RFC 3339); now by default.
    #[arg(long)]
    pub at: Option<String>,
    /// The seal's bytes in hexadecimal.
    #[arg(long)]
    pub hex: Option<String>,
    /// The seal's bytes in base64.
    #[arg(long)]
    pub base64: Option<String>,
    /// A PNG or JPEG image of the barcode.
    #[arg(long)]
    pub image: Option<PathBuf>,
}

/// A usage error: exit 2 with one line.
fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("bienphong: {message}");
    ExitCode::from(2)
}

pub fn run(command: SealCommand) -> ExitCode {
    let SealCommand::Verify(args) = command;
    let at = match args.at.as_deref().map(|t| OffsetDateTime::parse(t, &Rfc3339)) {
        None => OffsetDateTime::now_utc(),
        Some(Ok(t)) => t,
        Some(Err(_)) => return usage("--at: an RFC 3339 time such as 2026-11-25T08:00:00+07:00"),
    };
    let store = match TrustStore::load(&args.trust_store) {
        Ok(s) => s,
        Err(e) => return usage(format!("the trust store: {e}")),
    };
    let bytes = if let Some(h) = &args.hex {
        hex::decode(h.trim()).map_err(|e| format!("--hex: {e}"))
    } else if let Some(b) = &args.base64 {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| format!("--base64: {e}"))
    } else if let Some(path) = &args.image {
        match std::fs::read(path) {
            Ok(image) => seal::barcode::read_image(&image).map_err(|e| e.to_string()),
            Err(e) => return usage(format!("{}: {e}", path.display())),
        }
    } else {
        return usage("give --hex, --base64 or --image");
    };
    let out = match bytes {
        Ok(bytes) => report(&profile::verify_permit(&store, &bytes, at), &store),
        Err(message) => json!({
            "valid": false, "reason": Reason::Unreadable.code(), "message": message,
            "header": null, "features": null,
        }),
    };
    println!("{out}");
    if out["valid"] == true { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn header_json(s: &Seal) -> Value {
    let h = &s.header;
    json!({
        "version": h.version.number(),
        "issuing_country": h.issuing_country,
        "signer_identifier": h.signer_identifier,
        "certificate_reference": h.certificate_reference,
        "document_issue_date": date(h.document_issue_date),
        "signature_creation_date": date(h.signature_creation_date),
        "feature_definition_reference": h.feature_definition_reference,
        "document_type_category": h.document_type_category,
    })
}

/// A permit's features by name; any other seal's by tag number, in hexadecimal.
pub fn features_json(s: &Seal, permit: Option<&PermitData>) -> Value {
    if let Some(p) = permit {
        return serde_json::to_value(p).unwrap_or(Value::Null);
    }
    let mut m = Map::new();
    for f in &s.features {
        let key = profile::feature_name(s, f.tag).map_or_else(|| f.tag.to_string(), str::to_string);
        m.insert(key, Value::String(hex::encode_upper(&f.value)));
    }
    Value::Object(m)
}

fn report(v: &profile::PermitVerdict, store: &TrustStore) -> Value {
    let seal = v.verdict.seal.as_ref();
    json!({
        "valid": v.verdict.valid(),
        "reason": v.verdict.reason.map(Reason::code),
        "header": seal.map(header_json),
        "features": seal.map(|s| features_json(s, v.permit.as_ref())),
        "signer": v.verdict.signer,
        "revocation_list_issued_at": store
            .revocations_issued_at()
            .and_then(|t| t.format(&Rfc3339).ok()),
    })
}
