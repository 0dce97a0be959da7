//! The aliases file of `gongkai serve`: a bad one stops the start with the line at fault; a
//! changed one is picked up on SIGHUP without a restart (the version in `/healthz` changes and
//! searches use the new groups).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{bin, enc, get_json, serve};

#[test]
fn sighup_reloads_the_aliases_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aliases.txt");
    std::fs::write(&file, "只有一个\n").unwrap();
    let data = dir.path().join("data");
    let refused = bin()
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--aliases"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("line 1"), "{stderr}");

    // 宪法 is in many sample documents; 根本大法 in none.
    std::fs::write(&file, "# mine\n").unwrap();
    let file_arg = file.to_str().unwrap();
    let (mut server, addr) = serve(&data, "warn", &["--aliases", file_arg]);
    let (_, health) = get_json(addr, "/healthz");
    let before = health["aliases_version"].as_str().unwrap().to_string();
    let search = |q: &str| {
        get_json(addr, &format!("/api/v1/search?q={}", enc(q))).1["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(search("根本大法"), 0);
    let constitution = search("宪法");
    assert!(constitution > 0);

    std::fs::write(&file, "根本大法 | 宪法\n").unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        let (_, health) = get_json(addr, "/healthz");
        if health["aliases_version"] != before.as_str() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "SIGHUP did not reload"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(search("根本大法"), constitution);
    server.kill().unwrap();
    server.wait().unwrap();
}
