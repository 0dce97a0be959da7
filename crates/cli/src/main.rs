//! `gongkai`: the one binary. A thin layer of argument parsing, configuration and output over
//! the library crates; all behaviour lives in them.

mod config;
mod keys_cmd;
mod output;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use gongkai_core::Date;
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_ingest::{IngestOptions, IngestSummary, Progress, Store};
use gongkai_search::{FacetField, Filters, SearchRequest, Sort};

/// Gongkai (公开): search and archive for Chinese government information disclosure.
///
/// Ingest documents (JSON Lines, HTML pages in UTF-8/GBK/GB18030, text pages), then search
/// them with Chinese-aware full text, exact quoted strings, 文号 lookup and filters.
#[derive(Debug, Parser)]
#[command(
    name = "gongkai",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// Data directory: holds `archive/` (the originals and their history: the system of
    /// record), `index/` (derived from the archive, may be deleted and rebuilt) and `keys.json`
    /// (API key hashes).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "GONGKAI_DATA",
        default_value = "index-data"
    )]
    data: PathBuf,
    /// Configuration file (TOML); see `gongkai.example.toml`.
    #[arg(long, global = true, value_name = "FILE", env = "GONGKAI_CONFIG")]
    config: Option<PathBuf>,
    /// Extra jieba dictionary (`word [freq [tag]]` lines), on top of the built-in government
    /// terms. Overrides the configuration file. Changing it requires re-ingesting.
    #[arg(long, global = true, value_name = "FILE", env = "GONGKAI_USER_DICT")]
    user_dict: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest files or directories (recursive) into the index.
    ///
    /// Takes JSON Lines (`.jsonl`, `.ndjson`, optionally `.gz`) in the corpus format, HTML pages
    /// (`.html`, `.htm`, `.shtml`) and text pages (`.txt`). Every original is archived; a
    /// document whose id is known gets a new version when its content changed (the index shows
    /// the newest) and nothing when it did not; a page whose text an archived page already has
    /// under another URL or path is recorded as one more source of it. Bad inputs are reported
    /// as `FILE:LINE: reason` and skipped; the exit status is 1 when anything was rejected.
    /// Documents are committed in batches: a document counted in a "committed" line survives a
    /// crash, and re-running the same command completes an interrupted run without duplicates.
    Ingest(IngestArgs),
    /// Withdraw a document: gone from search at once, kept in the archive with who and when.
    Withdraw(WithdrawArgs),
    /// Rebuild `DATA/index/` from `DATA/archive/` alone (the newest version of every active
    /// document, re-read from its original with the current parsers).
    ///
    /// The new index is built beside the old one and swapped in when complete. Refuses to run
    /// while `gongkai serve` uses the data directory.
    Reindex,
    /// Copy a consistent backup of the data directory to OUT: the archive (journal and
    /// originals) and the API keys, not the derived index. Safe while the server runs.
    Backup(BackupArgs),
    /// Restore a backup made by `gongkai backup` into an empty data directory, check every
    /// original against its SHA-256, and rebuild the index from it.
    Restore(RestoreArgs),
    /// Manage the API keys of the write routes (stored as hashes in `DATA/keys.json`).
    Keys(keys_cmd::KeysArgs),
    /// Search the index and print ranked hits.
    ///
    /// Words are ANDed and ranked by BM25 (title boosted); "quoted text" must occur exactly;
    /// -word excludes; `a OR b` accepts either; title:word or title:"text" looks in titles
    /// only. A 文号 or 令号 in any bracket or width variant finds its document first. When no
    /// document has every word, the search is retried relaxed: stop words dropped, documents
    /// with most of the remaining words ranked first (marked "relaxed").
    Search(Box<SearchArgs>),
    /// Print what the index holds: document count, size, and per-field summaries.
    Stats(StatsArgs),
    /// Print one document as stored: every metadata field (extra ones included) and the full
    /// text, as JSON.
    Show(ShowArgs),
    /// Serve the HTTP JSON API (search, documents, facets, health, metrics, OpenAPI).
    ///
    /// When the data directory holds no documents yet, first indexes the bundled sample
    /// (`--sample`, default `index-data/sample`), with the same progress output as `ingest`.
    /// Prints `listening on http://ADDR` once bound, logs every request to stderr
    /// (`GONGKAI_LOG` or `RUST_LOG`, default info), and stops gracefully on SIGTERM or Ctrl-C.
    /// Each setting: flag, else environment, else the `[server]` section of `--config`, else
    /// the default.
    Serve(Box<ServeArgs>),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on, IP:PORT; port 0 picks a free port [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR", env = "GONGKAI_LISTEN")]
    listen: Option<SocketAddr>,
    /// Documents to index first when the data directory has none [default: index-data/sample].
    #[arg(long, value_name = "DIR", env = "GONGKAI_SAMPLE")]
    sample: Option<PathBuf>,
    /// Index jobs (searches, document loads, facet counts) running at once [default: two per
    /// core].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_CONCURRENT_SEARCHES")]
    max_concurrent_searches: Option<usize>,
    /// Longest a request may wait and run before a 503, in milliseconds [default: 5000].
    #[arg(long, value_name = "MS", env = "GONGKAI_REQUEST_DEADLINE_MS")]
    request_deadline_ms: Option<u64>,
    /// Largest accepted search request body, in bytes [default: 1048576].
    #[arg(long, value_name = "BYTES", env = "GONGKAI_MAX_BODY_BYTES")]
    max_body_bytes: Option<u64>,
    /// Largest accepted write body (`POST /api/v1/documents`), in bytes [default: 67108864].
    #[arg(long, value_name = "BYTES", env = "GONGKAI_MAX_WRITE_BYTES")]
    max_write_bytes: Option<u64>,
    /// Origin allowed to call the API from a browser, scheme://host[:port] (repeatable or
    /// comma-separated; `*`: any) [default: any origin].
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "GONGKAI_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Open connections at most; one past the cap is closed at once [default: 1024].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Time a client has to send a request's headers, in milliseconds [default: 10000].
    #[arg(long, value_name = "MS", env = "GONGKAI_HEADER_READ_TIMEOUT_MS")]
    header_read_timeout_ms: Option<u64>,
    /// Requests per second per client IP, 0 for no limit; past it 429 with Retry-After
    /// [default: 50].
    #[arg(long, value_name = "N", env = "GONGKAI_RATE_LIMIT_PER_IP")]
    rate_limit_per_ip: Option<u32>,
    /// Requests a client IP may make at once above its rate [default: twice the rate].
    #[arg(long, value_name = "N", env = "GONGKAI_RATE_LIMIT_BURST_PER_IP")]
    rate_limit_burst_per_ip: Option<u32>,
    /// Write and admin requests per second per API key, 0 for no limit [default: 10].
    #[arg(long, value_name = "N", env = "GONGKAI_RATE_LIMIT_PER_KEY")]
    rate_limit_per_key: Option<u32>,
    /// Requests an API key may make at once above its rate [default: twice the rate].
    #[arg(long, value_name = "N", env = "GONGKAI_RATE_LIMIT_BURST_PER_KEY")]
    rate_limit_burst_per_key: Option<u32>,
    /// A proxy (IP address) whose X-Forwarded-For names the client (repeatable or
    /// comma-separated) [default: none: X-Forwarded-For is ignored].
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "GONGKAI_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Longest query accepted, in characters [default: 2000].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_QUERY_CHARS")]
    max_query_chars: Option<usize>,
    /// Most words and quoted phrases in one query [default: 64].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_QUERY_TERMS")]
    max_query_terms: Option<usize>,
    /// Deepest hit reachable by paging, page × size [default: 10000].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_RESULT_WINDOW")]
    max_result_window: Option<usize>,
    /// Most values one facet returns (`facet_limit`, the facets route) [default: 1000].
    #[arg(long, value_name = "N", env = "GONGKAI_MAX_FACET_VALUES")]
    max_facet_values: Option<usize>,
    /// An aliases file (`short | full | …` a line) on top of the built-in aliases and
    /// synonyms; re-read on SIGHUP or POST /api/v1/admin/aliases/reload [default: none].
    #[arg(long, value_name = "FILE", env = "GONGKAI_ALIASES")]
    aliases: Option<PathBuf>,
}

impl ServeArgs {
    /// The flags and environment, as a configuration layer.
    fn layer(&self) -> config::ServerSection {
        config::ServerSection {
            listen: self.listen,
            max_concurrent_searches: self.max_concurrent_searches,
            request_deadline_ms: self.request_deadline_ms,
            max_body_bytes: self.max_body_bytes,
            max_write_bytes: self.max_write_bytes,
            cors_origins: (!self.cors_origins.is_empty()).then(|| self.cors_origins.clone()),
            max_connections: self.max_connections,
            header_read_timeout_ms: self.header_read_timeout_ms,
            rate_limit_per_ip: self.rate_limit_per_ip,
            rate_limit_burst_per_ip: self.rate_limit_burst_per_ip,
            rate_limit_per_key: self.rate_limit_per_key,
            rate_limit_burst_per_key: self.rate_limit_burst_per_key,
            trusted_proxies: (!self.trusted_proxies.is_empty())
                .then(|| self.trusted_proxies.clone()),
            max_query_chars: self.max_query_chars,
            max_query_terms: self.max_query_terms,
            max_result_window: self.max_result_window,
            max_facet_values: self.max_facet_values,
            aliases: self.aliases.clone(),
            sample: self.sample.clone(),
        }
    }
}

#[derive(Debug, Args)]
struct WithdrawArgs {
    /// The document id.
    #[arg(value_name = "ID")]
    id: String,
    /// Why (kept in the archive).
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// Where to write the backup (a new or empty directory).
    #[arg(value_name = "OUT")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// A directory written by `gongkai backup`.
    #[arg(value_name = "BACKUP")]
    backup: PathBuf,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The document id (as in search results).
    #[arg(value_name = "ID")]
    id: String,
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Files or directories to ingest.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Commit after this many documents.
    #[arg(long, value_name = "N", default_value_t = IngestOptions::default().commit_every)]
    commit_every: usize,
    /// Indexing threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The query; several arguments are joined with spaces. Empty: all documents.
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
    /// Only this 发布机构 (exact; repeat for any of several).
    #[arg(long, value_name = "D")]
    department: Vec<String>,
    /// Only this category or below (`地方性法规` matches `地方性法规/山东`; repeatable).
    #[arg(long, value_name = "C")]
    category: Vec<String>,
    /// Only this 文种 (通知, 条例 …; repeatable).
    #[arg(long, value_name = "T")]
    doc_type: Vec<String>,
    /// Only this region (repeatable).
    #[arg(long, value_name = "R")]
    region: Vec<String>,
    /// Only this validity: 有效, 失效, 废止, 已修改 (repeatable).
    #[arg(long, value_name = "V")]
    validity: Vec<String>,
    /// Only 文号 with this 机关代字, e.g. 国办发 (repeatable).
    #[arg(long, value_name = "ISSUER")]
    doc_number_issuer: Vec<String>,
    /// Only 文号 of this year, e.g. 2017 for 国办发〔2017〕47号 (repeatable).
    #[arg(long, value_name = "Y")]
    doc_number_year: Vec<i64>,
    /// Only 文号 or 令号 with this serial, e.g. 47 for 国办发〔2017〕47号 (repeatable).
    #[arg(long, value_name = "N")]
    doc_number_serial: Vec<i64>,
    /// Only this year (repeatable).
    #[arg(long, value_name = "Y")]
    year: Vec<i64>,
    /// From this year, inclusive.
    #[arg(long, value_name = "Y")]
    year_from: Option<i64>,
    /// To this year, inclusive.
    #[arg(long, value_name = "Y")]
    year_to: Option<i64>,
    /// Published on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    date_from: Option<String>,
    /// Published on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    date_to: Option<String>,
    /// Order: relevance, date_desc or date_asc.
    #[arg(long, default_value = "relevance")]
    sort: String,
    /// Page (1-based).
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Hits per page (1-100).
    #[arg(long, default_value_t = 10)]
    size: usize,
    /// Count values of a facet: department, category, year, doc_type, region, validity
    /// (repeatable or comma-separated).
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    facet: Vec<String>,
    /// Print the JSON the HTTP API returns.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct StatsArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` logs every request at info; the other commands only warnings.
    let default_filter = match cli.command {
        Command::Serve(_) => "warn,gongkai=info,gongkai_server=info,gongkai_ingest=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
                .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(cli) {
        Ok(code) => code,
        // `gongkai search … | head` closes the pipe early: not an error.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let config = config::Config::load(cli.global.config.as_deref())?;
    let options = IndexOptions {
        user_dict: cli.global.user_dict.clone().or(config.analysis.user_dict),
    };
    let file_server = config.server;
    let data = cli.global.data.as_path();
    let index_dir = data.join("index");
    match cli.command {
        Command::Ingest(args) => ingest(data, &options, args),
        Command::Withdraw(args) => {
            let store = open_store(data, &options)?;
            let mut session = store.write_session(1, 32 << 20)?;
            let id = store.archive().resolve(&args.id);
            let changed = session.withdraw(&id, "cli", args.reason)?;
            session.finish()?;
            let mut out = std::io::stdout().lock();
            if changed {
                writeln!(out, "withdrew {id}")?;
            } else {
                writeln!(out, "{id} was already withdrawn")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => {
            let defaults = IngestOptions::default();
            eprintln!(
                "rebuilding {} from {}",
                index_dir.display(),
                data.join("archive").display()
            );
            let summary = gongkai_ingest::store::reindex(
                data,
                &options,
                defaults.threads,
                defaults.memory_budget,
            )?;
            writeln!(
                std::io::stdout().lock(),
                "reindexed {} documents ({} withdrawn left out, {} failed) up to journal position {} in {:.2}s",
                summary.documents, summary.withdrawn, summary.failed, summary.journal_seq, summary.seconds
            )?;
            Ok(if summary.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Backup(args) => {
            let seq = gongkai_ingest::store::backup(data, &args.out)?;
            writeln!(
                std::io::stdout().lock(),
                "backed up {} to {} (journal position {seq})",
                data.display(),
                args.out.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore(args) => {
            let defaults = IngestOptions::default();
            let summary = gongkai_ingest::store::restore(
                &args.backup,
                data,
                &options,
                defaults.threads,
                defaults.memory_budget,
            )?;
            writeln!(
                std::io::stdout().lock(),
                "restored {} into {}: {} documents indexed ({} withdrawn), journal position {}",
                args.backup.display(),
                data.display(),
                summary.documents,
                summary.withdrawn,
                summary.journal_seq
            )?;
            Ok(if summary.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Keys(args) => keys_cmd::run(data, args),
        Command::Search(args) => {
            let index = open(&index_dir, &options)?;
            search(&index, *args)
        }
        Command::Stats(args) => {
            let index = open(&index_dir, &options)?;
            let stats = gongkai_search::stats::stats(&index)?;
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&stats)?)?;
            } else {
                output::print_stats(&mut out, &stats)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show(args) => {
            let index = open(&index_dir, &options)?;
            let Some(record) = index.get(&args.id)? else {
                bail!("no document with id {:?}", args.id);
            };
            writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string_pretty(&record)?
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let settings = args.layer().or(file_server).resolve()?;
            serve(data, &options, settings)
        }
    }
}

fn open(index_dir: &Path, options: &IndexOptions) -> Result<GongkaiIndex> {
    GongkaiIndex::open(index_dir, options)
        .with_context(|| format!("opening {}", index_dir.display()))
}

fn open_store(data: &Path, options: &IndexOptions) -> Result<Store> {
    Store::open(data, options).with_context(|| format!("opening {}", data.display()))
}

fn ingest(data: &Path, options: &IndexOptions, args: IngestArgs) -> Result<ExitCode> {
    let store = open_store(data, options)?;
    let mut ingest_options = IngestOptions {
        commit_every: args.commit_every.max(1),
        ..IngestOptions::default()
    };
    if let Some(threads) = args.threads {
        ingest_options.threads = threads.max(1);
    }
    let summary = ingest_paths(
        &store,
        &args.paths,
        &ingest_options,
        args.json,
        &mut std::io::stdout().lock(),
    )?;
    Ok(if summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Ingests `paths` with progress on stderr (a bar on a terminal, lines otherwise), then
/// writes the summary to `out`: the one ingest path of `ingest` and `serve`.
fn ingest_paths(
    store: &Store,
    paths: &[PathBuf],
    ingest_options: &IngestOptions,
    json: bool,
    out: &mut dyn Write,
) -> Result<IngestSummary> {
    let mut progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(output::BarProgress::default())
    } else {
        Box::new(output::LineProgress::new(Duration::from_secs(5)))
    };
    let summary = gongkai_ingest::ingest(store, paths, ingest_options, "cli", progress.as_mut())?;
    drop(progress);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        let docs = summary.accepted();
        writeln!(
            out,
            "ingested {docs} documents ({} added, {} updated, {} unchanged, {} merged), rejected {}, {} warnings, from {} files in {:.2}s ({:.0} docs/s, {:.1} MB/s); index holds {} documents",
            summary.added,
            summary.updated,
            summary.unchanged,
            summary.merged,
            summary.rejected,
            summary.warnings,
            summary.files,
            summary.seconds,
            docs as f64 / summary.seconds.max(1e-9),
            summary.bytes as f64 / 1e6 / summary.seconds.max(1e-9),
            store.index().num_docs(),
        )?;
    }
    out.flush()?;
    Ok(summary)
}

/// `gongkai serve`: archives and indexes the sample when the data directory holds no
/// documents, then serves until SIGTERM or Ctrl-C.
fn serve(data: &Path, options: &IndexOptions, settings: config::ServeSettings) -> Result<ExitCode> {
    if let Some(path) = &settings.server.aliases_file {
        // Refuse to start on a file that does not parse (a reload keeps the old aliases).
        gongkai_search::aliases::Aliases::load(Some(path))
            .map_err(anyhow::Error::msg)
            .context("aliases")?;
    }
    let store = open_store(data, options)?;
    // Held while serving: `reindex` and `restore` refuse to replace the index under us.
    let _serving = store.serving_lock()?;
    if store.archive().stats().documents == 0 {
        let sample = &settings.sample;
        if !sample.exists() {
            bail!(
                "{} holds no documents, and the sample to build it from, {}, does not exist: \
                 run from the repository root, pass --sample DIR, or ingest documents first \
                 (gongkai ingest PATH)",
                data.display(),
                sample.display()
            );
        }
        eprintln!(
            "{} holds no documents: indexing {} first",
            data.display(),
            sample.display()
        );
        let summary = ingest_paths(
            &store,
            std::slice::from_ref(sample),
            &IngestOptions::default(),
            false,
            &mut std::io::stderr().lock(),
        )?;
        if summary.rejected > 0 {
            tracing::warn!(
                rejected = summary.rejected,
                "some sample inputs were rejected"
            );
        }
        if store.index().num_docs() == 0 {
            bail!("{} holds no documents to index", sample.display());
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async {
        // Signal handlers are installed before the address is announced, so a signal sent
        // as soon as the line is read still stops the server gracefully.
        let shutdown = shutdown_signal()?;
        gongkai_server::run(
            store,
            settings.server,
            |address| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on http://{address}");
                let _ = out.flush();
            },
            shutdown,
        )
        .await
        .map_err(anyhow::Error::from)
    });
    runtime.shutdown_timeout(Duration::from_secs(10));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT); the handlers are installed when this returns.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("installing a SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing a SIGINT handler")?;
    Ok(async move {
        let name = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

fn parse_date(flag: &str, value: Option<&str>) -> Result<Option<Date>> {
    match value {
        None => Ok(None),
        Some(v) => match Date::parse(v) {
            Some(d) => Ok(Some(d)),
            None => bail!("--{flag}: {v:?} is not a date (YYYY-MM-DD)"),
        },
    }
}

fn search(index: &GongkaiIndex, args: SearchArgs) -> Result<ExitCode> {
    let Some(sort) = Sort::parse(&args.sort) else {
        bail!(
            "--sort: unknown order {:?} (relevance, date_desc, date_asc)",
            args.sort
        );
    };
    let mut facets = Vec::new();
    for name in args.facet.iter().filter(|n| !n.trim().is_empty()) {
        match FacetField::parse(name) {
            Some(f) if !facets.contains(&f) => facets.push(f),
            Some(_) => {}
            None => bail!("--facet: unknown field {name:?} (department, category, year, doc_type, region, validity)"),
        }
    }
    let request = SearchRequest {
        q: args.query.join(" "),
        filters: Filters {
            department: args.department,
            category: args.category,
            doc_type: args.doc_type,
            region: args.region,
            validity: args.validity,
            doc_number_issuer: args.doc_number_issuer,
            doc_number_year: args.doc_number_year,
            doc_number_serial: args.doc_number_serial,
            year: args.year,
            year_from: args.year_from,
            year_to: args.year_to,
            date_from: parse_date("date-from", args.date_from.as_deref())?,
            date_to: parse_date("date-to", args.date_to.as_deref())?,
        },
        sort,
        page: args.page,
        size: args.size,
        facets,
        highlight: true,
        ..SearchRequest::default()
    };
    let response = gongkai_search::search(index, &request)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&response)?)?;
    } else {
        output::print_hits(&mut out, &response, std::io::stdout().is_terminal())?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_settings(args: &[&str], file: &str) -> config::ServeSettings {
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Serve(serve) = cli.command else {
            panic!("not serve");
        };
        let file: config::Config = toml::from_str(file).unwrap();
        serve.layer().or(file.server).resolve().unwrap()
    }

    /// Defaults < file < environment < flags, for every `[server]` key. The only test that
    /// sets `GONGKAI_*` variables (tests run in parallel threads of one process).
    #[test]
    fn serve_settings_precedence() {
        let file = r#"
            [server]
            listen = "127.0.0.1:1111"
            max_concurrent_searches = 3
            request_deadline_ms = 300
            max_body_bytes = 3000
            cors_origins = ["https://file.example"]
            sample = "file-sample"
        "#;
        let vars = [
            ("GONGKAI_LISTEN", "127.0.0.1:2222"),
            ("GONGKAI_MAX_CONCURRENT_SEARCHES", "4"),
            ("GONGKAI_REQUEST_DEADLINE_MS", "400"),
            ("GONGKAI_MAX_BODY_BYTES", "4000"),
            (
                "GONGKAI_CORS_ORIGINS",
                "https://env.example,https://env2.example",
            ),
            ("GONGKAI_SAMPLE", "env-sample"),
        ];
        for (name, _) in vars {
            std::env::remove_var(name);
        }
        // Defaults.
        let s = serve_settings(&["gongkai", "serve"], "");
        let defaults = gongkai_server::ServerConfig::default();
        assert_eq!(s.server, defaults);
        assert_eq!(s.sample, PathBuf::from(config::DEFAULT_SAMPLE));
        // The file over the defaults.
        let s = serve_settings(&["gongkai", "serve"], file);
        assert_eq!(s.server.listen.to_string(), "127.0.0.1:1111");
        assert_eq!(s.server.max_concurrent_searches, 3);
        assert_eq!(s.server.request_deadline, Duration::from_millis(300));
        assert_eq!(s.server.max_body_bytes, 3000);
        assert_eq!(s.server.cors_origins, vec!["https://file.example"]);
        assert_eq!(s.sample, PathBuf::from("file-sample"));
        // The environment over the file.
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
        let s = serve_settings(&["gongkai", "serve"], file);
        assert_eq!(s.server.listen.to_string(), "127.0.0.1:2222");
        assert_eq!(s.server.max_concurrent_searches, 4);
        assert_eq!(s.server.request_deadline, Duration::from_millis(400));
        assert_eq!(s.server.max_body_bytes, 4000);
        assert_eq!(
            s.server.cors_origins,
            vec!["https://env.example", "https://env2.example"]
        );
        assert_eq!(s.sample, PathBuf::from("env-sample"));
        // Flags over the environment.
        let s = serve_settings(
            &[
                "gongkai",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--max-concurrent-searches",
                "5",
                "--request-deadline-ms",
                "500",
                "--max-body-bytes",
                "5000",
                "--cors-origin",
                "*",
                "--sample",
                "flag-sample",
            ],
            file,
        );
        for (name, _) in vars {
            std::env::remove_var(name);
        }
        assert_eq!(s.server.listen.to_string(), "127.0.0.1:0");
        assert_eq!(s.server.max_concurrent_searches, 5);
        assert_eq!(s.server.request_deadline, Duration::from_millis(500));
        assert_eq!(s.server.max_body_bytes, 5000);
        assert!(s.server.cors_origins.is_empty());
        assert_eq!(s.sample, PathBuf::from("flag-sample"));
    }
}
