//! The `callcoach` command line: `score`, `merge`, `eval`, `profile`, `live`, `review`,
//! `agents`, `team`, `calls`.

// The binary is where anyhow lives (clippy.toml keeps it out of the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use callcoach::agents::{self, AgentStore};
use callcoach::batch::merge::{MergeOptions, MergeOutcome};
use callcoach::batch::plan::Planner;
use callcoach::batch::shard::{self, ShardInfo, ShardSpec};
use callcoach::batch::{self, BatchError, BatchOptions, Input, Job};
use callcoach::config::{DEFAULT_PROFILE_TOML, Profile};
use callcoach::eval::EvalResult;
#[cfg(feature = "gui")]
use callcoach::gui::{self, Mode, StartOptions, live_view::LiveSetup};
#[cfg(feature = "audio")]
use callcoach::live::{
    self,
    capture::CaptureSpec,
    coach::BandSetting,
    demo::Pace,
    headless::{HeadlessEnd, HeadlessOptions},
    pipeline::{PipelineOptions, SourceChoice},
    session::CallMode,
    snapshot::RecordingStatus,
};
use callcoach::manifest::{self, CallMeta, ChannelChoice, PathPattern};
use callcoach::record::CallRecord;

/// Worker threads per core that `score --jobs` may ask for: more only adds memory and
/// start-up time, since the work is CPU-bound.
const MAX_JOBS_PER_CORE: usize = 4;

/// Demo playback speeds `live --speed` accepts (real time = 1).
const SPEED_RANGE: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// Voice call-coaching analyzer: scores calls against the coaching voice codes
/// (calm pitch band, reply interval, deliberate pace changes, talk time).
#[derive(Debug, Parser)]
#[command(name = "callcoach", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable summary per call.
    Text,
    /// One JSON object per call (the `calls.jsonl` schema).
    Jsonl,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score WAV files and folders of them (recursive, *.wav in any case).
    ///
    /// Exit code: 0 when every file was scored, 1 when some failed (each failure, a
    /// missing path too, has an error row and the run goes on), 2 when nothing could
    /// run or an output could not be written. A closed standard output (`| head`) ends
    /// the run quietly.
    Score(ScoreArgs),
    /// Merge the output folders of `score --shard I/N` into one calls.jsonl and
    /// summary.csv, byte for byte what one run over the whole input writes.
    ///
    /// Refuses shards of different runs (version, settings or input), and stops when a
    /// shard is missing or did not finish, naming it. Exit code 2 on either.
    Merge(MergeArgs),
    /// Measure accuracy on a labelled corpus (see corpus/FORMAT.md): pitch, voicing,
    /// in-band fraction, reply gaps, verdicts, pace.
    Eval(EvalArgs),
    /// Print the default coaching profile (TOML, with comments).
    Profile,
    /// Live coaching: capture the call (or play a demo file at real-time pace) and
    /// show the gauges; `--headless` runs the same pipeline without a window.
    ///
    /// Recording is on for captured calls (a WAV per call in --record, default
    /// `recordings/` in the data directory, plus its scored JSON) and off for demos
    /// unless --record is given.
    /// Exit code of a headless demo: 1 when the file stops decoding (as `score`).
    Live(LiveArgs),
    /// Open the review window on a recorded call (or on the file picker).
    Review(ReviewArgs),
    /// The agents file: list the agents, enrol an agent's speech, forget an agent.
    Agents(AgentsArgs),
    /// Results across scored calls, per agent and per team: team.html, agents.csv and
    /// team.json from the calls.jsonl of one or more `score --out` runs.
    Team(TeamArgs),
    /// Open the window on the Calls page: the scored calls of a folder, to filter, sort
    /// and open in review.
    Calls(CallsArgs),
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The shard folders (`score --shard I/N --out DIR`), in any order. A folder given
    /// twice, or two folders of the same shard, count once.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Write calls.jsonl, summary.csv and merge.json into this folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Merge even when shards are missing or did not finish; merge.json then says
    /// `"partial": true` and lists them.
    #[arg(long)]
    allow_partial: bool,
}

#[derive(Debug, Args)]
struct CallsArgs {
    /// The folder (a `score --out` folder, or WAV recordings; default the live app's
    /// recordings in the data directory).
    folder: Option<PathBuf>,
    /// Coaching profile for files scored on the page (TOML).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TeamArgs {
    /// Folders written by `score --out` (or calls.jsonl files). A call scored in several
    /// runs counts once, by its newest record.
    #[arg(required = true)]
    scored: Vec<PathBuf>,
    /// Write team.html, agents.csv and team.json into this folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only calls starting on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    since: Option<String>,
    /// Only calls starting on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    until: Option<String>,
    /// Only this agent.
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// Only this team.
    #[arg(long, value_name = "NAME")]
    team: Option<String>,
    /// Coaching profile whose targets the charts shade.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

/// A date filter: `YYYY-MM-DD` (any form `call_start` accepts, cut to its day).
fn parse_day(text: &str) -> Result<String, manifest::MetaError> {
    let start = manifest::parse_call_start(text)?;
    Ok(start.chars().take(10).collect())
}

#[derive(Debug, Args)]
struct AgentsArgs {
    /// The agents file (default: the platform's data directory, e.g.
    /// ~/.local/share/callcoach/agents.toml).
    #[arg(long, value_name = "FILE", global = true)]
    agents: Option<PathBuf>,
    /// Team profile, for the bands `list` shows.
    #[arg(long, value_name = "FILE", global = true)]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    action: AgentsAction,
}

#[derive(Debug, Subcommand)]
enum AgentsAction {
    /// Show each agent: id, name, pitch band, baseline and the speech it rests on,
    /// voice print.
    List,
    /// Add recordings of an agent to their voice print and pitch baseline (adding the
    /// agent if new). Use recordings where the channel holds the agent alone.
    Enroll {
        /// Agent id.
        agent: String,
        /// WAV recordings of the agent.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Channel that carries the agent in the recordings.
        #[arg(long, value_name = "N", default_value_t = 0)]
        agent_channel: usize,
        /// Display name for a new agent (default: the id).
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
    },
    /// Remove an agent from the agents file.
    Forget {
        /// Agent id.
        agent: String,
    },
}

#[derive(Debug, Args)]
struct ScoreArgs {
    /// WAV files or folders.
    #[arg(required_unless_present = "manifest", conflicts_with = "manifest")]
    paths: Vec<PathBuf>,
    /// Score the calls listed in this CSV instead: columns
    /// `path,agent,call_start,agent_channel,team,profile` in any order, only `path`
    /// required, each applying to its row; relative paths are taken from the
    /// manifest's folder. A bad row gets an error row naming its line.
    #[arg(long, value_name = "CSV")]
    manifest: Option<PathBuf>,
    /// Take agent, team and call start from each file's path, e.g.
    /// '{agent}/{date}_{any}.wav' (fields: {agent}, {team}, {date}, {time}, {any};
    /// matched against the end of the path). A path that does not fit gets an error row.
    #[arg(long, value_name = "PATTERN", conflicts_with = "manifest")]
    agent_from_path: Option<String>,
    /// The agents file (default: the platform's data directory, e.g.
    /// ~/.local/share/callcoach/agents.toml): each agent's profile keys, pitch
    /// baseline and voice print.
    #[arg(long, value_name = "FILE")]
    agents: Option<PathBuf>,
    /// Add what each scored call of a known agent says about their voice (print and
    /// pitch baseline) to the agents file; without it scoring changes nothing there.
    #[arg(long)]
    learn: bool,
    /// Write summary.csv and calls.jsonl into this folder (else print to stdout).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write <file stem>.agent.f0.csv per file (time_s,f0_hz,speech every 10 ms;
    /// f0 0 = unvoiced; speech 1 = the agent's speech, which the statistics count) into this folder.
    #[arg(long, value_name = "DIR")]
    pitch_track: Option<PathBuf>,
    /// Worker threads; 0 = one per core; at most 4 per core.
    #[arg(long, short, default_value_t = 0, value_name = "N")]
    jobs: usize,
    /// Skip files already in --out/calls.jsonl with the same path, size and mtime.
    #[arg(long, requires = "out")]
    resume: bool,
    /// Score only part I of N (0 <= I < N) of the input: the files found, or the rows
    /// of --manifest, split by audio length from the headers, the same way on every
    /// machine. Writes shard.json beside the results; `callcoach merge` joins the
    /// parts' --out folders.
    #[arg(long, value_name = "I/N", requires = "out", conflicts_with = "learn")]
    shard: Option<ShardSpec>,
    /// Coaching profile (TOML); see `callcoach profile` for the keys and defaults.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Channel of a stereo file that carries the agent (overrides the profile), or
    /// `auto`: the channel whose voice matches the agent's voice print.
    #[arg(long, value_name = "N|auto", value_parser = manifest::parse_channel)]
    agent_channel: Option<ChannelChoice>,
    /// Output format on stdout when --out is not given.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Corpus folder with pitch/ and calls/ inside.
    corpus: PathBuf,
    /// Also print one line per file.
    #[arg(long)]
    per_file: bool,
    /// Feed this much digital silence before every file (labels compared that much
    /// later), to measure how the results depend on how a stream starts: a capture
    /// started before the call connects, or a recording with silence at its head.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    lead_silence_ms: u32,
}

#[derive(Debug, Args)]
#[cfg_attr(not(feature = "audio"), allow(dead_code))]
struct LiveArgs {
    /// Coach this agent (an id in the agents file): their own profile keys, band and
    /// baseline apply, and the finished call (its recording, or a stereo demo) is added
    /// to their voice print and baseline. The window remembers the agent picked there.
    #[arg(long, value_name = "ID")]
    agent: Option<String>,
    /// The agents file (default: the platform's data directory).
    #[arg(long, value_name = "FILE")]
    agents: Option<PathBuf>,
    /// Input device (its name or part of it; `--list-devices` shows them). A stereo
    /// input carries agent and customer on separate channels; a headset alone
    /// cannot measure reply gaps (add --customer-device).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Second input carrying the customer side (e.g. "Monitor of ..." the
    /// softphone's output on PulseAudio/PipeWire).
    #[arg(long, value_name = "NAME")]
    customer_device: Option<String>,
    /// Channel of a stereo input (or demo file) that carries the agent.
    #[arg(long, value_name = "N")]
    agent_channel: Option<usize>,
    /// Play this WAV through the live pipeline instead of capturing.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["device", "customer_device"])]
    demo: Option<PathBuf>,
    /// Demo playback speed (real time = 1), 0.25–4.
    #[arg(long, default_value_t = 1.0, value_name = "X", value_parser = parse_speed)]
    speed: f64,
    /// Demo: feed the file as fast as the analysis takes it (headless only).
    #[arg(long, requires = "demo", requires = "headless")]
    fast: bool,
    /// No window: write events as JSON Lines (to --events or stdout).
    #[arg(long)]
    headless: bool,
    /// Headless: stop after this many seconds (default: until the demo ends; a
    /// capture runs until SIGINT or SIGTERM, which end it as cleanly as this does).
    #[arg(long, value_name = "N")]
    seconds: Option<f64>,
    /// Headless: write every event with its stream time and wall-clock publish time.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// Headless: write the call's scored JSON (the `callcoach score` schema) here.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Record calls into this folder (default: `recordings/` in the data directory,
    /// `$CALLCOACH_DATA_DIR` or `~/.local/share/callcoach` on Linux).
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Headless: start a call on the first speech after silence and end it after the
    /// profile's `talk.call_end_silence_s` of silence on both sides; each call is its
    /// own recording and record (`--report` then has one line per call). The window
    /// always does this for captures.
    #[arg(long)]
    auto_calls: bool,
    /// Do not record.
    #[arg(long, conflicts_with = "record")]
    no_record: bool,
    /// Pitch band in semitones relative to the agent's own baseline (measured over
    /// their first 30 s of voiced speech), e.g. `-1,2`; overrides the profile's
    /// `pitch.band_semitones` and `pitch.band_hz`.
    #[arg(
        long,
        value_name = "LO,HI",
        allow_hyphen_values = true,
        value_parser = parse_semitone_band
    )]
    band_semitones: Option<SemitoneBand>,
    /// List the input devices and exit.
    #[arg(long)]
    list_devices: bool,
    /// Coaching profile (TOML).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
struct ReviewArgs {
    /// The call to open.
    file: Option<PathBuf>,
    /// Coaching profile (TOML).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Channel of a stereo file that carries the agent (overrides the profile).
    #[arg(long, value_name = "N")]
    agent_channel: Option<usize>,
}

/// `--band-semitones LO,HI`, checked: finite, LO < HI.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "audio"), allow(dead_code))]
struct SemitoneBand([f64; 2]);

fn parse_semitone_band(text: &str) -> Result<SemitoneBand, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{s:?} is not a number"))
    };
    let (lo, hi) = text.split_once(',').ok_or("give LO,HI, e.g. -1,2")?;
    let (lo, hi) = (number(lo)?, number(hi)?);
    if lo < hi {
        Ok(SemitoneBand([lo, hi]))
    } else {
        Err(format!("give LO,HI with LO < HI (got {lo},{hi})"))
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if SPEED_RANGE.contains(&speed) {
        Ok(speed)
    } else {
        Err(format!(
            "{speed} is outside {}–{}",
            SPEED_RANGE.start(),
            SPEED_RANGE.end()
        ))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score(args),
        Command::Merge(args) => merge_command(&args),
        Command::Agents(args) => agents_command(args),
        Command::Team(args) => team_command(&args),
        Command::Eval(args) => eval(&args),
        Command::Profile => print_stdout(DEFAULT_PROFILE_TOML).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "audio")]
        Command::Live(args) => live_command(args),
        #[cfg(not(feature = "audio"))]
        Command::Live(_) => Err(anyhow::anyhow!(
            "live: {WITHOUT_GUI}; `--features audio` builds `live --headless` alone"
        )),
        #[cfg(feature = "gui")]
        Command::Review(args) => review(args),
        #[cfg(feature = "gui")]
        Command::Calls(args) => calls_window(args),
        #[cfg(not(feature = "gui"))]
        Command::Calls(_) => Err(anyhow::anyhow!("calls: {WITHOUT_GUI}")),
        #[cfg(not(feature = "gui"))]
        Command::Review(_) => Err(anyhow::anyhow!("review: {WITHOUT_GUI}")),
    };
    match result {
        Ok(code) => code,
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            note(format_args!("error: {e:#}"));
            ExitCode::from(2)
        }
    }
}

/// Why the windows are absent from this build.
#[cfg(not(feature = "gui"))]
const WITHOUT_GUI: &str = "callcoach was built without the gui feature \
                           (`cargo build --release` builds it, with the default features)";

/// A line on standard error; a closed standard error is not worth a panic.
fn note(message: impl std::fmt::Display) {
    let _ = writeln!(io::stderr(), "callcoach: {message}");
}

/// Whether `e` comes from a reader that closed its end of our output (`| head`).
fn stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<BatchError>()
                .is_some_and(BatchError::is_closed_output_pipe)
    })
}

fn print_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("standard output")
}

fn load_profile(path: Option<&Path>) -> Result<Profile> {
    Ok(match path {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    })
}

fn score(args: ScoreArgs) -> Result<ExitCode> {
    let profile = load_profile(args.profile.as_deref())?;
    for dir in [&args.out, &args.pitch_track].into_iter().flatten() {
        batch::check_writable(dir)?;
    }
    let pattern = args
        .agent_from_path
        .as_deref()
        .map(PathPattern::new)
        .transpose()?;
    if args.learn && args.manifest.is_none() && pattern.is_none() {
        anyhow::bail!("--learn needs the calls' agents: give --manifest or --agent-from-path");
    }
    let mut store = open_agents(args.agents.as_deref())?;
    let mut jobs = {
        let mut planner = Planner::new(profile, args.agent_channel, store.as_ref(), args.learn);
        match &args.manifest {
            Some(m) => manifest_jobs(m, &mut planner)?,
            None => path_jobs(&args.paths, pattern.as_ref(), &mut planner),
        }
    };
    if jobs.is_empty() {
        anyhow::bail!("no WAV files found in the given paths");
    }
    // Path order, whatever the order of the manifest's rows (stable: rows of one file
    // keep theirs).
    jobs.sort_by(|a, b| a.input.path().cmp(b.input.path()));
    let mut options = BatchOptions {
        out_dir: args.out.clone(),
        pitch_track_dir: args.pitch_track.clone(),
        jobs: capped_jobs(args.jobs),
        resume: args.resume,
        progress: !args.quiet,
        pitch_track_names: None,
    };
    let mut shard_info = None;
    if let (Some(spec), Some(out)) = (args.shard, &args.out) {
        let (part, info, all_names) = shard_part(jobs, spec, &args, store.as_ref())?;
        options.pitch_track_names =
            Some(part.indices.iter().map(|&i| all_names[i].clone()).collect());
        jobs = part.jobs;
        write_shard_info(&info, out)?;
        shard_info = Some(info);
    }
    let mut stdout = io::stdout().lock();
    let outcome = batch::run(&jobs, &options, |record| {
        print_record(&mut stdout, record, args.format)
    })?;
    if let (Some(mut info), Some(out)) = (shard_info, &args.out) {
        info.complete = true;
        write_shard_info(&info, out)?;
    }
    if let Some(dir) = &args.out {
        note(format_args!(
            "{} scored, {} failed, {} skipped (already scored); wrote {}",
            outcome.scored,
            outcome.failed,
            outcome.skipped,
            dir.display()
        ));
    }
    if args.learn {
        let store = store.get_or_insert(AgentStore::open(&agents_path(args.agents.as_deref())?)?);
        let mut agents = std::collections::BTreeSet::new();
        for lesson in &outcome.lessons {
            store
                .get_or_add(&lesson.agent, "")?
                .learn(&lesson.print, lesson.channel);
            agents.insert(lesson.agent.as_str());
        }
        store.save()?;
        note(format_args!(
            "learned from {} call(s) of {} agent(s); wrote {}",
            outcome.lessons.len(),
            agents.len(),
            store.path().display()
        ));
    }
    Ok(if outcome.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes `OUT/shard.json`.
fn write_shard_info(info: &ShardInfo, out: &Path) -> Result<()> {
    info.write(out)
        .with_context(|| format!("{}: cannot write", out.join(shard::SHARD_FILE).display()))
}

/// Part `spec` of `jobs`, its descriptor, and the pitch-track names of the whole input
/// (so a track has the name a single run gives it).
fn shard_part(
    jobs: Vec<Job>,
    spec: ShardSpec,
    args: &ScoreArgs,
    store: Option<&AgentStore>,
) -> Result<(shard::Selection, ShardInfo, Vec<String>)> {
    let agents_file = match store {
        Some(store) => std::fs::read(store.path())
            .with_context(|| format!("{}: cannot read", store.path().display()))?,
        None => Vec::new(),
    };
    let manifest = match &args.manifest {
        Some(manifest) => std::fs::read(manifest)
            .with_context(|| format!("{}: cannot read", manifest.display()))?,
        None => Vec::new(),
    };
    let inputs = shard::inputs_fingerprint(&jobs, &manifest);
    let settings = shard::settings_fingerprint(&jobs, &agents_file);
    let paths: Vec<PathBuf> = jobs.iter().map(|j| j.input.path().to_path_buf()).collect();
    let names = batch::pitch_track_names(&paths);
    let input_rows = jobs.len();
    let part = shard::select(jobs, spec);
    let info = ShardInfo {
        shard: spec.index,
        of: spec.count,
        version: env!("CARGO_PKG_VERSION").to_string(),
        settings,
        inputs,
        input_rows,
        rows: part.jobs.len(),
        audio_s: part.shard_ms as f64 / 1000.0,
        complete: false,
    };
    Ok((part, info, names))
}

fn merge_command(args: &MergeArgs) -> Result<ExitCode> {
    let options = MergeOptions {
        out_dir: args.out.clone(),
        allow_partial: args.allow_partial,
    };
    let MergeOutcome {
        of,
        merged,
        missing,
        unfinished,
        partial,
        records,
        left_out,
        ..
    } = batch::merge::merge(&args.shards, &options)?;
    for dir in &left_out {
        note(format_args!(
            "{}: holds a shard another folder also holds; merged once, from the other",
            dir.display()
        ));
    }
    if partial {
        let list = |v: &[usize]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        note(format_args!(
            "partial merge (--allow-partial): missing shards [{}], unfinished shards [{}] of {of}",
            list(&missing),
            list(&unfinished)
        ));
    }
    note(format_args!(
        "merged {records} records from {} of {of} shards; wrote {}",
        merged.len(),
        args.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The agents file: `--agents FILE`, else the platform's.
fn agents_path(given: Option<&Path>) -> Result<PathBuf> {
    Ok(match given {
        Some(p) => p.to_path_buf(),
        None => AgentStore::default_path()?,
    })
}

/// The agents file when it is given or exists; `None` when there is none yet.
fn open_agents(given: Option<&Path>) -> Result<Option<AgentStore>> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => match AgentStore::default_path() {
            Ok(p) if p.exists() => p,
            _ => return Ok(None),
        },
    };
    Ok(Some(AgentStore::open(&path)?))
}

/// Jobs for the files found under `paths`, with agent, team and start from `pattern`.
fn path_jobs(paths: &[PathBuf], pattern: Option<&PathPattern>, planner: &mut Planner) -> Vec<Job> {
    batch::discover(paths)
        .into_iter()
        .map(|input| match (&input, pattern) {
            (Input::File(path), Some(p)) => match p.meta(path) {
                Ok(meta) => {
                    let plan = planner
                        .plan(meta.clone(), None, None)
                        .map_err(|e| e.to_string());
                    job(input, plan, meta, planner)
                }
                Err(e) => job(input, Err(e.to_string()), CallMeta::default(), planner),
            },
            _ => {
                let plan = planner
                    .plan(CallMeta::default(), None, None)
                    .map_err(|e| e.to_string());
                job(input, plan, CallMeta::default(), planner)
            }
        })
        .collect()
}

/// Jobs for the rows of a manifest (a row naming a folder stands for the WAV files in
/// it); a bad row becomes an error row naming the manifest line.
fn manifest_jobs(manifest: &Path, planner: &mut Planner) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for row in manifest::read_manifest(manifest)? {
        match row {
            Ok(row) => {
                let located = |e: String| format!("{}:{}: {e}", manifest.display(), row.line);
                let plan = planner
                    .plan(row.meta.clone(), row.agent_channel, row.profile.as_deref())
                    .map_err(|e| located(e.to_string()));
                for input in batch::discover(std::slice::from_ref(&row.path)) {
                    let input = match input {
                        Input::Bad { path, message } => Input::Bad {
                            path,
                            message: located(message),
                        },
                        file => file,
                    };
                    jobs.push(job(input, plan.clone(), row.meta.clone(), planner));
                }
            }
            Err(bad) => {
                let input = Input::Bad {
                    path: bad.path,
                    message: bad.message,
                };
                let plan = planner
                    .plan(CallMeta::default(), None, None)
                    .map_err(|e| e.to_string());
                jobs.push(job(input, plan, CallMeta::default(), planner));
            }
        }
    }
    Ok(jobs)
}

/// The job of `input` with its plan; a plan that failed turns it into an error row
/// (scored with nothing, carrying `meta`).
fn job(
    input: Input,
    plan: Result<batch::plan::CallPlan, String>,
    meta: CallMeta,
    planner: &Planner,
) -> Job {
    match plan {
        Ok(plan) => Job {
            input,
            plan: std::sync::Arc::new(plan),
        },
        Err(message) => Job {
            input: Input::Bad {
                path: input.path().to_path_buf(),
                message,
            },
            plan: std::sync::Arc::new(planner.fallback(meta)),
        },
    }
}

fn team_command(args: &TeamArgs) -> Result<ExitCode> {
    let profile = load_profile(args.profile.as_deref())?;
    let filter = callcoach::team::TeamFilter {
        since: args.since.clone(),
        until: args.until.clone(),
        agent: args.agent.clone(),
        team: args.team.clone(),
    };
    let view = callcoach::team::aggregate(&args.scored, &filter)?;
    if view.records_read == 0 {
        anyhow::bail!(
            "no call records in {} ({} lines that are not call records)",
            view.inputs.join(", "),
            view.skipped_lines
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let write = |name: &str, text: &str| {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))
    };
    write(
        "team.html",
        &callcoach::team::html::team_html(&view, &profile),
    )?;
    write("agents.csv", &callcoach::team::agents_csv(&view)?)?;
    write("team.json", &(serde_json::to_string_pretty(&view)? + "\n"))?;
    note(format_args!(
        "{} agents, {} calls ({} partial, {} errors) from {} records ({} duplicates, {} lines \
         skipped, {} filtered out); wrote {}",
        view.agents.len(),
        view.totals.calls,
        view.totals.partial_calls,
        view.totals.error_calls,
        view.records_read,
        view.duplicates,
        view.skipped_lines,
        view.filtered_out,
        args.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn agents_command(args: AgentsArgs) -> Result<ExitCode> {
    let path = agents_path(args.agents.as_deref())?;
    match args.action {
        AgentsAction::List => {
            let team = load_profile(args.profile.as_deref())?;
            let store = AgentStore::open(&path)?;
            print_stdout(&agents::commands::list(&store, &team))?;
        }
        AgentsAction::Enroll {
            agent,
            files,
            agent_channel,
            name,
        } => {
            let mut store = AgentStore::open(&path)?;
            agents::commands::enroll(&mut store, &agent, &name, &files, agent_channel)?;
            store.save()?;
            let a = store.get(&agent)?;
            note(format_args!(
                "enrolled {} file(s) for {agent}: baseline {}, print from {:.1} s of speech; \
                 wrote {}",
                files.len(),
                a.baseline.map_or("-".into(), |b| format!(
                    "{:.1} Hz over {:.1} s",
                    b.median_f0_hz, b.speech_s
                )),
                a.voice_print.as_ref().map_or(0.0, |p| p.print.speech_s),
                path.display()
            ));
        }
        AgentsAction::Forget { agent } => {
            let mut store = AgentStore::open(&path)?;
            store.remove(&agent)?;
            store.save()?;
            note(format_args!("forgot {agent}; wrote {}", path.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `jobs`, or the most threads worth running when it asks for more (said on stderr).
fn capped_jobs(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZero::get);
    let cap = cores * MAX_JOBS_PER_CORE;
    if jobs > cap {
        note(format_args!(
            "--jobs {jobs} capped at {cap} ({MAX_JOBS_PER_CORE} per core, {cores} cores)"
        ));
        cap
    } else {
        jobs
    }
}

fn print_record(out: &mut impl io::Write, record: &CallRecord, format: Format) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, record).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        Format::Text => out.write_all(callcoach::text::summary(record).as_bytes())?,
    }
    out.flush()
}

fn eval(args: &EvalArgs) -> Result<ExitCode> {
    let result = callcoach::eval::evaluate_after_silence(
        &args.corpus,
        f64::from(args.lead_silence_ms) / 1000.0,
    )?;
    let mut text = String::new();
    if args.per_file {
        text += &per_file_lines(&result);
    }
    text += &result.summary().table(&result);
    text += &result.breakdown();
    text += &result.mono_section();
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn per_file_lines(result: &EvalResult) -> String {
    let mut s = String::new();
    for p in &result.pitch {
        let _ = writeln!(
            s,
            "{}: GPE {}/{} VDE {}/{} unvoiced called voiced {}/{} median-F0 err {:.1}% in-band err {:.1} pp",
            p.name,
            p.gross,
            p.both_voiced,
            p.voicing_errors,
            p.frames,
            p.unvoiced_called_voiced,
            p.unvoiced_frames,
            p.median_f0_error.unwrap_or(f64::NAN) * 100.0,
            p.in_band_error_pp.unwrap_or(f64::NAN)
        );
    }
    for c in &result.calls {
        let _ = writeln!(
            s,
            "{}: gaps true {} detected {} matched {} verdicts {} pace errs {:?} changes {:?} in-band err {:.1} pp",
            c.name,
            c.true_gaps,
            c.detected_gaps,
            c.gap_errors_s.len(),
            c.verdicts_right,
            c.pace_errors
                .iter()
                .map(|e| (e * 100.0).round())
                .collect::<Vec<_>>(),
            c.pace_changes,
            c.in_band_error_pp.unwrap_or(f64::NAN)
        );
    }
    s
}

#[cfg(feature = "audio")]
fn live_command(args: LiveArgs) -> Result<ExitCode> {
    if args.list_devices {
        print_stdout(&device_list())?;
        return Ok(ExitCode::SUCCESS);
    }
    let team = load_profile(args.profile.as_deref())?;
    let agents_file = agents_path(args.agents.as_deref())?;
    let (mut profile, agent) = match &args.agent {
        Some(id) => {
            let store = AgentStore::open(&agents_file)?;
            let (profile, choice) = live::agent::choose(&store, id, &team)?;
            (profile, Some(choice))
        }
        None => (team, None),
    };
    if let Some(SemitoneBand(band)) = args.band_semitones {
        profile.pitch.band_semitones = Some(band);
    }
    let device_given = args.device.is_some() || args.demo.is_some();
    let (headless, seconds, events, report) = (
        args.headless,
        args.seconds,
        args.events.clone(),
        args.report.clone(),
    );
    let mut pipeline = live_pipeline(args, &profile);
    pipeline.agent = agent;
    if headless {
        let source = pipeline.source.clone();
        let end = live::headless::run(HeadlessOptions {
            pipeline,
            seconds,
            events,
            report,
        })?;
        let code = headless_end(&end);
        if let Some(id) = &end.session.agent
            && end.source_error.is_none()
        {
            let sources = live::agent::learning_sources(&source, &end.session);
            if sources.is_empty() {
                note(format_args!(
                    "{id}: nothing learned (no call was recorded, or the input is a mono mix)"
                ));
            } else {
                note(live::agent::learn(&agents_file, id, &sources)?);
            }
        }
        return Ok(code);
    }
    live_window(pipeline, profile, device_given, agents_file)
}

/// Opens the live window on `pipeline`.
#[cfg(feature = "gui")]
fn live_window(
    pipeline: PipelineOptions,
    profile: Profile,
    device_given: bool,
    agents_file: PathBuf,
) -> Result<ExitCode> {
    gui::run(StartOptions {
        mode: Mode::Live,
        live: LiveSetup {
            record_dir: pipeline.record_dir.clone(),
            pipeline: Some(pipeline),
            device_given,
            agents_file: Some(agents_file),
        },
        review_file: None,
        calls_folder: None,
        profile,
        agent_channel: None,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The live window is absent from this build.
#[cfg(all(feature = "audio", not(feature = "gui")))]
fn live_window(_: PipelineOptions, _: Profile, _: bool, _: PathBuf) -> Result<ExitCode> {
    anyhow::bail!("live: {WITHOUT_GUI}; `live --headless` runs without it")
}

#[cfg(feature = "audio")]
fn device_list() -> String {
    let mut s = String::new();
    for d in live::capture::list_input_devices() {
        let _ = writeln!(
            s,
            "{}{} [{}] {} ch, {} Hz{}",
            if d.is_default { "* " } else { "  " },
            d.name,
            d.host,
            d.channels,
            d.sample_rate,
            if d.is_monitor {
                " (monitor: customer side)"
            } else {
                ""
            }
        );
    }
    s
}

#[cfg(feature = "audio")]
/// The live pipeline `args` ask for: a demo file or a capture, the band, the recording.
fn live_pipeline(args: LiveArgs, profile: &Profile) -> PipelineOptions {
    let agent_channel = args.agent_channel.unwrap_or(profile.agent_channel);
    let band = BandSetting::from_profile(profile);
    let demo = args.demo.is_some();
    let source = match args.demo {
        Some(path) => SourceChoice::Demo {
            path,
            pace: if args.fast {
                Pace::AsFastAsPossible
            } else {
                Pace::RealTime(args.speed)
            },
            agent_channel,
        },
        None => SourceChoice::Capture(match args.customer_device {
            Some(customer) => CaptureSpec::Pair {
                mic: args.device,
                customer,
            },
            None => CaptureSpec::Single {
                device: args.device,
                agent_channel,
            },
        }),
    };
    let record_dir = if args.no_record {
        None
    } else if demo {
        args.record
    } else {
        Some(
            args.record
                .unwrap_or_else(callcoach::review::recordings::default_dir),
        )
    };
    let calls = if args.auto_calls {
        CallMode::automatic(profile.talk.call_end_silence_s)
    } else {
        CallMode::WHOLE_STREAM
    };
    PipelineOptions {
        source,
        profile: profile.clone(),
        band,
        record_dir,
        agent: None,
        calls,
        cue_log: false,
    }
}

#[cfg(feature = "audio")]
/// Reports a headless run on stderr; exit 1 when the source failed.
fn headless_end(end: &HeadlessEnd) -> ExitCode {
    if let Some(message) = &end.source_error {
        note(format_args!("error: {message}"));
        return ExitCode::from(1);
    }
    let session = &end.session;
    let mut s = format!(
        "{:.1} s of audio analyzed; score {}; {} reply gaps; dropped blocks {}; analysis {:.2} % of one core",
        session.audio_s,
        session.report.score.total,
        session.report.reply_gaps.len(),
        session.dropped_blocks,
        session.analysis_load * 100.0
    );
    if let Some([p50, p95]) = session.latency_ms {
        let _ = write!(
            s,
            "; latency callback→gauges p50 {p50:.1} ms, p95 {p95:.1} ms"
        );
    }
    for p in &session.repaired {
        let _ = write!(
            s,
            "\ncallcoach: repaired the unfinished recording {}",
            p.display()
        );
    }
    if session.calls.len() != 1 {
        let _ = write!(s, "\ncallcoach: {} calls", session.calls.len());
    }
    for call in &session.calls {
        match &call.recording {
            RecordingStatus::Saved { wav, json } => {
                let _ = write!(
                    s,
                    "\ncallcoach: recorded {} and {}",
                    wav.display(),
                    json.display()
                );
            }
            RecordingStatus::Failed { path, message } => {
                let _ = write!(s, "\ncallcoach: recording {}: {message}", path.display());
            }
            RecordingStatus::Off | RecordingStatus::Recording { .. } => {}
        }
    }
    note(s);
    ExitCode::SUCCESS
}

#[cfg(feature = "gui")]
fn calls_window(args: CallsArgs) -> Result<ExitCode> {
    let profile = load_profile(args.profile.as_deref())?;
    gui::run(StartOptions {
        mode: Mode::Calls,
        live: LiveSetup {
            pipeline: None,
            device_given: false,
            agents_file: AgentStore::default_path().ok(),
            record_dir: None,
        },
        review_file: None,
        calls_folder: args.folder,
        profile,
        agent_channel: None,
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "gui")]
fn review(args: ReviewArgs) -> Result<ExitCode> {
    let profile = load_profile(args.profile.as_deref())?;
    gui::run(StartOptions {
        mode: Mode::Review,
        live: LiveSetup {
            pipeline: None,
            device_given: false,
            agents_file: AgentStore::default_path().ok(),
            record_dir: None,
        },
        review_file: args.file,
        calls_folder: None,
        profile,
        agent_channel: args.agent_channel,
    })?;
    Ok(ExitCode::SUCCESS)
}
