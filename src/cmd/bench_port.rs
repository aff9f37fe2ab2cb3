//! `bienphong bench port`: the port procedures' targets on this machine — a 1,000-person crew
//! list uploaded and checked (CSV and XLSX), and the officer's queue with many dossiers stored.
//! Run it on a fresh `--data-dir` or database: it files `--dossiers` new ones each time.

use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use domain::port::{Clock, DossierStatus, ImoNumber, ProcedureCode, TaxCode};
use domain::{CheckpointCode, Country, DocumentNumber, Role, Username};
use fal::{Gender, IdDocType, PersonOnBoard};
use screen::eval::Rng;
use serde_json::json;
use store::port::{DossierEvent, NewAgency, NewDossier, PortCall, Vessel};
use store::{NewToken, NewUser, Store, TokenKind, TokenOwner};
use time::{Duration, OffsetDateTime};

use crate::cmd::bench::{Conn, percentile};
use crate::cmd::server::{StoreArgs, with_store};

#[derive(Debug, Args)]
pub struct PortArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Dossiers to file before measuring.
    #[arg(long, default_value_t = 100_000)]
    pub dossiers: usize,
    /// Queue requests to time.
    #[arg(long, default_value_t = 500)]
    pub requests: usize,
}

const PORTS: &[&str] = &[
    "CANG-HAI-PHONG",
    "CANG-QUANG-NINH",
    "CANG-NGHI-SON",
    "CANG-DA-NANG",
    "CANG-QUY-NHON",
    "CANG-NHA-TRANG",
    "CANG-VUNG-TAU",
    "CANG-SAI-GON",
    "CANG-CAN-THO",
    "CANG-DUNG-QUAT",
];

pub async fn run(a: PortArgs) -> anyhow::Result<()> {
    let backend = a.store.open(true).await?;
    with_store!(backend, |s| port(s, &a).await)
}

/// A valid tax code not used before: nine digits from the clock, the tenth to match.
pub(crate) fn fresh_tax_code(now: OffsetDateTime) -> anyhow::Result<TaxCode> {
    let mut base = (now.unix_timestamp_nanos() / 1_000 % 900_000_000) as u64 + 100_000_000;
    loop {
        let digits: Vec<u32> = format!("{base:09}").bytes().map(|b| u32::from(b - b'0')).collect();
        let total: u32 =
            digits.iter().zip([31, 29, 23, 19, 17, 13, 7, 5, 3]).map(|(d, w)| d * w).sum();
        let check = 10 - total % 11;
        if check != 10 {
            return Ok(TaxCode::parse(&format!("{base:09}{}", check % 10))?);
        }
        base += 1;
    }
}

fn seafarer(i: usize, rank: &str) -> PersonOnBoard {
    PersonOnBoard {
        family_name: format!("SEAFARER{i}"),
        given_names: "BENCH".into(),
        rank: Some(rank.into()),
        nationality: Country::VNM,
        birth_date: time::macros::date!(1980 - 01 - 01),
        place_of_birth: None,
        sex: Gender::Male,
        document_type: IdDocType::SeafarerBook,
        document_number: DocumentNumber::parse(&format!("B{i:07}"))
            .unwrap_or_else(|_| DocumentNumber::parse("B0").expect("a fixed number parses")),
        document_issuing_state: Country::VNM,
        document_expiry: time::macros::date!(2030 - 01 - 01),
        shore_leave: false,
        transit: false,
        visa_number: None,
    }
}

pub(crate) async fn token_for<S: Store>(
    store: &S,
    name: &str,
    role: Role,
    checkpoint: Option<&str>,
    agency: Option<i64>,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let id = store
        .add_user(
            &NewUser {
                username: Username::parse(name)?,
                role,
                checkpoint: checkpoint.map(CheckpointCode::parse).transpose()?,
                agency,
                password_hash: "!".into(),
            },
            now,
        )
        .await?;
    let secret = server::accounts::credentials::Secret::generate();
    store
        .put_token(
            &NewToken {
                hash: secret.digest(),
                kind: TokenKind::Api,
                owner: TokenOwner::User(id),
                csrf: None,
                expires_at: Some(now + Duration::hours(2)),
            },
            now,
        )
        .await?;
    Ok(secret.expose().to_string())
}

async fn port<S: Store>(store: S, a: &PortArgs) -> anyhow::Result<()> {
    crate::cmd::server::seed(&store).await?;
    let now = OffsetDateTime::now_utc();
    let tag = now.unix_timestamp_nanos() % 1_000_000_000;
    let agent_name = format!("bench.agent.{tag}");
    let first = NewUser {
        username: Username::parse(&agent_name)?,
        role: Role::Agent,
        checkpoint: None,
        agency: None,
        password_hash: "!".into(),
    };
    let agency = NewAgency {
        tax_code: fresh_tax_code(now)?,
        name: "Bench agency".into(),
        address: "Hải Phòng".into(),
        email: "bench@example.vn".into(),
        phone: "+84 225 000 000".into(),
    };
    let (agency_id, _) = store.add_agency(&agency, &first, now).await?;

    // The history: most dossiers decided in the past year, one in fifty still waiting.
    let started = Instant::now();
    let mut rng = Rng::new(0xD05_5137 ^ tag as u64);
    let crew = vec![seafarer(1, "Thuyền trưởng"), seafarer(2, "Cook")];
    for i in 0..a.dossiers {
        let checkpoint = CheckpointCode::parse(PORTS[rng.below(PORTS.len())])?;
        let pending = rng.chance(0.02);
        let submitted = if pending {
            now - Duration::minutes(rng.below(110) as i64)
        } else {
            now - Duration::minutes(60 + rng.below(365 * 24 * 60) as i64)
        };
        let mut clock = Clock::new(Duration::hours(2));
        clock.enter(DossierStatus::Submitted, submitted);
        let status = if pending {
            DossierStatus::Submitted
        } else {
            clock.enter(
                DossierStatus::Approved,
                submitted + Duration::minutes(15 + rng.below(90) as i64),
            );
            DossierStatus::Approved
        };
        let d = NewDossier {
            filing_hash: None,
            id: format!("bench-{tag}-{i:07}"),
            agency: agency_id,
            procedure: ProcedureCode::VesselEntry,
            checkpoint,
            vessel: Some(Vessel {
                imo: ImoNumber::parse("9074729")?,
                name: "BENCH STAR".into(),
                call_sign: None,
                flag: Some(Country::VNM),
                vessel_type: None,
                gross_tonnage: Some(10_000),
            }),
            port_call: PortCall::default(),
            declaration: json!({}),
            crew: crew.clone(),
            passengers: Vec::new(),
            status,
            clock,
            submitted_at: Some(submitted),
            resolved: clock.resolved(),
            created_by: format!("user:{agent_name}"),
            events: vec![DossierEvent {
                action: "submit".into(),
                status: DossierStatus::Submitted,
                actor: format!("user:{agent_name}"),
                note: None,
                at: submitted,
            }],
        };
        store.create_dossier(&d, submitted).await.context("filing a bench dossier")?;
        if (i + 1) % 20_000 == 0 {
            eprintln!("{} dossiers filed ({:.0} s)", i + 1, started.elapsed().as_secs_f64());
        }
    }
    store.analyze().await?;
    println!(
        "filed {} dossiers ({}) in {:.1} s",
        a.dossiers,
        store.backend(),
        started.elapsed().as_secs_f64()
    );

    let officer = token_for(
        &store,
        &format!("bench.officer.{tag}"),
        Role::Officer,
        Some("CANG-HAI-PHONG"),
        None,
        now,
    )
    .await?;
    let agent =
        token_for(&store, &format!("bench.agent2.{tag}"), Role::Agent, None, Some(agency_id), now)
            .await?;
    let (addr, serving) = crate::cmd::server::serve_here(store, server::Options::default()).await?;
    let requests = a.requests;
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = Conn::open(addr)?;
        for (what, path) in [
            ("queue (pending, soonest due first)", "/api/v1/dossiers?status=submitted,in_review"),
            ("decided, latest 200", "/api/v1/dossiers?status=approved,rejected&limit=200"),
        ] {
            let mut l = Vec::with_capacity(requests);
            let mut rows = 0;
            for _ in 0..requests {
                let t = Instant::now();
                let (status, body) = conn.call("GET", path, &officer, "")?;
                l.push(t.elapsed().as_secs_f64() * 1e3);
                if status != 200 {
                    bail!("{path} answered {status}: {}", String::from_utf8_lossy(&body));
                }
                rows = serde_json::from_slice::<serde_json::Value>(&body)?["dossiers"]
                    .as_array()
                    .map_or(0, Vec::len);
            }
            l.sort_by(f64::total_cmp);
            println!(
                "officer's {what} at CANG-HAI-PHONG ({rows} rows, {requests} requests): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
                percentile(&l, 0.5),
                percentile(&l, 0.95),
                percentile(&l, 0.99)
            );
        }

        // A 1,000-person crew list, as CSV and as XLSX, replacing a draft's.
        let header = ["Họ", "Tên", "Chức danh", "Quốc tịch", "Ngày sinh", "Giới tính", "Số giấy tờ", "Quốc gia cấp", "Ngày hết hạn", "Đi bờ"];
        let rows: Vec<Vec<String>> = std::iter::once(header.iter().map(ToString::to_string).collect())
            .chain((0..1_000).map(|i| {
                let rank = if i == 0 { "Thuyền trưởng" } else { "AB" };
                vec![format!("NGUYEN{i}"), "VAN AN".into(), rank.into(), "VNM".into(), "12/04/1985".into(), "M".into(), format!("B{i:07}"), "VNM".into(), "01/01/2031".into(), (i % 2).to_string()]
            }))
            .collect();
        let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        let xlsx = fal::write_xlsx(&rows);
        let draft = json!({"procedure": "vessel_entry", "checkpoint": "CANG-HAI-PHONG",
            "vessel": {"imo": "9074729", "name": "Bench Star"}, "draft": true}).to_string();
        let (status, body) = conn.call("POST", "/api/v1/dossiers", &agent, &draft)?;
        if status != 201 {
            bail!("filing a draft answered {status}: {}", String::from_utf8_lossy(&body));
        }
        let id = serde_json::from_slice::<serde_json::Value>(&body)?["id"].as_str().unwrap_or("").to_string();
        let path = format!("/api/v1/dossiers/{id}/crew");
        for (what, content_type, bytes) in [
            ("CSV", "text/csv", csv.as_bytes()),
            ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.as_slice()),
        ] {
            let mut l = Vec::new();
            for _ in 0..10 {
                let t = Instant::now();
                let (status, body) = conn.call_bytes("PUT", &path, &agent, content_type, bytes)?;
                l.push(t.elapsed().as_secs_f64() * 1e3);
                if status != 200 {
                    bail!("the upload answered {status}: {}", String::from_utf8_lossy(&body));
                }
            }
            l.sort_by(f64::total_cmp);
            println!(
                "1,000-person crew list as {what} ({} kB), uploaded, checked and stored: median {:.0} ms, max {:.0} ms",
                bytes.len() / 1024,
                percentile(&l, 0.5),
                percentile(&l, 1.0)
            );
        }
        Ok(())
    })
    .await?;
    serving.abort();
    report
}
