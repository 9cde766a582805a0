//! Why a live call could not start or end, and why its recording failed.

use std::path::PathBuf;

use crate::analysis::call::ChannelMapError;
use crate::audio::wav::AudioError;

use super::recorder::RecordError;

/// Why a live call could not start, or did not end with a report.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The input backend could not open the inputs (its message is shown).
    #[error(transparent)]
    Input(Box<dyn std::error::Error + Send + Sync>),
    /// The demo file cannot be opened.
    #[error(transparent)]
    Demo(#[from] AudioError),
    /// The source's layout is not one the engine takes.
    #[error(transparent)]
    Layout(#[from] ChannelMapError),
    /// A worker thread could not be started.
    #[error("cannot start the {name} thread: {error}")]
    Thread {
        /// What the thread does ("callcoach-demo", "analysis", ...).
        name: String,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The analysis thread panicked; no report exists.
    #[error("the analysis thread panicked")]
    AnalysisPanicked,
    /// The session's outcome was already taken.
    #[error("the session was already joined")]
    AlreadyJoined,
    /// The call's analysis was already finished.
    #[error("the call was already finished")]
    AlreadyFinished,
}

/// Why a cpal input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// No default input exists.
    #[error("no input device (cpal reports none available)")]
    NoDefaultInput,
    /// No input matches the name asked for.
    #[error("no input device named \"{0}\"")]
    NoSuchInput(String),
    /// The device's configurations cannot be read.
    #[error("{device}: {error}")]
    Config {
        /// The device's name.
        device: String,
        /// What cpal said.
        error: cpal::Error,
    },
    /// The device cannot give the layout the call needs.
    #[error("{device}: cannot capture {channels} channels at {rate_hz} Hz")]
    Layout {
        /// The device's name.
        device: String,
        /// Channels asked for.
        channels: u16,
        /// Sample rate asked for, Hz.
        rate_hz: u32,
    },
    /// The input stream cannot be built.
    #[error("{device}: cannot open the input: {error}")]
    Open {
        /// The device's name.
        device: String,
        /// What cpal said.
        error: cpal::Error,
    },
    /// The input stream cannot be started.
    #[error("{device}: cannot start the input: {error}")]
    Start {
        /// The device's name.
        device: String,
        /// What cpal said.
        error: cpal::Error,
    },
}

/// Why a call's recording or its JSON could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The recordings folder cannot be created.
    #[error("{}: cannot create the folder: {error}", dir.display())]
    CreateFolder {
        /// The folder.
        dir: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The WAV cannot be written.
    #[error(transparent)]
    Wav(#[from] RecordError),
    /// The call's record cannot be encoded as JSON.
    #[error("{}: cannot encode: {error}", path.display())]
    Encode {
        /// The JSON file.
        path: PathBuf,
        /// What serde said.
        error: serde_json::Error,
    },
    /// The call's JSON cannot be written.
    #[error("{}: cannot write: {error}", path.display())]
    Write {
        /// The JSON file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
}
