//! The commands that touch stored data: `serve`, `migrate`, `user add`, `device add`,
//! `watchlist import`, `audit verify`. The backend is chosen here, once.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use domain::port::TaxCode;
use domain::{CheckpointCode, Country, DocumentNumber, Role, Sex, Username, WatchAction};
use server::accounts::credentials::{Password, Secret, hash_password};
use server::accounts::service as accounts;
use server::app::Acting;
use store::{
    AccountStore, AuditStore, NewUser, PgStore, SqliteStore, Store, WatchDob, WatchDocument,
    WatchEntry,
};

/// Where the data lives: a SQLite file under `--data-dir` unless `--database-url` names a
/// PostgreSQL database.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder of the embedded SQLite database.
    #[arg(long, env = "BIENPHONG_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead.
    #[arg(long, env = "BIENPHONG_DATABASE_URL")]
    pub database_url: Option<String>,
}

pub enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Runs `$body` with `$s` bound to the concrete store: one monomorphic path per backend.
macro_rules! with_store {
    ($backend:expr, |$s:ident| $body:expr) => {
        match $backend {
            $crate::cmd::server::Backend::Sqlite($s) => $body,
            $crate::cmd::server::Backend::Postgres($s) => $body,
        }
    };
}

pub(crate) use with_store;

pub const SQLITE_FILE: &str = "bienphong.db";

/// The file under `--data-dir` that holds the audit trail's key, unless
/// `BIENPHONG_AUDIT_KEY` gives it.
pub const AUDIT_KEY_FILE: &str = "audit.key";

/// The key the audit trail's links are made with: `BIENPHONG_AUDIT_KEY` (64 hexadecimal
/// digits; headquarters' servers share it), else `DIR/audit.key`, made on first use when
/// `create` is true. It lives outside the database, so that whoever can write the database
/// cannot rewrite the trail.
pub fn audit_key(data_dir: &Path, create: bool) -> anyhow::Result<store::AuditKey> {
    let from_hex = |text: &str, whence: &str| -> anyhow::Result<store::AuditKey> {
        let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() >= 32).with_context(|| {
            format!("{whence}: the audit key is at least 64 hexadecimal digits")
        })?;
        Ok(store::AuditKey::from_bytes(&bytes))
    };
    if let Ok(v) = std::env::var("BIENPHONG_AUDIT_KEY") {
        return from_hex(&v, "BIENPHONG_AUDIT_KEY");
    }
    let path = data_dir.join(AUDIT_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => from_hex(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            let secret = Secret::generate();
            let made = write_private(&path, secret.expose())
                .with_context(|| format!("writing the audit key to {}", path.display()))?;
            if !made {
                // Another command made it at the same moment: that one is the key.
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                return from_hex(&text, &path.display().to_string());
            }
            tracing::warn!(
                file = %path.display(),
                "made a new audit key: keep a copy apart from the database, and give every \
                 server of this database the same (BIENPHONG_AUDIT_KEY)"
            );
            from_hex(secret.expose(), &path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no audit key: set BIENPHONG_AUDIT_KEY or give the --data-dir that holds {AUDIT_KEY_FILE}"
        ),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes a file only its owner may read, whole or not at all: written beside under a name of
/// its own, then linked into place, which fails if the file is there already. False when
/// another process put it there first (two commands started at once on a fresh folder).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<bool> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    f.sync_all()?;
    let linked = std::fs::hard_link(&tmp, path);
    std::fs::remove_file(&tmp)?;
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

impl StoreArgs {
    /// Opens the store. SQLite is created and migrated on the spot; PostgreSQL is migrated by
    /// `bienphong migrate` (or when `migrate` is true). The audit key is made if missing.
    pub async fn open(&self, migrate: bool) -> anyhow::Result<Backend> {
        self.open_with(migrate, true).await
    }

    /// As [`StoreArgs::open`]; `create_key` false refuses to start without an audit key.
    pub async fn open_with(&self, migrate: bool, create_key: bool) -> anyhow::Result<Backend> {
        if let Some(url) = &self.database_url
            && !url.starts_with("postgres://")
            && !url.starts_with("postgresql://")
        {
            bail!("--database-url must be a postgres:// URL");
        }
        let key = audit_key(&self.data_dir, create_key)?;
        match &self.database_url {
            Some(url) => {
                let store = PgStore::connect(url)
                    .await
                    .with_context(|| format!("connecting to {}", redact(url)))?;
                if migrate {
                    store.migrate().await.context("migrating the PostgreSQL database")?;
                }
                Ok(Backend::Postgres(store.with_audit_key(key)))
            }
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating {}", self.data_dir.display()))?;
                let path = self.data_dir.join(SQLITE_FILE);
                let store = SqliteStore::open(&path)
                    .await
                    .with_context(|| format!("opening {}", path.display()))?;
                Ok(Backend::Sqlite(store.with_audit_key(key)))
            }
        }
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

pub async fn seed<S: Store>(store: &S) -> anyhow::Result<()> {
    let list = store::reference_checkpoints().context("reading the shipped checkpoints")?;
    store.seed_checkpoints(&list).await.context(
        "adding the checkpoints (if this is PostgreSQL, has `bienphong migrate` been run?)",
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NodeRole {
    /// Headquarters: the nationwide database.
    Hq,
    /// A checkpoint's own node.
    Checkpoint,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value = "hq")]
    pub role: NodeRole,
    /// For `--role checkpoint`: headquarters' address, other than the one enrolled.
    #[arg(long)]
    pub hq: Option<String>,
    /// For `--role checkpoint`: the certificate authority (PEM) headquarters' HTTPS certificate
    /// is trusted under, other than the one enrolled with.
    #[arg(long, value_name = "FILE")]
    pub hq_ca: Option<std::path::PathBuf>,
    /// Mark cookies `Secure` (when served behind TLS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// A procedure's processing deadline in minutes, other than the catalogue's
    /// (`--deadline vessel_entry=90`); may be given for several procedures.
    #[arg(long = "deadline", value_name = "PROCEDURE=MINUTES", value_parser = parse_deadline)]
    pub deadlines: Vec<(domain::port::ProcedureCode, time::Duration)>,
    /// A permit scanned again within this many seconds of its last movement is a double scan:
    /// answered, not recorded again (0 records every scan).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(0..=3600))]
    pub rescan_seconds: u32,
}

fn parse_deadline(s: &str) -> Result<(domain::port::ProcedureCode, time::Duration), String> {
    let (code, minutes) =
        s.split_once('=').ok_or_else(|| format!("{s:?}: write PROCEDURE=MINUTES"))?;
    let code = domain::port::ProcedureCode::parse(code).map_err(|e| e.to_string())?;
    let minutes: u32 = minutes
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=10_080).contains(m))
        .ok_or_else(|| format!("{minutes:?}: minutes from 1 to 10080"))?;
    Ok((code, time::Duration::minutes(i64::from(minutes))))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let rescan_window = time::Duration::seconds(i64::from(args.rescan_seconds));
    if matches!(args.role, NodeRole::Checkpoint) {
        if args.store.database_url.is_some() {
            bail!(
                "a checkpoint node keeps its data in SQLite under --data-dir, not --database-url"
            );
        }
        let (store, link) = crate::cmd::node::open_node(
            &args.store.data_dir,
            args.hq.as_deref(),
            args.hq_ca.as_deref(),
        )
        .await?;
        tracing::info!(checkpoint = %link.checkpoint, hq = %link.hq_url, "serving as a checkpoint node");
        // A node never holds a private key: permits are signed at headquarters.
        let options = server::Options {
            secure_cookies: args.secure_cookies,
            deadlines: args.deadlines,
            key_passphrase: None,
            rescan_window,
            node: Some(link),
            ..Default::default()
        };
        return run(store, args.listen, &options, |_| ()).await;
    }
    if args.hq.is_some() || args.hq_ca.is_some() {
        bail!("--hq and --hq-ca are for --role checkpoint");
    }
    let backend = args.store.open(false).await?;
    let key_passphrase = match std::env::var(server::permits::keys::PASSPHRASE_VAR) {
        Ok(v) if !v.is_empty() => {
            Some(std::sync::Arc::new(server::permits::keys::passphrase_from_env()?))
        }
        _ => None,
    };
    let options = server::Options {
        secure_cookies: args.secure_cookies,
        deadlines: args.deadlines,
        key_passphrase,
        rescan_window,
        ..Default::default()
    };
    with_store!(backend, |s| run(s, args.listen, &options, |_| ()).await)
}

/// The server on a free port of loopback, in this process, for the benchmarks: its address
/// once it listens, and its task to abort when the load is done.
pub async fn serve_here<S: Store>(
    store: S,
    options: server::Options,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<anyhow::Result<()>>)> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let serving = tokio::spawn(async move {
        run(store, SocketAddr::from(([127, 0, 0, 1], 0)), &options, move |addr| {
            let _ = tx.send(addr);
        })
        .await
    });
    let addr = rx.await.context("the server did not start")?;
    Ok((addr, serving))
}

/// Starts the server on `listen`; `ready` runs once it accepts connections.
pub async fn run<S: Store>(
    store: S,
    listen: SocketAddr,
    options: &server::Options,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    seed(&store).await?;
    let app = server::build(store, options, server::system_clock())
        .await
        .context("loading the checkpoints and the watchlist")?;
    match &options.key_passphrase {
        Some(p) => {
            if !app.open_keys(p).await.context("opening the permits' signing keys")? {
                tracing::warn!("no signing keys yet: run `bienphong keys init` to issue permits");
            }
        }
        None => {
            // Permits are still verified here, with the certificates and lists stored.
            app.refresh_keys().await.context("reading the permits' certificates")?;
            tracing::info!(
                "permits are not signed here: {} is not set",
                server::permits::keys::PASSPHRASE_VAR
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr().context("reading the listening address")?;
    tracing::info!(%addr, watchlist = app.watchlist().len(), "serving");
    ready(addr);
    server::serve(app, listener, options).await.context("serving")
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let backend = args.store.open(true).await?;
    with_store!(backend, |s| seed(&s).await)?;
    println!("database up to date");
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; its password is read from standard input.
    Add(UserAddArgs),
    /// Disable an account: it can no longer sign in, and its sessions and tokens stop at once.
    Disable(UserDisableArgs),
}

#[derive(Debug, Args)]
pub struct UserDisableArgs {
    #[arg(long)]
    pub username: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub username: String,
    /// admin, analyst, commander, officer or agent.
    #[arg(long)]
    pub role: String,
    /// The checkpoint of a commander or an officer (a code such as MONG-CAI).
    #[arg(long)]
    pub checkpoint: Option<String>,
    /// The tax code of an agent's shipping agency (registered already).
    #[arg(long)]
    pub agency: Option<String>,
    /// Read the password from standard input (its first line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    let args = match command {
        UserCommand::Add(args) => args,
        UserCommand::Disable(args) => return disable_user(args).await,
    };
    let username = Username::parse(&args.username)?;
    let role = Role::parse(&args.role)?;
    let checkpoint = args.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?;
    role.check_binding(checkpoint.as_ref())?;
    let tax_code = match (role, args.agency.as_deref()) {
        (Role::Agent, Some(t)) => Some(TaxCode::parse(t)?),
        (Role::Agent, None) => {
            bail!("an agent works for one shipping agency: give --agency TAX_CODE")
        }
        (_, Some(_)) => bail!("only an agent works for an agency; drop --agency"),
        (_, None) => None,
    };
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from standard input")?;
    let password = Password::new(input.lines().next().unwrap_or("").to_string());
    let password_hash = hash_password(&password)?;
    let backend = args.store.open(false).await?;
    let mut user =
        NewUser { username: username.clone(), role, checkpoint, agency: None, password_hash };
    let id = with_store!(backend, |s| async {
        if let Some(tax) = &tax_code {
            user.agency = Some(open_agency(&s, tax).await?);
        }
        add_user(&s, &user).await
    }
    .await)?;
    println!("added {role} {username} (id {id})");
    Ok(())
}

/// The id of the open agency with this tax code.
async fn open_agency<S: Store>(store: &S, tax: &TaxCode) -> anyhow::Result<i64> {
    seed(store).await?;
    match store.agency_by_tax_code(tax).await? {
        None => bail!("no agency with tax code {tax} is registered"),
        Some(a) if a.closed_at.is_some() => bail!("the agency with tax code {tax} is closed"),
        Some(a) => Ok(a.id),
    }
}

pub async fn add_user<S: Store>(store: &S, user: &NewUser) -> anyhow::Result<i64> {
    seed(store).await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(accounts::add_user(store, &Acting::system(), user, now).await?)
}

async fn disable_user(args: UserDisableArgs) -> anyhow::Result<()> {
    let username = Username::parse(&args.username)?;
    let backend = args.store.open(false).await?;
    let now = time::OffsetDateTime::now_utc();
    with_store!(backend, |s| accounts::disable_user(&s, &Acting::system(), &username, now).await)?;
    println!("disabled {username}: its sessions and tokens no longer work");
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Register a device at a checkpoint and print its token (shown once).
    Add(DeviceAddArgs),
    /// A new token for a device in service (the old ones keep working until they expire or
    /// the device is revoked); printed once.
    Token(DeviceTokenArgs),
    /// Revoke a device: its tokens stop working at once.
    Revoke(DeviceIdArgs),
    /// The devices, one line each: id, checkpoint, name, and when revoked.
    List(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct DeviceAddArgs {
    #[arg(long)]
    pub checkpoint: String,
    #[arg(long)]
    pub name: String,
    /// How many days the token works (1 to 730).
    #[arg(long, default_value_t = server::DEVICE_TOKEN_DAYS)]
    pub days: i64,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct DeviceTokenArgs {
    #[arg(long)]
    pub id: i64,
    /// How many days the token works (1 to 730).
    #[arg(long, default_value_t = server::DEVICE_TOKEN_DAYS)]
    pub days: i64,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct DeviceIdArgs {
    #[arg(long)]
    pub id: i64,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn device(command: DeviceCommand) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    match command {
        DeviceCommand::Add(args) => {
            let checkpoint = CheckpointCode::parse(&args.checkpoint)?;
            let name = accounts::device_name(&args.name)?;
            let days = accounts::token_days(args.days)?;
            let backend = args.store.open(false).await?;
            let secret = with_store!(backend, |s| add_device(&s, &checkpoint, &name, days).await)?;
            println!("{}", secret.expose());
        }
        DeviceCommand::Token(args) => {
            let days = accounts::token_days(args.days)?;
            let backend = args.store.open(false).await?;
            let (secret, _) = with_store!(backend, |s| accounts::renew_device(
                &s,
                &Acting::system(),
                args.id,
                days,
                now
            )
            .await)?;
            println!("{}", secret.expose());
        }
        DeviceCommand::Revoke(args) => {
            let backend = args.store.open(false).await?;
            with_store!(backend, |s| accounts::revoke_device(&s, &Acting::system(), args.id, now)
                .await)?;
            println!("revoked device {}: its tokens no longer work", args.id);
        }
        DeviceCommand::List(args) => {
            let backend = args.store.open(false).await?;
            let list = with_store!(backend, |s| s.devices().await)?;
            for d in list {
                let revoked = d.revoked_at.map(domain::bounds::rfc3339).unwrap_or_default();
                println!("{}\t{}\t{}\t{revoked}", d.id, d.checkpoint, d.name);
            }
        }
    }
    Ok(())
}

pub async fn add_device<S: Store>(
    store: &S,
    checkpoint: &CheckpointCode,
    name: &str,
    days: time::Duration,
) -> anyhow::Result<Secret> {
    seed(store).await?;
    let now = time::OffsetDateTime::now_utc();
    let (_, secret, _) =
        accounts::add_device(store, &Acting::system(), checkpoint, name, days, now).await?;
    Ok(secret)
}

#[derive(Debug, Subcommand)]
pub enum WatchlistCommand {
    /// Import a watchlist file (the `screen` command's CSV); entries with a known id are replaced.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// What a hit on the imported entries does: deny, refer or notify.
    #[arg(long, default_value = "refer")]
    pub action: String,
    /// Why these people are listed.
    #[arg(long, default_value = "")]
    pub reason: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// A row of the screening CSV as a stored entry.
pub fn entry_from_row(
    e: screen::Entry,
    action: WatchAction,
    reason: &str,
) -> anyhow::Result<WatchEntry> {
    let nationality =
        e.nationality.map(|c| Country::parse(&format!("{:<<3}", c.as_str()))).transpose()?;
    Ok(WatchEntry {
        documents: e
            .document_number
            .map(|n| -> anyhow::Result<_> {
                Ok(WatchDocument {
                    issuing_state: nationality,
                    number: DocumentNumber::parse(n.as_str())?,
                })
            })
            .transpose()?
            .into_iter()
            .collect(),
        id: e.id,
        name: e.name,
        aliases: e.aliases,
        birth_date: e.dob.map(|d| match d {
            screen::Dob::Full(d) => WatchDob::Date(d),
            screen::Dob::Month { year, month } => WatchDob::Month { year, month },
            screen::Dob::Year(y) => WatchDob::Year(y),
        }),
        nationality,
        sex: e.sex.map(|s| match s {
            screen::Sex::Male => Sex::Male,
            screen::Sex::Female => Sex::Female,
        }),
        action,
        reason: reason.to_string(),
        valid_until: None,
    })
}

pub async fn watchlist(command: WatchlistCommand) -> anyhow::Result<()> {
    let WatchlistCommand::Import(args) = command;
    let action = WatchAction::parse(&args.action)?;
    let entries = read_watchlist(&args.file, action, &args.reason)?;
    let backend = args.store.open(false).await?;
    let n = with_store!(backend, |s| import(&s, &entries, true).await)?;
    println!("imported {n} entries from {}", args.file.display());
    Ok(())
}

pub fn read_watchlist(
    path: &Path,
    action: WatchAction,
    reason: &str,
) -> anyhow::Result<Vec<WatchEntry>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let rows = bienphong::watchlist_csv::read(std::io::BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("reading {}", path.display()))?;
    rows.into_iter()
        .map(|(line, e)| {
            entry_from_row(e, action, reason)
                .with_context(|| format!("reading {}: line {line}", path.display()))
        })
        .collect()
}

/// Stores entries in transactions of a few thousand, with a progress bar on a terminal.
pub async fn import<S: Store>(
    store: &S,
    entries: &[WatchEntry],
    progress: bool,
) -> anyhow::Result<usize> {
    seed(store).await?;
    let bar = if progress {
        indicatif::ProgressBar::new(entries.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} entries ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let now = time::OffsetDateTime::now_utc();
    for chunk in entries.chunks(5_000) {
        store
            .put_watch_entries(chunk, "system:import", now)
            .await
            .context("storing the entries")?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    store
        .append_audit(
            &store::AuditEvent {
                actor: "system".into(),
                ip: None,
                action: store::AuditAction::WatchlistImport,
                subject: "watchlist".into(),
                detail: serde_json::json!({"entries": entries.len()}).to_string(),
            },
            now,
        )
        .await?;
    Ok(entries.len())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit trail to its head and report the first broken link.
    Verify(AuditVerifyArgs),
    /// Print where the trail stands (its last record's number and link), to keep in a second
    /// place: `audit verify --anchor FILE` then proves the trail was neither cut nor rewritten
    /// up to it.
    Anchor(AuditAnchorArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// An anchor written by `audit anchor`, kept apart from the database.
    #[arg(long)]
    pub anchor: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// At headquarters: verify the trail a checkpoint's node sent up (its latest enrolment)
    /// instead of headquarters' own.
    #[arg(long, value_name = "CHECKPOINT")]
    pub node: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuditAnchorArgs {
    /// Also write the anchor to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(args) => {
            let kept: Option<store::AuditAnchor> = match &args.anchor {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    Some(serde_json::from_str(&text).with_context(|| {
                        format!("{}: not an anchor written by `audit anchor`", path.display())
                    })?)
                }
                None => None,
            };
            // Verifying must not make a key: without the server's, every link would fail.
            let backend = args.store.open_with(false, false).await?;
            if let Some(code) = &args.node {
                let checkpoint = CheckpointCode::parse(code)?;
                let result = with_store!(backend, |s| async {
                    use store::SyncStore;
                    let nodes = s.nodes().await?;
                    let Some(node) = nodes.iter().find(|n| n.checkpoint == checkpoint) else {
                        bail!("checkpoint {checkpoint} has no node");
                    };
                    let enrolment = server::sync::service::enrolment(node);
                    Ok(store::verify_node_audit(&s, &checkpoint, enrolment).await?)
                }
                .await)?;
                return match result {
                    Ok(n) => {
                        println!("audit trail of the node of {checkpoint} intact: {n} records");
                        Ok(())
                    }
                    Err(broken) => bail!(
                        "the node of {checkpoint}: audit trail broken at record {}: {}",
                        broken.seq,
                        broken.reason
                    ),
                };
            }
            let result = with_store!(backend, |s| async {
                match &kept {
                    Some(a) => store::verify_audit_against(&s, a).await,
                    None => store::verify_audit(&s).await,
                }
            }
            .await)?;
            match result {
                Ok(n) => {
                    println!("audit trail intact: {n} records");
                    Ok(())
                }
                Err(broken) => {
                    bail!("audit trail broken at record {}: {}", broken.seq, broken.reason)
                }
            }
        }
        AuditCommand::Anchor(args) => {
            let backend = args.store.open_with(false, false).await?;
            let anchor = with_store!(backend, |s| s.audit_anchor().await)?;
            let text = serde_json::to_string(&anchor)?;
            if let Some(path) = &args.out {
                std::fs::write(path, format!("{text}\n"))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!("{text}");
            Ok(())
        }
    }
}
