//! Human-readable output: hits, stats and ingest progress.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use gongkai_ingest::{Progress, Rejection};
use gongkai_search::stats::Stats;
use gongkai_search::SearchResponse;
use indicatif::{ProgressBar, ProgressStyle};

/// Turns highlight markup into terminal emphasis (or plain brackets when not a terminal).
fn render(marked: &str, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    marked
        .replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Prints ranked hits.
pub fn print_hits(out: &mut dyn Write, response: &SearchResponse, color: bool) -> io::Result<()> {
    writeln!(
        out,
        "{} documents ({} ms)",
        response.total, response.took_ms
    )?;
    let first = (response.page - 1) * response.size;
    for (i, hit) in response.hits.iter().enumerate() {
        let title = hit
            .highlights
            .as_ref()
            .map_or(hit.title.clone(), |h| render(&h.title, color));
        writeln!(out, "\n{:>3}. {title}", first + i + 1)?;
        let mut meta = vec![format!("id {}", hit.id)];
        meta.extend(hit.department.clone());
        meta.extend(hit.doc_number.clone());
        meta.extend(
            hit.publish_date
                .map(|d| d.to_string())
                .or(hit.year.map(|y| y.to_string())),
        );
        meta.extend(hit.category.clone());
        writeln!(out, "     {}", meta.join(" · "))?;
        if let Some(h) = &hit.highlights {
            for fragment in h.body.iter().take(2) {
                writeln!(out, "     {}", render(fragment, color))?;
            }
        }
    }
    for (field, values) in &response.facets {
        writeln!(out, "\n{field}:")?;
        for v in values {
            writeln!(out, "  {:>6}  {}", v.count, v.value)?;
        }
    }
    Ok(())
}

/// Prints index statistics.
pub fn print_stats(out: &mut dyn Write, stats: &Stats) -> io::Result<()> {
    writeln!(out, "documents: {}", stats.documents)?;
    writeln!(
        out,
        "index: {:.1} MB in {} segments",
        stats.index_bytes as f64 / 1e6,
        stats.segments
    )?;
    writeln!(out, "with publish date: {}", stats.with_publish_date)?;
    if let Some((a, b)) = stats.year_range {
        writeln!(out, "years: {a}–{b}")?;
    }
    for (name, f) in &stats.fields {
        writeln!(
            out,
            "\n{name}: {} documents, {} distinct values",
            f.documents_with_value, f.distinct
        )?;
        for v in &f.top {
            writeln!(out, "  {:>6}  {}", v.count, v.value)?;
        }
    }
    Ok(())
}

/// A progress bar for terminals.
pub struct BarProgress {
    bar: ProgressBar,
}

impl Default for BarProgress {
    fn default() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        BarProgress { bar }
    }
}

impl Progress for BarProgress {
    fn start(&mut self, total_bytes: u64, _files: usize) {
        self.bar.set_length(total_bytes);
    }
    fn advance(&mut self, bytes: u64) {
        self.bar.inc(bytes);
    }
    fn committed(&mut self, documents: u64) {
        self.bar.set_message(format!("committed {documents}"));
    }
    fn rejected(&mut self, r: &Rejection) {
        self.bar.suspend(|| eprintln!("{r}"));
    }
    fn warning(&mut self, origin: &str, message: &str) {
        self.bar
            .suspend(|| eprintln!("{origin}: warning: {message}"));
    }
}

impl Drop for BarProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Periodic progress lines, for logs and pipes.
pub struct LineProgress {
    total: u64,
    done: u64,
    last: Instant,
    every: Duration,
    started: Instant,
}

impl LineProgress {
    /// A line at most every `every`, plus one per commit.
    pub fn new(every: Duration) -> LineProgress {
        LineProgress {
            total: 0,
            done: 0,
            last: Instant::now(),
            every,
            started: Instant::now(),
        }
    }
}

impl Progress for LineProgress {
    fn start(&mut self, total_bytes: u64, files: usize) {
        self.total = total_bytes;
        eprintln!("ingest: {files} files, {:.1} MB", total_bytes as f64 / 1e6);
    }
    fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        if self.last.elapsed() >= self.every {
            self.last = Instant::now();
            let pct = (self.done.min(self.total) * 100)
                .checked_div(self.total)
                .unwrap_or(0);
            eprintln!(
                "ingest: {pct}% after {:.1}s",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
    fn committed(&mut self, documents: u64) {
        eprintln!("ingest: committed {documents} documents");
    }
    fn rejected(&mut self, r: &Rejection) {
        eprintln!("{r}");
    }
    fn warning(&mut self, origin: &str, message: &str) {
        eprintln!("{origin}: warning: {message}");
    }
}
