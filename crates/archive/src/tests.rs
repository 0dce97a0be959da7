use super::*;

fn original(archive: &Archive, bytes: &[u8], source: &str) -> OriginalRef {
    OriginalRef {
        object: archive.store_object(bytes).unwrap(),
        bytes: bytes.len() as u64,
        kind: SourceKind::Json,
        content_type: "application/json".into(),
        file_name: "x.json".into(),
        source: source.into(),
        url: None,
    }
}

fn put(archive: &Archive, id: &str, text: &str) -> Put {
    Put {
        id: id.into(),
        derived_id: false,
        content: sha256(text.as_bytes()),
        fingerprint: None,
        parser: 1,
        original: original(archive, text.as_bytes(), "a.jsonl:1"),
    }
}

#[test]
fn versions_unchanged_withdraw_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    let mut w = archive.writer().unwrap();
    assert_eq!(
        w.put(put(&archive, "a", "v1"), "cli").unwrap(),
        PutOutcome::Added
    );
    assert_eq!(
        w.put(put(&archive, "a", "v1"), "cli").unwrap(),
        PutOutcome::Unchanged
    );
    assert_eq!(
        w.put(put(&archive, "a", "v2"), "key:staff").unwrap(),
        PutOutcome::Updated { version: 2 }
    );
    assert_eq!(
        w.put(put(&archive, "b", "v1"), "cli").unwrap(),
        PutOutcome::Added
    );
    assert!(w.withdraw("b", "key:staff", Some("wrong".into())).unwrap());
    assert!(!w.withdraw("b", "key:staff", None).unwrap());
    assert!(matches!(
        w.withdraw("zzz", "cli", None),
        Err(ArchiveError::NotFound(_))
    ));
    assert_eq!(w.commit().unwrap(), 4);
    drop(w);

    let reopened = Archive::open(dir.path()).unwrap();
    let history = reopened.history("a").unwrap();
    assert_eq!(history.versions.len(), 2);
    assert_eq!(history.versions[1].actor, "key:staff");
    assert_eq!(history.status, Status::Active);
    let v1 = reopened.version("a", Some(1)).unwrap();
    assert_eq!(reopened.read_object(&v1.original.object).unwrap(), b"v1");
    assert_eq!(reopened.version("a", None).unwrap().version, 2);
    assert!(reopened.version("a", Some(3)).is_err());
    assert!(reopened.version("a", Some(0)).is_err());
    assert!(matches!(
        reopened.status("b"),
        Some(Status::Withdrawn { by, .. }) if by == "key:staff"
    ));
    let stats = reopened.stats();
    assert_eq!(
        (
            stats.documents,
            stats.active,
            stats.withdrawn,
            stats.versions
        ),
        (2, 1, 1, 3)
    );
    assert_eq!(reopened.touched_since(0).len(), 2);
    assert_eq!(reopened.touched_since(3), vec![("b".to_string(), false)]);
    assert!(reopened.touched_since(4).is_empty());
}

#[test]
fn reposts_with_derived_ids_merge_into_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    let mut w = archive.writer().unwrap();
    let fp = sha256("同一篇文章".as_bytes());
    let mut first = put(&archive, "url-a", "page a");
    first.derived_id = true;
    first.fingerprint = Some(fp);
    assert_eq!(w.put(first, "cli").unwrap(), PutOutcome::Added);
    let mut repost = put(&archive, "url-b", "page b");
    repost.derived_id = true;
    repost.fingerprint = Some(fp);
    assert_eq!(
        w.put(repost.clone(), "cli").unwrap(),
        PutOutcome::Merged {
            into: "url-a".into()
        }
    );
    // The same repost again records nothing new.
    w.put(repost, "cli").unwrap();
    // An explicit id is an identity claim: never merged.
    let mut explicit = put(&archive, "given", "page c");
    explicit.fingerprint = Some(fp);
    assert_eq!(w.put(explicit, "cli").unwrap(), PutOutcome::Added);
    w.commit().unwrap();
    assert_eq!(archive.resolve("url-b"), "url-a");
    assert_eq!(archive.history("url-a").unwrap().sources.len(), 1);
    assert_eq!(archive.stats().reposts, 1);
    // A withdrawn document no longer absorbs reposts.
    w.withdraw("url-a", "cli", None).unwrap();
    let mut again = put(&archive, "url-c", "page d");
    again.derived_id = true;
    again.fingerprint = Some(fp);
    assert_eq!(w.put(again, "cli").unwrap(), PutOutcome::Added);
}

#[test]
fn torn_tail_is_cut_by_the_next_writer_and_damage_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let archive = Archive::open(dir.path()).unwrap();
        let mut w = archive.writer().unwrap();
        w.put(put(&archive, "a", "v1"), "cli").unwrap();
        w.put(put(&archive, "b", "v1"), "cli").unwrap();
        w.commit().unwrap();
    }
    let journal = dir.path().join("journal.log");
    let good = std::fs::read(&journal).unwrap();
    // A crash in the middle of a line.
    let mut torn = good.clone();
    torn.extend_from_slice(b"1234abcd\t{\"seq\":3,\"at\"");
    std::fs::write(&journal, &torn).unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    assert_eq!(archive.stats().documents, 2);
    let mut w = archive.writer().unwrap();
    assert_eq!(std::fs::read(&journal).unwrap(), good);
    w.put(put(&archive, "c", "v1"), "cli").unwrap();
    w.commit().unwrap();
    drop(w);
    // A flipped byte inside the first line: that line is skipped, the rest still read.
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes[20] ^= 0x01;
    std::fs::write(&journal, &bytes).unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    let stats = archive.stats();
    assert_eq!((stats.documents, stats.damaged_lines), (2, 1));
    assert!(archive.status("a").is_none());
}

#[test]
fn another_process_appends_are_seen_on_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let reader = Archive::open(dir.path()).unwrap();
    let other = Archive::open(dir.path()).unwrap();
    let mut w = other.writer().unwrap();
    w.put(put(&other, "a", "v1"), "cli").unwrap();
    w.commit().unwrap();
    assert_eq!(reader.stats().documents, 0);
    reader.refresh().unwrap();
    assert_eq!(reader.stats().documents, 1);
    assert_eq!(reader.history("a").unwrap().versions.len(), 1);
}

#[test]
fn objects_are_content_addressed_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    let a = archive.store_object("原文".as_bytes()).unwrap();
    assert_eq!(archive.store_object("原文".as_bytes()).unwrap(), a);
    assert_eq!(archive.read_object(&a).unwrap(), "原文".as_bytes());
    assert!(archive.read_object("../../etc/passwd").is_err());
    assert!(archive.read_object(&"0".repeat(64)).is_err());
    let path = dir.path().join("objects").join(&a[..2]).join(&a[2..]);
    // A short object (a power cut before the sync) is written again when stored again.
    std::fs::write(&path, b"").unwrap();
    assert_eq!(archive.store_object("原文".as_bytes()).unwrap(), a);
    assert_eq!(archive.read_object(&a).unwrap(), "原文".as_bytes());
    std::fs::write(&path, b"tampered").unwrap();
    assert!(matches!(
        archive.read_object(&a),
        Err(ArchiveError::Damaged(_))
    ));
}

#[test]
fn backup_copies_a_consistent_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(&dir.path().join("archive")).unwrap();
    let mut w = archive.writer().unwrap();
    w.put(put(&archive, "a", "v1"), "cli").unwrap();
    w.put(put(&archive, "a", "v2"), "cli").unwrap();
    w.withdraw("a", "cli", None).unwrap();
    w.commit().unwrap();
    drop(w);
    let out = dir.path().join("backup");
    assert_eq!(archive.backup_to(&out).unwrap(), 3);
    let copy = Archive::open(&out).unwrap();
    assert_eq!(copy.stats(), archive.stats());
    assert_eq!(copy.verify().unwrap(), 2);
}

#[test]
fn unsettled_events_are_rolled_back_and_settled_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path()).unwrap();
    let mut w = archive.writer().unwrap();
    w.put(put(&archive, "kept", "v1"), "cli").unwrap();
    assert_eq!(w.commit().unwrap(), 1);
    let settled_len = std::fs::metadata(dir.path().join("journal.log"))
        .unwrap()
        .len();
    // Appended and even synced, but never settled (its index commit failed).
    w.put(put(&archive, "kept", "v2"), "cli").unwrap();
    w.put(put(&archive, "lost", "v1"), "cli").unwrap();
    w.withdraw("kept", "cli", None).unwrap();
    w.sync().unwrap();
    assert_eq!(archive.last_seq(), 4);
    w.rollback().unwrap();
    assert_eq!(archive.last_seq(), 1);
    assert_eq!(archive.status("lost"), None);
    assert_eq!(archive.status("kept"), Some(Status::Active));
    assert_eq!(archive.history("kept").unwrap().versions.len(), 1);
    // Dropping a writer rolls back as well.
    w.put(put(&archive, "lost", "v1"), "cli").unwrap();
    drop(w);
    assert_eq!(archive.status("lost"), None);
    assert_eq!(
        std::fs::metadata(dir.path().join("journal.log"))
            .unwrap()
            .len(),
        settled_len
    );
    // The next writer continues the sequence from the kept events.
    let reopened = Archive::open(dir.path()).unwrap();
    let mut w = reopened.writer().unwrap();
    w.put(put(&reopened, "new", "v1"), "cli").unwrap();
    assert_eq!(w.commit().unwrap(), 2);
    assert_eq!(reopened.stats().damaged_lines, 0);
}

#[test]
fn storage_full_is_recognised_through_causes() {
    let full = std::io::Error::from_raw_os_error(28);
    assert!(is_storage_full(&full));
    let wrapped = ArchiveError::Io {
        context: "appending to journal.log".into(),
        source: std::io::Error::from_raw_os_error(28),
    };
    assert!(is_storage_full(&wrapped));
    let other = ArchiveError::Io {
        context: "reading".into(),
        source: std::io::Error::from_raw_os_error(5),
    };
    assert!(!is_storage_full(&other));
    assert!(!is_storage_full(&ArchiveError::Damaged("x".into())));
}
