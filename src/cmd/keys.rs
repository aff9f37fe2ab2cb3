//! `bienphong keys init|rotate` and `bienphong trust export`: the barcode signing keys, and
//! what an offline verifier needs. The passphrase comes from `BIENPHONG_KEY_PASSPHRASE`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::CheckpointCode;
use server::permits::keys;

use crate::cmd::server::{StoreArgs, seed, with_store};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the root and a barcode signer for every checkpoint (only what is missing).
    Init(KeysInitArgs),
    /// Replace a checkpoint's signer; permits it signed stay valid.
    Rotate(KeysRotateArgs),
}

#[derive(Debug, Args)]
pub struct KeysInitArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    #[arg(long)]
    pub checkpoint: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Write the certificates and the current revocation lists to a folder.
    Export(TrustExportArgs),
}

#[derive(Debug, Args)]
pub struct TrustExportArgs {
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(command: KeysCommand) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    match command {
        KeysCommand::Init(args) => {
            let passphrase = keys::passphrase_from_env()?;
            let backend = args.store.open(false).await?;
            let report = with_store!(backend, |s| async {
                seed(&s).await?;
                anyhow::Ok(keys::init(&s, &passphrase, now).await?)
            }
            .await)?;
            println!(
                "root {}; {} signers made, {} there already",
                if report.root_created { "made" } else { "there already" },
                report.signers_created,
                report.signers_existing
            );
        }
        KeysCommand::Rotate(args) => {
            let checkpoint = CheckpointCode::parse(&args.checkpoint)?;
            let passphrase = keys::passphrase_from_env()?;
            let backend = args.store.open(false).await?;
            let reference =
                with_store!(backend, |s| keys::rotate(&s, &passphrase, &checkpoint, now).await)?;
            println!("{checkpoint} signs with {reference} from now on");
        }
    }
    Ok(())
}

pub async fn trust(command: TrustCommand) -> anyhow::Result<()> {
    let TrustCommand::Export(args) = command;
    std::fs::create_dir_all(&args.out).with_context(|| format!("making {}", args.out.display()))?;
    let backend = args.store.open(false).await?;
    let n = with_store!(backend, |s| keys::export(&s, &args.out).await)?;
    println!("{n} certificates and the revocation lists written to {}", args.out.display());
    Ok(())
}
