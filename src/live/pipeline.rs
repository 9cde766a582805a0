//! Wiring of one live call: a source (capture or demo file) feeding the bounded queue,
//! and the analysis [`Session`] reading it. Shared by the window and `live --headless`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Profile;

use super::capture::{Capture, CaptureSpec, CpalBackend, InputBackend};
use super::coach::BandSetting;
use super::demo::{DemoSource, Pace};
use super::session::{AgentChoice, CallMode};
use super::session::{Repaint, Session, SessionConfig, SessionEnd, shared_status};
use super::snapshot::{SourceState, SourceStatus};
use super::{FlowCounters, LiveError, QUEUE_BLOCKS};

/// Where the audio comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceChoice {
    /// Capture devices.
    Capture(CaptureSpec),
    /// Play a WAV file through the pipeline.
    Demo {
        /// The file.
        path: PathBuf,
        /// How fast.
        pace: Pace,
        /// Agent channel of a stereo file.
        agent_channel: usize,
    },
}

/// Everything a live call needs.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// The source.
    pub source: SourceChoice,
    /// Coaching profile.
    pub profile: Profile,
    /// The agent's pitch band.
    pub band: BandSetting,
    /// The agent on the call, when chosen (their band and baseline are in `profile` and
    /// here).
    pub agent: Option<AgentChoice>,
    /// Record into this folder (`None`: no recording).
    pub record_dir: Option<PathBuf>,
    /// How the stream is cut into calls.
    pub calls: CallMode,
    /// Keep each call's log of what the coach showed, block by block
    /// ([`super::session::CallEnd::cues`]).
    pub cue_log: bool,
}

enum SourceHandle {
    Capture(Capture),
    Demo(DemoSource),
}

/// A running live call.
pub struct LivePipeline {
    session: Session,
    source: Option<SourceHandle>,
    counters: Arc<FlowCounters>,
}

impl LivePipeline {
    /// Starts the source and the analysis thread (cpal for capture).
    pub fn start(options: PipelineOptions, repaint: Repaint) -> Result<Self, LiveError> {
        Self::start_with(options, CpalBackend, repaint)
    }

    /// Starts with a given input backend (tests use a scripted one).
    pub fn start_with<B: InputBackend>(
        options: PipelineOptions,
        backend: B,
        repaint: Repaint,
    ) -> Result<Self, LiveError> {
        let (tx, rx) = crossbeam_channel::bounded(QUEUE_BLOCKS);
        let counters = FlowCounters::new();
        let status = shared_status(SourceStatus {
            label: String::new(),
            sample_rate: 0,
            channels: 0,
            has_customer: false,
            state: SourceState::Starting,
        });
        let (source, layout) = match &options.source {
            SourceChoice::Capture(spec) => {
                let (c, layout) = Capture::start(
                    backend,
                    spec.clone(),
                    tx,
                    Arc::clone(&counters),
                    Arc::clone(&status),
                )?;
                (SourceHandle::Capture(c), layout)
            }
            SourceChoice::Demo {
                path,
                pace,
                agent_channel,
            } => {
                let (d, layout) = DemoSource::start(
                    path,
                    *agent_channel,
                    *pace,
                    tx,
                    Arc::clone(&counters),
                    Arc::clone(&status),
                )?;
                (SourceHandle::Demo(d), layout)
            }
        };
        let label = super::session::lock_status(&status).label.clone();
        let headset_only =
            matches!(options.source, SourceChoice::Capture(_)) && layout.channels() == 1;
        let session = Session::start(
            SessionConfig {
                profile: options.profile,
                band: options.band,
                layout,
                record_dir: options.record_dir,
                label,
                agent: options.agent,
                calls: options.calls,
                headset_only,
                cue_log: options.cue_log,
            },
            rx,
            Arc::clone(&counters),
            status,
            repaint,
        )?;
        Ok(Self {
            session,
            source: Some(source),
            counters,
        })
    }

    /// The analysis session (snapshot, events).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Flow counters (dropped blocks, callback sizes).
    pub fn counters(&self) -> &FlowCounters {
        &self.counters
    }

    /// Ends the current call (the capture goes on; the next call starts on speech).
    pub fn end_call(&self) {
        self.session.end_call();
    }

    /// Starts a call now, without waiting for speech.
    pub fn start_call(&self) {
        self.session.start_call();
    }

    /// Whether the session has ended by itself (demo file played out).
    pub fn is_finished(&self) -> bool {
        self.session.is_finished()
    }

    /// Ends the call: stops the source, lets the analysis drain what was queued, saves
    /// the recording and its JSON, and returns the outcome.
    pub fn stop(&mut self) -> Result<SessionEnd, LiveError> {
        match self.source.take() {
            Some(SourceHandle::Capture(mut c)) => c.stop(),
            Some(SourceHandle::Demo(mut d)) => d.stop(),
            None => {}
        }
        self.session.join_ref()
    }
}
