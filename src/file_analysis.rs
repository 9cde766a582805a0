//! Runs the engine over a WAV file, streaming it in blocks: the one path from a file to
//! a [`CallReport`] that batch scoring, evaluation and the review view share.

use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use crate::analysis::{CallAnalyzer, CallReport, ChannelMap, FrameOutput};
use crate::audio::wav::{AudioError, WavInfo, WavStream};
use crate::config::Profile;

/// Frames read from the file per block.
pub const READ_BLOCK_FRAMES: usize = 4096;

/// What went wrong analysing a file; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum AnalyseError {
    /// The file could not be decoded.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The channel layout does not fit the request.
    #[error("{path}: {problem}")]
    Channels {
        /// File.
        path: String,
        /// What does not fit.
        problem: String,
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
pub struct Analysed {
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
/// [`AnalyseError::Cancelled`]. It only observes: results do not depend on it.
pub type ProgressFn = Arc<dyn Fn(Progress) -> ControlFlow<()> + Send + Sync>;

/// Options for [`analyse_file`].
#[derive(Clone, Default)]
pub struct AnalyseOptions {
    /// Agent channel for stereo files; `None` takes the profile's.
    pub agent_channel: Option<usize>,
    /// Progress report and cancellation (for interactive callers).
    pub progress: Option<ProgressFn>,
    /// Digital silence fed to the engine before the file, s: 0 in normal use; `eval
    /// --lead-silence-ms` measures how results depend on how a stream starts (a capture
    /// started before the call connects starts this way). Reported times include it.
    pub lead_silence_s: f64,
}

impl fmt::Debug for AnalyseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnalyseOptions")
            .field("agent_channel", &self.agent_channel)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("lead_silence_s", &self.lead_silence_s)
            .finish()
    }
}

/// Analyses the file at `path`. `on_frames` receives the per-frame output as it is
/// decided (for pitch tracks and timelines); pass `None` to skip it.
pub fn analyse_file(
    path: &Path,
    profile: &Profile,
    options: &AnalyseOptions,
    mut on_frames: Option<FrameSink<'_>>,
) -> Result<Analysed, AnalyseError> {
    let mut stream = WavStream::open(path)?;
    let info = stream.info().clone();
    let agent_channel = options.agent_channel.unwrap_or(profile.agent_channel);
    let map = ChannelMap::new(usize::from(info.channels), agent_channel).map_err(|problem| {
        AnalyseError::Channels {
            path: path.display().to_string(),
            problem,
        }
    })?;
    let mut analyzer = CallAnalyzer::new(info.sample_rate, map, profile.clone());
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
                return Err(AnalyseError::Cancelled {
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
    Ok(Analysed { info, report })
}
