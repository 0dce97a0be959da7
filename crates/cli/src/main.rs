//! `gongkai`: the one binary. A thin layer of argument parsing, configuration and output over
//! the library crates; all behaviour lives in them.

mod config;
mod output;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use gongkai_core::Date;
use gongkai_index::{GongkaiIndex, IndexOptions};
use gongkai_ingest::{IngestOptions, Progress};
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
    /// Data directory: holds `index/` (derived, may be deleted and rebuilt).
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
    /// (`.html`, `.htm`, `.shtml`) and text pages (`.txt`). A document whose id is already
    /// indexed is replaced. Bad inputs are reported as `FILE:LINE: reason` and skipped; the exit
    /// status is 1 when anything was rejected. Documents are committed in batches: a document
    /// counted in a "committed" line survives a crash, and re-running the same command
    /// completes an interrupted run without duplicates.
    Ingest(IngestArgs),
    /// Search the index and print ranked hits.
    ///
    /// Words are ANDed and ranked by BM25 (title boosted); "quoted text" must occur exactly;
    /// -word excludes; `a OR b` accepts either. A 文号 or 令号 in any bracket or width variant
    /// finds its document first.
    Search(Box<SearchArgs>),
    /// Print what the index holds: document count, size, and per-field summaries.
    Stats(StatsArgs),
    /// Print one document as stored: every metadata field (extra ones included) and the full
    /// text, as JSON.
    Show(ShowArgs),
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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
    let index_dir = cli.global.data.join("index");
    match cli.command {
        Command::Ingest(args) => ingest(&index_dir, &options, args),
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
    }
}

fn open(index_dir: &Path, options: &IndexOptions) -> Result<GongkaiIndex> {
    GongkaiIndex::open(index_dir, options)
        .with_context(|| format!("opening {}", index_dir.display()))
}

fn ingest(index_dir: &Path, options: &IndexOptions, args: IngestArgs) -> Result<ExitCode> {
    let index = GongkaiIndex::open_or_create(index_dir, options)
        .with_context(|| format!("opening {}", index_dir.display()))?;
    let mut ingest_options = IngestOptions {
        commit_every: args.commit_every.max(1),
        ..IngestOptions::default()
    };
    if let Some(threads) = args.threads {
        ingest_options.threads = threads.max(1);
    }
    let mut progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(output::BarProgress::default())
    } else {
        Box::new(output::LineProgress::new(Duration::from_secs(5)))
    };
    let summary = gongkai_ingest::ingest(&index, &args.paths, &ingest_options, progress.as_mut())?;
    drop(progress);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let docs = summary.added + summary.replaced;
        println!(
            "ingested {docs} documents ({} added, {} replaced), rejected {}, {} warnings, from {} files in {:.2}s ({:.0} docs/s, {:.1} MB/s); index holds {} documents",
            summary.added,
            summary.replaced,
            summary.rejected,
            summary.warnings,
            summary.files,
            summary.seconds,
            docs as f64 / summary.seconds.max(1e-9),
            summary.bytes as f64 / 1e6 / summary.seconds.max(1e-9),
            index.num_docs(),
        );
    }
    Ok(if summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
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
            doc_number_issuer: Vec::new(),
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
