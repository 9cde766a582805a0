//! Agents: the people callcoach coaches. Each has an id, a name, optionally a profile of
//! their own, a pitch baseline and a voice print made from their own channel; the print
//! tells which channel of a stereo call is theirs.
//!
//! [`voiceprint`] and [`cepstrum`] are pure code like the engine; [`store`] reads and
//! writes the agents file; [`check`] reads a recording to check its agent channel.

pub mod cepstrum;
pub mod check;
pub mod commands;
pub mod store;
pub mod voiceprint;

pub use check::{
    AgentChannel, ChannelCheck, ChannelVerdict, CheckError, channel_prints, check_file,
};
pub use store::{Agent, AgentStore, AgentVoicePrint, Baseline, MIN_BASELINE_SPEECH_S, StoreError};
pub use voiceprint::{ChannelPrintsBuilder, VoicePrint, VoicePrintBuilder};
