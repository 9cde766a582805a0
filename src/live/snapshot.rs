//! What the analysis thread publishes and the UI draws: the gauges, the strip-chart
//! history, the source's health and the recent events. Plain data, so UI tests can build
//! one by hand.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::analysis::{CallReport, TimedEvent};

use super::coach::{Gauges, StripPoint};

/// State of the audio source.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceState {
    /// Opening the device.
    Starting,
    /// Audio is flowing.
    Running,
    /// The device failed or disappeared; capture restarts when it returns.
    Lost {
        /// What the device reported.
        message: String,
    },
    /// The source ended (demo file played to the end, or stopped).
    Ended,
    /// The source could not start.
    Failed {
        /// Why.
        message: String,
    },
}

/// The source and its health.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    /// Device name(s) or demo file.
    pub label: String,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Channels analyzed (2 with a customer side).
    pub channels: u16,
    /// Whether the customer side is captured.
    pub has_customer: bool,
    /// State.
    pub state: SourceState,
}

/// State of the recording.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordingStatus {
    /// Not recording (setting off, or a demo).
    Off,
    /// Recording to `path`.
    Recording {
        /// The WAV being written.
        path: PathBuf,
    },
    /// Recording stopped because writing failed (disk full...); coaching goes on.
    Failed {
        /// The WAV (valid up to the failure).
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The call ended and its recording and scored JSON were saved.
    Saved {
        /// The WAV.
        wav: PathBuf,
        /// The scored JSON beside it.
        json: PathBuf,
    },
}

/// An engine event as written by `live --headless` and kept for the UI: the engine's
/// own [`Event`], serialized with its `kind` tag.
pub use crate::analysis::Event as EventRecord;

/// An event with the times it was decided and published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedEvent {
    /// The call it belongs to: its number in the session, from 1.
    pub call: usize,
    /// Time in its call when the engine decided it (audio received by then), s.
    pub stream_s: f64,
    /// Wall-clock time when the analysis thread published it, ms since the Unix epoch.
    pub published_unix_ms: f64,
    /// The event.
    #[serde(flatten)]
    pub event: EventRecord,
}

impl PublishedEvent {
    /// Wraps an engine event of call number `call` (from 1) published at
    /// `published_unix_ms`.
    pub fn new(e: &TimedEvent, call: usize, published_unix_ms: f64) -> Self {
        Self {
            call,
            stream_s: e.decided_at_s,
            published_unix_ms,
            event: e.event.clone(),
        }
    }
}

/// Where the session is in its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallStatus {
    /// A call is on (else the session waits for the first speech of the next).
    pub in_call: bool,
    /// Calls ended so far in this session.
    pub calls_ended: usize,
}

/// Everything the live view draws.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSnapshot {
    /// The gauges.
    pub gauges: Gauges,
    /// The last 60 s of frames.
    pub strip: Vec<StripPoint>,
    /// Source and its health.
    pub source: SourceStatus,
    /// Peak input level over the last 100 ms per channel, dBFS.
    pub input_level_db: [f32; 2],
    /// Blocks dropped on the way from the callback (queue full).
    pub dropped_blocks: u64,
    /// Frames per callback the device actually gives.
    pub callback_frames: u64,
    /// Analysis CPU time per second of audio (share of one core).
    pub analysis_load: f32,
    /// Latency from callback to published gauges over the last 10 s, ms: p50, p95.
    pub latency_ms: Option<[f64; 2]>,
    /// Recording.
    pub recording: RecordingStatus,
    /// Most recent events, newest last.
    pub recent_events: Vec<PublishedEvent>,
    /// The last call's report, once it has ended (until the next call starts).
    pub report: Option<Box<CallReport>>,
    /// In a call, or waiting for one.
    pub call: CallStatus,
}
