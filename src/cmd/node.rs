//! `bienphong node add|revoke|list` at headquarters, `bienphong node enrol` at a post, and what
//! `serve --role checkpoint` reads from the node's folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::CheckpointCode;
use serde::{Deserialize, Serialize};
use server::app::Acting;
use server::sync::link::{Credential, NodeLink};
use server::sync::service as sync;
use store::{AccountStore, SyncStore, WatchlistStore};

use crate::cmd::server::{SQLITE_FILE, StoreArgs, with_store};

/// The file in a node's folder that says whose node it is and how to reach headquarters.
pub const NODE_FILE: &str = "node.json";

/// A node's SQLite page cache per connection, KiB: a post's machine may have 1 GB, and the
/// watchlist's index needs most of it.
const NODE_CACHE_KIB: u32 = 16_384;

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// At headquarters: issue a one-time enrolment secret for a checkpoint's node (printed
    /// alone on the last line).
    Add(NodeArgs),
    /// At headquarters: the node's credential stops working at once.
    Revoke(NodeArgs),
    /// At headquarters: every node, its last contact and backlog.
    List(ListArgs),
    /// At a post: enrol this machine as the checkpoint's node, and bring down its first state.
    Enrol(EnrolArgs),
}

#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The checkpoint's code (`MONG-CAI`).
    #[arg(long)]
    pub checkpoint: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// Headquarters' address: `https://…`, or `http://…` where the link is already protected.
    #[arg(long)]
    pub hq: String,
    /// The secret `bienphong node add` printed at headquarters.
    #[arg(long)]
    pub secret: String,
    /// The node's folder: its database, its audit key and its credential.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The certificate authority (PEM) headquarters' HTTPS certificate is trusted under, where
    /// it is not a public one; kept in the folder for `serve`.
    #[arg(long, value_name = "FILE")]
    pub hq_ca: Option<PathBuf>,
}

/// The file in a node's folder holding the authority headquarters' certificate is trusted
/// under.
pub const HQ_CA_FILE: &str = "hq-ca.pem";

/// Reads a PEM file of one or more certificates.
fn read_ca(path: &Path) -> anyhow::Result<(Vec<u8>, server::sync::link::HqCa)> {
    let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let ca = server::sync::link::HqCa::from_pem(&pem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok((pem, ca))
}

/// A node's folder's `node.json`.
#[derive(Serialize, Deserialize)]
pub struct NodeFile {
    pub checkpoint: String,
    pub hq_url: String,
    pub credential: String,
}

impl std::fmt::Debug for NodeFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeFile")
            .field("checkpoint", &self.checkpoint)
            .field("hq_url", &self.hq_url)
            .finish_non_exhaustive()
    }
}

pub fn check_hq_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).with_context(
        || format!("{url:?}: headquarters' address begins with https:// or http://"),
    )?;
    if rest.is_empty() || rest.contains(char::is_whitespace) || url.len() > 300 {
        bail!("{url:?} is not an address");
    }
    Ok(url.to_string())
}

pub async fn run(command: NodeCommand) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    match command {
        NodeCommand::Add(args) => {
            let checkpoint = CheckpointCode::parse(&args.checkpoint)?;
            let backend = args.store.open(false).await?;
            let secret = with_store!(backend, |s| {
                crate::cmd::server::seed(&s).await?;
                sync::add_node(&s, &checkpoint, &Acting::system(), now).await
            })?;
            println!(
                "enrolment secret for the node of {checkpoint} (use it once, with `bienphong node enrol`):"
            );
            println!("{}", secret.expose());
        }
        NodeCommand::Revoke(args) => {
            let checkpoint = CheckpointCode::parse(&args.checkpoint)?;
            let backend = args.store.open(false).await?;
            let done = with_store!(backend, |s| sync::revoke_node(
                &s,
                &checkpoint,
                &Acting::system(),
                now
            )
            .await)?;
            if !done {
                bail!("checkpoint {checkpoint} has no node enrolled or waiting");
            }
            println!("revoked the node of {checkpoint}: its credential no longer works");
        }
        NodeCommand::List(args) => {
            let backend = args.store.open(false).await?;
            let nodes = with_store!(backend, |s| s.nodes().await)?;
            for n in nodes {
                let t = |t: Option<time::OffsetDateTime>| {
                    t.map(domain::bounds::rfc3339).unwrap_or_else(|| "-".into())
                };
                println!(
                    "{}\t{}\tlast contact {}\tbacklog {}\t{}",
                    n.checkpoint,
                    server::sync::api::node_state(&n),
                    t(n.last_contact),
                    n.backlog,
                    n.version.unwrap_or_default()
                );
            }
        }
        NodeCommand::Enrol(args) => enrol(args).await?,
    }
    Ok(())
}

async fn enrol(args: EnrolArgs) -> anyhow::Result<()> {
    let hq = check_hq_url(&args.hq)?;
    let file = args.data_dir.join(NODE_FILE);
    if let Ok(text) = std::fs::read_to_string(&file) {
        let held: NodeFile =
            serde_json::from_str(&text).with_context(|| format!("reading {}", file.display()))?;
        tracing::info!(checkpoint = %held.checkpoint, "enrolling again");
    }
    let ca = args.hq_ca.as_deref().map(read_ca).transpose()?;
    let enrolment = server::sync::link::enrol(&hq, &args.secret, ca.as_ref().map(|c| &c.1))
        .await
        .with_context(|| format!("enrolling at {hq}"))?;
    if let Some((pem, _)) = &ca {
        let path = args.data_dir.join(HQ_CA_FILE);
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("creating {}", args.data_dir.display()))?;
        std::fs::write(&path, pem).with_context(|| format!("writing {}", path.display()))?;
    }
    let (checkpoint, credential) = (enrolment.checkpoint, enrolment.credential);
    keep_audit_key(&args.data_dir, enrolment.audit_key.as_ref())?;
    let store_args = StoreArgs { data_dir: args.data_dir.clone(), database_url: None };
    let crate::cmd::server::Backend::Sqlite(store) = store_args.open(true).await? else {
        bail!("a node keeps its data in SQLite");
    };
    crate::cmd::server::seed(&store).await?;
    store
        .become_node(&checkpoint, &hq, time::OffsetDateTime::now_utc())
        .await
        .with_context(|| format!("making {} the node of {checkpoint}", args.data_dir.display()))?;
    let text = serde_json::to_string_pretty(&NodeFile {
        checkpoint: checkpoint.to_string(),
        hq_url: hq.clone(),
        credential: credential.expose().to_string(),
    })?;
    let _ = std::fs::remove_file(&file);
    crate::cmd::server::write_private(&file, &text)
        .with_context(|| format!("writing {}", file.display()))?;
    // The first state, so that the post works from its first start even without its link.
    let link = Arc::new(NodeLink::new(
        checkpoint.clone(),
        hq,
        credential,
        ca.as_ref().map(|c| &c.1),
        now(),
    )?);
    let options = server::Options { node: Some(link.clone()), ..Default::default() };
    let app = server::build(store.clone(), &options, server::system_clock()).await?;
    sync::pull(&app, &*link, &checkpoint).await.context("bringing down the first state")?;
    let accounts = store.accounts().await?.len();
    let entries = store.watch_entry_count().await?;
    println!(
        "enrolled {} as the node of {checkpoint}: {accounts} accounts, {entries} watchlist entries; \
         start it with `bienphong serve --role checkpoint --data-dir {}`",
        args.data_dir.display(),
        args.data_dir.display()
    );
    Ok(())
}

/// The node links its audit trail under the key headquarters derived for this enrolment, so
/// that headquarters can verify the chain (`bienphong audit verify --node CODE`). A folder
/// that already has a key keeps it: its trail was linked under it.
pub fn keep_audit_key(
    dir: &Path,
    key: Option<&server::sync::link::AuditKeyText>,
) -> anyhow::Result<()> {
    let path = dir.join(crate::cmd::server::AUDIT_KEY_FILE);
    let Some(key) = key else { return Ok(()) };
    if path.exists() {
        tracing::warn!(file = %path.display(), "keeping the audit key this folder has: headquarters cannot verify this node's trail");
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    crate::cmd::server::write_private(&path, &key.0)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The node a folder holds: its link to headquarters (`hq` overrides the address enrolled,
/// `hq_ca` the authority kept at enrolment).
pub async fn open_node(
    data_dir: &Path,
    hq: Option<&str>,
    hq_ca: Option<&Path>,
) -> anyhow::Result<(store::SqliteStore, Arc<NodeLink>)> {
    let file = data_dir.join(NODE_FILE);
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!("reading {}: enrol the node first with `bienphong node enrol`", file.display())
    })?;
    let held: NodeFile =
        serde_json::from_str(&text).with_context(|| format!("reading {}", file.display()))?;
    let checkpoint = CheckpointCode::parse(&held.checkpoint)?;
    let hq = check_hq_url(hq.unwrap_or(&held.hq_url))?;
    if !data_dir.join(SQLITE_FILE).exists() {
        bail!("{} has no database: enrol the node again", data_dir.display());
    }
    let key = crate::cmd::server::audit_key(data_dir, false)?;
    let path = data_dir.join(SQLITE_FILE);
    let store = store::SqliteStore::open_with_cache(&path, NODE_CACHE_KIB)
        .await
        .with_context(|| format!("opening {}", path.display()))?
        .with_audit_key(key);
    match store.node_self().await? {
        Some(me) if me.checkpoint == checkpoint => {}
        Some(me) => bail!(
            "{} is the node of {}, but its database says {}",
            file.display(),
            checkpoint,
            me.checkpoint
        ),
        None => bail!("{} is not a node's database: enrol it first", data_dir.display()),
    }
    let kept = data_dir.join(HQ_CA_FILE);
    let ca = match hq_ca {
        Some(path) => Some(read_ca(path)?.1),
        None if kept.exists() => Some(read_ca(&kept)?.1),
        None => None,
    };
    let link = NodeLink::new(checkpoint, hq, Credential::new(held.credential), ca.as_ref(), now())?;
    Ok((store, Arc::new(link)))
}
