//! `bienphong bench permits`: the permits' targets on this machine — a 30-person crew's shore
//! passes issued in one action with their printable cards, a scan verified online, and seals
//! verified offline against the exported trust store, one core.

use std::time::Instant;

use anyhow::{Context, bail};
use base64::Engine as _;
use clap::Args;
use domain::port::{Clock, DossierStatus, ImoNumber, ProcedureCode};
use domain::{CheckpointCode, Country, DocumentNumber, Role, Username};
use fal::{Gender, IdDocType, PersonOnBoard};
use serde_json::{Value, json};
use store::port::{DossierEvent, NewAgency, NewDossier, PortCall, Vessel};
use store::{NewUser, Store};
use time::{Duration, OffsetDateTime};

use crate::cmd::bench::{Conn, percentile};
use crate::cmd::server::{StoreArgs, with_store};

#[derive(Debug, Args)]
pub struct PermitArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Crews to issue shore passes to, one timed action each.
    #[arg(long, default_value_t = 10)]
    pub crews: usize,
    /// Online verifications to time.
    #[arg(long, default_value_t = 500)]
    pub scans: usize,
}

/// Only for the benchmark's own throwaway keys.
const BENCH_PASSPHRASE: &str = "bench passphrase, never for real keys";

pub async fn run(a: PermitArgs) -> anyhow::Result<()> {
    let backend = a.store.open(true).await?;
    with_store!(backend, |s| permits(s, &a).await)
}

fn crew_member(i: usize) -> anyhow::Result<PersonOnBoard> {
    Ok(PersonOnBoard {
        // Names hold letters only, as an MRZ takes them.
        family_name: format!(
            "SANTOS {}{}",
            char::from(b'A' + (i / 26) as u8),
            char::from(b'A' + (i % 26) as u8)
        ),
        given_names: "JOSE MARIA".into(),
        rank: Some(if i == 0 { "Thuyền trưởng" } else { "AB" }.into()),
        nationality: Country::parse("PHL")?,
        birth_date: time::macros::date!(1988 - 12 - 15),
        place_of_birth: None,
        sex: Gender::Male,
        document_type: IdDocType::Passport,
        document_number: DocumentNumber::parse(&format!("P{i:07}A"))?,
        document_issuing_state: Country::parse("PHL")?,
        document_expiry: time::macros::date!(2031 - 01 - 01),
        // The master stays aboard.
        shore_leave: i != 0,
        transit: false,
        visa_number: None,
    })
}

async fn permits<S: Store>(store: S, a: &PermitArgs) -> anyhow::Result<()> {
    crate::cmd::server::seed(&store).await?;
    let now = OffsetDateTime::now_utc();
    let tag = now.unix_timestamp_nanos() % 1_000_000_000;
    let passphrase = std::sync::Arc::new(seal::locked::Passphrase::new(BENCH_PASSPHRASE.into())?);
    let t = Instant::now();
    server::permits::keys::init(&store, &passphrase, now).await.context("making the keys")?;
    println!("keys made for every checkpoint in {:.1} s", t.elapsed().as_secs_f64());

    let agent = format!("bench.pagent.{tag}");
    let first = NewUser {
        username: Username::parse(&agent)?,
        role: Role::Agent,
        checkpoint: None,
        agency: None,
        password_hash: "!".into(),
    };
    let agency = NewAgency {
        tax_code: crate::cmd::bench_port::fresh_tax_code(now)?,
        name: "Bench agency".into(),
        address: "Hải Phòng".into(),
        email: "bench@example.vn".into(),
        phone: "+84 225 000 000".into(),
    };
    let (agency_id, _) =
        store.add_agency(&agency, &first, now).await.context("registering the bench agency")?;
    let crew: Vec<PersonOnBoard> = (0..30).map(crew_member).collect::<anyhow::Result<_>>()?;
    let mut ids = Vec::new();
    for i in 0..a.crews {
        let mut clock = Clock::new(Duration::hours(2));
        clock.enter(DossierStatus::Submitted, now - Duration::hours(1));
        clock.enter(DossierStatus::Approved, now - Duration::minutes(20));
        let id = format!("bench-permits-{tag}-{i:04}");
        let d = NewDossier {
            filing_hash: None,
            id: id.clone(),
            agency: agency_id,
            procedure: ProcedureCode::VesselEntry,
            checkpoint: CheckpointCode::parse("CANG-HAI-PHONG")?,
            vessel: Some(Vessel {
                imo: ImoNumber::parse("9074729")?,
                name: "BENCH STAR".into(),
                call_sign: None,
                flag: Some(Country::parse("PAN")?),
                vessel_type: None,
                gross_tonnage: Some(30_000),
            }),
            port_call: PortCall { etd: Some(now + Duration::days(3)), ..PortCall::default() },
            declaration: json!({}),
            crew: crew.clone(),
            passengers: Vec::new(),
            status: DossierStatus::Approved,
            clock,
            submitted_at: Some(now - Duration::hours(1)),
            resolved: clock.resolved(),
            created_by: format!("user:{agent}"),
            events: vec![DossierEvent {
                action: "approve".into(),
                status: DossierStatus::Approved,
                actor: "user:bench".into(),
                note: None,
                at: now - Duration::minutes(20),
            }],
        };
        store.create_dossier(&d, now).await.context("filing a bench dossier")?;
        ids.push(id);
    }
    let commander = crate::cmd::bench_port::token_for(
        &store,
        &format!("bench.pcommander.{tag}"),
        Role::Commander,
        Some("CANG-HAI-PHONG"),
        None,
        now,
    )
    .await?;
    let officer = crate::cmd::bench_port::token_for(
        &store,
        &format!("bench.pofficer.{tag}"),
        Role::Officer,
        Some("CANG-HAI-PHONG"),
        None,
        now,
    )
    .await?;
    let folder = std::env::temp_dir().join(format!("bienphong-bench-trust-{tag}"));
    std::fs::create_dir_all(&folder).context("a folder for the exported trust store")?;
    server::permits::keys::export(&store, &folder).await?;

    let options = server::Options { key_passphrase: Some(passphrase), ..Default::default() };
    let (addr, serving) = crate::cmd::server::serve_here(store, options).await?;
    let scans = a.scans;
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = Conn::open(addr)?;
        let (mut issue, mut cards, mut both) = (Vec::new(), Vec::new(), Vec::new());
        let mut seals: Vec<Vec<u8>> = Vec::new();
        let mut pdf_size = 0;
        for id in &ids {
            let t = Instant::now();
            let (status, body) = conn.call("POST", &format!("/api/v1/dossiers/{id}/permits"), &commander, "")?;
            let issued = t.elapsed().as_secs_f64() * 1e3;
            if status != 201 {
                bail!("issuing answered {status}: {}", String::from_utf8_lossy(&body));
            }
            let v: Value = serde_json::from_slice(&body)?;
            let list = v["permits"].as_array().map_or(&[][..], Vec::as_slice);
            if list.len() != 29 {
                bail!("{} shore passes issued, 29 expected", list.len());
            }
            for p in list {
                let b64 = p["seal_base64"].as_str().unwrap_or("");
                seals.push(base64::engine::general_purpose::STANDARD.decode(b64)?);
            }
            let t2 = Instant::now();
            let (status, pdf) = conn.call("GET", &format!("/api/v1/dossiers/{id}/permits/cards.pdf"), &commander, "")?;
            let printed = t2.elapsed().as_secs_f64() * 1e3;
            if status != 200 || !pdf.starts_with(b"%PDF-") {
                bail!("the cards answered {status}");
            }
            pdf_size = pdf.len();
            issue.push(issued);
            cards.push(printed);
            both.push(issued + printed);
        }
        for l in [&mut issue, &mut cards, &mut both] {
            l.sort_by(f64::total_cmp);
        }
        println!(
            "a 30-person crew (29 asked ashore), {} crews: shore passes issued, signed and stored: median {:.0} ms, max {:.0} ms; their cards ({} kB PDF): median {:.0} ms, max {:.0} ms; together: median {:.0} ms, max {:.0} ms",
            ids.len(),
            percentile(&issue, 0.5),
            percentile(&issue, 1.0),
            pdf_size / 1024,
            percentile(&cards, 0.5),
            percentile(&cards, 1.0),
            percentile(&both, 0.5),
            percentile(&both, 1.0),
        );

        let mut l = Vec::with_capacity(scans);
        for i in 0..scans {
            let seal = &seals[i % seals.len()];
            let body = json!({"seal_base64": base64::engine::general_purpose::STANDARD.encode(seal)}).to_string();
            let t = Instant::now();
            let (status, answer) = conn.call("POST", "/api/v1/permits/verify", &officer, &body)?;
            l.push(t.elapsed().as_secs_f64() * 1e3);
            let v: Value = serde_json::from_slice(&answer)?;
            if status != 200 || v["valid"] != true {
                bail!("a scan answered {status}: {v}");
            }
        }
        l.sort_by(f64::total_cmp);
        println!(
            "online verification at the gangway (decode, signature, revocation, place, movement recorded, audited), {scans} scans: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&l, 0.99)
        );

        // Offline, as `seal verify` does it: the exported folder, one thread.
        let trust = seal::TrustStore::load(&folder)?;
        let _ = std::fs::remove_dir_all(&folder);
        let at = OffsetDateTime::now_utc();
        let t = Instant::now();
        let mut n = 0usize;
        while t.elapsed().as_secs_f64() < 3.0 {
            for s in &seals {
                let v = seal::profile::verify_permit(&trust, s, at);
                if !v.verdict.valid() {
                    bail!("an offline verification failed: {:?}", v.verdict.reason);
                }
                n += 1;
            }
        }
        println!(
            "offline verification against the exported trust store, one thread: {:.0} seals/s ({n} in {:.1} s)",
            n as f64 / t.elapsed().as_secs_f64(),
            t.elapsed().as_secs_f64()
        );
        Ok(())
    })
    .await?;
    serving.abort();
    report
}
