//! The search page in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against a server started in-process on a free port, with an index of the bundled sample.
//!
//! It searches, filters by a category facet, pages forward, goes back and forward in history,
//! opens a document, and checks what the page shows against the engine's own answers. PNG
//! screenshots are kept in `target/browser-artifacts/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `GONGKAI_CHROMIUM` /
//! `GONGKAI_CHROMEDRIVER` naming the binaries). Without them the test is skipped with a
//! message, unless `CI` is set: then it fails.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use gongkai_index::GongkaiIndex;
use gongkai_search::{Filters, SearchRequest, SearchResponse};
use gongkai_server::ServerConfig;
use serde_json::{json, Value};

/// How long any one condition may take to hold.
const WAIT: Duration = Duration::from_secs(30);

/// The query the test types: many titles carry it, so there are several pages.
const QUERY: &str = "条例";

/// The category node the test filters on (it has children: `地方性法规/山东` …).
const CATEGORY: &str = "地方性法规";

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// chromedriver, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver on a free port (`--port=0`; it prints the one it took) and logs
    /// its output to `log`.
    fn start(chromedriver: &Path, log: &Path) -> Driver {
        let mut child = Command::new(chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        for (stream, tx) in [
            (
                Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
                Some(port_tx),
            ),
            (Box::new(child.stderr.take().unwrap()), None),
        ] {
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = writeln!(log, "{line}");
                    if let (Some(tx), Some(rest)) = (&tx, line.split("on port ").nth(1)) {
                        if line.contains("started successfully") {
                            let port: String =
                                rest.chars().take_while(char::is_ascii_digit).collect();
                            let _ = tx.send(port.parse::<u16>().ok());
                        }
                    }
                }
            });
        }
        let port = port_rx.recv_timeout(WAIT).ok().flatten();
        let mut driver = Driver { child, port: 0 };
        match port {
            Some(port) => driver.port = port,
            None => panic!(
                "chromedriver did not report its port within {WAIT:?}; see {}",
                log.display()
            ),
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_in_headless_chromium() {
    let chromium = binary("GONGKAI_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = binary("GONGKAI_CHROMEDRIVER", "/usr/bin/chromedriver");
    let missing: Vec<String> = [&chromium, &chromedriver]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "the browser test needs Chromium and chromedriver; missing: {}. \
             Install them: apt-get install -y chromium chromium-driver",
            missing.join(", ")
        );
        if std::env::var_os("CI").is_some() {
            panic!("{message} (CI is set, so this is a failure)");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!` of a
        // passing test, and this must be seen.
        let bar = "!".repeat(72);
        let _ = writeln!(
            std::io::stderr(),
            "\n{bar}\n!!! skipped: install chromium !!!\n{message}\n{bar}\n"
        );
        return;
    }

    let data = tempfile::tempdir().unwrap();
    let store = common::sample_store(data.path());
    // Documents carrying markup and entity tricks, shown as text or not at all (xss.rs checks
    // the API with the same fixtures).
    let xss = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
    gongkai_ingest::ingest(
        &store,
        &[xss],
        &gongkai_ingest::IngestOptions::default(),
        "cli",
        &mut gongkai_ingest::Quiet,
    )
    .unwrap();
    let index = store.index().clone();

    // The server, in-process, on a free port.
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        rate_limit_per_ip: None,
        ..ServerConfig::default()
    };
    let server = tokio::spawn(gongkai_server::run(
        store,
        config,
        move |address| {
            let _ = bound_tx.send(address);
        },
        async {
            let _ = stop_rx.await;
        },
    ));
    let address = tokio::time::timeout(WAIT, bound_rx).await.unwrap().unwrap();
    let base = format!("http://{address}");

    let artifacts = artifacts_dir();
    let log = artifacts.join("chromedriver.log");
    let _ = std::fs::remove_file(&log);
    let driver = Driver::start(&chromedriver, &log);
    let profile = tempfile::tempdir().unwrap();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--lang=zh-CN",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("no WebDriver session: {e}; see {}", log.display()));

    // The checks run in their own task so that a failed assertion still closes the browser.
    let outcome = tokio::spawn(exercise(
        client.clone(),
        base,
        index.clone(),
        artifacts.clone(),
    ))
    .await;
    if outcome.is_err() {
        // The page as it was when the check failed.
        if let Ok(png) = client.screenshot().await {
            let path = artifacts.join("failure.png");
            std::fs::write(&path, png).unwrap();
            let _ = writeln!(
                std::io::stderr(),
                "browser test failed; screenshot: {}",
                path.display()
            );
        }
    }
    let _ = client.close().await;
    drop(driver);
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(WAIT, server).await;
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the browser checks did not finish: {error}"),
        }
    }
}

/// The engine's answer for `q` with `filters`, page `page`, as the page asks for it.
fn engine(index: &GongkaiIndex, q: &str, filters: Filters, page: usize) -> SearchResponse {
    gongkai_search::search(
        index,
        &SearchRequest {
            q: q.to_string(),
            filters,
            page,
            ..SearchRequest::default()
        },
    )
    .unwrap()
}

fn ids(response: &SearchResponse) -> Vec<String> {
    response.hits.iter().map(|h| h.id.clone()).collect()
}

/// Polls `script` (a function body returning a value) until it returns something truthy.
async fn wait_for(client: &Client, what: &str, script: &str) -> Value {
    let started = Instant::now();
    loop {
        // A script that fails (the page is between documents) counts as "not yet".
        let value = client.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = match &value {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return value;
        }
        if started.elapsed() > WAIT {
            let url = client.current_url().await.map(|u| u.to_string());
            let text = client
                .execute("return document.body.innerText", vec![])
                .await
                .unwrap_or(Value::Null);
            panic!("timed out after {WAIT:?} waiting for {what}\nurl: {url:?}\npage: {text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the page has rendered a URL whose query string satisfies `url_check` (a JS
/// expression over `location.search`).
async fn wait_ready(client: &Client, what: &str, url_check: &str) {
    wait_for(
        client,
        what,
        &format!(
            "const root = document.documentElement;
             return root.dataset.status === 'ready' && root.dataset.rendered === location.search
                 && ({url_check});"
        ),
    )
    .await;
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

/// The document ids of the hits shown, from their links.
async fn shown_ids(client: &Client) -> Vec<String> {
    let value = js(
        client,
        "return Array.from(document.querySelectorAll('#hits .hit-title a'))
            .map(a => new URL(a.href).searchParams.get('doc'));",
    )
    .await;
    serde_json::from_value(value).unwrap()
}

async fn screenshot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap();
    // Past the harness capture, so the path shows in every run.
    let _ = writeln!(std::io::stderr(), "screenshot: {}", path.display());
}

async fn exercise(client: Client, base: String, index: GongkaiIndex, artifacts: PathBuf) {
    // The landing page lists every document, with facets.
    client.goto(&format!("{base}/")).await.unwrap();
    wait_ready(&client, "the landing page", "location.search === ''").await;
    let all = engine(&index, "", Filters::default(), 1);
    let count = text(&client, "#result-count").await;
    assert!(
        count.starts_with(&format!("共找到 {} 条结果（用时 ", all.total))
            && count.ends_with(" 毫秒）"),
        "{count}"
    );
    assert_eq!(
        js(&client, "return document.title").await,
        "政府信息公开检索"
    );
    // The stylesheet and the script came through the CSP; an inline script does not run.
    let css_rules = js(&client, "return document.styleSheets[0].cssRules.length").await;
    assert!(css_rules.as_u64().unwrap() > 20, "{css_rules}");
    let inline_ran = js(
        &client,
        "const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
         document.body.append(s); return window.__inline === 1;",
    )
    .await;
    assert_eq!(inline_ran, false, "the CSP let an inline script run");

    // Search with the keyboard: type, then Enter submits the form.
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.send_keys(&format!("{QUERY}\u{E007}")).await.unwrap();
    wait_ready(
        &client,
        "the search results",
        "new URLSearchParams(location.search).get('q') === '条例'",
    )
    .await;
    let expected = engine(&index, QUERY, Filters::default(), 1);
    assert!(expected.total > 20, "the query should give several pages");
    let count = text(&client, "#result-count").await;
    assert!(
        count.starts_with(&format!("共找到 {} 条结果", expected.total)),
        "{count}"
    );
    assert_eq!(shown_ids(&client).await, ids(&expected));
    // Titles carry the highlight as a real <mark> element.
    let marked = text(&client, "#hits .hit-title mark").await;
    assert_eq!(marked, QUERY);
    // 文号, 发布机构 and dates are shown for the hits that have them.
    let with_number = expected
        .hits
        .iter()
        .filter(|h| h.doc_number.is_some())
        .count();
    let shown_numbers = js(
        &client,
        "return document.querySelectorAll('#hits .meta-docnum dd').length",
    )
    .await;
    assert_eq!(shown_numbers.as_u64().unwrap() as usize, with_number);
    assert!(with_number > 0);
    let first_department = expected.hits.iter().find_map(|h| h.department.clone());
    assert_eq!(
        text(&client, "#hits .meta-department dd").await,
        first_department.unwrap()
    );
    assert!(text(&client, "#hits .meta-date dd").await.contains('年'));
    assert!(
        js(
            &client,
            "return document.querySelectorAll('#hits .snippet mark').length"
        )
        .await
        .as_u64()
        .unwrap()
            > 0
    );
    // The category facet is a tree: the node and, nested under it, its children.
    let child = js(
        &client,
        "const node = document.querySelector('#facets input[data-field=category][value=\"地方性法规\"]');
         const li = node && node.closest('li');
         return li ? li.querySelectorAll('.subtree input[data-field=category]').length : 0;",
    )
    .await;
    assert!(child.as_u64().unwrap() >= 2, "{child}");
    screenshot(&client, &artifacts, "results.png").await;

    // A document with a 文号: title, metadata, full text.
    let hit = expected
        .hits
        .iter()
        .find(|h| h.doc_number.is_some())
        .unwrap();
    let record = index.get(&hit.id).unwrap().unwrap();
    let link = client
        .find(Locator::XPath(&format!(
            "//ol[@id='hits']//h2/a[contains(@href, 'doc={}')]",
            enc(&hit.id)
        )))
        .await
        .unwrap();
    link.click().await.unwrap();
    wait_ready(
        &client,
        "the document view",
        &format!(
            "new URLSearchParams(location.search).get('doc') === {}",
            Value::String(hit.id.clone())
        ),
    )
    .await;
    assert_eq!(text(&client, "#doc-title").await, record.title);
    assert_eq!(
        text(&client, "#doc-meta .meta-docnum dd").await,
        record.doc_number.clone().unwrap()
    );
    if let Some(department) = &record.department {
        assert_eq!(
            text(&client, "#doc-meta .meta-department dd").await,
            *department
        );
    }
    // Every line of the body, as text, in order (Markdown heading marks dropped).
    let paragraphs: Vec<String> = serde_json::from_value(
        js(
            &client,
            "return Array.from(document.querySelectorAll('#doc-body > *')).map(p => p.textContent)",
        )
        .await,
    )
    .unwrap();
    let expected_paragraphs: Vec<String> = record
        .body
        .split('\n')
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            let text = line.trim_start_matches('#');
            if text.len() < line.len() && text.starts_with(' ') {
                text.trim_start().to_string()
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(expected_paragraphs.len() > 5);
    assert_eq!(paragraphs, expected_paragraphs);
    assert_eq!(
        js(
            &client,
            "return document.getElementById('search-view').hidden"
        )
        .await,
        true
    );
    let filters_shown = "return getComputedStyle(document.getElementById('filters')).display";
    assert_eq!(js(&client, filters_shown).await, "none");
    assert_eq!(
        js(&client, "return document.activeElement.id").await,
        "doc-title"
    );
    // Related documents, as the engine lists them, each linking to its own view.
    let related = gongkai_search::related::related(&index, &hit.id, 10)
        .unwrap()
        .unwrap();
    let listed = |list: &'static str| {
        let client = client.clone();
        async move {
            let script = format!(
                "return Array.from(document.querySelectorAll('#{list} a'))
                    .map(a => new URL(a.href).searchParams.get('doc'))"
            );
            serde_json::from_value::<Vec<Option<String>>>(js(&client, &script).await).unwrap()
        }
    };
    let ids_of = |docs: &[gongkai_search::related::RelatedDoc]| -> Vec<Option<String>> {
        docs.iter().map(|d| Some(d.id.clone())).collect()
    };
    assert!(!related.similar.is_empty());
    assert_eq!(listed("doc-similar-list").await, ids_of(&related.similar));
    assert_eq!(listed("doc-cited-by-list").await, ids_of(&related.cited_by));
    let cited = listed("doc-cited-list").await;
    assert_eq!(
        cited.len(),
        related.cites.len() + related.cites_missing.len()
    );
    assert_eq!(cited[..related.cites.len()], ids_of(&related.cites)[..]);
    screenshot(&client, &artifacts, "document.png").await;

    // Back to the results: the link keeps the search.
    client
        .find(Locator::Css("#doc-back"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_ready(
        &client,
        "the results again",
        "!location.search.includes('doc=') && location.search.includes('q=')",
    )
    .await;
    assert_eq!(shown_ids(&client).await, ids(&expected));

    // A facet narrows the results: the node matches its subtree.
    let category = client
        .find(Locator::Css(
            "#facets input[data-field=category][value=\"地方性法规\"]",
        ))
        .await
        .unwrap();
    category.click().await.unwrap();
    wait_ready(
        &client,
        "the category filter",
        "new URLSearchParams(location.search).get('category') === '地方性法规'",
    )
    .await;
    let filters = Filters {
        category: vec![CATEGORY.to_string()],
        ..Filters::default()
    };
    let narrowed = engine(&index, QUERY, filters.clone(), 1);
    assert!(narrowed.total < expected.total && narrowed.total > 10);
    let count = text(&client, "#result-count").await;
    assert!(
        count.starts_with(&format!("共找到 {} 条结果", narrowed.total)),
        "{count}"
    );
    assert_eq!(shown_ids(&client).await, ids(&narrowed));
    let categories: Vec<String> = serde_json::from_value(
        js(
            &client,
            "return Array.from(document.querySelectorAll('#hits .meta-category dd')).map(d => d.textContent)",
        )
        .await,
    )
    .unwrap();
    assert_eq!(categories.len(), narrowed.hits.len());
    assert!(
        categories.iter().all(|c| c.starts_with(CATEGORY)),
        "{categories:?}"
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelector('#facets input[value=\"地方性法规\"]').checked"
        )
        .await,
        true
    );
    assert!(text(&client, "#active-filters").await.contains(CATEGORY));

    // Page 2: other hits, the engine's second page.
    let page1 = shown_ids(&client).await;
    client
        .find(Locator::Css("#pager a[rel=next]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_ready(
        &client,
        "page 2",
        "new URLSearchParams(location.search).get('page') === '2'",
    )
    .await;
    let page2 = shown_ids(&client).await;
    assert_eq!(page2, ids(&engine(&index, QUERY, filters.clone(), 2)));
    assert!(!page2.is_empty());
    assert!(
        page2.iter().all(|id| !page1.contains(id)),
        "{page1:?} {page2:?}"
    );
    assert_eq!(text(&client, "#pager a[aria-current=page]").await, "2");
    let url = client.current_url().await.unwrap();
    assert_eq!(
        url.query(),
        Some("q=%E6%9D%A1%E4%BE%8B&category=%E5%9C%B0%E6%96%B9%E6%80%A7%E6%B3%95%E8%A7%84&page=2")
    );

    screenshot(&client, &artifacts, "filtered-page2.png").await;

    // History: back to page 1, forward to page 2.
    client.back().await.unwrap();
    wait_ready(
        &client,
        "back to page 1",
        "!location.search.includes('page=')",
    )
    .await;
    assert_eq!(shown_ids(&client).await, page1);
    client.forward().await.unwrap();
    wait_ready(
        &client,
        "forward to page 2",
        "location.search.includes('page=2')",
    )
    .await;
    assert_eq!(shown_ids(&client).await, page2);

    // The shared URL renders the same page when loaded afresh.
    client.refresh().await.unwrap();
    wait_ready(
        &client,
        "page 2 reloaded",
        "location.search.includes('page=2')",
    )
    .await;
    assert_eq!(shown_ids(&client).await, page2);
    assert_eq!(
        js(&client, "return document.getElementById('q').value").await,
        QUERY
    );

    // Sorting by date, newest first.
    let sort = client.find(Locator::Css("#sort")).await.unwrap();
    sort.select_by_value("date_desc").await.unwrap();
    wait_ready(
        &client,
        "the date order",
        "location.search.includes('sort=date_desc')",
    )
    .await;
    let by_date = gongkai_search::search(
        &index,
        &SearchRequest {
            q: QUERY.to_string(),
            filters: filters.clone(),
            sort: gongkai_search::Sort::DateDesc,
            ..SearchRequest::default()
        },
    )
    .unwrap();
    assert_eq!(shown_ids(&client).await, ids(&by_date));

    // Errors from the API are shown with their code; an empty result says so.
    client.goto(&format!("{base}/?q=%22abc")).await.unwrap();
    wait_ready(&client, "an API error", "true").await;
    let error = text(&client, "#error").await;
    assert!(error.contains("invalid_query"), "{error}");
    client.goto(&format!("{base}/?q=zzqqxxjj")).await.unwrap();
    wait_ready(&client, "an empty result", "true").await;
    assert!(text(&client, "#empty").await.contains("没有找到"));
    assert!(text(&client, "#result-count")
        .await
        .starts_with("共找到 0 条结果"));

    client.goto(&format!("{base}/?doc=nope")).await.unwrap();
    wait_ready(&client, "a missing document", "true").await;
    assert!(text(&client, "#doc-error").await.contains("not_found"));

    // A loose query: the relaxed notice.
    let relaxed = ["条例 宇宙飞船", "食品安全 火星探测", "国务院 量子纠缠"]
        .into_iter()
        .find(|q| {
            let r = engine(&index, q, Filters::default(), 1);
            r.relaxed && r.total > 0
        })
        .expect("a query that relaxes");
    client
        .goto(&format!("{base}/?q={}", enc(relaxed)))
        .await
        .unwrap();
    wait_ready(&client, "relaxed results", "true").await;
    assert_eq!(
        text(&client, "#relaxed").await,
        "未找到完全匹配的结果，以下为部分匹配"
    );

    // Markup in documents (tests/fixtures/xss): every payload would set window.__xss; none
    // runs, none becomes an element or an attribute, and what is shown is kept as snapshots.
    const INJECTED: &str = "return [typeof window.__xss,
        document.querySelectorAll('#main script, #main img, #main svg, #main iframe, #main style, \
            #filters script, #filters img, #filters svg, #filters iframe, \
            [onerror], [onload], [onmouseover], [onfocus], a[href^=\"javascript:\" i]').length];";
    client
        .goto(&format!("{base}/?q={}", enc("跨站脚本")))
        .await
        .unwrap();
    wait_ready(&client, "the markup documents", "true").await;
    let expected = engine(&index, "跨站脚本", Filters::default(), 1);
    assert_eq!(expected.total, 4);
    assert_eq!(shown_ids(&client).await, ids(&expected));
    assert_eq!(js(&client, INJECTED).await, json!(["undefined", 0]));
    let facets = text(&client, "#facets").await;
    assert!(facets.contains("<svg onload=window.__xss=15>"), "{facets}");
    let hits = js(&client, "return document.getElementById('hits').innerHTML").await;
    // The HTML page's id derives from its path, which differs between checkouts.
    let page_id = &expected
        .hits
        .iter()
        .find(|h| h.title.contains("跨站脚本网页"))
        .unwrap()
        .id;
    insta::assert_snapshot!(
        "page_markup_hits",
        hits.as_str()
            .unwrap()
            .replace("><", ">\n<")
            .replace(page_id.as_str(), "PAGE_ID")
    );
    screenshot(&client, &artifacts, "markup.png").await;
    client
        .goto(&format!("{base}/?doc=xss-script"))
        .await
        .unwrap();
    wait_ready(&client, "a markup document", "true").await;
    assert_eq!(js(&client, INJECTED).await, json!(["undefined", 0]));
    assert_eq!(
        text(&client, "#doc-title").await,
        "<script>window.__xss=1</script>关于防范跨站脚本攻击的通知"
    );
    let view = js(
        &client,
        "return ['doc-title', 'doc-meta', 'doc-body']
            .map(id => document.getElementById(id).innerHTML).join('\\n');",
    )
    .await;
    insta::assert_snapshot!(
        "page_markup_document",
        view.as_str().unwrap().replace("><", ">\n<")
    );

    // Phone width: the filters fold behind a button.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{base}/?q={}", enc(QUERY)))
        .await
        .unwrap();
    wait_ready(&client, "the phone layout", "true").await;
    let facets_shown =
        "return getComputedStyle(document.getElementById('facets')).display !== 'none'";
    assert_eq!(js(&client, facets_shown).await, false);
    let overflow = js(
        &client,
        "return document.documentElement.scrollWidth > window.innerWidth",
    )
    .await;
    assert_eq!(overflow, false, "the page scrolls sideways at phone width");
    screenshot(&client, &artifacts, "phone.png").await;
    client
        .find(Locator::Css("#filters-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "the filters to open", facets_shown).await;
    screenshot(&client, &artifacts, "phone-filters.png").await;
}

fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
