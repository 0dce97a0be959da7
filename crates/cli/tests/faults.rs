//! Faults of the disk under a running server and under `gongkai ingest`: a full disk and a
//! file system that turns read-only (the I/O error a failing disk gives).
//!
//! The data directory sits on a small tmpfs of its own, mounted in a private mount namespace
//! (`unshare --user --map-root-user --mount`: no privileges needed where user namespaces are
//! allowed; CI runs as root). The test reaches that file system through `/proc/PID/root`, fills
//! it, and frees it again. Checked: writes answer 507 `insufficient_storage` (503 `unavailable`
//! when read-only) with nothing of them kept — no version in the archive, nothing in search —
//! while searches keep answering from the last commit; the archive's journal and the index stay
//! at the same position with no damaged line; once space is back the same writes succeed. An
//! ingest that runs out of space fails with a message naming the cause, keeps what it had
//! committed, and a rerun completes it without duplicates.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::{json, Value};

mod common;
use common::{add_serve_args, assert_success, enc, get_json, http, key, sample_dir, spawn_server};

/// A server whose data directory is `MNT/data` on a tmpfs of `size` mounted at `mnt` in its
/// own mount namespace.
struct Confined {
    child: Child,
    addr: SocketAddr,
    mnt: PathBuf,
}

impl Confined {
    fn start(mnt: &Path, size: &str) -> Confined {
        let mut script = Command::new("unshare");
        script
            .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
            .arg(
                r#"size=$1; mnt=$2; bin=$3; shift 3
mount -t tmpfs -o "size=$size" tmpfs "$mnt" || exit 97
exec "$bin" --data "$mnt/data" "$@""#,
            )
            .arg("sh")
            .arg(size)
            .arg(mnt)
            .arg(env!("CARGO_BIN_EXE_gongkai"));
        add_serve_args(&mut script, &[]);
        script.env("GONGKAI_LOG", "error");
        let (child, addr) = spawn_server(script);
        Confined {
            child,
            addr,
            mnt: mnt.to_path_buf(),
        }
    }

    /// A path on the confined file system, as this process reaches it.
    fn path(&self, inside: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root", self.child.id()))
            .join(self.mnt.strip_prefix("/").unwrap())
            .join(inside)
    }

    /// `gongkai --data MNT/DATA` run inside the server's mount namespace (tantivy resolves
    /// `/proc/PID/root` paths back to this namespace, so the CLI must run in that one).
    fn cli(&self, data: &str) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg("-t")
            .arg(self.child.id().to_string())
            .args(["--user", "--mount", "--preserve-credentials"])
            .arg(env!("CARGO_BIN_EXE_gongkai"))
            .arg("--data")
            .arg(self.mnt.join(data));
        for var in ["GONGKAI_DATA", "GONGKAI_CONFIG", "GONGKAI_USER_DICT"] {
            command.env_remove(var);
        }
        command
    }

    /// Runs a shell script inside the server's namespaces.
    fn inside(&self, script: &str) {
        let status = Command::new("nsenter")
            .arg("-t")
            .arg(self.child.id().to_string())
            .args([
                "--user",
                "--mount",
                "--preserve-credentials",
                "sh",
                "-c",
                script,
            ])
            .arg("sh")
            .arg(&self.mnt)
            .status()
            .unwrap();
        assert!(status.success(), "{script} failed");
    }

    /// Makes the index and the archive's staging folder read-only under the running server
    /// (read-only bind mounts over them): new files there fail with EROFS, as on a disk the
    /// kernel has turned read-only after I/O errors.
    fn break_disk(&self) {
        self.inside(
            r#"for d in "$1/data/index" "$1/data/archive/tmp"; do
                 mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 1
               done"#,
        );
    }

    /// Undoes [`Confined::break_disk`].
    fn heal_disk(&self) {
        self.inside(r#"umount -l "$1/data/index" && umount -l "$1/data/archive/tmp""#);
    }
}

impl Drop for Confined {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fills the file system of `path`'s folder with one file, then frees `leave` bytes of it.
fn fill(path: &Path, leave: u64) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    // A last partial page.
    while let Ok(n) = file.write(&chunk[..4096]) {
        if n == 0 {
            break;
        }
        written += n as u64;
    }
    let keep = written.saturating_sub(leave);
    file.set_len(keep).unwrap();
    keep
}

fn record(id: &str, n: usize) -> Value {
    // Bodies large enough that their originals need fresh pages of the file system.
    let paragraph = format!(
        "第{n}条 为规范磁盘故障演练文件的归档管理，依据有关规定制定本办法。各级行政机关应当在收到申请之日起十五个工作日内予以答复。"
    );
    json!({
        "id": id,
        "title": format!("关于磁盘写满演练第{n}号文件的通知"),
        "department": "演练县人民政府办公室",
        "publish_date": "2024-05-06",
        "body": paragraph.repeat(60),
    })
}

fn post(addr: SocketAddr, key: &str, records: &[Value]) -> (u16, Value) {
    let body: Vec<u8> = records
        .iter()
        .flat_map(|r| {
            let mut line = serde_json::to_vec(r).unwrap();
            line.push(b'\n');
            line
        })
        .collect();
    let auth = format!("Bearer {key}");
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/documents",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-ndjson"),
        ],
        &body,
    )
    .expect("the server answers");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn delete(addr: SocketAddr, key: &str, id: &str) -> (u16, Value) {
    let auth = format!("Bearer {key}");
    let (status, body) = http(
        addr,
        "DELETE",
        &format!("/api/v1/documents/{}", enc(id)),
        &[("Authorization", &auth)],
        b"",
    )
    .expect("the server answers");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Total and ids of a search.
fn search(addr: SocketAddr, query: &str) -> (u64, Vec<String>) {
    let (status, body) = get_json(addr, &format!("/api/v1/search?q={}&size=50", enc(query)));
    assert_eq!(status, 200, "{body}");
    let ids = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    (body["total"].as_u64().unwrap(), ids)
}

/// The admin view: (archive active, archive journal seq, index documents, index journal seq,
/// damaged lines).
fn positions(addr: SocketAddr, admin: &str) -> (u64, u64, u64, u64, u64) {
    let auth = format!("Bearer {admin}");
    let (status, body) = http(
        addr,
        "GET",
        "/api/v1/admin/archive",
        &[("Authorization", &auth)],
        b"",
    )
    .unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{v}");
    (
        v["archive"]["active"].as_u64().unwrap(),
        v["archive"]["journal_seq"].as_u64().unwrap(),
        v["index"]["documents"].as_u64().unwrap(),
        v["index"]["journal_seq"].as_u64().unwrap(),
        v["archive"]["damaged_lines"].as_u64().unwrap(),
    )
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str, what: &str) {
    assert_eq!(status, want_status, "{what}: {body}");
    assert_eq!(body["error"]["code"], want_code, "{what}: {body}");
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{what}: {body}"
    );
}

fn namespaces_available() -> bool {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_and_a_read_only_disk_lose_nothing_and_writing_resumes() {
    assert!(
        namespaces_available(),
        "this test needs `unshare --user --map-root-user --mount` (util-linux, user namespaces \
         enabled: sysctl kernel.unprivileged_userns_clone=1, or run as root)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let server = Confined::start(&mnt, "48m");
    let addr = server.addr;
    let data = server.path("data");
    let writer = key(&data, "write");
    let admin = key(&data, "admin");

    // A first write succeeds.
    let (status, body) = post(addr, &writer, &[record("fault-a", 0)]);
    assert_eq!(status, 200, "{body}");
    let (before_total, before_ids) = search(addr, "磁盘写满演练");
    assert_eq!(
        (before_total, before_ids.clone()),
        (1, vec!["fault-a".into()])
    );
    let (sample_total, _) = search(addr, "");
    let settled = positions(addr, &admin);
    assert_eq!(settled.0, settled.2, "archive and index agree: {settled:?}");
    assert_eq!(settled.1, settled.3, "{settled:?}");

    // The disk fills up.
    let filler = server.path("filler");
    fill(&filler, 0);
    let batch: Vec<Value> = (1..=20)
        .map(|n| record(&format!("fault-b{n}"), n))
        .collect();
    let (status, body) = post(addr, &writer, &batch);
    assert_error(
        status,
        &body,
        507,
        "insufficient_storage",
        "a batch on a full disk",
    );
    let (status, body) = post(addr, &writer, &[record("fault-c", 99)]);
    assert_error(
        status,
        &body,
        507,
        "insufficient_storage",
        "one small document",
    );
    let (status, body) = delete(addr, &writer, "fault-a");
    assert_error(status, &body, 507, "insufficient_storage", "a withdrawal");

    // Nothing partial is visible, searches answer from the last commit, the server is healthy.
    assert_eq!(
        search(addr, "磁盘写满演练"),
        (before_total, before_ids.clone())
    );
    assert_eq!(search(addr, "").0, sample_total);
    for id in ["fault-b1", "fault-b20", "fault-c"] {
        let (status, body) = get_json(addr, &format!("/api/v1/documents/{id}"));
        assert_eq!(status, 404, "{id}: {body}");
    }
    let (status, body) = get_json(addr, "/api/v1/documents/fault-a");
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_json(addr, "/api/v1/documents/fault-a/versions");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["versions"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(positions(addr, &admin), settled);
    assert_eq!(get_json(addr, "/healthz").0, 200);

    // An ingest that runs out of space: a clear error, what it committed stays consistent.
    std::fs::remove_file(&filler).unwrap();
    fill(&filler, 3 << 20);
    let out = server
        .cli("cli")
        .args(["ingest", "--commit-every", "20"])
        .arg(sample_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ingest on a full disk must fail");
    assert!(
        stderr.contains("No space left on device"),
        "the error names the cause: {stderr}"
    );
    std::fs::remove_file(&filler).unwrap();
    let out = server
        .cli("cli")
        .args(["ingest", "--json"])
        .arg(sample_dir())
        .output()
        .unwrap();
    assert_success(&out);
    let out = server
        .cli("cli")
        .args(["search", "--json", ""])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"].as_u64(), Some(sample_total - 1), "{v}");

    // Space is back: the same writes succeed.
    let (status, body) = post(addr, &writer, &batch);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["added"], 20, "{body}");
    assert_eq!(search(addr, "磁盘写满演练").0, 21);

    // A disk turned read-only (what the kernel does after I/O errors): 503, nothing kept.
    server.break_disk();
    let (status, body) = post(addr, &writer, &[record("fault-c", 99)]);
    assert_error(
        status,
        &body,
        503,
        "unavailable",
        "a write on a read-only disk",
    );
    let (status, body) = delete(addr, &writer, "fault-a");
    assert_error(
        status,
        &body,
        503,
        "unavailable",
        "a withdrawal on a read-only disk",
    );
    assert_eq!(search(addr, "磁盘写满演练").0, 21);
    let (status, _) = get_json(addr, "/api/v1/documents/fault-c");
    assert_eq!(status, 404);
    server.heal_disk();
    let (status, body) = post(addr, &writer, &[record("fault-c", 99)]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = delete(addr, &writer, "fault-a");
    assert_eq!(status, 200, "{body}");
    assert_eq!(get_json(addr, "/api/v1/documents/fault-a").0, 410);
    assert_eq!(search(addr, "磁盘写满演练").0, 21);
    let end = positions(addr, &admin);
    assert_eq!(end.0, end.2, "{end:?}");
    assert_eq!(end.1, end.3, "{end:?}");
    assert_eq!(end.4, 0, "no damaged journal line: {end:?}");
}
