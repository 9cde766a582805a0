//! `callcoach score`: finds WAV files, scores them in parallel with the shared engine, and
//! writes `summary.csv` and `calls.jsonl` in path order, a complete line at a time, so an
//! interrupted run can be resumed.
//!
//! A path that cannot be scored (missing, not a regular file, a folder that cannot be
//! listed or is nested too deep) gets an error row like a file that fails to decode, and
//! the rest of the batch goes on. An output that cannot be written stops the run at
//! once: the workers are told to stop and nothing waits on a writer that has gone.
//!
//! `--resume` first rewrites `calls.jsonl` without torn lines, stale records (their
//! file's size or modification time changed) and duplicates, into a new file that then
//! replaces the old one, so a kill at any moment leaves every complete record in place.
//! New records are appended; if they do not all sort after the kept ones, the file is
//! rewritten the same way in path order at the end.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::audio::wav::has_wav_extension;
use crate::config::Profile;
use crate::file_analysis::{AnalyzeOptions, Progress, ProgressFn};
use crate::manifest::CallMeta;
use crate::record::{SourceFile, record_path};
use crate::regular_file::open_regular;

pub use crate::record::{CSV_HEADER, CallRecord};

pub mod merge;
pub mod plan;
pub mod shard;

use plan::{CallPlan, Lesson, Planner, score_planned};

/// Folders nested deeper than this under a given folder are reported, not searched.
pub const MAX_FOLDER_DEPTH: usize = 64;

/// Records in flight between the workers and the writer.
const CHANNEL_RECORDS: usize = 64;

/// Environment variable of the kill hook used by the interruption tests:
/// `POINT:N` ends the process with SIGKILL the N-th time POINT is reached. Points:
/// `record` (after a line of `calls.jsonl`, before its `summary.csv` row), `torn`
/// (halfway through a line of `calls.jsonl`), `compact` (after a line of a rewritten
/// `calls.jsonl`, before it replaces the old one) and `renamed` (between replacing
/// `calls.jsonl` and `summary.csv`).
pub const KILL_HOOK_ENV: &str = "CALLCOACH_KILL_AT";

/// Settings of one batch run, validated.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Output folder for `summary.csv` and `calls.jsonl`; `None` hands each record to
    /// the caller to print.
    pub out_dir: Option<PathBuf>,
    /// Folder for per-file agent pitch tracks.
    pub pitch_track_dir: Option<PathBuf>,
    /// Worker threads (0 = all cores).
    pub jobs: usize,
    /// Skip files already in `out_dir/calls.jsonl` with the same path, size, mtime,
    /// agent, team and start.
    pub resume: bool,
    /// Show a progress bar (only honoured on a terminal).
    pub progress: bool,
    /// File names of the pitch tracks, one per job; `None` derives them from the jobs'
    /// paths ([`pitch_track_names`]). A shard passes the names of the whole input.
    pub pitch_track_names: Option<Vec<String>>,
}

/// How a run ended.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// Files scored in this run.
    pub scored: usize,
    /// Files and paths that failed in this run.
    pub failed: usize,
    /// Files skipped by `--resume`.
    pub skipped: usize,
    /// What the scored calls teach the agents file, in path order (with `--learn`).
    pub lessons: Vec<Lesson>,
}

/// Why a run stopped. Bad input files never stop a run; they become error records.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// An output file or folder could not be created, read or written.
    #[error("{}: {action}: {error}", .path.display())]
    Output {
        /// The output concerned.
        path: PathBuf,
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The OS error.
        error: io::Error,
    },
    /// A record could not be handed out (printing to standard output failed).
    #[error("standard output: {error}")]
    Print {
        /// The OS error.
        error: io::Error,
    },
    /// The worker threads could not start.
    #[error("cannot start the worker threads: {message}")]
    Threads {
        /// What the OS said.
        message: String,
    },
    /// A line of `calls.jsonl` is not a call record.
    #[error("{}:{line}: not a call record: {message}", .path.display())]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// The parser's message.
        message: String,
    },
}

impl BatchError {
    /// Whether the run stopped because standard output was closed (`| head`), which
    /// ends a command quietly.
    pub fn is_closed_output_pipe(&self) -> bool {
        matches!(self, BatchError::Print { error } if error.kind() == io::ErrorKind::BrokenPipe)
    }
}

fn output_error(path: &Path, action: &'static str) -> impl Fn(io::Error) -> BatchError {
    let path = path.to_path_buf();
    move |error| BatchError::Output {
        path: path.clone(),
        action,
        error,
    }
}

/// One row of the output: a file to score, or a path that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file to score.
    File(PathBuf),
    /// A path given or found that cannot be scored; it gets an error row.
    Bad {
        /// The path.
        path: PathBuf,
        /// The error row's message, naming the path.
        message: String,
    },
}

/// One row of a run: the input and how it is scored.
#[derive(Debug, Clone)]
pub struct Job {
    /// The file (or bad path).
    pub input: Input,
    /// Agent, channel, profile and baseline.
    pub plan: Arc<CallPlan>,
}

/// Jobs for `inputs` all scored with one profile and no agent (plain `score`).
pub fn plain_jobs(inputs: Vec<Input>, profile: &Profile) -> Vec<Job> {
    let plan =
        Arc::new(Planner::new(profile.clone(), None, None, false).fallback(CallMeta::default()));
    inputs
        .into_iter()
        .map(|input| Job {
            input,
            plan: Arc::clone(&plan),
        })
        .collect()
}

impl Input {
    /// The path of the row.
    pub fn path(&self) -> &Path {
        match self {
            Input::File(path) | Input::Bad { path, .. } => path,
        }
    }
}

/// Finds what to score: explicit paths as given, folders searched recursively for
/// `*.wav` (any case), following symlinked folders (each folder once, so a link loop
/// ends). Sorted by path; a file reached by two paths (`a.wav`, `d/../a.wav`) is kept
/// once. A path that is missing, or a folder that cannot be listed or is nested more
/// than [`MAX_FOLDER_DEPTH`] levels deep, becomes an [`Input::Bad`].
pub fn discover(paths: &[PathBuf]) -> Vec<Input> {
    let mut found = Vec::new();
    let mut walked = HashSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found, &mut walked),
            Ok(_) => found.push(Input::File(path.clone())),
            Err(e) => found.push(missing(path, &e)),
        }
    }
    found.sort_by(|a, b| a.path().cmp(b.path()));
    let mut seen = HashSet::new();
    found.retain(|input| {
        let key = match input {
            Input::File(path) => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()),
            Input::Bad { path, .. } => path.clone(),
        };
        seen.insert(key)
    });
    found
}

fn missing(path: &Path, error: &io::Error) -> Input {
    let dangling = error.kind() == io::ErrorKind::NotFound
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    Input::Bad {
        path: path.to_path_buf(),
        message: if dangling {
            format!(
                "{}: dangling symbolic link (its target does not exist)",
                path.display()
            )
        } else {
            format!("{}: cannot read: {error}", path.display())
        },
    }
}

/// Searches `root`: its own folders first, in path order, then the symlinked ones, so a
/// folder reached both ways is listed under its own path.
fn walk(root: &Path, found: &mut Vec<Input>, walked: &mut HashSet<PathBuf>) {
    let bad = |path: &Path, problem: String| Input::Bad {
        path: path.to_path_buf(),
        message: format!("{}: {problem}", path.display()),
    };
    // Stacks of (folder, depth below root), popped in path order.
    let mut folders = vec![(root.to_path_buf(), 0usize)];
    let mut linked: Vec<(PathBuf, usize)> = Vec::new();
    while let Some((dir, depth)) = folders.pop().or_else(|| linked.pop()) {
        match std::fs::canonicalize(&dir) {
            Ok(real) => {
                if !walked.insert(real) {
                    // Reached before, through another path or a link loop.
                    continue;
                }
            }
            Err(e) => {
                found.push(bad(&dir, format!("cannot read folder: {e}")));
                continue;
            }
        }
        if depth > MAX_FOLDER_DEPTH {
            found.push(bad(
                &dir,
                format!("folder nested more than {MAX_FOLDER_DEPTH} levels deep; not searched"),
            ));
            continue;
        }
        let mut entries = Vec::new();
        let listed = std::fs::read_dir(&dir).and_then(|list| {
            for entry in list {
                entries.push(entry?);
            }
            Ok(())
        });
        if let Err(e) = listed {
            found.push(bad(&dir, format!("cannot list folder: {e}")));
            continue;
        }
        entries.sort_by_key(std::fs::DirEntry::path);
        let (mut subfolders, mut sublinks) = (Vec::new(), Vec::new());
        for entry in entries {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_symlink() => match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_dir() => sublinks.push((path, depth + 1)),
                    Ok(_) if has_wav_extension(&path) => found.push(Input::File(path)),
                    Ok(_) => {}
                    Err(e) if has_wav_extension(&path) => found.push(missing(&path, &e)),
                    Err(_) => {}
                },
                Ok(t) if t.is_dir() => subfolders.push((path, depth + 1)),
                Ok(_) if has_wav_extension(&path) => found.push(Input::File(path)),
                Ok(_) => {}
                Err(e) => found.push(bad(&path, format!("cannot read: {e}"))),
            }
        }
        folders.extend(subfolders.into_iter().rev());
        linked.extend(sublinks.into_iter().rev());
    }
}

fn file_stamp(path: &Path) -> (u64, u128) {
    let file = SourceFile::stat(path);
    (file.size, file.mtime_ns)
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

/// The error record of a path that cannot be scored.
fn bad_record(path: &Path, message: &str) -> CallRecord {
    CallRecord::new(SourceFile::unread(path), Err(message.to_string()))
}

/// The kill hook of [`KILL_HOOK_ENV`].
#[derive(Debug, Default)]
struct KillHook {
    point: String,
    at: u64,
    reached: u64,
}

impl KillHook {
    fn from_env() -> Self {
        let Ok(spec) = std::env::var(KILL_HOOK_ENV) else {
            return Self::default();
        };
        let (point, at) = spec.split_once(':').unwrap_or((spec.as_str(), "1"));
        Self {
            point: point.to_string(),
            at: at.parse().unwrap_or(1),
            reached: 0,
        }
    }

    /// Counts a pass through `point`; true when the process is to be killed here.
    fn due(&mut self, point: &str) -> bool {
        if self.point != point {
            return false;
        }
        self.reached += 1;
        self.reached == self.at
    }

    fn check(&mut self, point: &str) {
        if self.due(point) {
            kill_now();
        }
    }
}

fn kill_now() -> ! {
    #[cfg(unix)]
    // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort()
}

/// A complete, parseable line of `calls.jsonl`.
struct Line {
    /// The path the record is about.
    key: PathBuf,
    /// Size and modification time of the file when scored.
    stamp: (u64, u128),
    /// Agent, team and start it was scored with.
    meta: CallMeta,
    /// Byte offset and length (with the newline) in the file.
    offset: u64,
    len: usize,
    /// The record's `summary.csv` row.
    csv_row: [String; crate::record::CSV_COLUMNS],
}

/// The last complete record of each path in `path`, in file order; torn lines and lines
/// that are not call records are left out. A missing file has none.
fn index_lines(path: &Path) -> Result<Vec<Line>, BatchError> {
    let file = match open_regular(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(output_error(path, "cannot read")(e)),
    };
    let mut reader = BufReader::new(file);
    let mut lines: Vec<Line> = Vec::new();
    let mut latest: HashMap<PathBuf, usize> = HashMap::new();
    let mut buf = Vec::new();
    let mut offset = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(output_error(path, "cannot read"))?;
        if n == 0 || buf.last() != Some(&b'\n') {
            break;
        }
        if let Ok(r) = serde_json::from_slice::<CallRecord>(&buf) {
            let key = record_path(&r.file, r.file_bytes_hex.as_deref());
            let line = Line {
                key: key.clone(),
                stamp: (r.file_size, r.file_mtime_ns),
                meta: CallMeta {
                    agent: r.agent_id.clone(),
                    team: r.team.clone(),
                    call_start: r.call_start.clone(),
                },
                offset,
                len: n,
                csv_row: r.csv_row(),
            };
            match latest.get(&key) {
                Some(&i) => lines[i] = line,
                None => {
                    latest.insert(key, lines.len());
                    lines.push(line);
                }
            }
        }
        offset += n as u64;
    }
    Ok(lines)
}

/// Writes `lines` (copied from `calls.jsonl`), sorted by path, into new files that then
/// replace `calls.jsonl` and `summary.csv`.
fn rewrite(
    jsonl_path: &Path,
    csv_path: &Path,
    lines: &mut [Line],
    hook: &mut KillHook,
) -> Result<(), BatchError> {
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    let jsonl_tmp = jsonl_path.with_extension("jsonl.partial");
    let csv_tmp = csv_path.with_extension("csv.partial");
    let result = (|| {
        let mut source = if lines.is_empty() {
            None
        } else {
            Some(open_regular(jsonl_path).map_err(output_error(jsonl_path, "cannot read"))?)
        };
        let write_jsonl = output_error(jsonl_path, "cannot write");
        let write_csv = output_error(csv_path, "cannot write");
        let mut jsonl = BufWriter::new(File::create(&jsonl_tmp).map_err(&write_jsonl)?);
        let mut csv = csv::Writer::from_writer(File::create(&csv_tmp).map_err(&write_csv)?);
        csv.write_record(CSV_HEADER)
            .map_err(|e| write_csv(e.into()))?;
        let mut buf = Vec::new();
        for line in lines.iter() {
            if let Some(source) = source.as_mut() {
                buf.resize(line.len, 0);
                source
                    .seek(SeekFrom::Start(line.offset))
                    .and_then(|_| source.read_exact(&mut buf))
                    .map_err(output_error(jsonl_path, "cannot read"))?;
            }
            jsonl.write_all(&buf).map_err(&write_jsonl)?;
            csv.write_record(&line.csv_row)
                .map_err(|e| write_csv(e.into()))?;
            if hook.due("compact") {
                let _ = jsonl.flush();
                kill_now();
            }
        }
        sync_outputs(jsonl, csv, &write_jsonl, &write_csv)?;
        std::fs::rename(&jsonl_tmp, jsonl_path).map_err(&write_jsonl)?;
        hook.check("renamed");
        std::fs::rename(&csv_tmp, csv_path).map_err(&write_csv)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&jsonl_tmp);
        let _ = std::fs::remove_file(&csv_tmp);
    }
    result
}

/// Flushes new `calls.jsonl` and `summary.csv` files and syncs them to disk, before they
/// are renamed over the old ones.
fn sync_outputs(
    jsonl: BufWriter<File>,
    csv: csv::Writer<File>,
    write_jsonl: &impl Fn(io::Error) -> BatchError,
    write_csv: &impl Fn(io::Error) -> BatchError,
) -> Result<(), BatchError> {
    jsonl
        .into_inner()
        .map_err(io::IntoInnerError::into_error)
        .and_then(|f| f.sync_all())
        .map_err(write_jsonl)?;
    csv.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .map_err(write_csv)
}

/// Output files of a run, appended one complete line at a time.
struct Outputs {
    jsonl_path: PathBuf,
    csv_path: PathBuf,
    jsonl: File,
    csv: csv::Writer<File>,
    /// Path of the last record in `calls.jsonl`, and whether the file is in path order.
    last: Option<PathBuf>,
    in_order: bool,
    hook: KillHook,
}

impl Outputs {
    /// Opens the outputs in `dir`: new ones, or on `resume` the kept records of the old
    /// ones. Returns which inputs already have a current record.
    fn open(
        dir: &Path,
        resume: bool,
        jobs: &[Job],
        mut hook: KillHook,
    ) -> Result<(Self, Vec<bool>), BatchError> {
        std::fs::create_dir_all(dir).map_err(output_error(dir, "cannot create output folder"))?;
        let jsonl_path = dir.join("calls.jsonl");
        let csv_path = dir.join("summary.csv");
        let mut done = vec![false; jobs.len()];
        let mut last = None;
        let (jsonl, csv) = if resume {
            let wanted: HashMap<&Path, usize> = jobs
                .iter()
                .enumerate()
                .map(|(i, job)| (job.input.path(), i))
                .collect();
            let mut lines = index_lines(&jsonl_path)?;
            // Keep the records of unchanged files and of files not asked for this time.
            lines.retain(|line| match wanted.get(line.key.as_path()) {
                Some(&i) => match &jobs[i].input {
                    Input::File(path)
                        if file_stamp(path) == line.stamp && jobs[i].plan.meta == line.meta =>
                    {
                        done[i] = true;
                        true
                    }
                    _ => false,
                },
                None => true,
            });
            rewrite(&jsonl_path, &csv_path, &mut lines, &mut hook)?;
            last = lines.last().map(|l| l.key.clone());
            let append = |path: &Path| {
                OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(output_error(path, "cannot write"))
            };
            (
                append(&jsonl_path)?,
                csv::Writer::from_writer(append(&csv_path)?),
            )
        } else {
            let jsonl =
                File::create(&jsonl_path).map_err(output_error(&jsonl_path, "cannot create"))?;
            let csv_file =
                File::create(&csv_path).map_err(output_error(&csv_path, "cannot create"))?;
            let mut csv = csv::Writer::from_writer(csv_file);
            csv.write_record(CSV_HEADER)
                .map_err(io::Error::from)
                .and_then(|()| csv.flush())
                .map_err(output_error(&csv_path, "cannot write"))?;
            (jsonl, csv)
        };
        let outputs = Outputs {
            jsonl_path,
            csv_path,
            jsonl,
            csv,
            last,
            in_order: true,
            hook,
        };
        Ok((outputs, done))
    }

    fn write(&mut self, record: &CallRecord, path: &Path) -> Result<(), BatchError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| output_error(&self.jsonl_path, "cannot write")(e.into()))?;
        line.push(b'\n');
        if self.hook.due("torn") {
            let _ = self.jsonl.write_all(&line[..line.len() / 2]);
            kill_now();
        }
        self.jsonl
            .write_all(&line)
            .map_err(output_error(&self.jsonl_path, "cannot write"))?;
        self.hook.check("record");
        self.csv
            .write_record(record.csv_row())
            .map_err(|e| output_error(&self.csv_path, "cannot write")(e.into()))?;
        self.csv
            .flush()
            .map_err(output_error(&self.csv_path, "cannot write"))?;
        if self.last.as_deref().is_some_and(|last| path < last) {
            self.in_order = false;
        }
        self.last = Some(path.to_path_buf());
        Ok(())
    }

    /// Puts the records in path order if appending left them out of it.
    fn finish(mut self) -> Result<(), BatchError> {
        if self.in_order {
            return Ok(());
        }
        let mut lines = index_lines(&self.jsonl_path)?;
        rewrite(&self.jsonl_path, &self.csv_path, &mut lines, &mut self.hook)
    }
}

/// Scores `inputs` (from [`discover`]). Without an output folder, `emit` receives each
/// record in path order to print; its error stops the run. Errors are returned only for
/// problems that stop the whole run (an output that cannot be written, a closed standard
/// output); a bad input becomes an error record.
pub fn run(
    jobs: &[Job],
    options: &BatchOptions,
    mut emit: impl FnMut(&CallRecord) -> io::Result<()>,
) -> Result<BatchOutcome, BatchError> {
    let hook = KillHook::from_env();
    let (mut outputs, done) = match &options.out_dir {
        Some(dir) => {
            let (o, d) = Outputs::open(dir, options.resume, jobs, hook)?;
            (Some(o), d)
        }
        None => (None, vec![false; jobs.len()]),
    };
    if let Some(dir) = &options.pitch_track_dir {
        std::fs::create_dir_all(dir)
            .map_err(output_error(dir, "cannot create pitch-track folder"))?;
    }
    let track_names = match &options.pitch_track_names {
        Some(names) => names.clone(),
        None => {
            let paths: Vec<PathBuf> = jobs.iter().map(|j| j.input.path().to_path_buf()).collect();
            pitch_track_names(&paths)
        }
    };
    let mut outcome = BatchOutcome {
        skipped: done.iter().filter(|&&d| d).count(),
        ..BatchOutcome::default()
    };
    let todo: Vec<usize> = (0..jobs.len()).filter(|&i| !done[i]).collect();

    let progress = make_progress(options.progress, todo.len() as u64);
    let audio_ms = AtomicU64::new(0);
    let threads = match options.jobs {
        0 => 0,
        jobs => jobs.min(todo.len().max(1)),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("callcoach-score-{i}"))
        .build()
        .map_err(|e| BatchError::Threads {
            message: e.to_string(),
        })?;
    // Set when the output fails: workers skip what is left and cancel what they hold.
    let stop = Arc::new(AtomicBool::new(false));
    let cancel: ProgressFn = {
        let stop = Arc::clone(&stop);
        Arc::new(move |_: Progress| {
            if stop.load(Ordering::Relaxed) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    };
    let analyze_options = AnalyzeOptions {
        progress: Some(cancel),
        ..AnalyzeOptions::default()
    };
    let mut result: Result<(), BatchError> = Ok(());
    std::thread::scope(|scope| {
        let (tx, rx) =
            crossbeam_channel::bounded::<(usize, CallRecord, Option<Lesson>)>(CHANNEL_RECORDS);
        let todo = &todo;
        let track_names = &track_names;
        let analyze_options = &analyze_options;
        let audio_ms = &audio_ms;
        let progress = &progress;
        let stop = &stop;
        let feeder = std::thread::Builder::new()
            .name("callcoach-batch".into())
            .spawn_scoped(scope, move || {
                pool.install(|| {
                    todo.par_iter()
                        .enumerate()
                        .for_each_with(tx, |tx, (order, &i)| {
                            if stop.load(Ordering::Relaxed) {
                                return;
                            }
                            let job = &jobs[i];
                            let (record, lesson) = match &job.input {
                                Input::File(path) => {
                                    let track = options
                                        .pitch_track_dir
                                        .as_ref()
                                        .map(|d| d.join(&track_names[i]));
                                    score_planned(
                                        path,
                                        &job.plan,
                                        analyze_options,
                                        track.as_deref(),
                                    )
                                }
                                Input::Bad { path, message } => {
                                    (bad_record(path, message).with_meta(&job.plan.meta), None)
                                }
                            };
                            if let Some(r) = &record.report {
                                audio_ms
                                    .fetch_add((r.duration_s * 1000.0) as u64, Ordering::Relaxed);
                            }
                            if let Some(bar) = progress {
                                bar.set_message(format!(
                                    "{:.2} h of audio",
                                    audio_ms.load(Ordering::Relaxed) as f64 / 3.6e6
                                ));
                                bar.inc(1);
                            }
                            if tx.send((order, record, lesson)).is_err() {
                                stop.store(true, Ordering::Relaxed);
                            }
                        });
                });
            });
        if let Err(e) = feeder {
            result = Err(BatchError::Threads {
                message: e.to_string(),
            });
            return;
        }
        // Reorder so output follows path order whatever finishes first.
        let mut pending: BTreeMap<usize, (CallRecord, Option<Lesson>)> = BTreeMap::new();
        let mut next = 0;
        'receive: for (order, record, lesson) in rx.iter() {
            pending.insert(order, (record, lesson));
            while let Some((record, lesson)) = pending.remove(&next) {
                outcome.lessons.extend(lesson);
                let path = jobs[todo[next]].input.path();
                next += 1;
                if record.status == "ok" {
                    outcome.scored += 1;
                } else {
                    outcome.failed += 1;
                }
                let written = match &mut outputs {
                    Some(out) => out.write(&record, path),
                    None => emit(&record).map_err(|error| BatchError::Print { error }),
                };
                if let Err(e) = written {
                    result = Err(e);
                    break 'receive;
                }
            }
        }
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Dropping the receiver fails every pending send, so no worker waits on it.
        drop(rx);
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result?;
    if let Some(out) = outputs {
        out.finish()?;
    }
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
pub fn check_writable(dir: &Path) -> Result<(), BatchError> {
    probe_writable(dir, |f| f.write_all(b"ok"))
}

/// [`check_writable`] with the probe's write given; the probe file is removed whatever
/// happens.
fn probe_writable(
    dir: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), BatchError> {
    std::fs::create_dir_all(dir).map_err(output_error(dir, "cannot create output folder"))?;
    let probe = dir.join(".callcoach-write-test");
    let written = File::create(&probe).and_then(|mut f| {
        let result = write(&mut f);
        let _ = std::fs::remove_file(&probe);
        result
    });
    written.map_err(output_error(dir, "output folder is not writable"))
}

/// Reads `calls.jsonl` back (complete lines only).
pub fn read_records(path: &Path) -> Result<Vec<CallRecord>, BatchError> {
    let file = open_regular(path).map_err(output_error(path, "cannot read"))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(output_error(path, "cannot read"))?;
        let record = serde_json::from_str(&line).map_err(|e| BatchError::BadRecord {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::path_bytes_hex;

    fn tiny_wav(path: &Path) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..800 {
            w.write_sample(((i * 37) % 2000 - 1000) as i16).unwrap();
        }
        w.finalize().unwrap();
    }

    #[test]
    fn a_failing_printer_stops_the_run_with_many_files_left() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..(3 * CHANNEL_RECORDS) {
            let p = dir.path().join(format!("{i:03}.wav"));
            tiny_wav(&p);
            files.push(p);
        }
        let inputs = discover(&[dir.path().to_path_buf()]);
        assert_eq!(inputs.len(), files.len());
        let jobs = plain_jobs(inputs, &Profile::default());
        let options = BatchOptions {
            out_dir: None,
            pitch_track_dir: None,
            jobs: 2,
            resume: false,
            progress: false,
            pitch_track_names: None,
        };
        let mut printed = 0;
        let e = run(&jobs, &options, |_| {
            printed += 1;
            if printed == 2 {
                Err(io::Error::from(io::ErrorKind::StorageFull))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(printed, 2, "nothing is printed after the failure");
        assert!(matches!(e, BatchError::Print { .. }), "{e:?}");
        assert!(!e.is_closed_output_pipe());
    }

    #[test]
    fn the_write_probe_is_removed_when_its_write_fails() {
        let dir = tempfile::tempdir().unwrap();
        let e = probe_writable(dir.path(), |_| {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        })
        .unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "{}: output folder is not writable: ",
                dir.path().display()
            )),
            "{e}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        check_writable(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_keeps_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let a = Path::new(std::ffi::OsStr::from_bytes(b"d/a\xff.wav"));
        let b = Path::new(std::ffi::OsStr::from_bytes(b"d/a\xfe.wav"));
        let (ha, hb) = (path_bytes_hex(a), path_bytes_hex(b));
        assert_eq!(ha.as_deref(), Some("642f61ff2e776176"));
        assert_eq!(a.display().to_string(), b.display().to_string());
        assert_eq!(record_path("d/a\u{fffd}.wav", ha.as_deref()), a);
        assert_eq!(record_path("d/a\u{fffd}.wav", hb.as_deref()), b);
        assert_eq!(path_bytes_hex(Path::new("d/a.wav")), None);
    }
}
