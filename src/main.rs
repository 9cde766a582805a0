//! The `callcoach` command line: `score`, `eval`, `profile`, `live`, `review`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use callcoach::batch::{self, BatchOptions, CallRecord};
use callcoach::config::{DEFAULT_PROFILE_TOML, Profile};
#[cfg(feature = "gui")]
use callcoach::gui::{self, Mode, StartOptions, live_view::LiveSetup};
#[cfg(feature = "audio")]
use callcoach::live::{
    self,
    capture::CaptureSpec,
    coach::BandSetting,
    demo::Pace,
    headless::HeadlessOptions,
    pipeline::{PipelineOptions, SourceChoice},
    session::SessionEnd,
    snapshot::RecordingStatus,
};

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
    /// Exit code: 0 when every file was scored, 1 when some failed (each failure has an
    /// error row and the run goes on), 2 when nothing could run.
    Score {
        /// WAV files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write summary.csv and calls.jsonl into this folder (else print to stdout).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also write <file stem>.agent.f0.csv per file (time_s,f0_hz every 10 ms; 0 =
        /// unvoiced) into this folder.
        #[arg(long, value_name = "DIR")]
        pitch_track: Option<PathBuf>,
        /// Worker threads; 0 = one per core.
        #[arg(long, short, default_value_t = 0, value_name = "N")]
        jobs: usize,
        /// Skip files already in --out/calls.jsonl with the same path, size and mtime.
        #[arg(long, requires = "out")]
        resume: bool,
        /// Coaching profile (TOML); see `callcoach profile` for the keys and defaults.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// Channel of a stereo file that carries the agent (overrides the profile).
        #[arg(long, value_name = "N")]
        agent_channel: Option<usize>,
        /// Output format on stdout when --out is not given.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Measure accuracy on a labelled corpus (see corpus/FORMAT.md): pitch, voicing,
    /// in-band fraction, reply gaps, verdicts, pace.
    Eval {
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
    },
    /// Print the default coaching profile (TOML, with comments).
    Profile,
    /// Live coaching: capture the call (or play a demo file at real-time pace) and
    /// show the gauges; `--headless` runs the same pipeline without a window.
    ///
    /// Recording is on for captured calls (a WAV per call in --record, default
    /// `recordings/`, plus its scored JSON) and off for demos unless --record is given.
    Live {
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
        /// Demo playback speed (real time = 1).
        #[arg(long, default_value_t = 1.0, value_name = "X")]
        speed: f64,
        /// Demo: feed the file as fast as the analysis takes it (headless only).
        #[arg(long, requires = "demo", requires = "headless")]
        fast: bool,
        /// No window: write events as JSON Lines (to --events or stdout).
        #[arg(long)]
        headless: bool,
        /// Headless: stop after this many seconds (default: until the demo ends; a
        /// capture runs until interrupted).
        #[arg(long, value_name = "N")]
        seconds: Option<f64>,
        /// Headless: write every event with its stream time and wall-clock publish time.
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
        /// Headless: write the call's scored JSON (the `callcoach score` schema) here.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Record calls into this folder.
        #[arg(long, value_name = "DIR")]
        record: Option<PathBuf>,
        /// Do not record.
        #[arg(long, conflicts_with = "record")]
        no_record: bool,
        /// Pitch band in semitones relative to the agent's own baseline (measured over
        /// their first 30 s of voiced speech), e.g. `-1,2`; default: the profile's Hz band.
        #[arg(
            long,
            value_name = "LO,HI",
            value_delimiter = ',',
            num_args = 2,
            allow_hyphen_values = true
        )]
        band_semitones: Option<Vec<f64>>,
        /// List the input devices and exit.
        #[arg(long)]
        list_devices: bool,
        /// Coaching profile (TOML).
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
    },
    /// Open the review window on a recorded call (or on the file picker).
    Review {
        /// The call to open.
        file: Option<PathBuf>,
        /// Coaching profile (TOML).
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// Channel of a stereo file that carries the agent (overrides the profile).
        #[arg(long, value_name = "N")]
        agent_channel: Option<usize>,
    },
}

fn load_profile(path: Option<&PathBuf>) -> Result<Profile> {
    Ok(match path {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callcoach: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        #[cfg(feature = "audio")]
        Command::Live {
            device,
            customer_device,
            agent_channel,
            demo,
            speed,
            fast,
            headless,
            seconds,
            events,
            report,
            record,
            no_record,
            band_semitones,
            list_devices,
            profile,
        } => {
            if list_devices {
                for d in live::capture::list_input_devices() {
                    println!(
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
                return Ok(ExitCode::SUCCESS);
            }
            let profile = load_profile(profile.as_ref())?;
            let agent_channel = agent_channel.unwrap_or(profile.agent_channel);
            let band = match band_semitones.as_deref() {
                Some([lo, hi]) if lo < hi => BandSetting::Semitones([*lo, *hi]),
                Some(_) => anyhow::bail!("--band-semitones: give LO,HI with LO < HI"),
                None => BandSetting::Hz(profile.pitch.band_hz),
            };
            if !(0.25..=4.0).contains(&speed) {
                anyhow::bail!("--speed: {speed} is outside 0.25–4");
            }
            let source = match &demo {
                Some(path) => SourceChoice::Demo {
                    path: path.clone(),
                    pace: if fast {
                        Pace::AsFastAsPossible
                    } else {
                        Pace::RealTime(speed)
                    },
                    agent_channel,
                },
                None => SourceChoice::Capture(match customer_device {
                    Some(customer) => CaptureSpec::Pair {
                        mic: device.clone(),
                        customer,
                    },
                    None => CaptureSpec::Single {
                        device: device.clone(),
                        agent_channel,
                    },
                }),
            };
            let record_dir = if no_record {
                None
            } else if demo.is_some() {
                record
            } else {
                Some(record.unwrap_or_else(|| PathBuf::from("recordings")))
            };
            let pipeline = PipelineOptions {
                source,
                profile: profile.clone(),
                band,
                record_dir,
            };
            if headless {
                let end = live::headless::run(HeadlessOptions {
                    pipeline,
                    seconds,
                    events,
                    report,
                })?;
                eprintln!("{}", live_summary(&end));
                return Ok(ExitCode::SUCCESS);
            }
            live_window(pipeline, profile, device.is_some() || demo.is_some())
        }
        #[cfg(not(feature = "audio"))]
        Command::Live { .. } => {
            anyhow::bail!("live: {WITHOUT_GUI}; `--features audio` builds `live --headless` alone")
        }
        Command::Review {
            file,
            profile,
            agent_channel,
        } => {
            let profile = load_profile(profile.as_ref())?;
            review_window(file, profile, agent_channel)
        }
        Command::Profile => {
            print!("{DEFAULT_PROFILE_TOML}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            corpus,
            per_file,
            lead_silence_ms,
        } => {
            let result = callcoach::eval::evaluate_after_silence(
                &corpus,
                f64::from(lead_silence_ms) / 1000.0,
            )?;
            if per_file {
                for p in &result.pitch {
                    println!(
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
                    println!(
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
            }
            print!("{}", result.summary().table(&result));
            Ok(ExitCode::SUCCESS)
        }
        Command::Score {
            paths,
            out,
            pitch_track,
            jobs,
            resume,
            profile,
            agent_channel,
            format,
            quiet,
        } => {
            let profile = match &profile {
                Some(p) => Profile::load(p)?,
                None => Profile::default(),
            };
            if let Some(dir) = &out {
                batch::check_writable(dir)?;
            }
            if let Some(dir) = &pitch_track {
                batch::check_writable(dir)?;
            }
            let files = batch::discover(&paths)?;
            if files.is_empty() {
                anyhow::bail!("no WAV files found in the given paths");
            }
            let options = BatchOptions {
                out_dir: out.clone(),
                pitch_track_dir: pitch_track,
                jobs,
                resume,
                agent_channel,
                progress: !quiet,
            };
            let outcome = batch::run(&files, &profile, &options, |record| {
                print_record(record, format)
            })
            .context("batch stopped")?;
            if let Some(dir) = &out {
                eprintln!(
                    "callcoach: {} scored, {} failed, {} skipped (already scored); wrote {}",
                    outcome.scored,
                    outcome.failed,
                    outcome.skipped,
                    dir.display()
                );
            }
            Ok(if outcome.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Why the windows are absent from this build.
#[cfg(not(feature = "gui"))]
const WITHOUT_GUI: &str = "callcoach was built without the gui feature \
                           (`cargo build --release` builds it, with the default features)";

/// Opens the live window on `pipeline`.
#[cfg(feature = "gui")]
fn live_window(
    pipeline: PipelineOptions,
    profile: Profile,
    device_given: bool,
) -> Result<ExitCode> {
    gui::run(StartOptions {
        mode: Mode::Live,
        live: LiveSetup {
            pipeline: Some(pipeline),
            device_given,
        },
        review_file: None,
        profile,
        agent_channel: None,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The live window is absent from this build.
#[cfg(all(feature = "audio", not(feature = "gui")))]
fn live_window(_: PipelineOptions, _: Profile, _: bool) -> Result<ExitCode> {
    anyhow::bail!("live: {WITHOUT_GUI}; `live --headless` runs without it")
}

/// Opens the review window on `file` (or on the file picker).
#[cfg(feature = "gui")]
fn review_window(
    file: Option<PathBuf>,
    profile: Profile,
    agent_channel: Option<usize>,
) -> Result<ExitCode> {
    gui::run(StartOptions {
        mode: Mode::Review,
        live: LiveSetup {
            pipeline: None,
            device_given: false,
        },
        review_file: file,
        profile,
        agent_channel,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The review window is absent from this build.
#[cfg(not(feature = "gui"))]
fn review_window(_: Option<PathBuf>, _: Profile, _: Option<usize>) -> Result<ExitCode> {
    anyhow::bail!("review: {WITHOUT_GUI}")
}

#[cfg(feature = "audio")]
fn live_summary(end: &SessionEnd) -> String {
    let mut s = format!(
        "callcoach: {:.1} s of audio analysed; score {}; {} reply gaps; dropped blocks {}; analysis {:.2} % of one core",
        end.audio_s,
        end.report.score.total,
        end.report.reply_gaps.len(),
        end.dropped_blocks,
        end.analysis_load * 100.0
    );
    if let Some([p50, p95]) = end.latency_ms {
        s += &format!("; latency callback→gauges p50 {p50:.1} ms, p95 {p95:.1} ms");
    }
    for p in &end.repaired {
        s += &format!(
            "\ncallcoach: repaired the unfinished recording {}",
            p.display()
        );
    }
    match &end.recording {
        RecordingStatus::Saved { wav, json } => {
            s += &format!(
                "\ncallcoach: recorded {} and {}",
                wav.display(),
                json.display()
            );
        }
        RecordingStatus::Failed { path, message } => {
            s += &format!("\ncallcoach: recording {}: {message}", path.display());
        }
        RecordingStatus::Off | RecordingStatus::Recording { .. } => {}
    }
    s
}

fn print_record(record: &CallRecord, format: Format) {
    match format {
        Format::Jsonl => match serde_json::to_string(record) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("callcoach: error: {}: cannot encode: {e}", record.file),
        },
        Format::Text => print!("{}", callcoach::text::summary(record)),
    }
}
