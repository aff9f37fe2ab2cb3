//! `bienphong csca import FILE` and `bienphong csca list`: the Country Signing CAs e-passports'
//! signers are checked under, held at headquarters (and brought down to the nodes with the rest
//! of the trust).

use std::path::PathBuf;

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
    /// or more). Prints how many were new.
    Import(ImportArgs),
    /// Every CSCA held: country, last day of validity, fingerprint, subject.
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
            Ok(())
        }
    }
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
    let path = &args.file;
    let size =
        std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if size > FILE_MAX {
        bail!("{}: {size} bytes, more than a master list can be", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (certs, kind) = certificates(&bytes).with_context(|| path.display().to_string())?;
    let now = OffsetDateTime::now_utc();
    let source: String = path
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(200).collect())
        .unwrap_or_default();
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
    let backend = args.store.open(false).await?;
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
