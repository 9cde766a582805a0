//! The channel check: which channel of a recording holds an enrolled agent. Each
//! channel's voice print is compared with the agent's; the closest channel is the agent's.

use std::fmt;
use std::path::Path;

use crate::audio::wav::{AudioError, WavStream};

use super::voiceprint::{ChannelPrintsBuilder, VoicePrint};

/// Frames read from a file per block.
const READ_BLOCK_FRAMES: usize = 4096;

/// Speech a print needs before a check relies on it, s: below this the mean of a few
/// hundred frames still moves with what was said rather than who said it.
pub const MIN_CHECK_SPEECH_S: f64 = 5.0;

/// Which channel the caller says holds the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentChannel {
    /// Let the check choose; `fallback` is used when it cannot tell.
    Auto {
        /// Channel taken when a print has too little speech to decide.
        fallback: usize,
    },
    /// This channel (0-based); the check says whether it looks swapped.
    Given(usize),
}

/// What the check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelVerdict {
    /// The given channel matches the agent best; with `auto`, the best one was taken.
    Matches,
    /// The given channel matches the agent worse than another channel: `swapped?`.
    Swapped,
    /// A channel or the agent's print rests on too little speech to tell.
    Undecided,
}

impl ChannelVerdict {
    /// The label a record carries: `ok`, `swapped?` or `undecided`.
    pub fn label(self) -> &'static str {
        match self {
            ChannelVerdict::Matches => "ok",
            ChannelVerdict::Swapped => "swapped?",
            ChannelVerdict::Undecided => "undecided",
        }
    }
}

impl fmt::Display for ChannelVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The outcome of a channel check.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelCheck {
    /// Distance of each channel's print to the agent's (see [`VoicePrint::distance`]).
    pub distances: Vec<f64>,
    /// Speech each channel's print rests on, s.
    pub speech_s: Vec<f64>,
    /// The channel closest to the agent.
    pub best: usize,
    /// Distance of the second-closest channel less the closest's (≥ 0): how clearly the
    /// best channel wins.
    pub margin: f64,
    /// The channel to analyze as the agent's: the best one for `auto` (the fallback when
    /// undecided), the given one otherwise.
    pub channel: usize,
    /// The conclusion.
    pub verdict: ChannelVerdict,
}

impl ChannelCheck {
    /// Compares the agent's print with the print of each channel.
    pub fn from_prints(
        agent: &VoicePrint,
        channels: &[VoicePrint],
        request: AgentChannel,
    ) -> Result<ChannelCheck, CheckError> {
        agent.validate().map_err(CheckError::BadPrint)?;
        if channels.len() < 2 {
            return Err(CheckError::NotMultiChannel {
                path: String::new(),
                channels: channels.len(),
            });
        }
        if let AgentChannel::Given(c) | AgentChannel::Auto { fallback: c } = request
            && c >= channels.len()
        {
            return Err(CheckError::NoSuchChannel {
                path: String::new(),
                channel: c,
                channels: channels.len(),
            });
        }
        let distances: Vec<f64> = channels.iter().map(|c| agent.distance(c)).collect();
        let speech_s: Vec<f64> = channels.iter().map(|c| c.speech_s).collect();
        let mut order: Vec<usize> = (0..channels.len()).collect();
        order.sort_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(a.cmp(&b)));
        let best = order[0];
        let margin = distances[order[1]] - distances[best];
        let decidable = agent.speech_s >= MIN_CHECK_SPEECH_S
            && speech_s.iter().all(|&s| s >= MIN_CHECK_SPEECH_S)
            && distances.iter().all(|d| d.is_finite());
        let (channel, verdict) = match (request, decidable) {
            (AgentChannel::Auto { fallback }, false) => (fallback, ChannelVerdict::Undecided),
            (AgentChannel::Given(c), false) => (c, ChannelVerdict::Undecided),
            (AgentChannel::Auto { .. }, true) => (best, ChannelVerdict::Matches),
            (AgentChannel::Given(c), true) if distances[c] > distances[best] => {
                (c, ChannelVerdict::Swapped)
            }
            (AgentChannel::Given(c), true) => (c, ChannelVerdict::Matches),
        };
        Ok(ChannelCheck {
            distances,
            speech_s,
            best,
            margin,
            channel,
            verdict,
        })
    }

    /// A sentence for the record's note, e.g. `channel 0 matches the agent worse than
    /// channel 1 (distance 3.41 vs 1.20)`.
    pub fn note(&self) -> String {
        let d = |c: usize| self.distances.get(c).copied().unwrap_or(f64::NAN);
        match self.verdict {
            ChannelVerdict::Matches => format!(
                "channel {} matches the agent best (distance {:.2}, next {:.2})",
                self.channel,
                d(self.channel),
                d(self.channel) + self.margin
            ),
            ChannelVerdict::Swapped => format!(
                "channel {} matches the agent worse than channel {} (distance {:.2} vs {:.2})",
                self.channel,
                self.best,
                d(self.channel),
                d(self.best)
            ),
            ChannelVerdict::Undecided => format!(
                "too little speech to check the agent channel (needs {MIN_CHECK_SPEECH_S} s \
                 per channel; has {})",
                self.speech_s
                    .iter()
                    .map(|s| format!("{s:.1} s"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// What went wrong checking a file; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The file could not be decoded.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The recording has one channel: there is nothing to choose between.
    #[error(
        "{path}: the channel check needs a recording with two or more channels, not {channels}"
    )]
    NotMultiChannel {
        /// File.
        path: String,
        /// Channels it has.
        channels: usize,
    },
    /// The channel asked for does not exist.
    #[error("{path}: agent channel {channel} does not exist (the file has {channels} channels)")]
    NoSuchChannel {
        /// File.
        path: String,
        /// Channel asked for, 0-based.
        channel: usize,
        /// Channels the file has.
        channels: usize,
    },
    /// The agent's print cannot be compared.
    #[error("the agent's voice print cannot be used: {0}")]
    BadPrint(crate::agents::voiceprint::PrintError),
}

impl CheckError {
    fn at(self, path: &Path) -> CheckError {
        let p = path.display().to_string();
        match self {
            CheckError::NotMultiChannel { channels, .. } => {
                CheckError::NotMultiChannel { path: p, channels }
            }
            CheckError::NoSuchChannel {
                channel, channels, ..
            } => CheckError::NoSuchChannel {
                path: p,
                channel,
                channels,
            },
            other => other,
        }
    }
}

/// The voice print of every channel of the WAV file at `path`, in channel order.
pub fn channel_prints(path: &Path) -> Result<Vec<VoicePrint>, CheckError> {
    let mut stream = WavStream::open(path)?;
    let info = stream.info().clone();
    let mut builder = ChannelPrintsBuilder::new(info.sample_rate, usize::from(info.channels));
    let mut block = Vec::with_capacity(READ_BLOCK_FRAMES * usize::from(info.channels));
    while stream.read_frames(&mut block, READ_BLOCK_FRAMES)? > 0 {
        builder.push_interleaved(&block);
    }
    Ok(builder.finish())
}

/// Checks which channel of the recording at `path` holds the agent whose print is
/// `agent`.
pub fn check_file(
    path: &Path,
    agent: &VoicePrint,
    request: AgentChannel,
) -> Result<ChannelCheck, CheckError> {
    agent.validate().map_err(CheckError::BadPrint)?;
    let channels = usize::from(WavStream::open(path)?.info().channels);
    if channels < 2 {
        return Err(CheckError::NotMultiChannel {
            path: path.display().to_string(),
            channels,
        });
    }
    let prints = channel_prints(path)?;
    ChannelCheck::from_prints(agent, &prints, request).map_err(|e| e.at(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::cepstrum::CEPSTRA;
    use crate::agents::voiceprint::FEATURES;

    fn print(mean: f64, speech_s: f64) -> VoicePrint {
        VoicePrint {
            features: FEATURES.into(),
            speech_s,
            mean: vec![mean; CEPSTRA],
            var: vec![1.0; CEPSTRA],
            median_f0_hz: Some(120.0),
            voiced_s: speech_s / 2.0,
        }
    }

    #[test]
    fn the_closest_channel_wins_and_a_worse_given_one_is_swapped() {
        let agent = print(0.0, 60.0);
        // Channel 0: means 2 apart (distance 12 * 4/8 = 6); channel 1: 0.5 apart (0.375).
        let channels = [print(2.0, 30.0), print(0.5, 40.0)];
        let auto = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Auto { fallback: 0 })
            .unwrap();
        assert_eq!(auto.distances, [6.0, 0.375]);
        assert_eq!(auto.speech_s, [30.0, 40.0]);
        assert_eq!((auto.best, auto.channel), (1, 1));
        assert_eq!(auto.margin, 5.625);
        assert_eq!(auto.verdict, ChannelVerdict::Matches);
        let given = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Given(0)).unwrap();
        assert_eq!((given.channel, given.verdict), (0, ChannelVerdict::Swapped));
        assert_eq!(
            given.note(),
            "channel 0 matches the agent worse than channel 1 (distance 6.00 vs 0.38)"
        );
        let right = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Given(1)).unwrap();
        assert_eq!((right.channel, right.verdict), (1, ChannelVerdict::Matches));
        assert_eq!(
            right.note(),
            "channel 1 matches the agent best (distance 0.38, next 6.00)"
        );
    }

    #[test]
    fn too_little_speech_leaves_the_channel_as_asked() {
        let agent = print(0.0, 60.0);
        let channels = [print(2.0, 30.0), print(0.5, 4.0)];
        let auto = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Auto { fallback: 0 })
            .unwrap();
        assert_eq!((auto.channel, auto.verdict), (0, ChannelVerdict::Undecided));
        assert_eq!(auto.verdict.label(), "undecided");
        assert_eq!(
            auto.note(),
            "too little speech to check the agent channel (needs 5 s per channel; has 30.0 s, 4.0 s)"
        );
        let given = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Given(0)).unwrap();
        assert_eq!(given.verdict, ChannelVerdict::Undecided);
        let thin_agent = print(0.0, 3.0);
        let channels = [print(2.0, 30.0), print(0.5, 40.0)];
        let check =
            ChannelCheck::from_prints(&thin_agent, &channels, AgentChannel::Given(0)).unwrap();
        assert_eq!(check.verdict, ChannelVerdict::Undecided);
    }

    #[test]
    fn bad_requests_and_prints_are_errors() {
        let agent = print(0.0, 60.0);
        let channels = [print(2.0, 30.0), print(0.5, 40.0)];
        let err =
            ChannelCheck::from_prints(&agent, &channels[..1], AgentChannel::Given(0)).unwrap_err();
        assert!(matches!(
            err,
            CheckError::NotMultiChannel { channels: 1, .. }
        ));
        let err = ChannelCheck::from_prints(&agent, &channels, AgentChannel::Auto { fallback: 3 })
            .unwrap_err();
        assert!(matches!(
            err,
            CheckError::NoSuchChannel {
                channel: 3,
                channels: 2,
                ..
            }
        ));
        let mut old = agent.clone();
        old.features = "lpcc".into();
        let err = ChannelCheck::from_prints(&old, &channels, AgentChannel::Given(0)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the agent's voice print cannot be used: features `lpcc`"),
            "{err}"
        );
    }
}
