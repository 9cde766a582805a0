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

/// The audio of a finished call that holds the agent alone, and its channel: the
/// recording of a captured call (a headset alone is the agent's), or a stereo demo file.
/// `None` when there is none: an unrecorded capture, or a mono demo (a mix of both
/// voices).
pub fn learning_source(source: &SourceChoice, end: &SessionEnd) -> Option<(PathBuf, usize)> {
    match (source, &end.recording) {
        (SourceChoice::Demo { path, .. }, _) => end
            .layout
            .agent_channel()
            .map(|channel| (path.clone(), channel)),
        (SourceChoice::Capture(_), RecordingStatus::Saved { wav, .. }) => {
            Some((wav.clone(), end.layout.agent_channel().unwrap_or(0)))
        }
        (SourceChoice::Capture(_), _) => None,
    }
}

/// Adds the agent's channel of `wav` to agent `id`'s voice print and baseline in the
/// agents file at `store_path`, and says what the agent's baseline now is. Reads the
/// whole file: call it off the UI thread.
pub fn learn(
    store_path: &Path,
    id: &str,
    wav: &Path,
    channel: usize,
) -> Result<String, LiveAgentError> {
    let mut store = AgentStore::open(store_path)?;
    enroll(&mut store, id, "", &[wav.to_path_buf()], channel)?;
    store.save()?;
    let agent = store.get(id)?;
    Ok(match agent.baseline {
        Some(b) => format!(
            "{id}: learned from {}; baseline {:.1} Hz over {:.1} s of speech",
            wav.display(),
            b.median_f0_hz,
            b.speech_s
        ),
        None => format!("{id}: learned from {}", wav.display()),
    })
}
