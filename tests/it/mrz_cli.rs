//! `bienphong mrz parse` and `bienphong mrz build`: the command-line contract of issue 2.

use serde_json::{Value, json};

use crate::helpers::{Conversation, filter};

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn parse_one(request: Value) -> Value {
    let mut out = filter(&["mrz", "parse"], &format!("{request}\n"));
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn parses_the_passport_specimen_exactly_as_the_contract_shows() {
    let out = parse_one(json!({"mrz": TD3, "reading_date": "2010-01-01"}));
    assert_eq!(
        out,
        json!({
            "valid": true, "format": "TD3", "document_code": "P", "issuing_state": "UTO",
            "surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3",
            "nationality": "UTO", "birth_date": "1974-08-12", "sex": "F",
            "expiry_date": "2012-04-15", "optional_data": "ZE184226B",
            "checks": {"document_number": true, "birth_date": true, "expiry_date": true,
                       "optional_data": true, "composite": true},
            "errors": []
        })
    );
}

#[test]
fn reports_each_failed_check_and_stays_readable() {
    let forged = TD3.replace("7408122F", "7408132F");
    let out = parse_one(json!({"mrz": forged, "reading_date": "2026-11-25"}));
    assert_eq!(out["valid"], false);
    assert_eq!(out["surname"], "ERIKSSON");
    assert_eq!(out["birth_date"], "1974-08-13");
    assert_eq!(out["checks"]["birth_date"], false);
    assert_eq!(out["checks"]["document_number"], true);
    assert_eq!(out["checks"]["composite"], false);
    let codes: Vec<&str> =
        out["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["birth_date_check_digit", "composite_check_digit"]);
    assert!(out["errors"][0]["message"].as_str().unwrap().contains("birth date"));
}

#[test]
fn visas_have_no_composite_and_sex_x() {
    let mrv_b = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078<9612109<<<<<<<<";
    let out = parse_one(json!({"mrz": mrv_b, "reading_date": "1995-01-01"}));
    assert_eq!(out["format"], "MRV-B");
    assert_eq!(out["sex"], "X");
    assert_eq!(out["valid"], true, "{out}");
    assert_eq!(
        out["checks"],
        json!({"document_number": true, "birth_date": true, "expiry_date": true})
    );
}

#[test]
fn one_answer_per_line_in_order_whatever_the_line() {
    let lines = [
        json!({"mrz": TD3, "reading_date": "2010-01-01"}).to_string(),
        "this is not json".to_string(),
        json!({"mrz": "NOT AN MRZ"}).to_string(),
        json!({"no_mrz": 1}).to_string(),
        json!({"mrz": TD3, "reading_date": "01/01/2010"}).to_string(),
        String::new(),
        json!({"mrz": TD3.to_lowercase().replace('\n', "\r\n")}).to_string(),
    ];
    let input = lines.join("\n") + "\n";
    let out = filter(&["mrz", "parse"], &input);
    assert_eq!(out.len(), lines.len());
    let code = |v: &Value| v["errors"][0]["code"].as_str().unwrap_or("").to_string();
    assert_eq!(out[0]["valid"], true);
    assert_eq!(code(&out[1]), "invalid_json");
    assert_eq!(code(&out[2]), "unknown_layout");
    assert_eq!(code(&out[3]), "invalid_input");
    assert_eq!(code(&out[4]), "invalid_reading_date");
    assert_eq!(code(&out[5]), "invalid_json");
    // Lower case and CR/LF as readers send them; the reading date defaults to today.
    assert_eq!(out[6]["document_number"], "L898902C3");
    for failure in &out[1..6] {
        let keys: Vec<&String> = failure.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["errors", "valid"], "{failure}");
        assert_eq!(failure["valid"], false);
    }
}

#[test]
fn survives_bytes_that_are_not_utf8() {
    let mut child = crate::helpers::bienphong()
        .args(["mrz", "parse"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"{\"mrz\": \"\xff\xfe\"}\n\x00\x01\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.contains("\"valid\":false")));
}

#[test]
fn answers_each_line_before_the_next_arrives() {
    let mut talk = Conversation::start(&["mrz", "parse"]);
    for _ in 0..3 {
        let out = talk.ask(&json!({"mrz": TD3, "reading_date": "2010-01-01"}).to_string());
        assert_eq!(out["valid"], true);
    }
}

#[test]
fn builds_what_it_parses() {
    let request = json!({
        "format": "TD1", "document_code": "ID", "issuing_state": "VNM",
        "surname": "Đặng", "given_names": "Thị Ngọc Ánh", "document_number": "079190001234",
        "nationality": "VNM", "birth_date": "1990-05-17", "sex": "F",
        "expiry_date": "2030-05-17", "optional_data": "", "optional_data_2": ""
    });
    let out = filter(&["mrz", "build"], &format!("{request}\n"));
    let text = out[0]["mrz"].as_str().unwrap();
    assert_eq!(text.lines().last().unwrap(), "DANG<<THI<NGOC<ANH<<<<<<<<<<<<");
    let parsed = parse_one(json!({"mrz": text, "reading_date": "2026-11-25"}));
    assert_eq!(parsed["valid"], true, "{parsed}");
    assert_eq!(parsed["document_number"], "079190001234");
    assert_eq!(parsed["given_names"], "THI NGOC ANH");
}

#[test]
fn build_errors_say_which_field() {
    let lines = [
        json!({"format": "TD3", "document_code": "P", "issuing_state": "VNM", "surname": "王",
               "document_number": "C1", "nationality": "VNM"}),
        json!({"format": "TD9", "document_code": "P", "issuing_state": "VNM", "surname": "A",
               "document_number": "C1", "nationality": "VNM"}),
        json!({"format": "TD3", "document_code": "P", "issuing_state": "VNM", "surname": "A",
               "document_number": "C1", "nationality": "VNM", "birth_date": "1990-02-30"}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let out = filter(&["mrz", "build"], &input);
    let codes: Vec<&str> = out.iter().map(|o| o["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["untransliterable_name", "invalid_format", "invalid_date"]);
}
