//! A headless Chromium driven through chromedriver (W3C WebDriver, JSON over HTTP on
//! loopback): enough to type into a page, press keys, read elements, take a screenshot and
//! collect the console's errors. Every wait is bounded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// WebDriver's key codes.
pub const SHIFT: char = '\u{E008}';
pub const CONTROL: char = '\u{E009}';
pub const ENTER: char = '\u{E007}';
/// Releases the modifiers pressed before it.
pub const RELEASE: char = '\u{E000}';

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// The first of `names` on the PATH, or what `variable` names.
fn program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let found = names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)));
    found.into_iter().find(|candidate| candidate.exists())
}

impl Browser {
    /// Chromium (`KQLITE_CHROMIUM` or `chromium` on the PATH) under chromedriver
    /// (`KQLITE_CHROMEDRIVER` or `chromedriver`); Err says what is missing.
    pub fn start() -> Result<Browser, String> {
        let chromium = program("KQLITE_CHROMIUM", &["chromium", "chromium-browser"])
            .ok_or("no chromium on the PATH (apt-get install chromium, or KQLITE_CHROMIUM)")?;
        let driver = program("KQLITE_CHROMEDRIVER", &["chromedriver"]).ok_or(
            "no chromedriver on the PATH (apt-get install chromium-driver, or KQLITE_CHROMEDRIVER)",
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        browser.wait_until_ready()?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let made = browser.call("POST", "/session", Some(capabilities))?;
        browser.session = made["sessionId"]
            .as_str()
            .ok_or(format!("no session: {made}"))?
            .to_string();
        Ok(browser)
    }

    fn wait_until_ready(&self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Ok(status) = self.call("GET", "/status", None) {
                if status["ready"] == true {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("chromedriver did not start within 15 s".into())
    }

    /// One WebDriver command: its `value`, or Err with the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let answer = read_response(&mut stream)?;
        let value: Value = serde_json::from_str(&answer).map_err(|e| format!("{e}: {answer}"))?;
        match value["value"].get("error") {
            Some(error) => Err(format!("{error}: {}", value["value"]["message"])),
            None => Ok(value["value"].clone()),
        }
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    pub fn go(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    fn element(&self, css: &str) -> Result<String, String> {
        let path = format!("/session/{}/element", self.session);
        let found = self.call(
            "POST",
            &path,
            Some(json!({"using": "css selector", "value": css})),
        )?;
        let id = found[ELEMENT].as_str().map(str::to_string);
        id.ok_or_else(|| format!("no element {css}: {found}"))
    }

    fn must(&self, css: &str) -> String {
        self.element(css).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Types `keys` into the element `css` (WebDriver key codes included).
    pub fn type_into(&self, css: &str, keys: &str) {
        let element = self.must(css);
        let path = format!("/element/{element}/value");
        self.session_call("POST", &path, Some(json!({ "text": keys })));
    }

    pub fn clear(&self, css: &str) {
        let element = self.must(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        );
    }

    /// The text of the element `css`, empty when there is none.
    pub fn text(&self, css: &str) -> String {
        let Ok(element) = self.element(css) else {
            return String::new();
        };
        let text = self.session_call("GET", &format!("/element/{element}/text"), None);
        text.as_str().unwrap_or_default().to_string()
    }

    /// Waits up to 30 s for the element `css` to hold `wanted`; its text at the end.
    pub fn wait_for_text(&self, css: &str, wanted: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(css);
            if text.contains(wanted) || started.elapsed() > Duration::from_secs(30) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Drags the mouse from `from` to `to` (viewport coordinates) with the left button down.
    pub fn drag(&self, from: (f64, f64), to: (f64, f64)) {
        let moves = json!([
            {"type": "pointerMove", "x": from.0 as i64, "y": from.1 as i64, "origin": "viewport"},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "x": to.0 as i64, "y": to.1 as i64, "origin": "viewport", "duration": 200},
            {"type": "pointerUp", "button": 0},
        ]);
        let mouse = json!({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": moves});
        self.session_call("POST", "/actions", Some(json!({ "actions": [mouse] })));
    }

    /// Runs `script` in the page and returns what it returns.
    pub fn eval(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// The page as PNG, written to `path`.
    pub fn screenshot(&self, path: &Path) -> Vec<u8> {
        use base64::Engine;
        let encoded = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a base64 screenshot");
        std::fs::write(path, &png).expect("the screenshot written");
        png
    }

    /// The console's error messages so far.
    pub fn console_errors(&self) -> Vec<String> {
        let log = self.session_call("POST", "/se/log", Some(json!({"type": "browser"})));
        let entries = log.as_array().cloned().unwrap_or_default();
        let errors = entries.into_iter().filter(|e| e["level"] == "SEVERE");
        errors.map(|e| e["message"].to_string()).collect()
    }
}

/// The body of an HTTP response, by its Content-Length (chromedriver keeps the connection
/// open whatever the request asks).
fn read_response(stream: &mut TcpStream) -> Result<String, String> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_none_or(|n| body.len() >= n) {
                return Ok(body.to_string());
            }
        }
        let read = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if read == 0 {
            let text = String::from_utf8_lossy(&bytes);
            return Ok(text
                .split_once("\r\n\r\n")
                .map_or("", |(_, b)| b)
                .to_string());
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
