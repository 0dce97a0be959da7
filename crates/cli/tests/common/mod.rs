//! Helpers shared by the end-to-end tests that drive the `gongkai` binary.
#![allow(dead_code, clippy::unwrap_used)] // Each test file uses a different subset.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The binary, with none of the environment that would change its defaults.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    for var in [
        "GONGKAI_DATA",
        "GONGKAI_CONFIG",
        "GONGKAI_USER_DICT",
        "GONGKAI_LISTEN",
    ] {
        c.env_remove(var);
    }
    c
}

/// `index-data/sample`.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index-data/sample")
}

/// `gongkai serve` on a free loopback port with the sample, no per-IP rate limit (tests send
/// many requests from one address) and `extra` arguments; returns the child and its address
/// once it prints it. Its stdout is drained in the background.
pub fn serve(data: &Path, log: &str, extra: &[&str]) -> (Child, SocketAddr) {
    let mut command = bin();
    command.arg("--data").arg(data);
    add_serve_args(&mut command, extra);
    command.env("GONGKAI_LOG", log);
    spawn_server(command)
}

/// `serve --listen 127.0.0.1:0 --rate-limit-per-ip 0 --sample SAMPLE EXTRA…` appended to
/// `command`.
pub fn add_serve_args(command: &mut Command, extra: &[&str]) {
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit-per-ip",
            "0",
        ])
        .arg("--sample")
        .arg(sample_dir())
        .args(extra);
}

/// Starts a server command and returns it with its address once it prints it; its stdout is
/// drained in the background.
pub fn spawn_server(mut command: Command) -> (Child, SocketAddr) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines
        .next()
        .expect("the server prints its address")
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .parse()
        .unwrap();
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// xorshift64*: a small deterministic generator, so a printed seed replays a run.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// `s` percent-encoded for a URL.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// One HTTP/1.1 exchange on a fresh connection: status and body, or `None` when the
/// connection failed (the server was killed).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body)?;
    }
    Some((status, body))
}

fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&bytes[..line_end]).ok()?.trim(), 16).ok()?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(bytes.get(..size)?);
        bytes = bytes.get(size + 2..)?;
    }
}

/// `GET path`: status and JSON body (`Null` when the body is not JSON).
pub fn get_json(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (status, body) = http(addr, "GET", path, &[], b"").expect("the server answers");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A new API key of `scope` (`write` or `admin`): the last line `keys create` prints.
pub fn key(data: &Path, scope: &str) -> String {
    let out = bin()
        .arg("--data")
        .arg(data)
        .args(["keys", "create", "--scope", scope, "--name"])
        .arg(format!("test-{scope}"))
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}

/// `var` parsed from the environment, else `default` (long forms of the tests).
pub fn env_number<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed in `var`, else one from the clock (printed by the caller, so a run replays).
pub fn seed_from_env(var: &str) -> u64 {
    env_number(
        var,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1,
    )
}

/// Panics with the command's stderr unless it succeeded.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bundled sample's records.
pub fn sample_records() -> Vec<Value> {
    let path = sample_dir().join("corpus-sample.jsonl.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
