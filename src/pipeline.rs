//! Runs the engine over a WAV file, streaming it in blocks: the one path from a file to
//! a [`CallReport`] that batch scoring, evaluation and the review view share.

use std::path::Path;

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

/// Options for [`analyse_file`].
#[derive(Debug, Clone, Default)]
pub struct AnalyseOptions {
    /// Agent channel for stereo files; `None` takes the profile's.
    pub agent_channel: Option<usize>,
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
    let mut block = Vec::with_capacity(READ_BLOCK_FRAMES * usize::from(info.channels));
    let mut frames = Vec::new();
    loop {
        let n = stream.read_frames(&mut block, READ_BLOCK_FRAMES)?;
        if n == 0 {
            break;
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
