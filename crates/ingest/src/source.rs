//! Finding input files and reading them into work items.
//!
//! A path on the command line is a file or a directory (walked recursively, in name order so
//! runs are reproducible). Inside directories only known extensions are taken; a file named
//! explicitly is taken whatever its name, its kind sniffed from its first bytes.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JSON Lines, one record a line (`.jsonl`, `.ndjson`, optionally `.gz`).
    JsonLines,
    /// A single web page or text page (`.html`, `.htm`, `.shtml`, `.txt`).
    Page,
}

/// An input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path as found.
    pub path: PathBuf,
    /// Kind.
    pub kind: Kind,
    /// Gzip-compressed.
    pub gzip: bool,
    /// Size on disk.
    pub bytes: u64,
}

/// Where an item came from: `FILE` or `FILE:LINE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: PathBuf,
    /// 1-based line for JSON Lines.
    pub line: Option<usize>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// One unit of work.
#[derive(Debug)]
pub enum Payload {
    /// A JSON line's bytes (not yet checked to be UTF-8).
    JsonLine(Vec<u8>),
    /// A whole page file.
    Page(Vec<u8>),
    /// The input could not be read; the reason.
    Unreadable(String),
}

/// An item with its origin.
#[derive(Debug)]
pub struct Item {
    /// Where it came from.
    pub origin: Origin,
    /// What it is.
    pub payload: Payload,
    /// Input bytes it accounts for (for progress).
    pub bytes: u64,
}

/// Longest JSON line accepted.
pub const MAX_LINE_BYTES: u64 = 64 << 20;
/// Largest page file accepted.
pub const MAX_PAGE_BYTES: u64 = 64 << 20;

fn classify(path: &Path) -> Option<(Kind, bool)> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(stem) => (stem.to_string(), true),
        None => (name.clone(), false),
    };
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "jsonl" | "ndjson" => Some((Kind::JsonLines, gzip)),
        "html" | "htm" | "shtml" | "xhtml" | "txt" if !gzip => Some((Kind::Page, false)),
        _ => None,
    }
}

/// Sniffs an explicitly named file of unknown extension: JSON Lines when it starts with `{`
/// (or is gzip), a page otherwise.
fn sniff(path: &Path) -> (Kind, bool) {
    let mut head = [0u8; 2];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if n == 2 && head == [0x1f, 0x8b] {
        return (Kind::JsonLines, true);
    }
    if n >= 1 && head[0] == b'{' {
        return (Kind::JsonLines, false);
    }
    (Kind::Page, false)
}

/// Expands command-line paths to input files. Paths that do not exist are returned as errors
/// (`path: reason`) without stopping the others.
pub fn expand(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push((path.clone(), e.to_string())),
            Ok(meta) if meta.is_dir() => {
                let walker = walkdir::WalkDir::new(path)
                    .sort_by_file_name()
                    .follow_links(true);
                for entry in walker {
                    match entry {
                        Err(e) => {
                            let at = e
                                .path()
                                .map(Path::to_path_buf)
                                .unwrap_or_else(|| path.clone());
                            errors.push((at, e.to_string()));
                        }
                        Ok(entry) if entry.file_type().is_file() => {
                            if let Some((kind, gzip)) = classify(entry.path()) {
                                let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
                                files.push(InputFile {
                                    path: entry.into_path(),
                                    kind,
                                    gzip,
                                    bytes,
                                });
                            }
                        }
                        Ok(_) => {}
                    }
                }
            }
            Ok(meta) => {
                let (kind, gzip) = classify(path).unwrap_or_else(|| sniff(path));
                files.push(InputFile {
                    path: path.clone(),
                    kind,
                    gzip,
                    bytes: meta.len(),
                });
            }
        }
    }
    (files, errors)
}

/// Reads a file into items, calling `emit` for each. I/O errors become an
/// [`Payload::Unreadable`] item at the place they happened; reading goes on with the next file.
pub fn read_file(file: &InputFile, emit: &mut dyn FnMut(Item)) {
    let origin = |line| Origin {
        file: file.path.clone(),
        line,
    };
    let unreadable = |line, reason: String, bytes| Item {
        origin: origin(line),
        payload: Payload::Unreadable(reason),
        bytes,
    };
    let handle = match File::open(&file.path) {
        Ok(h) => h,
        Err(e) => return emit(unreadable(None, format!("cannot read: {e}"), file.bytes)),
    };
    match file.kind {
        Kind::Page => {
            let mut bytes = Vec::new();
            match handle.take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes) {
                Err(e) => emit(unreadable(None, format!("cannot read: {e}"), file.bytes)),
                Ok(_) if bytes.len() as u64 > MAX_PAGE_BYTES => emit(unreadable(
                    None,
                    format!("larger than {} MiB", MAX_PAGE_BYTES >> 20),
                    file.bytes,
                )),
                Ok(_) => emit(Item {
                    origin: origin(None),
                    payload: Payload::Page(bytes),
                    bytes: file.bytes,
                }),
            }
        }
        Kind::JsonLines => {
            let raw: Box<dyn Read> = if file.gzip {
                Box::new(flate2::read::MultiGzDecoder::new(handle))
            } else {
                Box::new(handle)
            };
            // Progress is counted in file bytes; for gzip, spread it over decompressed lines.
            let mut reader = BufReader::with_capacity(
                1 << 20,
                CountingReader {
                    inner: raw,
                    count: 0,
                },
            );
            let mut line_no = 0usize;
            let mut reported = 0u64;
            loop {
                let mut line = Vec::new();
                line_no += 1;
                let read = (&mut reader)
                    .take(MAX_LINE_BYTES + 1)
                    .read_until(b'\n', &mut line);
                let decoded = reader.get_ref().count;
                let advance = decoded.saturating_sub(reported);
                reported += advance;
                match read {
                    Err(e) => {
                        emit(unreadable(Some(line_no), format!("cannot read: {e}"), 0));
                        return;
                    }
                    Ok(0) => return,
                    Ok(_) if line.len() as u64 > MAX_LINE_BYTES && !line.ends_with(b"\n") => {
                        emit(unreadable(
                            Some(line_no),
                            format!("line longer than {} MiB", MAX_LINE_BYTES >> 20),
                            advance,
                        ));
                        // Skip the rest of the overlong line.
                        let mut sink = Vec::new();
                        if reader.read_until(b'\n', &mut sink).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {
                        let bytes = scale(advance, file);
                        if line.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        emit(Item {
                            origin: origin(Some(line_no)),
                            payload: Payload::JsonLine(line),
                            bytes,
                        });
                    }
                }
            }
        }
    }
}

/// Gzip files report decompressed bytes; progress totals use file sizes. Until the ratio is
/// known, count decompressed bytes at a typical 3.5:1 for Chinese JSON.
fn scale(decoded: u64, file: &InputFile) -> u64 {
    if file.gzip {
        decoded * 2 / 7
    } else {
        decoded
    }
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_extension() {
        assert_eq!(
            classify(Path::new("a/b.jsonl.gz")),
            Some((Kind::JsonLines, true))
        );
        assert_eq!(
            classify(Path::new("b.NDJSON")),
            Some((Kind::JsonLines, false))
        );
        assert_eq!(classify(Path::new("p.shtml")), Some((Kind::Page, false)));
        assert_eq!(classify(Path::new("README.md")), None);
        assert_eq!(classify(Path::new("noext")), None);
    }

    #[test]
    fn reads_lines_with_numbers_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n\n{\"b\":2}\n{\"c\":3}").unwrap();
        let (files, errors) = expand(&[dir.path().to_path_buf(), dir.path().join("missing")]);
        assert_eq!(files.len(), 1);
        assert_eq!(errors.len(), 1);
        let mut items = Vec::new();
        read_file(&files[0], &mut |i| items.push(i));
        let lines: Vec<_> = items.iter().map(|i| i.origin.line).collect();
        assert_eq!(lines, vec![Some(1), Some(3), Some(4)]);
        assert_eq!(items[2].origin.to_string(), format!("{}:4", path.display()));
    }
}
