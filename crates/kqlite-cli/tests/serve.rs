//! `kqlite serve` over HTTP on loopback, as any client meets it: hostile requests get
//! Kusto-shaped 4xx answers, the token is required when set, large results stream in bounded
//! memory, a client that leaves frees its query, a query past its timeout is cancelled. The
//! Microsoft client itself is exercised by the Python suite at the end.

#[path = "support/webdriver.rs"]
mod webdriver;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use webdriver::{Browser, CONTROL, ENTER, RELEASE, SHIFT};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `kqlite serve` on an ephemeral loopback port, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let sample = repo().join("testdata/sample");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kqlite"))
            .args([
                "serve",
                "--data",
                sample.to_str().unwrap(),
                "--bind",
                "127.0.0.1:0",
            ])
            .args(["--now", "2025-10-01"])
            .args(extra)
            .args(if extra.contains(&"--audit") {
                &[][..]
            } else {
                &["--no-audit"][..]
            })
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kqlite serve starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let mut address = None;
        while address.is_none() && stderr.read_line(&mut line).unwrap_or(0) > 0 {
            address = line
                .split("http://")
                .nth(1)
                .and_then(|a| a.split_whitespace().next())
                .map(str::to_string);
            line.clear();
        }
        // Keep reading what it logs, so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Server {
            child,
            address: address.expect("kqlite serve prints the address it listens on"),
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream
    }

    /// Sends a request and returns the status and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = self.connect();
        send(&mut stream, method, path, headers, body);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    /// POSTs `body` as JSON to `path`; the answer, parsed, after checking it is a 200.
    fn post_json(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let (status, answer) = self.request("POST", path, &[JSON], body.to_string().as_bytes());
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("a JSON answer")
    }

    fn query(&self, csl: &str) -> (u16, String) {
        let body = serde_json::json!({ "db": "kqlite", "csl": csl }).to_string();
        self.request(
            "POST",
            "/v2/rest/query",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    /// The server's peak resident memory, in bytes.
    fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u64>()
            .unwrap()
            * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(stream: &mut TcpStream, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        head.push_str("Host: localhost\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// The body of a chunked response, joined.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A request that must be refused: where it goes, its content type, its body, the status.
struct Hostile(&'static str, &'static str, Vec<u8>, u16);

fn hostile_requests() -> Vec<Hostile> {
    let (query, mgmt, json) = ("/v2/rest/query", "/v1/rest/mgmt", "application/json");
    let text = |t: &str| t.as_bytes().to_vec();
    vec![
        Hostile(query, json, text("{not json"), 400),
        Hostile(query, "text/plain", text(r#"{"csl":"print 1"}"#), 415),
        Hostile(query, json, vec![b' '; 5 << 20], 413),
        Hostile(query, json, "[".repeat(200_000).into_bytes(), 400),
        Hostile(query, json, text(r#"{"db":"kqlite"}"#), 400),
        Hostile(
            query,
            json,
            text(r#"{"csl":"print 1","properties":"{bad"}"#),
            400,
        ),
        Hostile(query, json, text(r#"{"csl":"print 1","db":"Other"}"#), 400),
        Hostile(query, json, text(r#"{"csl":".show tables"}"#), 400),
        Hostile(
            query,
            json,
            text(r#"{"csl":"print 1","properties":{"Options":{"servertimeout":"soon"}}}"#),
            400,
        ),
        Hostile(mgmt, json, text(r#"{"csl":".drop table AlertInfo"}"#), 403),
        Hostile(
            mgmt,
            json,
            text(r#"{"csl":".set-or-append T <| print 1"}"#),
            403,
        ),
        Hostile(mgmt, json, text(r#"{"csl":".show cluster"}"#), 400),
        Hostile("/v1/rest/admin", json, text(r#"{"csl":"print 1"}"#), 404),
    ]
}

#[test]
fn hostile_requests_get_kusto_shaped_errors() {
    let server = Server::start(&[]);
    for Hostile(path, content_type, body, expected) in hostile_requests() {
        let headers = [("Content-Type", content_type)];
        let (status, answer) = server.request("POST", path, &headers, &body);
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
        assert_eq!(status, expected, "{path} {shown}: {answer}");
        let error: serde_json::Value =
            serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{shown}: {answer}"));
        let message = error["error"]["@message"].as_str();
        assert!(message.is_some_and(|m| !m.is_empty()), "{answer}");
    }
    let (status, _) = server.request("GET", "/v2/rest/query", &[], b"");
    assert_eq!(status, 405);
    let (status, answer) = server.query("print x = 1");
    assert_eq!(status, 200, "the server still answers: {answer}");
}

#[test]
fn query_errors_point_at_line_and_column() {
    let server = Server::start(&[]);
    let (status, answer) = server.query("AlertInfo\n| where Nope == 1");
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        (
            error["error"]["@line"].as_u64(),
            error["error"]["@column"].as_u64()
        ),
        (Some(2), Some(9)),
        "{answer}"
    );
    let message = error["error"]["@message"].as_str().unwrap();
    assert!(
        message.starts_with("Semantic error: ") && message.contains("Nope"),
        "{message}"
    );
    let (status, answer) = server.query("AlertInfo | where");
    assert_eq!(status, 400);
    assert!(answer.contains("Syntax error"), "{answer}");
}

#[test]
fn a_listener_beyond_loopback_needs_a_token() {
    let sample = repo().join("testdata/sample");
    let output = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args([
            "serve",
            "--data",
            sample.to_str().unwrap(),
            "--bind",
            "0.0.0.0:0",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--token"), "{stderr}");
}

#[test]
fn with_a_token_every_request_carries_it() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-token");
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, "0123456789abcdef-secret\n").unwrap();
    let server = Server::start(&["--token", token.to_str().unwrap()]);
    let body = br#"{"csl":"print 1"}"#;
    let path = "/v2/rest/query";
    assert_eq!(server.request("POST", path, &[JSON], body).0, 401);
    let wrong = ("Authorization", "Bearer 0123456789abcdef-secreT");
    assert_eq!(server.request("POST", path, &[JSON, wrong], body).0, 401);
    let right = ("Authorization", "Bearer 0123456789abcdef-secret");
    assert_eq!(server.request("POST", path, &[JSON, right], body).0, 200);
}

#[test]
fn large_results_stream_in_bounded_memory() {
    let server = Server::start(&[]);
    server.query("print 1");
    let before = server.peak_memory();
    // About 200 MB of JSON: held whole, it would show in the server's peak memory.
    let csl = "set notruncation; range x from 1 to 1000000 step 1 \
               | extend s = strcat(x, '-', strrep('abcdefghij', 18))";
    let (status, body) = server.query(csl);
    assert_eq!(status, 200);
    let rows = body.matches("-abcdefghij").count();
    assert_eq!(rows, 1_000_000);
    assert!(
        body.contains("\"HasErrors\":false"),
        "{}",
        &body[body.len() - 300..]
    );
    let grown = server.peak_memory().saturating_sub(before);
    assert!(
        grown < 120 << 20,
        "the server's peak memory grew by {} MB",
        grown >> 20
    );
}

#[test]
fn a_client_that_leaves_frees_its_query() {
    let server = Server::start(&["--max-queries", "1"]);
    let heavy = serde_json::json!({"csl": "range x from 1 to 2000000000 step 1 | summarize sum(hash(x) % 7)"}).to_string();
    let mut stream = server.connect();
    send(
        &mut stream,
        "POST",
        "/v2/rest/query",
        &[JSON],
        heavy.as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(500));
    drop(stream);
    // With one query at a time, the next query runs only once the first is cancelled.
    let started = Instant::now();
    let (status, _) = server.query("print 1");
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_query_past_its_timeout_is_cancelled_with_kustos_error() {
    let server = Server::start(&["--timeout", "1s"]);
    let started = Instant::now();
    let (status, body) =
        server.query("range x from 1 to 2000000000 step 1 | summarize sum(hash(x) % 7)");
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(body.contains("Request execution timeout"), "{body}");
    assert!(
        body.contains("\"HasErrors\":true,\"Cancelled\":true"),
        "{body}"
    );
}

#[test]
fn truncation_is_a_partial_failure_inside_the_result() {
    let server = Server::start(&[]);
    let (status, body) = server.query("set truncationmaxrecords = 5; range x from 1 to 10 step 1");
    assert_eq!(status, 200);
    let frames: serde_json::Value = serde_json::from_str(&body).unwrap();
    let primary = frames
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["TableKind"] == "PrimaryResult")
        .unwrap();
    let rows = primary["Rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "five rows, then the error: {body}");
    assert!(rows[5]["OneApiErrors"][0]["error"]["@message"]
        .as_str()
        .unwrap()
        .contains("E_QUERY_RESULT_SET_TOO_LARGE"));
}

#[test]
fn v1_answers_carry_a_table_of_contents() {
    let server = Server::start(&[]);
    let body = br#"{"db":"kqlite","csl":"print a = 1, b = 'x'"}"#;
    let (status, answer) = server.request("POST", "/v1/rest/query", &[JSON], body);
    assert_eq!(status, 200);
    let v1: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let tables = v1["Tables"].as_array().unwrap();
    assert_eq!(tables[0]["Rows"], serde_json::json!([[1, "x"]]));
    assert_eq!(tables[0]["Columns"][0]["DataType"], "Int64");
    let contents = &tables[tables.len() - 1]["Rows"];
    assert_eq!(contents[0][1], "QueryResult");
}

#[test]
fn every_query_is_audited_and_the_log_verifies() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-audit");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&log);
    let server = Server::start(&["--audit", log.to_str().unwrap()]);
    let (_, answer) = server.query("AlertInfo | count");
    server.query("AlertInfo | where Nope == 1");
    drop(server);
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = entries
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok", "failed"]);
    assert_eq!(entries[0]["query"], "AlertInfo | count");
    assert!(entries[0]["client"]
        .as_str()
        .unwrap()
        .starts_with("kqlite;"));
    use sha2::Digest;
    let digest = sha2::Sha256::digest(answer.as_bytes());
    let sent: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        entries[0]["output_sha256"],
        sent.as_str(),
        "the hash of what was sent"
    );
    let verify = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(["audit", "verify", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn render_is_kustos_visualization_property() {
    let server = Server::start(&[]);
    let (status, body) = server.query(
        "DataSecurityEvents | summarize count() by ActionType | render piechart with (title='Actions')",
    );
    assert_eq!(status, 200);
    let frames: serde_json::Value = serde_json::from_str(&body).unwrap();
    let properties = &frames[1];
    assert_eq!(properties["TableName"], "@ExtendedProperties");
    let row = &properties["Rows"][0];
    assert_eq!(
        (&row[0], &row[1]),
        (&serde_json::json!(1), &serde_json::json!("Visualization"))
    );
    let value: serde_json::Value = serde_json::from_str(row[2].as_str().unwrap()).unwrap();
    assert_eq!(
        (&value["Visualization"], &value["Title"]),
        (
            &serde_json::json!("piechart"),
            &serde_json::json!("Actions")
        )
    );
}

#[test]
fn the_web_page_is_served_and_draws_charts_through_the_same_api() {
    let server = Server::start(&[]);
    let (status, page) = server.request("GET", "/", &[], b"");
    assert_eq!(status, 200);
    assert!(
        page.contains("<textarea") && page.contains("/v2/rest/query"),
        "{page}"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no asset from elsewhere"
    );
    let body = serde_json::json!({
        "csl": "DataSecurityEvents | summarize count() by ActionType | render columnchart",
        "properties": {"Options": {"kqlite_chart": true}},
    });
    let (status, answer) = server.request(
        "POST",
        "/v2/rest/query",
        &[JSON],
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 200);
    let frames: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let chart = frames
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["TableName"] == "@KqliteChart");
    let svg = chart.expect("the chart table")["Rows"][0][0]
        .as_str()
        .unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<rect"), "{svg}");
}

#[test]
fn the_page_zooms_a_chart_by_its_x_range() {
    let server = Server::start(&[]);
    let chart = |options: serde_json::Value| {
        let body = serde_json::json!({
            "csl": "DataSecurityEvents | summarize n = count() by bin(Timestamp, 1d) | render timechart",
            "properties": {"Options": options},
        });
        let frames = server.post_json("/v2/rest/query", body);
        let mut tables = frames.as_array().unwrap().iter();
        let chart = tables.find(|f| f["TableName"] == "@KqliteChart");
        let svg = chart.expect("the chart table")["Rows"][0][0].as_str();
        svg.unwrap().matches("<title>n: ").count()
    };
    let whole = chart(serde_json::json!({"kqlite_chart": true}));
    // 2025-09-10 and 2025-09-14, 00:00 UTC, in nanoseconds: five days.
    let zoomed = chart(serde_json::json!({
        "kqlite_chart": true,
        "kqlite_chart_xmin": 1_757_462_400_000_000_000_f64,
        "kqlite_chart_xmax": 1_757_808_000_000_000_000_f64,
    }));
    assert!(whole > 20, "{whole}");
    assert_eq!(zoomed, 5);
}

#[test]
fn the_completion_statistics_say_the_bytes_scanned() {
    let server = Server::start(&[]);
    let (status, answer) = server.query("DataSecurityEvents | summarize count() by ActionType");
    assert_eq!(status, 200, "{answer}");
    let frames: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let mut info = frames.as_array().unwrap().iter();
    let info = info.find(|f| f["TableKind"] == "QueryCompletionInformation");
    let rows = info.expect("the completion table")["Rows"]
        .as_array()
        .unwrap();
    let statistics = rows.iter().find_map(|r| {
        let payload = r
            .as_array()?
            .iter()
            .find_map(|v| v.as_str()?.contains("ExecutionTime").then_some(v))?;
        serde_json::from_str::<serde_json::Value>(payload.as_str()?).ok()
    });
    let scanned = statistics.expect("the statistics")["kqlite_bytes_scanned"].as_u64();
    assert!(scanned.is_some_and(|b| b > 0), "{answer}");
}

#[test]
fn the_page_completes_by_the_repls_rules() {
    let server = Server::start(&[]);
    let complete = |text: &str| {
        let body = serde_json::json!({"text": text, "cursor": text.len()});
        let answer = server.post_json("/v1/kqlite/complete", body);
        let items = answer["items"].as_array().unwrap().iter();
        items
            .map(|i| i["display"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // The columns in scope: those of the pipeline so far, an extend's included.
    let columns = complete("DataSecurityEvents | extend Acc2 = 1 | where Acc");
    assert_eq!(columns, ["AccountUpn", "AccountObjectId", "Acc2"]);
    assert!(complete("AlertInfo | summ").contains(&"summarize".to_string()));
    assert_eq!(complete("AlertInfo | where strl"), ["strlen(text)"]);
    assert_eq!(complete("DataSecurityEv"), ["DataSecurityEvents"]);
    let (status, _) = server.request("POST", "/v1/kqlite/complete", &[JSON], b"{}");
    assert_eq!(status, 400);
}

#[test]
fn without_a_token_only_requests_for_this_machine_are_answered() {
    let server = Server::start(&[]);
    let body = br#"{"csl":"print 1"}"#;
    let rebound = [JSON, ("Host", "attacker.example:8080")];
    let (status, answer) = server.request("POST", "/v2/rest/query", &rebound, body);
    assert_eq!(status, 403, "{answer}");
    let local = [JSON, ("Host", "127.0.0.1:8080")];
    assert_eq!(
        server.request("POST", "/v2/rest/query", &local, body).0,
        200
    );
}

/// A headless Chromium: `KQLITE_CHROMIUM`, else `chromium` on the PATH (`.ci/run` installs it).
/// A headless Chromium, or a failure saying what to install (`KQLITE_SKIP_BROWSER=1` skips the
/// browser tests on a machine that cannot have one).
fn browser() -> Option<Browser> {
    if std::env::var_os("KQLITE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: KQLITE_SKIP_BROWSER is set");
        return None;
    }
    Some(Browser::start().unwrap_or_else(|missing| panic!("the browser test needs {missing}")))
}

#[test]
fn the_page_runs_a_hunt_in_a_headless_browser() {
    let Some(browser) = browser() else { return };
    let server = Server::start(&[]);
    browser.go(&format!("http://{}/", server.address));
    browser.wait_for_text("#db", "kqlite");
    // Type a hunt, run it with Shift+Enter, read the grid and the chart.
    browser.clear("#query");
    let hunt =
        "DataSecurityEvents\n| summarize Events = count() by bin(Timestamp, 1d), ActionType\n\
                | render timechart";
    browser.type_into("#query", hunt);
    browser.type_into("#query", &format!("{SHIFT}{ENTER}{RELEASE}"));
    let status = browser.wait_for_text("#status", "rows in");
    assert!(status.starts_with("330 rows in"), "{status}");
    assert!(browser.text("#grid").contains("FileRead"));
    let lines = browser.eval("return document.querySelectorAll('#chart svg polyline').length");
    assert!(lines.as_u64().is_some_and(|n| n >= 2), "{lines}");
    // Dragging across the chart zooms it: the query runs again over a narrower x range.
    let points = "return document.querySelectorAll('#chart svg circle').length";
    let before = browser.eval(points).as_u64().unwrap_or(0);
    let plot = browser.eval(
        "const s = document.querySelector('#chart svg'); s.scrollIntoView(); \
         const r = s.getBoundingClientRect(); return [r.left, r.width, r.top + r.height / 2];",
    );
    let at = |i: usize| plot[i].as_f64().expect("the chart's place");
    let (left, width, middle) = (at(0), at(1), at(2));
    browser.drag((left + width * 0.3, middle), (left + width * 0.5, middle));
    let status = browser.wait_for_text("#status", "zoomed");
    assert!(status.contains("zoomed"), "{status}");
    let after = browser.eval(points).as_u64().unwrap_or(0);
    assert!(
        after > 0 && after < before / 2,
        "{before} points, then {after}"
    );
    // Completion by the REPL's rules: the columns in scope, an extend's included.
    browser.clear("#query");
    browser.type_into("#query", "DataSecurityEvents | extend Acc2 = 1 | where Acc");
    browser.type_into("#query", &format!("{CONTROL} {RELEASE}"));
    let offered = browser.wait_for_text("#complete", "Acc2");
    assert!(
        offered.contains("AccountUpn") && offered.contains("Acc2"),
        "{offered}"
    );
    browser.type_into("#query", &ENTER.to_string());
    let completed = browser.eval("return document.getElementById('query').value");
    assert!(
        completed
            .as_str()
            .is_some_and(|q| q.ends_with("where AccountUpn")),
        "{completed}"
    );
    // An error moves the cursor to its place and says what is wrong.
    browser.clear("#query");
    browser.type_into("#query", "DataSecurityEvents\n| where Nope == 1");
    browser.type_into("#query", &format!("{SHIFT}{ENTER}{RELEASE}"));
    let error = browser.wait_for_text("#status", "Nope");
    assert!(error.contains("unknown column 'Nope'"), "{error}");
    assert!(
        browser.text("#grid").is_empty(),
        "no rows of the query before"
    );
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("page.png");
    assert!(browser.screenshot(&shot).starts_with(b"\x89PNG"));
    // An unknown column is the server's 400, which the console reports as a failed
    // request; no other error may appear.
    let errors = browser.console_errors();
    let unexpected: Vec<&String> = errors.iter().filter(|e| !e.contains("400")).collect();
    assert!(unexpected.is_empty(), "console errors: {unexpected:?}");
}

#[test]
fn a_link_runs_its_query_when_the_page_opens() {
    let Some(browser) = browser() else { return };
    let server = Server::start(&[]);
    let query = "DataSecurityEvents | summarize Events = count() by ActionType | render piechart";
    let mut url = format!("http://{}/?q=", server.address);
    for byte in query.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => url.push(byte as char),
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    browser.go(&url);
    let status = browser.wait_for_text("#status", "rows in");
    assert!(status.contains("rows in"), "{status}");
    let slices =
        browser.eval("return document.querySelectorAll('#chart svg path[data-series]').length");
    assert!(slices.as_u64().is_some_and(|n| n >= 2), "{slices}");
    assert!(browser.console_errors().is_empty());
}
