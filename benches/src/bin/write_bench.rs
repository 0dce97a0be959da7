//! Write benchmark: the full corpus through `POST /api/v1/documents` in batches of 100 (each
//! answered only once durable and searchable), then `reindex` of the same data directory from
//! its archive alone, and the archive's size against the raw input.
//!
//! `cargo run --release -p gongkai-benches --bin write_bench [-- --batch 100]`
//!
//! The server runs in process on a loopback port; the client is one connection per request, one
//! request at a time (writes are serialised by the store anyway). Prints a Markdown row set.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use gongkai_archive::keys::{KeyStore, Scope};
use gongkai_benches::{corpus_files, median, quantile};
use gongkai_index::{dir_size, IndexOptions};
use gongkai_ingest::{IngestOptions, Store};
use gongkai_server::ServerConfig;

#[derive(Debug, Parser)]
struct Args {
    /// Records per request.
    #[arg(long, default_value_t = 100)]
    batch: usize,
}

fn post(addr: SocketAddr, key: &str, body: &[u8]) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    write!(
        stream,
        "POST /api/v1/documents HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-ndjson\r\nAuthorization: Bearer {key}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no HTTP head")?;
    let status = String::from_utf8_lossy(&response[..head_end])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status")?;
    Ok((status, response[head_end + 4..].to_vec()))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut raw_bytes = 0u64;
    for path in corpus_files() {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path)?).read_to_end(&mut text)?;
        raw_bytes += text.len() as u64;
        lines.extend(
            text.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let (_, key) = KeyStore::open(&data).create(Some("bench"), Scope::Write)?;
    let store = Store::open(&data, &IndexOptions::default())?;

    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        rate_limit_per_key: None,
        ..ServerConfig::default()
    };
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(gongkai_server::run(
            store,
            config,
            move |addr| {
                let _ = bound_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        ))?;
        anyhow::Ok(())
    });
    let addr = bound_rx.recv()?;

    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut written = 0u64;
    for chunk in lines.chunks(args.batch.max(1)) {
        let body = chunk.join(&b'\n');
        let t = Instant::now();
        let (status, answer) = post(addr, &key, &body)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!(
                "write refused: {status} {}",
                String::from_utf8_lossy(&answer)
            );
        }
        let answer: serde_json::Value = serde_json::from_slice(&answer)?;
        written += answer["added"].as_u64().unwrap_or(0) + answer["updated"].as_u64().unwrap_or(0);
    }
    let write_s = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    server
        .join()
        .map_err(|_| anyhow::anyhow!("server thread panicked"))??;

    let archive_bytes = dir_size(&data.join("archive"));
    let defaults = IngestOptions::default();
    let reindex = gongkai_ingest::store::reindex(
        &data,
        &IndexOptions::default(),
        defaults.threads,
        defaults.memory_budget,
    )?;
    println!("| measure | value |\n|---|---|");
    println!(
        "| documents written through the API | {written} in {} requests of {} |",
        latencies.len(),
        args.batch
    );
    println!(
        "| write throughput | {:.0} documents/s ({write_s:.2} s, {:.1} MB/s of JSON) |",
        written as f64 / write_s,
        raw_bytes as f64 / 1e6 / write_s
    );
    println!(
        "| request latency, batch of {} | median {:.0} ms, p99 {:.0} ms |",
        args.batch,
        median(&mut latencies.clone()),
        quantile(&mut latencies, 0.99)
    );
    println!(
        "| reindex from the archive alone | {} documents in {:.2} s |",
        reindex.documents, reindex.seconds
    );
    println!(
        "| archive size | {:.1} MB = {:.2}× the raw JSON Lines ({:.1} MB) |",
        archive_bytes as f64 / 1e6,
        archive_bytes as f64 / raw_bytes as f64,
        raw_bytes as f64 / 1e6
    );
    println!(
        "| index size after reindex | {:.1} MB |",
        dir_size(&data.join("index")) as f64 / 1e6
    );
    Ok(())
}
