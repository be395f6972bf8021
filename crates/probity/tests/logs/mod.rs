//! `probity serve`'s log: one line per request with its method, route pattern, status, latency
//! and request id (the one answered in `x-request-id`), and never a name, an ID number or a
//! username, even from requests that carry them.

#![allow(clippy::panic)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{ok, probity_db, small_dir};

/// One HTTP/1.1 exchange on a new connection: (status, headers, body).
pub(super) fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

pub(super) struct Answer {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `Set-Cookie` of the answer, whole.
    pub(super) fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A cookie set by the answer: `name=value`.
    pub(super) fn cookie(&self, name: &str) -> String {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no cookie {name} in {:?}", self.headers))
            .to_owned()
    }
}

/// Starts `probity serve` on `dir`'s database with `args`, logging at `info`; returns the child
/// and its address. Its standard error is piped, for the caller to read after stopping it.
pub(super) fn serve(dir: &Path, args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", dir.join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", dir.join("probity.keys"))
        .env("RUST_LOG", "info")
        .env_remove("PROBITY_LOG_FORMAT")
        .env_remove("PROBITY_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // "Probity at http://ADDR/" (or https://).
    while !line.contains("://") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "no address printed");
    }
    let addr = line
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    // Keep reading standard output so that the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, addr)
}

/// Stops the server (SIGTERM) and returns what it logged.
pub(super) fn stop(mut child: std::process::Child) -> String {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{log}");
    log
}

#[test]
fn each_request_is_logged_once_with_its_route_and_id_and_nothing_personal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    ok(probity_db(d, &["init"]));
    ok(probity_db(
        d,
        &[
            "roster",
            "import",
            small.join("roster.csv").to_str().unwrap(),
        ],
    ));
    ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
    let report: Value = serde_json::from_str(
        std::fs::read_to_string(small.join("declarations.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let resident_id = report["declarant_id"].as_str().unwrap().to_owned();
    let username = "chen.liangsheng.logtest";
    let password = "an orchard of quiet lanterns 7";
    let mut add = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["user", "add", username, "--role", "declarant"])
        .args(["--person", &resident_id, "--password-stdin"])
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", d.join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", d.join("probity.keys"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());

    let (server, addr) = serve(d, &["--log-format", "json"]);
    let mut answered = Vec::new();
    // A failed sign-in, under a username nobody has.
    let page = http(&addr, "GET", "/login", &[], "");
    let login = page.cookie("probity_login");
    let token = login.split_once('=').unwrap().1.to_owned();
    let wrong_user = "xu.wenjing.nobody";
    let failed = http(
        &addr,
        "POST",
        "/login",
        &[
            ("Cookie", &login),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("csrf={token}&username={wrong_user}&password=not+the+password"),
    );
    assert_eq!(failed.status, 401, "{}", failed.body);
    answered.push(("POST", "/login", failed));
    // A sign-in, then the report submitted through the API.
    let page = http(&addr, "GET", "/login", &[], "");
    let login = page.cookie("probity_login");
    let token = login.split_once('=').unwrap().1.to_owned();
    let signed_in = http(
        &addr,
        "POST",
        "/login",
        &[
            ("Cookie", &login),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!(
            "csrf={token}&username={username}&password={}",
            password.replace(' ', "+")
        ),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in.cookie("probity_session");
    let about = http(&addr, "GET", "/api/session", &[("Cookie", &session)], "");
    let csrf: Value = serde_json::from_str(&about.body).unwrap();
    let csrf = csrf["csrf"].as_str().unwrap().to_owned();
    let submitted = http(
        &addr,
        "POST",
        "/api/reports",
        &[
            ("Cookie", &session),
            ("x-csrf-token", &csrf),
            ("Content-Type", "application/json"),
        ],
        &report.to_string(),
    );
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    answered.push(("POST", "/api/reports", submitted));
    // An ID number in the path: the route's pattern is logged, not the path.
    let by_id = http(
        &addr,
        "GET",
        &format!("/reports/{resident_id}"),
        &[("Cookie", &session)],
        "",
    );
    answered.push(("GET", "/reports/{id}", by_id));
    let log = stop(server);

    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "probity::request")
        .collect();
    // One line per request: 2 sign-in pages, 2 sign-ins, the session, the submission, the read.
    assert_eq!(requests.len(), 7, "{log}");
    for (method, route, answer) in &answered {
        let id = answer.header("x-request-id").unwrap();
        let line = requests
            .iter()
            .find(|l| l["span"]["request_id"] == *id)
            .unwrap_or_else(|| panic!("no line with request id {id}: {log}"));
        assert_eq!(line["method"], *method, "{line}");
        assert_eq!(line["route"], *route, "{line}");
        assert_eq!(line["status"], answer.status, "{line}");
        assert!(line["latency_ms"].is_f64(), "{line}");
    }
    let ids: std::collections::HashSet<_> = requests
        .iter()
        .map(|l| l["span"]["request_id"].to_string())
        .collect();
    assert_eq!(ids.len(), requests.len(), "request ids repeat: {log}");
    // Nothing personal anywhere in the log: usernames, every person's ID number and name.
    let mut personal = vec![username.to_owned(), wrong_user.to_owned()];
    for person in report["persons"].as_array().unwrap() {
        personal.push(person["id"].as_str().unwrap().to_owned());
        personal.push(person["name"].as_str().unwrap().to_owned());
    }
    for secret in &personal {
        assert!(!log.contains(secret.as_str()), "{secret} logged: {log}");
    }
}

#[test]
fn text_logs_carry_the_same_fields() {
    let dir = tempfile::tempdir().unwrap();
    ok(probity_db(dir.path(), &["init"]));
    let (server, addr) = serve(dir.path(), &[]);
    let answer = http(&addr, "GET", "/healthz", &[], "");
    assert_eq!(answer.status, 200);
    let id = answer.header("x-request-id").unwrap().to_owned();
    let log = stop(server);
    let line = log
        .lines()
        .find(|l| l.contains("probity::request"))
        .unwrap_or_else(|| panic!("no request line: {log}"));
    for field in [
        format!("request_id={id}"),
        "method=GET".to_owned(),
        "route=/healthz".to_owned(),
        "status=200".to_owned(),
        "latency_ms=".to_owned(),
    ] {
        assert!(line.contains(&field), "{field} missing: {line}");
    }
}

#[test]
fn imports_and_verification_runs_are_logged_with_counts_and_nothing_personal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    let logged = |args: &[&str]| -> Vec<Value> {
        let o = Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(args)
            .args(["--log-format", "json"])
            .env(
                "PROBITY_DB",
                format!("sqlite://{}", d.join("probity.db").display()),
            )
            .env("PROBITY_KEY_FILE", d.join("probity.keys"))
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{err}");
        // Nothing personal: no one's ID number or name from the roster.
        let roster = std::fs::read_to_string(small.join("roster.csv")).unwrap();
        for row in roster.lines().skip(1) {
            let mut fields = row.split(',');
            for personal in [fields.next().unwrap(), fields.next().unwrap()] {
                assert!(!err.contains(personal), "{personal} logged: {err}");
            }
        }
        err.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    };
    ok(probity_db(d, &["init"]));
    let roster = small.join("roster.csv");
    let lines = logged(&["roster", "import", roster.to_str().unwrap()]);
    let import = lines
        .iter()
        .find(|l| l["target"] == "probity::import")
        .unwrap_or_else(|| panic!("no import line: {lines:?}"));
    let subjects = std::fs::read_to_string(&roster).unwrap().lines().count() - 1;
    assert_eq!(import["what"], "subjects");
    assert_eq!(import["added"], subjects);
    assert!(import["duration_ms"].is_u64(), "{import}");
    ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
    let reports = small.join("declarations.jsonl");
    let lines = logged(&["declaration", "import", reports.to_str().unwrap()]);
    let count = std::fs::read_to_string(&reports).unwrap().lines().count();
    assert!(
        lines.iter().any(|l| l["target"] == "probity::import"
            && l["what"] == "reports"
            && l["added"] == count),
        "{lines:?}"
    );
    let registries = small.join("registries");
    logged(&["registry", "import", registries.to_str().unwrap()]);
    let lines = logged(&["verify", "--cycle", "2025", "--all"]);
    let run = lines
        .iter()
        .find(|l| l["target"] == "probity::verification")
        .unwrap_or_else(|| panic!("no verification line: {lines:?}"));
    assert_eq!(run["checked"], count, "{run}");
    assert!(run["findings"].as_u64().unwrap() > 0, "{run}");
    assert!(run["duration_ms"].is_u64(), "{run}");
}
