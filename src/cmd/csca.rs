//! `bienphong csca import FILE` and `bienphong csca list`: the Country Signing CAs e-passports'
//! signers are checked under, held at headquarters (and brought down to the nodes with the rest
//! of the trust).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use store::CscaStore;
use time::OffsetDateTime;

use crate::cmd::server::{StoreArgs, with_store};

/// A file read whole is at most this: the ICAO master list is a few megabytes.
const FILE_MAX: u64 = 64 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum CscaCommand {
    /// Import the CSCAs of an ICAO master list (`.ml`), or certificates (DER, or PEM with one
    /// or more), or a CSCA's revocation list (a CRL, DER or PEM, signed by a CSCA held), or
    /// a folder of such files. Prints how many were new.
    Import(ImportArgs),
    /// Every CSCA held: country, last day of validity, fingerprint, subject; then each
    /// revocation list: `CRL`, the day it was issued, fingerprint, issuer.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(command: CscaCommand) -> anyhow::Result<()> {
    match command {
        CscaCommand::Import(args) => import(args).await,
        CscaCommand::List(args) => {
            let backend = args.store.open(false).await?;
            let held = with_store!(backend, |s| s.cscas().await)?;
            if held.is_empty() {
                println!("no CSCA held: import a master list with `bienphong csca import FILE`");
            }
            for c in held {
                println!(
                    "{}\t{}\t{}\t{}",
                    if c.country.is_empty() { "-" } else { &c.country },
                    c.not_after.date(),
                    &c.fingerprint[..16.min(c.fingerprint.len())],
                    c.subject
                );
            }
            let crls = with_store!(args.store.open(false).await?, |s| s.csca_crls().await)?;
            for c in crls {
                println!(
                    "CRL\t{}\t{}\t{}",
                    c.this_update.date(),
                    &c.fingerprint[..16.min(c.fingerprint.len())],
                    c.issuer
                );
            }
            Ok(())
        }
    }
}

/// A revocation list's DER, when the file is one (PEM `X509 CRL`, or DER).
fn crl_der(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.starts_with(b"-----BEGIN X509 CRL") {
        let pem = x509_parser::pem::Pem::iter_from_buffer(bytes).next()?.ok()?;
        return Some(pem.contents);
    }
    emrtd::trust::describe_crl(bytes).is_ok().then(|| bytes.to_vec())
}

/// A CSCA's revocation list: kept only when a CSCA held signed it, so that a node never takes
/// one that revokes on no authority.
async fn import_crl(
    store: &StoreArgs,
    path: &Path,
    der: &[u8],
    source: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let info =
        emrtd::trust::describe_crl(der).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let record = store::csca::CrlRecord {
        fingerprint: info.fingerprint.clone(),
        der: der.to_vec(),
        issuer: info.issuer.clone(),
        this_update: domain::bounds::held_time(info.this_update),
        next_update: info.next_update.map(domain::bounds::held_time),
        source: source.to_string(),
        added_at: now,
    };
    let backend = store.open(false).await?;
    let added = with_store!(backend, |s| async {
        crate::cmd::server::seed(&s).await?;
        let mut trust = emrtd::trust::Trust::default();
        for c in s.cscas().await? {
            let _ = trust.add_certificate(&c.der);
        }
        if let Err(e) = trust.add_crl(der) {
            bail!(
                "{}: {e}: import the CSCA of {} first (bienphong csca import)",
                path.display(),
                info.issuer
            );
        }
        anyhow::Ok(s.put_csca_crls(std::slice::from_ref(&record)).await?)
    }
    .await)?;
    println!(
        "{} the revocation list of {} ({} certificates revoked, issued {})",
        if added == 1 { "imported" } else { "held already:" },
        info.issuer,
        info.revoked,
        record.this_update.date()
    );
    Ok(())
}

/// The certificates a file holds (DER), and what kind of file it was.
fn certificates(bytes: &[u8]) -> anyhow::Result<(Vec<Vec<u8>>, &'static str)> {
    if bytes.starts_with(b"-----BEGIN") {
        let mut out = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
            let pem = pem.context("reading its PEM")?;
            if pem.label == "CERTIFICATE" {
                out.push(pem.contents);
            }
        }
        return Ok((out, "PEM certificates"));
    }
    match emrtd::trust::master_list_certificates(bytes) {
        Ok(list) => Ok((list, "a master list")),
        Err(_) => Ok((vec![bytes.to_vec()], "a certificate")),
    }
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    if !args.file.is_dir() {
        return import_one(&args.store, &args.file).await;
    }
    // A folder of CSCA certificates (and their revocation lists): every file in it, the
    // certificates first so that the lists find their CSCAs.
    let mut files = Vec::new();
    let entries = std::fs::read_dir(&args.file)
        .with_context(|| format!("reading the folder {}", args.file.display()))?;
    for e in entries {
        let e = e.with_context(|| format!("reading the folder {}", args.file.display()))?;
        if e.file_type().is_ok_and(|t| t.is_file()) {
            let looks_crl = std::fs::read(e.path()).ok().is_some_and(|b| crl_der(&b).is_some());
            files.push((looks_crl, e.path()));
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("{}: the folder holds no file", args.file.display());
    }
    let mut failed = 0;
    for (_, file) in &files {
        if let Err(e) = import_one(&args.store, file).await {
            eprintln!("{e:#}");
            failed += 1;
        }
    }
    if failed == files.len() {
        bail!("{}: nothing in the folder could be imported", args.file.display());
    }
    Ok(())
}

async fn import_one(store: &StoreArgs, path: &Path) -> anyhow::Result<()> {
    let size =
        std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if size > FILE_MAX {
        bail!("{}: {size} bytes, more than a master list can be", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let now = OffsetDateTime::now_utc();
    let source: String = path
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(200).collect())
        .unwrap_or_default();
    if let Some(der) = crl_der(&bytes) {
        return import_crl(store, path, &der, &source, now).await;
    }
    let (certs, kind) = certificates(&bytes).with_context(|| path.display().to_string())?;
    let mut records = Vec::new();
    let mut passed_over = Vec::new();
    for der in &certs {
        match server::egate::trust::csca_record(der, &source, now) {
            Ok(record) => records.push(record),
            Err(e) => passed_over.push(e.to_string()),
        }
    }
    if records.is_empty() {
        let why = passed_over.first().map_or("it holds no certificate".to_string(), Clone::clone);
        bail!("{}: no CSCA certificate in {kind} ({why})", path.display());
    }
    let backend = store.open(false).await?;
    let added = with_store!(backend, |s| async {
        crate::cmd::server::seed(&s).await?;
        anyhow::Ok(s.put_cscas(&records).await?)
    }
    .await)?;
    let mut line = format!(
        "imported {added} new CSCAs from {kind} {} ({} held already",
        path.display(),
        records.len() - added
    );
    if !passed_over.is_empty() {
        line.push_str(&format!(
            "; {} entries passed over, such as: {}",
            passed_over.len(),
            passed_over[0]
        ));
    }
    line.push(')');
    println!("{line}");
    Ok(())
}
