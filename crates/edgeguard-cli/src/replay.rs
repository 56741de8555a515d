//! `edgeguard replay`: decide every request of CloudFront standard access logs with a config
//! and report what it would deny. The adapter part: files and directories, gzip or plain (by
//! magic bytes), a progress bar on a terminal, and the output. Parsing, deciding and counting
//! are `edgeguard::replay`.

use crate::load_config;
use edgeguard::replay::{self, Limits, Replay, MAX_LINE};
use flate2::bufread::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flags of `edgeguard replay`.
#[derive(clap::Args)]
pub struct Args {
    /// The TOML config file to replay with.
    #[arg(long)]
    config: PathBuf,
    /// Log files (gzip or plain) or directories of them (read recursively).
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// Print the report as one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Entries in each top list.
    #[arg(long, default_value_t = Limits::default().top, value_name = "N")]
    top: usize,
}

/// The first bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Read buffer: log files are read sequentially in large steps.
const BUFFER: usize = 256 * 1024;

pub fn run(args: Args) -> Result<ExitCode, String> {
    let (_, config) = load_config(&args.config)?;
    let guard = replay::guard(config);
    let files = collect_files(&args.logs)?;
    let limits = Limits {
        top: args.top,
        ..Limits::default()
    };
    let mut replay = Replay::new(&guard, limits);
    let progress = progress_bar(&files);
    let mut line = Vec::with_capacity(4096);
    for file in &files {
        let name = file.path.display().to_string();
        replay.begin_file(&name);
        if let Err(error) = replay_file(&file.path, &mut replay, &mut line, &progress) {
            replay.read_error(&error);
        }
    }
    progress.finish_and_clear();
    let report = replay.finish();
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(io::Error::other)
            .and_then(|()| writeln!(stdout))
    } else {
        stdout.write_all(report.to_text().as_bytes())
    };
    written.map_err(|e| format!("writing the report: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// One input file and its size (for the progress bar).
struct LogFile {
    path: PathBuf,
    bytes: u64,
}

/// Files named on the command line, and every file under the directories named, in name
/// order. A path that does not exist is a usage error; nothing is read yet.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<LogFile>, String> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut out).map_err(|e| format!("{}: {e}", path.display()))?;
        } else {
            out.push(LogFile {
                path: path.clone(),
                bytes: meta.len(),
            });
        }
    }
    Ok(out)
}

/// Recurses into real directories only: a symbolic link to a directory is skipped (a link
/// back up the tree would never end), a link to a file is read.
fn walk(dir: &Path, out: &mut Vec<LogFile>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
            continue;
        }
        let meta = std::fs::metadata(&path)?;
        if meta.is_file() {
            out.push(LogFile {
                path,
                bytes: meta.len(),
            });
        }
    }
    Ok(())
}

/// Feeds every line of one file to the replay; gzip (any number of members) or plain text,
/// told apart by the magic bytes, whatever the file is called.
fn replay_file(
    path: &Path,
    replay: &mut Replay<'_>,
    line: &mut Vec<u8>,
    progress: &ProgressBar,
) -> io::Result<()> {
    let file = File::open(path)?;
    let mut raw = BufReader::with_capacity(
        BUFFER,
        Counted {
            inner: file,
            progress,
        },
    );
    let gzip = raw.fill_buf()?.starts_with(&GZIP_MAGIC);
    let mut lines: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    // One byte over the limit is enough for the replay to call the line too long; the rest of
    // it is skipped, so a file without newlines cannot fill memory.
    let limit = MAX_LINE as u64 + 1;
    loop {
        line.clear();
        if (&mut lines).take(limit).read_until(b'\n', line)? == 0 {
            return Ok(());
        }
        if line.len() > MAX_LINE && !line.ends_with(b"\n") {
            lines.skip_until(b'\n')?;
        }
        replay.feed_line(line);
    }
}

/// A reader that advances the progress bar by the bytes read from disk.
struct Counted<'p, R> {
    inner: R,
    progress: &'p ProgressBar,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// A bar over the input bytes on stderr when it is a terminal; hidden otherwise (scripts,
/// CI, `2>file`).
fn progress_bar(files: &[LogFile]) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total = files.iter().map(|f| f.bytes).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {decimal_bytes}/{decimal_total_bytes} ({decimal_bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}
