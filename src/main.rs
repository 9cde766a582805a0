//! The `callcoach` command line: `score`, `eval`, `profile`, `live`, `review`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use callcoach::batch::{self, BatchOptions, CallRecord};
use callcoach::config::{DEFAULT_PROFILE_TOML, Profile};
use callcoach::gui::{self, Mode, StartOptions, live_view::LiveSetup};

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
    },
    /// Print the default coaching profile (TOML, with comments).
    Profile,
    /// Open the live coaching window: capture the call and show the gauges.
    Live {
        /// Input device (name or part of it; see the device list in the window).
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
        /// Play this WAV through the live pipeline at real-time pace instead of capturing.
        #[arg(long, value_name = "FILE")]
        demo: Option<PathBuf>,
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
        Command::Live {
            device,
            demo,
            profile,
        } => {
            let profile = load_profile(profile.as_ref())?;
            gui::run(StartOptions {
                mode: Mode::Live,
                live: LiveSetup { device, demo },
                review_file: None,
                profile,
                agent_channel: None,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Review {
            file,
            profile,
            agent_channel,
        } => {
            let profile = load_profile(profile.as_ref())?;
            gui::run(StartOptions {
                mode: Mode::Review,
                live: LiveSetup::default(),
                review_file: file,
                profile,
                agent_channel,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Profile => {
            print!("{DEFAULT_PROFILE_TOML}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { corpus, per_file } => {
            let result = callcoach::eval::evaluate(&corpus)?;
            if per_file {
                for p in &result.pitch {
                    println!(
                        "{}: GPE {}/{} VDE {}/{} median-F0 err {:.1}% in-band err {:.1} pp",
                        p.name,
                        p.gross,
                        p.both_voiced,
                        p.voicing_errors,
                        p.frames,
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

fn print_record(record: &CallRecord, format: Format) {
    match format {
        Format::Jsonl => match serde_json::to_string(record) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("callcoach: error: {}: cannot encode: {e}", record.file),
        },
        Format::Text => print!("{}", callcoach::text::summary(record)),
    }
}
