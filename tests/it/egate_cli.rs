//! `bienphong egate simulate` and `egate cscas`: simulated gates through a real server's API,
//! enrolled through the store or with a token given, and their mistakes refused in one line.

use crate::helpers::*;

#[test]
fn the_simulator_drives_gates_through_the_api_and_the_platform_decides() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    let server = Server::start(&["--data-dir", d]);
    let url = format!("http://{}", server.addr);
    // Without a token it enrols itself: a device of the checkpoint and its test CSCAs.
    let (ok, out, err) = run(
        &[
            "egate",
            "simulate",
            "--checkpoint",
            "MONG-CAI",
            "--gates",
            "3",
            "--rate",
            "20/s",
            "--duration",
            "3s",
            "--url",
            &url,
            "--data-dir",
            d,
            "--seed",
            "11",
        ],
        "",
    );
    assert!(ok, "{out}{err}");
    let last = out.lines().last().unwrap_or_default();
    let number = |before: &str| -> u64 {
        let i = last.find(before).unwrap_or_else(|| panic!("{before:?} in {last}"));
        last[..i].split_whitespace().last().unwrap().trim_start_matches('(').parse().unwrap()
    };
    let (sent, answered, opened) = (number(" sent"), number(" answered"), number(" open"));
    assert!(sent >= 50, "{last}");
    assert_eq!(answered, sent, "{last}");
    assert!(opened * 10 >= sent * 8, "most travellers pass: {last}");
    assert!(last.contains(" 0 failed"), "{last}");
    let (ok, out, _) = run(&["csca", "list", "--data-dir", d], "");
    let trusted = out.lines().filter(|l| l.contains("CSCA") && l.contains("simulator")).count();
    assert!(ok && trusted == 2, "both test countries trusted: {out}");

    // The test CSCAs print as PEM, for a platform the simulator cannot reach the store of.
    let (ok, pem, _) = run(&["egate", "cscas"], "");
    assert!(ok && pem.matches("-----BEGIN CERTIFICATE-----").count() == 2, "{pem}");

    // A wrong token: every transaction fails, and the run says so.
    let (code, out, err) = run_code(
        &[
            "egate",
            "simulate",
            "--checkpoint",
            "MONG-CAI",
            "--rate",
            "5/s",
            "--duration",
            "1s",
            "--url",
            &url,
            "--token",
            "not-a-token",
        ],
        "",
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("no transaction was answered") && err.contains("401"), "{err}");
}

#[test]
fn the_simulators_mistakes_are_refused_in_one_line() {
    for (args, says) in [
        (&["--rate", "fast"][..], "--rate"),
        (&["--rate", "2/week"][..], "--rate"),
        (&["--rate", "0/s"][..], "--rate"),
        (&["--duration", "soon"][..], "--duration"),
        (&["--gates", "0"][..], "--gates"),
        (&["--checkpoint", "mong cai"][..], "--checkpoint"),
    ] {
        let mut all = vec!["egate", "simulate", "--token", "t"];
        all.extend_from_slice(args);
        if !args.contains(&"--checkpoint") {
            all.extend_from_slice(&["--checkpoint", "MONG-CAI"]);
        }
        let (code, _, err) = run_code(&all, "");
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}
