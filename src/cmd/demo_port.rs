//! The demo's port work: the demo agency, its vessels, and a month of dossiers at two port
//! checkpoints — most decided on time, a few waiting in the queue.

use anyhow::Context;
use domain::port::{Clock, DossierStatus, ImoNumber, ProcedureCode, TaxCode, UnLocode};
use domain::{CheckpointCode, Country, DocumentNumber};
use fal::{Gender, IdDocType, PersonOnBoard};
use screen::eval::{Generator, Rng};
use store::PortStore;
use store::port::{DossierEvent, NewAgency, NewDossier, PortCall, Vessel};
use store::{NewUser, SqliteStore};
use time::{Duration, OffsetDateTime};

/// The demo agency's tax code (a real check digit, an invented company).
pub const DEMO_TAX_CODE: &str = "0100109106";

const VESSELS: &[(&str, &str, &str, &str, u32)] = &[
    ("9074729", "VOSCO SKY", "3WKZ", "VNM", 22_000),
    ("9176187", "TRUONG AN", "XVFQ", "VNM", 6_500),
    ("9321483", "PACIFIC EXPRESS", "9V7654", "SGP", 41_000),
    ("9395044", "HAI PHONG STAR", "3WAB", "VNM", 15_200),
    ("9231432", "ORIENT PEARL", "VRBX2", "HKG", 28_300),
];

const RANKS: &[&str] =
    &["Thuyền trưởng", "Chief Officer", "Chief Engineer", "AB", "AB", "Oiler", "Cook", "Steward"];
const PORTS: &[&str] = &["SGSIN", "HKHKG", "CNSHA", "KRPUS", "JPYOK", "THBKK", "MYPKG"];

fn ascii_name(s: &str) -> String {
    s.replace('<', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn crew_member(g: &mut Generator, rng: &mut Rng, rank: &str, today: time::Date) -> PersonOnBoard {
    let p = g.person();
    let mrz = p.mrz(39, true);
    let (family, given) = mrz.split_once("<<").unwrap_or((mrz.as_str(), ""));
    let nationality = Country::parse(p.nationality.as_str()).unwrap_or(Country::VNM);
    let expiry = if rng.chance(0.03) {
        today - Duration::days(1 + rng.below(90) as i64)
    } else {
        today + Duration::days(60 + rng.below(2000) as i64)
    };
    PersonOnBoard {
        family_name: ascii_name(family),
        given_names: ascii_name(given),
        rank: Some(rank.to_string()),
        nationality,
        birth_date: p.dob,
        place_of_birth: None,
        sex: if p.sex == screen::Sex::Female { Gender::Female } else { Gender::Male },
        document_type: IdDocType::SeafarerBook,
        document_number: DocumentNumber::parse(&format!("S{:08}", rng.below(100_000_000)))
            .unwrap_or_else(|_| DocumentNumber::parse("S0").expect("a fixed number parses")),
        document_issuing_state: nationality,
        document_expiry: expiry,
        shore_leave: rank != "Thuyền trưởng" && rng.chance(0.4),
        transit: false,
        visa_number: None,
    }
}

/// Registers the demo agency with its first account, then files a month of its dossiers.
/// Returns how many dossiers there are.
pub async fn seed(
    store: &SqliteStore,
    agent: &NewUser,
    now: OffsetDateTime,
    today: time::Date,
) -> anyhow::Result<usize> {
    let agency = NewAgency {
        tax_code: TaxCode::parse(DEMO_TAX_CODE)?,
        name: "Công ty CP Đại lý Hàng hải Vosco (demo)".into(),
        address: "215 Lạch Tray, Ngô Quyền, Hải Phòng".into(),
        email: "ops@vosco-agency.example".into(),
        phone: "+84 225 3731 090".into(),
    };
    let (agency_id, _) =
        store.add_agency(&agency, agent, now).await.context("registering the demo agency")?;
    let mut g = Generator::new(0x9047);
    let mut rng = Rng::new(0x9047);
    let ports = ["CANG-HAI-PHONG", "CANG-HAI-PHONG", "CANG-SAI-GON"];
    let procedures =
        [ProcedureCode::VesselEntry, ProcedureCode::VesselExit, ProcedureCode::VesselPortShift];
    let count = 60;
    for i in 0..count {
        let (imo, name, call_sign, flag, gt) = VESSELS[i % VESSELS.len()];
        let procedure = procedures[rng.below(procedures.len())];
        let checkpoint = CheckpointCode::parse(ports[rng.below(ports.len())])?;
        // The last few were filed in the past hours and wait for the border guard.
        let pending = i >= count - 8;
        let submitted = if pending {
            now - Duration::minutes(10 + rng.below(100) as i64)
        } else {
            now - Duration::days(1 + (count - i) as i64 / 2)
                - Duration::minutes(rng.below(600) as i64)
        };
        let crew: Vec<PersonOnBoard> = (0..8 + rng.below(14))
            .map(|k| {
                // The master first, as the portal wants him.
                let rank = if k == 0 { RANKS[0] } else { RANKS[1 + (k - 1) % (RANKS.len() - 1)] };
                crew_member(&mut g, &mut rng, rank, today)
            })
            .collect();
        let mut clock = Clock::new(Duration::hours(2));
        clock.enter(DossierStatus::Submitted, submitted);
        let agent_label = format!("user:{}", agent.username);
        let mut events = vec![DossierEvent {
            action: "submit".into(),
            status: DossierStatus::Submitted,
            actor: agent_label.clone(),
            note: None,
            at: submitted,
        }];
        let status = if pending {
            if i == count - 1 {
                let at = submitted + Duration::minutes(5);
                clock.enter(DossierStatus::InReview, at);
                events.push(DossierEvent {
                    action: "review".into(),
                    status: DossierStatus::InReview,
                    actor: "user:officer.haiphong".into(),
                    note: None,
                    at,
                });
                DossierStatus::InReview
            } else {
                DossierStatus::Submitted
            }
        } else {
            // Decided within 10 to 90 minutes: all on time, as the seeds report.
            let at = submitted + Duration::minutes(10 + rng.below(80) as i64);
            let approved = !rng.chance(0.05);
            let status = if approved { DossierStatus::Approved } else { DossierStatus::Rejected };
            clock.enter(status, at);
            events.push(DossierEvent {
                action: if approved { "approve" } else { "reject" }.into(),
                status,
                actor: "user:commander.haiphong".into(),
                note: (!approved).then(|| {
                    "Thiếu bản khai hàng nguy hiểm (dangerous goods declaration missing)".into()
                }),
                at,
            });
            status
        };
        let dossier = NewDossier {
            filing_hash: None,
            id: format!("00000000-0000-4000-8000-{:012}", i + 1),
            agency: agency_id,
            procedure,
            checkpoint,
            vessel: Some(Vessel {
                imo: ImoNumber::parse(imo)?,
                name: name.into(),
                call_sign: Some(domain::port::CallSign::parse(call_sign)?),
                flag: Some(Country::parse(flag)?),
                vessel_type: Some("general cargo".into()),
                gross_tonnage: Some(gt),
            }),
            port_call: PortCall {
                eta: Some(submitted + Duration::hours(6)),
                etd: None,
                berth: Some(format!("Bến {}", 1 + rng.below(9))),
                last_port: Some(UnLocode::parse_field("last_port", PORTS[rng.below(PORTS.len())])?),
                next_port: None,
            },
            declaration: serde_json::json!({"voyage_number": format!("V{:03}", 100 + i)}),
            crew,
            passengers: Vec::new(),
            status,
            clock,
            submitted_at: Some(submitted),
            resolved: clock.resolved(),
            created_by: agent_label,
            events,
        };
        store.create_dossier(&dossier, submitted).await.context("filing a demo dossier")?;
    }
    Ok(count)
}
