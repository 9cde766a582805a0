//! `callcoach score`: finds WAV files, scores them in parallel with the shared engine, and
//! writes `summary.csv` and `calls.jsonl` in path order, a complete line at a time, so an
//! interrupted run can be resumed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::audio::wav::has_wav_extension;
use crate::config::Profile;
use crate::file_analysis::{AnalyseOptions, score_one};
use crate::record::SourceFile;

pub use crate::record::{CSV_HEADER, CallRecord};

/// Settings of one batch run, validated.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Output folder for `summary.csv` and `calls.jsonl`; `None` prints to stdout.
    pub out_dir: Option<PathBuf>,
    /// Folder for per-file agent pitch tracks.
    pub pitch_track_dir: Option<PathBuf>,
    /// Worker threads (0 = all cores).
    pub jobs: usize,
    /// Skip files already in `out_dir/calls.jsonl` with the same path, size and mtime.
    pub resume: bool,
    /// Agent channel override.
    pub agent_channel: Option<usize>,
    /// Show a progress bar (only honoured on a terminal).
    pub progress: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Files scored in this run.
    pub scored: usize,
    /// Files that failed in this run.
    pub failed: usize,
    /// Files skipped by `--resume`.
    pub skipped: usize,
}

/// Finds the files to score: explicit files as given, folders searched recursively for
/// `*.wav` (any case). Sorted, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut found)?;
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list folder", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot list folder", dir.display()))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .with_context(|| format!("{}: cannot stat", path.display()))?;
        if file_type.is_dir() {
            walk(&path, found)?;
        } else if has_wav_extension(&path) {
            found.push(path);
        }
    }
    Ok(())
}

/// Names of the pitch-track files: `<stem>.agent.f0.csv`; when two files share a stem,
/// the later ones (in path order) get their parent folders prefixed.
pub fn pitch_track_names(files: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "call".into())
    };
    let mut seen: HashSet<String> = HashSet::new();
    files
        .iter()
        .map(|f| {
            let mut name = stem(f);
            if !seen.insert(name.clone()) {
                let parents: Vec<String> = f
                    .parent()
                    .into_iter()
                    .flat_map(|p| p.components())
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .filter(|c| c != "/" && c != "." && c != "..")
                    .collect();
                name = format!("{}__{}", parents.join("__"), name);
                let base = name.clone();
                let mut i = 2;
                while !seen.insert(name.clone()) {
                    name = format!("{base}-{i}");
                    i += 1;
                }
            }
            format!("{name}.agent.f0.csv")
        })
        .collect()
}

/// Output files of a run, appended one complete line at a time.
struct Outputs {
    jsonl: BufWriter<File>,
    csv: csv::Writer<File>,
}

impl Outputs {
    fn write(&mut self, record: &CallRecord) -> Result<()> {
        let mut line = serde_json::to_string(record).context("cannot encode record")?;
        line.push('\n');
        self.jsonl
            .write_all(line.as_bytes())
            .and_then(|()| self.jsonl.flush())
            .context("calls.jsonl: cannot write")?;
        self.csv
            .write_record(record.csv_row())
            .context("summary.csv: cannot write")?;
        self.csv.flush().context("summary.csv: cannot write")?;
        Ok(())
    }
}

/// Cuts a torn last line (no final newline) off a file; returns the remaining text.
fn read_complete_lines(path: &Path) -> Result<String> {
    let mut text = String::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_string(&mut text)
                .with_context(|| format!("{}: cannot read", path.display()))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(text),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    }
    if let Some(last_newline) = text.rfind('\n') {
        text.truncate(last_newline + 1);
    } else {
        text.clear();
    }
    Ok(text)
}

/// Size and modification time (ns) of a scored file, by path.
type DoneFiles = HashMap<String, (u64, u128)>;

fn open_outputs(dir: &Path, resume: bool) -> Result<(Outputs, DoneFiles)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create output folder", dir.display()))?;
    let jsonl_path = dir.join("calls.jsonl");
    let csv_path = dir.join("summary.csv");
    let mut done = HashMap::new();
    let mut kept: Vec<CallRecord> = Vec::new();
    if resume {
        let text = read_complete_lines(&jsonl_path)?;
        for line in text.lines() {
            if let Ok(r) = serde_json::from_str::<CallRecord>(line) {
                done.insert(r.file.clone(), (r.file_size, r.file_mtime_ns));
                kept.push(r);
            }
        }
    }
    // Rewrite both files from the kept records (drops torn lines, re-syncs the CSV).
    let mut jsonl = BufWriter::new(
        File::create(&jsonl_path)
            .with_context(|| format!("{}: cannot create", jsonl_path.display()))?,
    );
    let csv_file = File::create(&csv_path)
        .with_context(|| format!("{}: cannot create", csv_path.display()))?;
    let mut csv = csv::Writer::from_writer(csv_file);
    csv.write_record(CSV_HEADER)
        .with_context(|| format!("{}: cannot write", csv_path.display()))?;
    for r in &kept {
        let line = serde_json::to_string(r).context("cannot encode record")?;
        writeln!(jsonl, "{line}")
            .with_context(|| format!("{}: cannot write", jsonl_path.display()))?;
        csv.write_record(r.csv_row())
            .with_context(|| format!("{}: cannot write", csv_path.display()))?;
    }
    jsonl
        .flush()
        .with_context(|| format!("{}: cannot write", jsonl_path.display()))?;
    csv.flush()
        .with_context(|| format!("{}: cannot write", csv_path.display()))?;
    Ok((Outputs { jsonl, csv }, done))
}

/// Scores `files` (already discovered and sorted). `emit` receives each record in path
/// order when there is no output folder. Errors are returned only for problems that stop
/// the whole run (unwritable output); a bad input file becomes an error record.
pub fn run(
    files: &[PathBuf],
    profile: &Profile,
    options: &BatchOptions,
    mut emit: impl FnMut(&CallRecord),
) -> Result<BatchOutcome> {
    let (mut outputs, done) = match &options.out_dir {
        Some(dir) => {
            let (o, d) = open_outputs(dir, options.resume)?;
            (Some(o), d)
        }
        None => (None, HashMap::new()),
    };
    if let Some(dir) = &options.pitch_track_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create pitch-track folder", dir.display()))?;
    }
    let track_names = pitch_track_names(files);
    let mut outcome = BatchOutcome::default();
    let todo: Vec<usize> = (0..files.len())
        .filter(|&i| {
            let key = files[i].display().to_string();
            let skip = options.resume && {
                let file = SourceFile::stat(&files[i]);
                done.get(&key) == Some(&(file.size, file.mtime_ns))
            };
            if skip {
                outcome.skipped += 1;
            }
            !skip
        })
        .collect();

    let progress = make_progress(options.progress, todo.len() as u64);
    let audio_ms = AtomicU64::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .thread_name(|i| format!("callcoach-score-{i}"))
        .build()
        .context("cannot start worker threads")?;
    let analyse_options = AnalyseOptions {
        agent_channel: options.agent_channel,
        ..AnalyseOptions::default()
    };
    let (tx, rx) = crossbeam_channel::bounded::<(usize, CallRecord)>(64);
    let mut write_result: Result<()> = Ok(());
    std::thread::scope(|scope| {
        let todo = &todo;
        let track_names = &track_names;
        let analyse_options = &analyse_options;
        let audio_ms = &audio_ms;
        let progress = &progress;
        scope.spawn(move || {
            pool.install(|| {
                todo.par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (order, &i)| {
                        let track = options
                            .pitch_track_dir
                            .as_ref()
                            .map(|d| d.join(&track_names[i]));
                        let record =
                            score_one(&files[i], profile, analyse_options, track.as_deref());
                        if let Some(r) = &record.report {
                            audio_ms.fetch_add((r.duration_s * 1000.0) as u64, Ordering::Relaxed);
                        }
                        if let Some(bar) = progress {
                            bar.set_message(format!(
                                "{:.2} h of audio",
                                audio_ms.load(Ordering::Relaxed) as f64 / 3.6e6
                            ));
                            bar.inc(1);
                        }
                        // The receiver only stops early when output failed; then drop work.
                        let _ = tx.send((order, record));
                    });
            });
        });
        // Reorder so output follows path order whatever finishes first.
        let mut pending: BTreeMap<usize, CallRecord> = BTreeMap::new();
        let mut next = 0;
        for (order, record) in rx.iter() {
            pending.insert(order, record);
            while let Some(record) = pending.remove(&next) {
                next += 1;
                if record.status == "ok" {
                    outcome.scored += 1;
                } else {
                    outcome.failed += 1;
                }
                match &mut outputs {
                    Some(out) => {
                        if let Err(e) = out.write(&record) {
                            write_result = Err(e);
                            return;
                        }
                    }
                    None => emit(&record),
                }
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    write_result?;
    Ok(outcome)
}

fn make_progress(wanted: bool, len: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} files, {msg}, {elapsed} elapsed, ETA {eta}",
    )
    .ok()?;
    bar.set_style(style);
    Some(bar)
}

/// Checks that an output folder can be written before any work starts.
pub fn check_writable(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create output folder", dir.display()))?;
    let probe = dir.join(".callcoach-write-test");
    File::create(&probe)
        .and_then(|mut f| f.write_all(b"ok"))
        .with_context(|| format!("{}: output folder is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Reads `calls.jsonl` back (complete lines only).
pub fn read_records(path: &Path) -> Result<Vec<CallRecord>> {
    let file = File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
        let record = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a call record", path.display(), i + 1))?;
        out.push(record);
    }
    Ok(out)
}
