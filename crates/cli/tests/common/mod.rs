//! Helpers shared by the end-to-end tests that drive the `gongkai` binary.
#![allow(dead_code, clippy::unwrap_used)] // Each test file uses a different subset.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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
    let mut child = bin()
        .arg("--data")
        .arg(data)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit-per-ip",
            "0",
        ])
        .arg("--sample")
        .arg(sample_dir())
        .args(extra)
        .env("GONGKAI_LOG", log)
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
