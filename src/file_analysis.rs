//! Runs the engine over a WAV file, streaming it in blocks: the one path from a file to
//! a [`CallReport`] ([`analyze_file`]) and to a [`CallRecord`] ([`score_one`]) that batch
//! scoring, evaluation and the review view share.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::agents::VoicePrint;
use crate::analysis::call::ChannelMapError;
use crate::analysis::{CallAnalyzer, CallReport, ChannelMap, FrameOutput};
use crate::audio::wav::{AudioError, WavInfo, WavStream};
use crate::config::Profile;
use crate::record::{CallRecord, FileFormat, SourceFile};

/// Frames read from the file per block.
pub const READ_BLOCK_FRAMES: usize = 4096;

/// What went wrong analyzing a file; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The file could not be decoded.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The channel layout does not fit the request.
    #[error("{path}: {problem}")]
    Channels {
        /// File.
        path: String,
        /// What does not fit.
        problem: ChannelMapError,
    },
    /// The progress callback asked to stop.
    #[error("{path}: analysis cancelled")]
    Cancelled {
        /// File.
        path: String,
    },
}

/// A scored file.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// Format of the file.
    pub info: WavInfo,
    /// The engine's report.
    pub report: CallReport,
}

/// Receives per-frame output as the engine decides it.
pub type FrameSink<'a> = &'a mut dyn FnMut(&[FrameOutput]);

/// How far an analysis has read its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Frames read so far.
    pub frames_done: u64,
    /// Frames in the file.
    pub frames_total: u64,
}

impl Progress {
    /// Share read, 0–1.
    pub fn fraction(&self) -> f64 {
        if self.frames_total == 0 {
            1.0
        } else {
            self.frames_done as f64 / self.frames_total as f64
        }
    }
}

/// Called after every block read; `ControlFlow::Break` stops the analysis with
/// [`AnalyzeError::Cancelled`]. It only observes: results do not depend on it.
pub type ProgressFn = Arc<dyn Fn(Progress) -> ControlFlow<()> + Send + Sync>;

/// Options for [`analyze_file`].
#[derive(Clone, Default)]
pub struct AnalyzeOptions {
    /// Agent channel for stereo files; `None` takes the profile's.
    pub agent_channel: Option<usize>,
    /// Progress report and cancellation (for interactive callers).
    pub progress: Option<ProgressFn>,
    /// Digital silence fed to the engine ahead of the file, s: 0 in normal use; `eval
    /// --lead-silence-ms` measures how results depend on how a stream starts (a capture
    /// started before the call connects starts this way). Reported times include it.
    pub lead_silence_s: f64,
    /// The agent's stored baseline F0 for a relative band, Hz; `None` rests a relative
    /// band on the call's own first voiced speech.
    pub agent_baseline_hz: Option<f64>,
    /// The agent's enrolled voice print: in a mono call it tells the agent's voice from
    /// the customer's (without it, a rule does; see [`crate::analysis::diarize`]).
    pub agent_print: Option<Arc<VoicePrint>>,
    /// Analyze a mono file as one voice, without looking for two (a recording of one
    /// speaker, such as a pitch test file).
    pub one_voice: bool,
}

impl fmt::Debug for AnalyzeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnalyzeOptions")
            .field("agent_channel", &self.agent_channel)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("lead_silence_s", &self.lead_silence_s)
            .field("agent_baseline_hz", &self.agent_baseline_hz)
            .field("agent_print", &self.agent_print.as_ref().map(|_| "print"))
            .field("one_voice", &self.one_voice)
            .finish()
    }
}

/// Analyzes the file at `path`. `on_frames` receives the per-frame output as it is
/// decided (for pitch tracks and timelines); pass `None` to skip it.
pub fn analyze_file(
    path: &Path,
    profile: &Profile,
    options: &AnalyzeOptions,
    mut on_frames: Option<FrameSink<'_>>,
) -> Result<Analyzed, AnalyzeError> {
    let mut stream = WavStream::open(path)?;
    let info = stream.info().clone();
    let agent_channel = options.agent_channel.unwrap_or(profile.agent_channel);
    let map = ChannelMap::new(usize::from(info.channels), agent_channel).map_err(|problem| {
        AnalyzeError::Channels {
            path: path.display().to_string(),
            problem,
        }
    })?;
    let mut analyzer = CallAnalyzer::new(info.sample_rate, map, profile.clone());
    if !options.one_voice {
        analyzer = analyzer.with_diarization(options.agent_print.clone());
    }
    if let Some(baseline_hz) = options.agent_baseline_hz {
        analyzer = analyzer.with_agent_baseline(baseline_hz);
    }
    if on_frames.is_some() {
        analyzer = analyzer.with_frame_output();
    }
    let lead_frames = (options.lead_silence_s.max(0.0) * f64::from(info.sample_rate)).round();
    analyzer.push_interleaved(&vec![
        0.0;
        lead_frames as usize * usize::from(info.channels)
    ]);
    let mut block = Vec::with_capacity(READ_BLOCK_FRAMES * usize::from(info.channels));
    let mut frames = Vec::new();
    let mut frames_done = 0u64;
    loop {
        let n = stream.read_frames(&mut block, READ_BLOCK_FRAMES)?;
        if n == 0 {
            break;
        }
        frames_done += n as u64;
        if let Some(progress) = &options.progress {
            let at = Progress {
                frames_done,
                frames_total: info.frames,
            };
            if progress(at).is_break() {
                return Err(AnalyzeError::Cancelled {
                    path: path.display().to_string(),
                });
            }
        }
        analyzer.push_interleaved(&block);
        if let Some(sink) = on_frames.as_mut() {
            analyzer.drain_frames(&mut frames);
            sink(&frames);
            frames.clear();
        }
    }
    let report = if let Some(sink) = on_frames.as_mut() {
        let (report, tail) = analyzer.finish_with_frames();
        sink(&tail);
        report
    } else {
        analyzer.finish()
    };
    Ok(Analyzed { info, report })
}

/// What went wrong scoring a file; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// The analysis failed.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// The pitch track could not be written.
    #[error("{}: cannot write its pitch track {}: {error}", .wav.display(), .track.display())]
    PitchTrack {
        /// The WAV file scored.
        wav: PathBuf,
        /// The pitch-track file.
        track: PathBuf,
        /// The underlying error.
        error: io::Error,
    },
}

/// Scores one file into its record, writing its agent pitch track (`time_s,f0_hz,speech`,
/// one row per frame; `speech` is 1 where the frame is the agent's speech as the
/// statistics count it) to `pitch_track` when given. Never fails: problems become an error
/// record.
pub fn score_one(
    path: &Path,
    profile: &Profile,
    options: &AnalyzeOptions,
    pitch_track: Option<&Path>,
) -> CallRecord {
    let file = SourceFile::stat(path);
    let result = match pitch_track {
        Some(track_path) => score_with_track(path, profile, options, track_path),
        None => analyze_file(path, profile, options, None).map_err(ScoreError::from),
    };
    CallRecord::new(
        file,
        result
            .map(|analyzed| (FileFormat::from(&analyzed.info), analyzed.report))
            .map_err(|e| e.to_string()),
    )
}

fn score_with_track(
    path: &Path,
    profile: &Profile,
    options: &AnalyzeOptions,
    track_path: &Path,
) -> Result<Analyzed, ScoreError> {
    let track_error = |error| ScoreError::PitchTrack {
        wav: path.to_path_buf(),
        track: track_path.to_path_buf(),
        error,
    };
    let tmp = track_path.with_extension("csv.partial");
    let file = File::create(&tmp).map_err(track_error)?;
    let mut writer = BufWriter::new(file);
    let mut write_error: Option<io::Error> = writer.write_all(b"time_s,f0_hz,speech\n").err();
    let analyzed = analyze_file(
        path,
        profile,
        options,
        Some(&mut |frames: &[FrameOutput]| {
            if write_error.is_some() {
                return;
            }
            for f in frames {
                let line = format!(
                    "{:.3},{:.2},{}\n",
                    f.t_s,
                    f.agent_f0_hz,
                    u8::from(f.agent_speech)
                );
                if let Err(e) = writer.write_all(line.as_bytes()) {
                    write_error = Some(e);
                    return;
                }
            }
        }),
    );
    let finished = match (analyzed, write_error) {
        (Err(e), _) => Err(ScoreError::from(e)),
        (Ok(_), Some(e)) => Err(track_error(e)),
        (Ok(analyzed), None) => writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&tmp, track_path))
            .map(|()| analyzed)
            .map_err(track_error),
    };
    if finished.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    finished
}
