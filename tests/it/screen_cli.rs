//! `bienphong screen --watchlist FILE.csv`: the command-line contract of issue 3.

use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::{Conversation, bienphong};

const HEADER: &str = "id,name,aliases,dob,nationality,sex,document_number\n";

fn watchlist(rows: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(HEADER.as_bytes()).unwrap();
    f.write_all(rows.as_bytes()).unwrap();
    f.flush().unwrap();
    f
}

/// A list whose common name parts weigh what they weigh on a real one.
fn list() -> tempfile::NamedTempFile {
    let mut rows = String::from(
        "P1,Nguyễn Văn Đức,Đức Nguyễn|NGUYEN DUC,1985-03-12,VNM,M,C1234567\n\
         P2,Алексей Смирнов,,1979-11-30,RUS,M,\n\
         P3,\"Trần Thị Ngọc Ánh\",,1990,VNM,F,\n",
    );
    let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"];
    let middles = ["Văn", "Thị", "Minh", "Văn"];
    let givens = ["Hùng", "Lan", "Tuấn", "Hương", "Dũng", "Mai", "Sơn", "Hà", "Nam", "Linh"];
    let mut n = 0;
    for f in families {
        for m in middles {
            for g in givens {
                n += 1;
                rows.push_str(&format!("F{n},{f} {m} {g},,1960-01-{:02},VNM,,\n", 1 + n % 28));
            }
        }
    }
    watchlist(&rows)
}

fn screen(
    list: &tempfile::NamedTempFile,
    extra: &[&str],
    input: &str,
) -> (Vec<Value>, std::process::Output) {
    let mut args = vec!["screen", "--watchlist", list.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let mut child = bienphong()
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The command may stop before reading anything (a bad watchlist): a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (lines, out)
}

fn ids(answer: &Value) -> Vec<&str> {
    answer["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect()
}

#[test]
fn answers_each_query_with_hits_best_first() {
    let list = list();
    let queries = [
        json!({"name": "NGUYEN<<VAN<DUC", "dob": "1985-03-12", "nationality": "VNM", "sex": "M"}),
        json!({"name": "SMIRNOV<<ALEKSEY", "dob": "1979-11-30"}),
        json!({"name": "TRAN THI NGOCANH", "dob": "1990"}),
        json!({"name": "NGUYEN<<VAN<DUC", "dob": "1999-09-09", "nationality": "VNM", "sex": "M"}),
        json!({"name": "Someone Unlisted", "dob": "1970-01-01"}),
    ];
    let input: String = queries.iter().map(|q| format!("{q}\n")).collect();
    let (out, status) = screen(&list, &[], &input);
    assert!(status.status.success());
    assert_eq!(out.len(), 5);
    assert_eq!(ids(&out[0])[0], "P1");
    let hit = &out[0]["hits"][0];
    let score = hit["score"].as_f64().unwrap();
    assert!((0.6..=1.0).contains(&score), "{hit}");
    assert_eq!(hit["matched_name"], "Nguyễn Văn Đức");
    let reasons: Vec<&str> =
        hit["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(reasons.contains(&"date of birth 1985-03-12 matches"), "{reasons:?}");
    assert_eq!(ids(&out[1]), ["P2"]);
    assert_eq!(ids(&out[2]), ["P3"]);
    // The same name born another day is someone else; nobody matches a stranger.
    assert!(ids(&out[3]).is_empty(), "{}", out[3]);
    assert!(ids(&out[4]).is_empty(), "{}", out[4]);
    assert!(out.iter().all(|o| o.get("error").is_none()));
}

#[test]
fn a_document_number_decides_and_limit_and_threshold_apply() {
    let list = list();
    let q = json!({"name": "ANYONE", "document_number": "C1234567", "nationality": "VNM"});
    let (out, _) = screen(&list, &[], &format!("{q}\n"));
    assert_eq!(ids(&out[0]), ["P1"]);
    assert_eq!(out[0]["hits"][0]["score"], 1.0);

    let q = format!("{}\n", json!({"name": "NGUYEN VAN HUNG"}));
    let (all, _) = screen(&list, &["--threshold", "0"], &q);
    let scores: Vec<f64> =
        all[0]["hits"].as_array().unwrap().iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.len() >= 2, "{}", all[0]);
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let (one, _) = screen(&list, &["--threshold", "0", "--limit", "1"], &q);
    assert_eq!(one[0]["hits"].as_array().unwrap().len(), 1);
    assert_eq!(one[0]["hits"][0], all[0]["hits"][0]);
    // Above every score, nothing.
    let (none, _) = screen(&list, &["--threshold", "1"], &q);
    assert_eq!(none[0]["hits"], json!([]));
    let (_, bad) = screen(&list, &["--threshold", "2"], &q);
    assert!(!bad.status.success());
}

#[test]
fn a_malformed_query_gets_an_error_and_the_command_goes_on() {
    let list = list();
    let input = [
        "not json".to_string(),
        json!({"dob": "1985"}).to_string(),
        json!({"name": "NGUYEN VAN DUC", "dob": "12/03/1985"}).to_string(),
        json!({"name": "NGUYEN VAN DUC", "sex": "Q"}).to_string(),
        json!({"name": "NGUYEN VAN DUC", "nationality": "VIETNAM"}).to_string(),
        json!({"name": "<<< 123"}).to_string(),
        json!({"name": "NGUYEN VAN DUC", "dob": "1985-03-12", "nationality": null}).to_string(),
    ]
    .join("\n")
        + "\n";
    let (out, status) = screen(&list, &[], &input);
    assert!(status.status.success());
    assert_eq!(out.len(), 7);
    let codes: Vec<&str> = out[..6].iter().map(|o| o["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "invalid_json",
            "invalid_input",
            "invalid_dob",
            "invalid_sex",
            "invalid_nationality",
            "invalid_name"
        ]
    );
    for o in &out[..6] {
        assert_eq!(o["hits"], json!([]));
        assert!(!o["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(ids(&out[6])[0], "P1");
}

#[test]
fn a_bad_row_stops_the_command_before_any_answer() {
    let cases = [
        ("P1,Nguyễn Văn Đức,,1985-13-12,VNM,M,\n", "line 2:"),
        ("P1,A B,,,VNM,M,\nP1,C D,,,VNM,F,\n", "line 3: the id `P1` is already on line 2"),
        ("P1,A B,,,VIETNAM,M,\n", "line 2:"),
        ("P1,A B,,,VNM,Q,\n", "line 2:"),
        ("P1,,,,VNM,M,\n", "line 2:"),
        ("P1,A B,,,VNM\n", "line 2: the row has 5 fields"),
    ];
    for (rows, expected) in cases {
        let list = watchlist(rows);
        let (out, status) = screen(&list, &[], "{\"name\": \"A B\"}\n");
        assert!(!status.status.success(), "{rows}");
        assert!(out.is_empty(), "{rows}: answered {out:?}");
        let err = String::from_utf8_lossy(&status.stderr);
        assert!(err.contains(expected), "{rows}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let mut wrong_header = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    wrong_header.write_all(b"id,name,dob\nP1,A,\n").unwrap();
    let (_, status) = screen(&wrong_header, &[], "");
    assert!(
        String::from_utf8_lossy(&status.stderr)
            .contains("line 1: the header has no `aliases` column")
    );
}

#[test]
fn answers_each_line_before_the_next_arrives() {
    let list = list();
    let mut talk = Conversation::start(&["screen", "--watchlist", list.path().to_str().unwrap()]);
    for _ in 0..3 {
        let out = talk.ask(&json!({"name": "NGUYEN VAN DUC", "dob": "1985-03-12"}).to_string());
        assert_eq!(out["hits"][0]["id"], "P1");
    }
}

#[test]
fn the_evaluation_writes_every_query_with_its_hits_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (ok, _, err) = crate::helpers::run(
        &["screen-eval", "generate", "--entries", "2000", "--positives", "40", "--negatives", "40"]
            .into_iter()
            .chain(["--out", out])
            .collect::<Vec<_>>(),
        "",
    );
    assert!(ok, "{err}");
    let dump = dir.path().join("dump.jsonl");
    let slowest = dir.path().join("slowest.jsonl");
    let (ok, printed, err) = crate::helpers::run(
        &["screen-eval", "run", "--dir", out, "--dump", dump.to_str().unwrap()]
            .into_iter()
            .chain(["--slowest", slowest.to_str().unwrap()])
            .collect::<Vec<_>>(),
        "",
    );
    assert!(ok, "{err}");
    assert!(printed.contains("recall"), "{printed}");
    // The ceiling the curve is read against, and each culture's and kind's.
    let ceiling = printed
        .lines()
        .find_map(|l| l.strip_prefix("ceiling at 2 % false alarms: recall at most "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|figure| figure.parse::<f64>().ok());
    assert!(ceiling.is_some_and(|c| (0.0..=1.0).contains(&c)), "{printed}");
    assert!(printed.contains("  by kind: ") && printed.contains("  by culture: "), "{printed}");
    // The slowest hundredth, as `queries.jsonl` writes a query: one of 80.
    let slow: Vec<Value> = read_jsonl(&slowest);
    assert_eq!(slow.len(), 1, "{slow:?}");
    assert!(
        slow[0]["name"].is_string() && slow[0]["kind"].is_string() && slow[0]["hits"].is_null()
    );
    let lines: Vec<Value> = read_jsonl(&dump);
    assert_eq!(lines.len(), 80);
    // Each line is the labelled query with its hits; most listed people are found.
    let found = lines
        .iter()
        .filter(|l| {
            l["expect"].as_str().is_some_and(|id| {
                l["hits"].as_array().unwrap().iter().any(|h| h["id"].as_str() == Some(id))
            })
        })
        .count();
    assert!(found >= 36, "{found} of 40");
    assert!(lines.iter().all(|l| l["kind"].is_string() && l["name"].is_string()));
    // A set without queries has no figures: one line says so, and nothing panics.
    std::fs::write(dir.path().join("queries.jsonl"), "").unwrap();
    let (ok, _, err) = crate::helpers::run(&["screen-eval", "run", "--dir", out], "");
    assert!(!ok);
    assert!(err.contains("holds no queries") && !err.contains("panicked"), "{err}");
    // Nobody listed is asked for: no ceiling to give, and the other figures still come.
    std::fs::write(
        dir.path().join("queries.jsonl"),
        "{\"name\":\"NGUYEN<<VAN<AN\",\"dob\":\"1980-01-02\",\"expect\":null}\n",
    )
    .unwrap();
    let (ok, printed, err) = crate::helpers::run(&["screen-eval", "run", "--dir", out], "");
    assert!(ok, "{err}");
    assert!(printed.contains("ceiling: no listed person is asked for"), "{printed}");
}

/// A set made elsewhere gives only the query and `expect`, may leave blank lines and write a
/// year of birth as a number: `run` takes it, and reads what the list knows of each listed
/// person's date of birth off the list.
#[test]
fn screen_eval_runs_a_set_made_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let args = ["screen-eval", "generate", "--entries", "2000", "--positives", "40"];
    let (ok, _, err) = crate::helpers::run(
        &args.into_iter().chain(["--negatives", "10", "--out", out]).collect::<Vec<_>>(),
        "",
    );
    assert!(ok, "{err}");
    let path = dir.path().join("queries.jsonl");
    let ours: Vec<Value> = read_jsonl(&path);
    let mut theirs = String::new();
    for (n, q) in ours.iter().enumerate() {
        let mut q = q.as_object().unwrap().clone();
        for label in ["kind", "culture", "listed_dob"] {
            q.remove(label);
        }
        if n == 0 {
            let year = q["dob"].as_str().unwrap()[..4].parse::<u64>().unwrap();
            q.insert("dob".into(), json!(year));
        }
        theirs.push_str(&format!("{}\n\n", Value::Object(q)));
    }
    std::fs::write(&path, theirs).unwrap();
    let dump = dir.path().join("dump.jsonl");
    let (ok, printed, err) = crate::helpers::run(
        &["screen-eval", "run", "--dir", out, "--dump", dump.to_str().unwrap()],
        "",
    );
    assert!(ok, "{err}");
    assert!(
        printed.contains("by what the list knows") && !printed.contains("by kind"),
        "{printed}"
    );
    let dumped: Vec<Value> = read_jsonl(&dump);
    assert_eq!(dumped.len(), 50);
    for (theirs, ours) in dumped.iter().zip(&ours) {
        assert_eq!(theirs["listed_dob"], ours["listed_dob"], "{theirs}");
        assert!(theirs.get("kind").is_none(), "{theirs}");
    }
    assert_eq!(
        dumped[0]["dob"].as_u64().map(|y| y.to_string()),
        Some(ours[0]["dob"].as_str().unwrap()[..4].to_string())
    );
}

/// `--explain` adds what was held back, with why; a month and year of birth on the list counts,
/// written as such or with the day `00`.
#[test]
fn explain_lists_the_listings_held_back_and_a_month_of_birth_counts() {
    let mut f = list();
    f.write_all("H1,Nguyễn Văn Hùng,,,VNM,M,\nH2,Trần Văn Khải,,1981-05-00,VNM,M,\n".as_bytes())
        .unwrap();
    f.flush().unwrap();
    let input = "{\"name\": \"NGUYEN VAN HUNG\", \"dob\": \"1990-02-02\", \"nationality\": \"VNM\"}\n\
                 {\"name\": \"TRAN VAN KHAI\", \"dob\": \"1981-05-17\", \"nationality\": \"VNM\"}\n";
    let (plain, out) = screen(&f, &[], input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(ids(&plain[0]), Vec::<&str>::new(), "{}", plain[0]);
    assert!(plain[0].get("held_back").is_none(), "{}", plain[0]);
    assert_eq!(ids(&plain[1]), ["H2"], "{}", plain[1]);
    assert!(
        plain[1]["hits"][0]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("month and year of birth match (1981-05)")),
        "{}",
        plain[1]
    );

    let (explained, _) = screen(&f, &["--explain"], input);
    let held = explained[0]["held_back"].as_array().unwrap();
    let held_ids: Vec<&str> = held.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(held_ids, ["H1"], "{}", explained[0]);
    assert!(held[0]["reasons"][0].as_str().unwrap().starts_with("held back: "), "{}", explained[0]);
    assert_eq!(ids(&explained[0]), Vec::<&str>::new());
    assert_eq!(explained[1]["held_back"], json!([]), "{}", explained[1]);
}

/// The JSON lines of a file the command wrote.
fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
