use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

/// The `bienphong` binary under test.
pub fn bienphong() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bienphong"))
}

/// Runs a JSON Lines filter on `input` and returns its output lines as JSON values.
pub fn filter(args: &[&str], input: &str) -> Vec<Value> {
    let mut child = bienphong()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// A filter kept running, fed one line at a time, as a caller that waits for each answer.
pub struct Conversation {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Conversation {
    pub fn start(args: &[&str]) -> Conversation {
        let mut child =
            bienphong().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Conversation { child, stdin, stdout }
    }

    pub fn ask(&mut self, line: &str) -> Value {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer}: {e}"))
    }
}

impl Drop for Conversation {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with `stdin` and returns (success, stdout, stderr).
pub fn run(args: &[&str], stdin: &str) -> (bool, String, String) {
    let (code, out, err) = run_code(args, stdin);
    (code == Some(0), out, err)
}

/// The same, with the exit code.
pub fn run_code(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = bienphong()
        .args(args)
        .env_remove("BIENPHONG_DATABASE_URL")
        .env_remove("BIENPHONG_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One HTTP/1.1 exchange, closed after the answer: (status, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

/// `bienphong serve` on a free port, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Server {
    pub fn start(store_args: &[&str]) -> Server {
        Server::start_with(store_args, &[])
    }

    /// With these environment variables set for the server alone.
    pub fn start_with(store_args: &[&str], env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--listen", &addr];
        args.extend_from_slice(store_args);
        let child = bienphong()
            .args(&args)
            .env_remove("BIENPHONG_KEY_PASSPHRASE")
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        loop {
            if std::net::TcpStream::connect(&addr).is_ok()
                && http(&addr, "GET", "/healthz", None, None).0 == 200
            {
                break;
            }
            assert!(started.elapsed().as_secs() < 30, "the server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL database of its own, on the machine's server (`BIENPHONG_TEST_PG`).
pub fn pg_database(prefix: &str) -> String {
    let base = std::env::var("BIENPHONG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let ok = Command::new("psql")
        .args([&format!("{base}/test"), "-qc", &format!("CREATE DATABASE {name}")])
        .status()
        .unwrap()
        .success();
    assert!(ok, "creating {name}");
    format!("{base}/{name}")
}

pub fn drop_pg_database(url: &str) {
    let (base, name) = url.rsplit_once('/').unwrap();
    let _ = Command::new("psql")
        .args([
            &format!("{base}/test"),
            "-qc",
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        ])
        .status();
}
