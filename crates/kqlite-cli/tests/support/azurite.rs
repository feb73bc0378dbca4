//! Azurite, Microsoft's Azure Storage emulator (npm's `azurite`), started on a loopback port
//! for a test and stopped when dropped; blobs uploaded with the account's shared key.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{KeyInit, Mac};

/// Azurite's well-known development account.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    pub port: u16,
}

pub fn program() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KQLITE_AZURITE") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let installed = home.map(|h| h.join(".cache/kqlite/node/node_modules/.bin/azurite-blob"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).map(|d| d.join("azurite-blob"));
    on_path.chain(installed).find(|p| p.exists())
}

impl Azurite {
    pub fn start() -> Azurite {
        let program = program().expect(
            "the object storage test needs Azurite: npm install --prefix ~/.cache/kqlite/node \
             azurite (or KQLITE_AZURITE)",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("azurite-{port}"));
        let child = Command::new(program)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--silent", "--skipApiVersionCheck", "--location"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("azurite starts");
        let azurite = Azurite { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "azurite did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        azurite
    }

    /// A request signed with the account's shared key; its status.
    pub fn put(
        &self,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> u16 {
        let date = httpdate();
        let mut ms: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([
                ("x-ms-date".to_string(), date),
                ("x-ms-version".to_string(), "2021-08-06".to_string()),
            ])
            .collect();
        ms.sort();
        let canonical_headers: String = ms.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let mut resource = format!("/{ACCOUNT}/{ACCOUNT}{path}");
        for (k, v) in query {
            resource.push_str(&format!("\n{k}:{v}"));
        }
        let length = if body.is_empty() {
            String::new()
        } else {
            body.len().to_string()
        };
        let to_sign = format!("PUT\n\n\n{length}\n\n\n\n\n\n\n\n\n{canonical_headers}{resource}");
        let key = base64::engine::general_purpose::STANDARD
            .decode(KEY)
            .unwrap();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let target = format!("/{ACCOUNT}{path}?{}", query.join("&"));
        let mut request = format!(
            "PUT {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n\
             Authorization: SharedKey {ACCOUNT}:{signature}\r\nConnection: close\r\n",
            self.port,
            body.len()
        );
        for (k, v) in &ms {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// Creates an empty container.
    pub fn create_container(&self, name: &str) {
        let status = self.put(&format!("/{name}"), &[("restype", "container")], &[], b"");
        assert_eq!(status, 201, "creating container {name}");
    }

    /// Uploads every file under `dir` into `container` under `prefix`.
    pub fn upload(&self, container: &str, prefix: &str, dir: &Path) {
        for file in files(dir) {
            let relative = file
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let path = format!("/{container}/{prefix}/{relative}");
            let body = std::fs::read(&file).unwrap();
            let status = self.put(&path, &[], &[("x-ms-blob-type", "BlockBlob")], &body);
            assert_eq!(status, 201, "upload {path}");
        }
    }

    pub fn kqlite(&self, cache: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kqlite"))
            .args(args)
            .env("AZURE_STORAGE_USE_EMULATOR", "true")
            .env(
                "AZURITE_BLOB_STORAGE_URL",
                format!("http://127.0.0.1:{}", self.port),
            )
            .env("KQLITE_CACHE", cache)
            .stdin(Stdio::null())
            .output()
            .expect("kqlite runs")
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap().map(|e| e.unwrap().path()) {
            if entry.is_dir() {
                stack.push(entry);
            } else {
                found.push(entry);
            }
        }
    }
    found
}

/// Now as HTTP's date (`Sun, 06 Dec 2026 12:00:00 GMT`).
fn httpdate() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let time = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
