use gongkai_core::docnumber::{find_in_text, DocNumber, DocNumberKind};
use gongkai_core::{date::find_dates, doctype};
#[test]
#[ignore]
fn corpus() {
    let text = std::fs::read_to_string("/tmp/laws.jsonl").unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut bad = 0;
    let mut total_found = 0;
    let t0 = std::time::Instant::now();
    let mut all = std::collections::BTreeMap::<String, usize>::new();
    let mut types = std::collections::BTreeMap::<String, usize>::new();
    let mut notype = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(dn) = v["doc_number"].as_str() {
            if seen.insert(dn.to_string()) {
                let n = DocNumber::parse(dn).unwrap();
                if n.kind == DocNumberKind::Other || n.serial.is_none() {
                    bad += 1;
                    println!("BAD {dn:?} {n:?}");
                }
                println!(
                    "DN {dn} => {} | {:?} {:?} {:?} {:?}",
                    n.normalized, n.kind, n.issuer, n.year, n.serial
                );
            }
        }
        let body = v["body"].as_str().unwrap();
        let found = find_in_text(body);
        total_found += found.len();
        for f in found {
            *all.entry(f).or_default() += 1;
        }
        let hl: Vec<String> = v["header_lines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for f in find_in_text(&hl.join("\n")) {
            *all.entry(format!("H:{f}")).or_default() += 1;
        }
        let title = v["title"].as_str().unwrap();
        match doctype::from_title(title) {
            Some(t) => *types.entry(t.to_string()).or_default() += 1,
            None => notype.push(title.to_string()),
        }
        let _ = find_dates(body);
    }
    println!("elapsed {:?}", t0.elapsed());
    println!("distinct {} bad {bad} found {total_found}", seen.len());
    for (k, v) in &all {
        println!("FOUND {v} {k}");
    }
    println!("TYPES {types:?}");
    for t in notype {
        println!("NOTYPE {t}");
    }
}
#[test]
#[ignore]
fn dump() {
    let mut out = String::new();
    for path in ["/tmp/laws.jsonl", "/tmp/reports.jsonl"] {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let body = v["body"].as_str().unwrap();
            let dates: Vec<String> = find_dates(body).iter().map(|(a, b, d)| format!("{}={}", &body[*a..*b], d)).collect();
            out.push_str(&serde_json::json!({"found": find_in_text(body), "dates": dates, "title": v["title"], "type": doctype::from_title(v["title"].as_str().unwrap())}).to_string());
            out.push('\n');
        }
    }
    std::fs::write("/tmp/found.jsonl", out).unwrap();
}
