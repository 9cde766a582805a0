//! The agent of a live call: their profile, band and baseline from the agents file, and
//! what a finished call teaches it (the live app learns from each finished call of the
//! chosen agent).

use std::path::{Path, PathBuf};

use crate::agents::commands::{EnrollError, enroll};
use crate::agents::{AgentStore, StoreError};
use crate::config::{Profile, ProfileError};

use super::pipeline::SourceChoice;
use super::session::{AgentChoice, SessionEnd};
use super::snapshot::RecordingStatus;

/// Why an agent could not be chosen or taught; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum LiveAgentError {
    /// The agents file (broken, unreadable) or an unknown agent.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The agent's own profile keys are wrong.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The call's audio could not be added.
    #[error(transparent)]
    Enroll(#[from] EnrollError),
}

/// The profile and agent of a call coached for `id`: the team profile with the agent's
/// own keys over it, and their stored baseline once it rests on enough speech. An unknown
/// id or wrong profile keys are errors naming the agents file.
pub fn choose(
    store: &AgentStore,
    id: &str,
    team: &Profile,
) -> Result<(Profile, AgentChoice), LiveAgentError> {
    let agent = store.get(id)?;
    let profile = agent.profile_over(team, store.path())?;
    let choice = AgentChoice {
        id: id.to_string(),
        baseline_hz: agent.baseline.and_then(|b| b.usable_hz()),
    };
    Ok((profile, choice))
}

/// The audio of a finished session that holds the agent alone, and its channel: the
/// recording of every captured call that was saved (a headset alone is the agent's), or a
/// stereo demo file. Empty when there is none: unrecorded captures, or a mono demo (a mix
/// of both voices).
pub fn learning_sources(source: &SourceChoice, end: &SessionEnd) -> Vec<(PathBuf, usize)> {
    match source {
        SourceChoice::Demo { path, .. } => end
            .layout
            .agent_channel()
            .map(|channel| (path.clone(), channel))
            .into_iter()
            .collect(),
        SourceChoice::Capture(_) => {
            let channel = end.layout.agent_channel().unwrap_or(0);
            end.calls
                .iter()
                .filter_map(|call| match &call.recording {
                    RecordingStatus::Saved { wav, .. } => Some((wav.clone(), channel)),
                    _ => None,
                })
                .collect()
        }
    }
}

/// Adds the given channels of `wavs` to agent `id`'s voice print and baseline in the
/// agents file at `store_path`, and says what the agent's baseline now is. Reads the
/// whole files: call it off the UI thread.
pub fn learn(
    store_path: &Path,
    id: &str,
    wavs: &[(PathBuf, usize)],
) -> Result<String, LiveAgentError> {
    let mut store = AgentStore::open(store_path)?;
    let mut learned = Vec::with_capacity(wavs.len());
    for (wav, channel) in wavs {
        match enroll(&mut store, id, "", std::slice::from_ref(wav), *channel) {
            Ok(()) => learned.push(wav),
            // A call in which the agent did not speak teaches nothing.
            Err(EnrollError::NoSpeech { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let from = match learned.as_slice() {
        [] => return Ok(format!("{id}: nothing learned (no speech of the agent)")),
        [wav] => wav.display().to_string(),
        _ => format!("{} calls", learned.len()),
    };
    store.save()?;
    let agent = store.get(id)?;
    Ok(match agent.baseline {
        Some(b) => format!(
            "{id}: learned from {from}; baseline {:.1} Hz over {:.1} s of speech",
            b.median_f0_hz, b.speech_s
        ),
        None => format!("{id}: learned from {from}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{CallAnalyzer, ChannelMap};
    use crate::live::capture::CaptureSpec;
    use crate::live::demo::Pace;
    use crate::live::session::{CallEnd, InputLayout};

    fn end(layout: InputLayout, recordings: Vec<RecordingStatus>) -> SessionEnd {
        let report = CallAnalyzer::new(
            8000,
            ChannelMap::new(2, 0).expect("a map"),
            Profile::default(),
        )
        .finish();
        SessionEnd {
            report: report.clone(),
            agent: Some("anna".into()),
            layout,
            recording: recordings.last().cloned().unwrap_or(RecordingStatus::Off),
            calls: recordings
                .into_iter()
                .enumerate()
                .map(|(i, recording)| CallEnd {
                    start_s: 100.0 * i as f64,
                    report: report.clone(),
                    recording,
                    cues: None,
                })
                .collect(),
            latency_ms: None,
            analysis_load: 0.0,
            dropped_blocks: 0,
            audio_s: 0.0,
            repaired: Vec::new(),
        }
    }

    fn saved(name: &str) -> RecordingStatus {
        RecordingStatus::Saved {
            wav: PathBuf::from(format!("{name}.wav")),
            json: PathBuf::from(format!("{name}.json")),
        }
    }

    #[test]
    fn every_saved_call_of_a_capture_teaches_the_agent() {
        let capture = SourceChoice::Capture(CaptureSpec::Single {
            device: None,
            agent_channel: 1,
        });
        let stereo = InputLayout::Single {
            sample_rate: 8000,
            channels: 2,
            agent_channel: 1,
        };
        let failed = RecordingStatus::Failed {
            path: PathBuf::from("b.wav"),
            message: "disk full".into(),
        };
        let session = end(stereo, vec![saved("a"), failed, saved("c")]);
        assert_eq!(
            learning_sources(&capture, &session),
            vec![(PathBuf::from("a.wav"), 1), (PathBuf::from("c.wav"), 1)]
        );
        // A headset alone is the agent's, on its only channel.
        let headset = InputLayout::Single {
            sample_rate: 8000,
            channels: 1,
            agent_channel: 0,
        };
        let session = end(headset, vec![saved("a"), RecordingStatus::Off]);
        assert_eq!(
            learning_sources(&capture, &session),
            vec![(PathBuf::from("a.wav"), 0)]
        );
    }

    #[test]
    fn a_stereo_demo_teaches_once_and_a_mono_demo_not_at_all() {
        let demo = SourceChoice::Demo {
            path: PathBuf::from("demo.wav"),
            pace: Pace::RealTime(1.0),
            agent_channel: 1,
        };
        let stereo = InputLayout::Single {
            sample_rate: 8000,
            channels: 2,
            agent_channel: 1,
        };
        let session = end(stereo, vec![RecordingStatus::Off, RecordingStatus::Off]);
        assert_eq!(
            learning_sources(&demo, &session),
            vec![(PathBuf::from("demo.wav"), 1)]
        );
        let mono = InputLayout::Single {
            sample_rate: 8000,
            channels: 1,
            agent_channel: 0,
        };
        assert_eq!(learning_sources(&demo, &end(mono, Vec::new())), Vec::new());
    }
}
