//! `bienphong demo`: a fresh SQLite file with realistic data — the checkpoints, an account of
//! each role, 50,000 travellers with their documents, a week of crossings, a watchlist of over
//! 10,000 people (some of them among the travellers) — and the server on top.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use domain::{
    Channel, CheckpointCode, Country, Decision, Direction, DocumentNumber, DocumentType, Role, Sex,
    TravelDocument, Username, WatchAction,
};
use screen::eval::{Culture, Generator, Person, Rng};
use server::accounts::credentials::{Password, hash_password};
use store::SyncStore;
use store::{
    ControlStore, NewAlert, NewCrossing, NewUser, SqliteStore, WatchEntry, WatchlistStore,
};
use time::{Duration, OffsetDateTime};

use crate::cmd::server::{add_device, entry_from_row, seed};

/// A line of what the demo says on its standard output. A reader that has gone (the demo piped
/// into `head`) must not stop the demo: the line is dropped instead.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[arg(long, env = "BIENPHONG_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// How many travellers to make.
    #[arg(long, default_value_t = 50_000)]
    pub travellers: usize,
    /// How many people on the watchlist (besides the travellers put on it).
    #[arg(long, default_value_t = 10_000)]
    pub watchlist: usize,
    /// Also start a node for this checkpoint (`MONG-CAI`), enrolled at the demo's headquarters
    /// and served on the next port, to cut its link and watch the backlog grow and drain.
    #[arg(long, value_name = "CHECKPOINT")]
    pub with_node: Option<String>,
}

/// The demo database: a file of its own, so that `demo` never touches `serve`'s data.
const DEMO_FILE: &str = "demo.db";
const SEED: u64 = 20_261_125;
/// The demo's simulated gates: a traveller every five seconds, all four together.
const DEMO_GATE_RATE: f64 = 0.2;

struct Account {
    username: &'static str,
    role: Role,
    checkpoint: Option<&'static str>,
    password: &'static str,
}

const ACCOUNTS: &[Account] = &[
    Account { username: "admin", role: Role::Admin, checkpoint: None, password: "admin-demo-2026" },
    Account {
        username: "analyst",
        role: Role::Analyst,
        checkpoint: None,
        password: "analyst-demo-2026",
    },
    Account {
        username: "commander.mongcai",
        role: Role::Commander,
        checkpoint: Some("MONG-CAI"),
        password: "commander-demo-2026",
    },
    Account {
        username: "officer.mongcai",
        role: Role::Officer,
        checkpoint: Some("MONG-CAI"),
        password: "officer-demo-2026",
    },
    Account {
        username: "officer.haiphong",
        role: Role::Officer,
        checkpoint: Some("CANG-HAI-PHONG"),
        password: "officer-demo-2026",
    },
    Account {
        username: "commander.haiphong",
        role: Role::Commander,
        checkpoint: Some("CANG-HAI-PHONG"),
        password: "commander-demo-2026",
    },
    Account {
        username: "agent.vosco",
        role: Role::Agent,
        checkpoint: None,
        password: "agent-demo-2026",
    },
];

/// A traveller of the demo: a person and their document.
pub(crate) struct Traveller {
    pub(crate) person: Person,
    pub(crate) document: TravelDocument,
    pub(crate) mrz: String,
}

fn country(c: &str) -> Country {
    Country::parse(&format!("{c:<<3}")).unwrap_or(Country::VNM)
}

pub(crate) fn traveller(
    g: &mut Generator,
    rng: &mut Rng,
    i: usize,
    today: time::Date,
) -> anyhow::Result<Traveller> {
    let person = g.person();
    let nationality = country(person.nationality.as_str());
    // Passport numbers as the issuing states print them: a letter and seven or eight digits.
    let letter = (b'A' + (rng.below(20) as u8)) as char;
    let number = format!("{letter}{:07}", (i * 7919 + rng.below(1000)) % 10_000_000);
    // Most documents are valid; one in a hundred has just expired.
    let expiry = if rng.chance(0.01) {
        today - Duration::days(1 + rng.below(60) as i64)
    } else {
        today + Duration::days(30 + rng.below(3650) as i64)
    };
    let sex = match person.sex {
        screen::Sex::Male => Sex::Male,
        screen::Sex::Female => Sex::Female,
    };
    let family = person.family.join(" ");
    let given: Vec<&str> = person
        .middle
        .iter()
        .filter(|_| person.culture != Culture::Russian)
        .chain(&person.given)
        .map(String::as_str)
        .collect();
    let mrz_date = |d: time::Date| {
        u16::try_from(d.year()).ok().and_then(|y| mrz::Date::new(y, u8::from(d.month()), d.day()))
    };
    let fields = mrz::Fields {
        format: mrz::Format::Td3,
        document_code: "P".into(),
        issuing_state: nationality.as_str().into(),
        surname: family.clone(),
        given_names: given.join(" "),
        document_number: number.clone(),
        nationality: nationality.as_str().into(),
        birth_date: mrz_date(person.dob),
        sex: if sex == Sex::Male { mrz::Sex::Male } else { mrz::Sex::Female },
        expiry_date: mrz_date(expiry),
        optional_data: String::new(),
        optional_data_2: String::new(),
    };
    let mrz = mrz::build(&fields).unwrap_or_default();
    // The document as the desk reads it: the MRZ's own transliterated name.
    let parsed = mrz_date(today).and_then(|d| mrz::parse(&mrz, d).ok());
    let (surname, given_names) = parsed
        .map(|m| (m.surname, m.given_names))
        .unwrap_or_else(|| (screen::normalize::tokens(&family).join(" "), given.join(" ")));
    let document = TravelDocument {
        doc_type: DocumentType::Passport,
        number: DocumentNumber::parse(&number)?,
        issuing_state: nationality,
        surname,
        given_names,
        nationality: Some(nationality),
        birth_date: Some(person.dob),
        sex: Some(sex),
        expiry_date: Some(expiry),
        issuing_area: None,
    };
    Ok(Traveller { person, document, mrz })
}

/// Where a traveller of this culture crosses: the border of their country, or a port.
pub(crate) fn checkpoints_for(culture: Culture) -> &'static [&'static str] {
    match culture {
        Culture::Chinese => &["MONG-CAI", "HUU-NGHI", "LAO-CAI", "TA-LUNG", "THANH-THUY"],
        Culture::Lao | Culture::Thai => &["LAO-BAO", "CAU-TREO", "NAM-CAN", "TAY-TRANG", "BO-Y"],
        Culture::Khmer => &["MOC-BAI", "XA-MAT", "TINH-BIEN", "VINH-XUONG", "HA-TIEN", "LE-THANH"],
        Culture::Vietnamese => &[
            "MONG-CAI",
            "HUU-NGHI",
            "LAO-CAI",
            "LAO-BAO",
            "CAU-TREO",
            "MOC-BAI",
            "TINH-BIEN",
            "CANG-HAI-PHONG",
            "CANG-SAI-GON",
            "CANG-DA-NANG",
        ],
        Culture::Korean
        | Culture::Russian
        | Culture::Western
        | Culture::German
        | Culture::French => {
            &["CANG-HAI-PHONG", "CANG-SAI-GON", "CANG-DA-NANG", "CANG-VUNG-TAU", "MONG-CAI"]
        }
    }
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let path = args.data_dir.join(DEMO_FILE);
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("opening {}", path.display()))?
        .with_audit_key(crate::cmd::server::audit_key(&args.data_dir, true)?);
    seed(&store).await?;
    let now = OffsetDateTime::now_utc();
    let today = domain::bounds::vietnam_date(now);

    // Accounts: hashing is deliberately slow, so it runs beside the rest.
    let hashing = tokio::task::spawn_blocking(|| {
        ACCOUNTS
            .iter()
            .map(|a| hash_password(&Password::new(a.password.into())).map(|h| (a, h)))
            .collect::<Result<Vec<_>, _>>()
    });

    let mut g = Generator::new(SEED);
    let mut rng = Rng::new(SEED ^ 0x5eed);
    let travellers: Vec<Traveller> = (0..args.travellers)
        .map(|i| traveller(&mut g, &mut rng, i, today))
        .collect::<anyhow::Result<_>>()?;

    // A week of crossings: most travellers go out and some come back, in the daytime mostly.
    let mut crossings = Vec::new();
    let midnight_vn = now.to_offset(domain::bounds::VIETNAM).replace_time(time::Time::MIDNIGHT);
    for (i, t) in travellers.iter().enumerate() {
        let places = checkpoints_for(t.person.culture);
        let vietnamese = t.person.culture == Culture::Vietnamese;
        let mut times: Vec<OffsetDateTime> = (0..1 + rng.below(3))
            .map(|_| {
                let day = rng.below(8) as i64;
                let minute = (6 * 60 + rng.below(16 * 60)) as i64;
                (midnight_vn - Duration::days(day) + Duration::minutes(minute))
                    .to_offset(time::UtcOffset::UTC)
            })
            .filter(|at| *at < now)
            .collect();
        times.sort();
        times.dedup();
        for (k, at) in times.into_iter().enumerate() {
            // Vietnamese leave first; foreigners arrive first.
            let out = (k % 2 == 0) == vietnamese;
            let channel = if rng.chance(0.3) { Channel::Egate } else { Channel::Manual };
            crossings.push(NewCrossing {
                id: uuid_from(&mut rng),
                document: t.document.clone(),
                name_key: server::control::service::name_key(
                    &t.document.surname,
                    &t.document.given_names,
                ),
                checkpoint: CheckpointCode::parse(places[rng.below(places.len())])?,
                direction: if out { Direction::Exit } else { Direction::Entry },
                channel,
                at,
                decision: if rng.chance(0.02) { Decision::Refer } else { Decision::Clear },
                client_decision: None,
                outcome: domain::CrossingOutcome::Crossed,
                stamped: false,
                alerts: Vec::new(),
                screened: true,
                actor: if channel == Channel::Egate {
                    "device:1".into()
                } else {
                    "user:officer.mongcai".into()
                },
                body_hash: format!("demo-{i}-{k}"),
            });
        }
    }
    let system = store::RecordedBy { actor: "system:demo".into(), ip: None };
    for chunk in crossings.chunks(2_000) {
        store.record_crossings(chunk, &system, now).await.context("storing the demo crossings")?;
    }

    // The watchlist: generated people, and one traveller in two hundred.
    let mut entries: Vec<WatchEntry> = Vec::with_capacity(args.watchlist + travellers.len() / 200);
    let actions = [
        WatchAction::Refer,
        WatchAction::Refer,
        WatchAction::Refer,
        WatchAction::Deny,
        WatchAction::Notify,
    ];
    let reasons = [
        "nghi buôn lậu qua biên giới",
        "đối tượng truy nã",
        "đang bị tạm hoãn xuất cảnh",
        "theo dõi theo yêu cầu của cơ quan điều tra",
    ];
    for i in 0..args.watchlist {
        let p = g.person();
        let e = g.entry(format!("W{:06}", i + 1), &p);
        let action = actions[rng.below(actions.len())];
        entries.push(entry_from_row(e, action, reasons[rng.below(reasons.len())])?);
    }
    let mut listed = Vec::new();
    for (k, t) in travellers.iter().enumerate().filter(|(i, _)| i % 200 == 7) {
        let e = g.entry(format!("WT{:05}", k), &t.person);
        let action = actions[rng.below(actions.len())];
        entries.push(entry_from_row(e, action, reasons[rng.below(reasons.len())])?);
        listed.push(k);
    }
    crate::cmd::server::import(&store, &entries, false).await?;

    // A few open alerts for the commander, as the desk would have raised them.
    for &k in listed
        .iter()
        .filter(|k| checkpoints_for(travellers[**k].person.culture).contains(&"MONG-CAI"))
        .take(12)
    {
        let t = &travellers[k];
        if let Some(rec) = store.traveller(t.document.issuing_state, &t.document.number).await? {
            let alert = NewAlert {
                entry_id: format!("WT{k:05}"),
                traveller_id: rec.id,
                checkpoint: CheckpointCode::parse("MONG-CAI")?,
                score: 0.9,
                crossing_at: None,
            };
            store.raise_alert(&alert, now).await?;
        }
    }

    let hashed = hashing.await.context("hashing the demo passwords")??;
    let mut dossiers = 0;
    for (a, hash) in hashed {
        let user = NewUser {
            username: Username::parse(a.username)?,
            role: a.role,
            checkpoint: a.checkpoint.map(CheckpointCode::parse).transpose()?,
            agency: None,
            password_hash: hash,
        };
        if a.role == Role::Agent {
            dossiers = crate::cmd::demo_port::seed(&store, &user, now, today).await?;
        } else {
            crate::cmd::server::add_user(&store, &user).await?;
        }
    }
    let gate = add_device(
        &store,
        &CheckpointCode::parse("MONG-CAI")?,
        "Cổng tự động 1 / e-gate 1",
        time::Duration::days(server::DEVICE_TOKEN_DAYS),
    )
    .await?;
    // Gates at Móng Cái in the background, gently, so that the gate board lives and referrals
    // reach the desk: the simulator's test CSCAs trusted, watchlisted people among its travellers.
    crate::cmd::egate::trust_simulator(&store).await?;
    let simulated = add_device(
        &store,
        &CheckpointCode::parse("MONG-CAI")?,
        "Cổng tự động (mô phỏng) / simulated e-gates",
        time::Duration::days(server::DEVICE_TOKEN_DAYS),
    )
    .await?;
    let listed_people = crate::cmd::egate::listed_people(&store).await?;

    let sample = |t: Option<&Traveller>| t.map(|t| t.mrz.replace('\n', " / "));
    let samples = [
        (
            "clear",
            sample(
                travellers
                    .iter()
                    .enumerate()
                    .find(|(i, t)| !listed.contains(i) && t.document.expiry_date > Some(today))
                    .map(|x| x.1),
            ),
        ),
        ("watchlist", sample(listed.first().map(|&k| &travellers[k]))),
        ("expired", sample(travellers.iter().find(|t| t.document.expiry_date < Some(today)))),
    ];
    // The demo's keys are locked under a passphrase printed nowhere but here: it is a demo.
    let passphrase = std::sync::Arc::new(
        seal::locked::Passphrase::new(DEMO_KEY_PASSPHRASE.into()).context("the demo passphrase")?,
    );
    server::permits::keys::init(&store, &passphrase, now)
        .await
        .context("making the demo's signing keys")?;
    let permit_sample = demo_permits(&store, &passphrase, now, today).await?;
    let counts = (travellers.len(), crossings.len(), entries.len());
    let elapsed = started.elapsed();
    let options = server::Options { key_passphrase: Some(passphrase), ..Default::default() };
    let with_node = args
        .with_node
        .as_deref()
        .map(|c| CheckpointCode::parse(c).context("--with-node"))
        .transpose()?
        .map(|cp| (cp, args.data_dir.clone(), store.clone()));
    let gates_token = simulated.expose().to_string();
    crate::cmd::server::run(store, args.listen, &options, move |addr| {
        let sim = crate::cmd::egate::Config {
            url: format!("http://{addr}"),
            token: gates_token,
            gates: 4,
            rate: DEMO_GATE_RATE,
            duration: None,
            seed: SEED,
            listed: listed_people,
            quiet: true,
        };
        tokio::spawn(async move {
            if let Err(e) = crate::cmd::egate::run_sim(sim).await {
                eprintln!("bienphong demo: the simulated gates stopped: {e:#}");
            }
        });
        if let Some((cp, dir, hq)) = with_node {
            tokio::spawn(async move {
                if let Err(e) = start_node(hq, cp, addr, &dir).await {
                    eprintln!("bienphong demo: the node did not start: {e:#}");
                }
            });
        }
        say!("bienphong demo: http://{addr}/ (ready in {:.1} s)", elapsed.as_secs_f64());
        say!("data: {} (made afresh on every start)", path.display());
        say!(
            "{} travellers, {} crossings over the last week, {} watchlist entries, \
             {dossiers} vessel dossiers of the agency {} (agent.vosco)",
            counts.0,
            counts.1,
            counts.2,
            crate::cmd::demo_port::DEMO_TAX_CODE,
        );
        say!("accounts (user name / password / role / checkpoint):");
        for a in ACCOUNTS {
            say!(
                "  {:<18} {:<20} {:<9} {}",
                a.username,
                a.password,
                a.role,
                a.checkpoint.unwrap_or("-")
            );
        }
        say!("e-gate token at MONG-CAI: {}", gate.expose());
        say!(
            "4 simulated e-gates at MONG-CAI, a traveller every {:.0} s: the gate board at /gates \
             (commander.mongcai), referrals at the desk (officer.mongcai)",
            1.0 / DEMO_GATE_RATE
        );
        say!("a permit to try at /scan as officer.haiphong (paste it, then Enter):");
        say!("  {permit_sample}");
        say!("documents to try at the desk:");
        for (what, mrz) in samples {
            if let Some(mrz) = mrz {
                say!("  {what}: {mrz}");
            }
        }
    })
    .await
}

/// The demo's node: enrolled at the demo's headquarters with a fresh secret, on a fresh
/// database under `DIR/node-CODE`, served on the port after headquarters'.
async fn start_node(
    hq: SqliteStore,
    cp: CheckpointCode,
    hq_addr: std::net::SocketAddr,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let secret =
        server::sync::service::add_node(&hq, &cp, &server::app::Acting::system(), now).await?;
    let url = format!("http://{hq_addr}");
    let enrolment = server::sync::link::enrol(&url, secret.expose(), None).await?;
    let (checkpoint, credential) = (enrolment.checkpoint, enrolment.credential);
    let node_dir = dir.join(format!("node-{checkpoint}"));
    if node_dir.exists() {
        std::fs::remove_dir_all(&node_dir)
            .with_context(|| format!("removing {}", node_dir.display()))?;
    }
    crate::cmd::node::keep_audit_key(&node_dir, enrolment.audit_key.as_ref())?;
    let store = SqliteStore::open(&node_dir.join(crate::cmd::server::SQLITE_FILE))
        .await?
        .with_audit_key(crate::cmd::server::audit_key(&node_dir, true)?);
    seed(&store).await?;
    store.become_node(&checkpoint, &url, now).await?;
    let link = std::sync::Arc::new(server::sync::link::NodeLink::new(
        checkpoint.clone(),
        url,
        credential,
        None,
        now,
    )?);
    server::sync::service::pull(
        &server::build(store.clone(), &server::Options::default(), server::system_clock()).await?,
        &*link,
        &checkpoint,
    )
    .await?;
    let listen = std::net::SocketAddr::new(hq_addr.ip(), hq_addr.port().wrapping_add(1));
    let options = server::Options { node: Some(link), ..Default::default() };
    crate::cmd::server::run(store, listen, &options, move |addr| {
        say!("node of {checkpoint}: http://{addr}/ (its accounts sign in there too)");
        say!(
            "  cut its link as its commander: POST http://{addr}/api/v1/admin/link {{\"up\": false}}, \
             then record crossings there and watch GET http://{addr}/healthz and /nodes at headquarters"
        );
    })
    .await
}

/// A few permits, signed as the server signs them: an embarkation permit at Hải Phòng and a
/// border pass at Móng Cái. Returns the first one's seal in base64, to try at the scan page.
async fn demo_permits(
    store: &SqliteStore,
    passphrase: &seal::locked::Passphrase,
    now: OffsetDateTime,
    today: time::Date,
) -> anyhow::Result<String> {
    use base64::Engine as _;
    use domain::permit::PermitKind;
    use store::PermitStore;
    use store::permit::{Holder, NewPermit};
    let keyring = server::permits::keys::unlock(store, passphrase).await?;
    let people = [
        (PermitKind::Embarkation, "CANG-HAI-PHONG", "Trần", "Văn Hùng", "C2345678", 90),
        (PermitKind::Embarkation, "CANG-HAI-PHONG", "Phạm", "Thị Lan", "C3456789", 365),
        (PermitKind::BorderPass, "MONG-CAI", "Lý", "Thị Hoa", "C4567890", 180),
    ];
    let mut permits = Vec::new();
    for (i, (kind, cp, family, given, number, days)) in people.into_iter().enumerate() {
        let checkpoint = CheckpointCode::parse(cp)?;
        let signer = keyring.signer(&checkpoint)?;
        let holder = Holder {
            family_name: family.into(),
            given_names: given.into(),
            nationality: Country::parse("VNM")?,
            birth_date: time::Date::from_calendar_date(1980 + i as i32 * 4, time::Month::May, 19)?,
            document_number: domain::DocumentNumber::parse(number)?,
        };
        let serial = seal::pki::random_serial(6)?;
        let data = seal::profile::PermitData {
            kind,
            serial: serial.clone(),
            name_mrz: mrz::name_field(family, given, 39)?.trim_end_matches('<').to_string(),
            name: format!("{family} {given}"),
            document_number: number.into(),
            nationality: "VNM".into(),
            birth_date: holder.birth_date,
            vessel_imo: None,
            checkpoint: cp.into(),
            valid_from: today,
            valid_until: today + Duration::days(days - 1),
        };
        let sealed = seal::profile::sign_permit(
            &data,
            &signer.identifier,
            &signer.serial,
            today,
            &signer.key,
        )?;
        permits.push(NewPermit {
            id: uuid_from(&mut Rng::new(0x5EA1 + i as u64)),
            serial,
            kind,
            checkpoint,
            dossier_id: None,
            holder,
            vessel_imo: None,
            valid_from: data.valid_from,
            valid_until: data.valid_until,
            seal: sealed,
            signer: format!("{}{}", signer.identifier, signer.serial),
            issued_by: "user:commander.haiphong".into(),
        });
    }
    store.create_permits(&permits, now).await.context("storing the demo's permits")?;
    Ok(base64::engine::general_purpose::STANDARD.encode(&permits[0].seal))
}

/// Locks the demo's signing keys; a real installation sets its own in
/// `BIENPHONG_KEY_PASSPHRASE`.
const DEMO_KEY_PASSPHRASE: &str = "demo passphrase, never for real keys";

pub(crate) fn uuid_from(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    // Version 4, variant 1: a random UUID drawn from the demo's seeded generator.
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}
