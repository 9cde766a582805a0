//! The analysis thread of a live call: takes [`Block`]s from the hand-over queue, feeds
//! the streaming engine (exactly what is recorded: 16-bit PCM), records the call, updates
//! the gauges and publishes a [`LiveSnapshot`] at most [`PUBLISH_HZ`] times a second,
//! asking the UI to repaint. At the end it writes the call's scored JSON beside the
//! recording, in the schema of `callcoach score`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::analysis::call::ChannelMapError;
use crate::analysis::settings::HOP_S;
use crate::analysis::{CallAnalyzer, CallReport, ChannelMap, FrameOutput, TimedEvent};
use crate::audio::wav::Encoding;
use crate::config::Profile;
use crate::dsp::SILENCE_DB;
use crate::record::{CallRecord, FileFormat, SourceFile};

use super::coach::{BandSetting, Coach, CueLog};
use super::recorder::{Recorder, call_file_name};
use super::snapshot::{
    CallStatus, LiveSnapshot, PublishedEvent, RecordingStatus, SourceState, SourceStatus,
};
use super::{Block, FlowCounters, LiveError, RecordingError};

/// Snapshots published per second, at most.
pub const PUBLISH_HZ: f64 = 30.0;
/// The analysis thread sleeps this long when the queue is empty (it never blocks on the
/// queue, so the audio callback's send never has a sleeper to wake, and never locks).
pub const POLL_MS: u64 = 2;
/// Events kept in the snapshot for the ticker.
pub const RECENT_EVENTS: usize = 50;
/// Latency histogram bin, ms, and bins (up to 5 s).
const LATENCY_BIN_MS: f64 = 1.0;
const LATENCY_BINS: usize = 5000;
/// The recent latency shown in the status bar covers this long, s.
const LATENCY_RECENT_S: f64 = 10.0;
/// In a two-input pair, one input may run this far ahead before the other is padded
/// with silence (a stalled or lost device), s.
pub const PAIR_MAX_SKEW_S: f64 = 1.0;

/// How the captured channels map to the parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputLayout {
    /// One input with its channels as captured: mono (the agent only), or stereo with
    /// the agent on `agent_channel` and the customer on the other.
    Single {
        /// Sample rate, Hz.
        sample_rate: u32,
        /// Channels.
        channels: u16,
        /// The agent's channel.
        agent_channel: usize,
    },
    /// Two inputs: the headset (source 0) and the customer side (source 1, e.g. a
    /// monitor of the softphone's output), each mixed to one channel; analyzed and
    /// recorded as stereo, agent on channel 0.
    Pair {
        /// Sample rate of both, Hz.
        sample_rate: u32,
        /// Channels of the headset input.
        mic_channels: u16,
        /// Channels of the customer-side input.
        customer_channels: u16,
    },
}

impl InputLayout {
    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        match *self {
            Self::Single { sample_rate, .. } | Self::Pair { sample_rate, .. } => sample_rate,
        }
    }

    /// Channels analyzed and recorded.
    pub fn channels(&self) -> u16 {
        match *self {
            Self::Single { channels, .. } => channels,
            Self::Pair { .. } => 2,
        }
    }

    /// The channel analyzed as the agent's, when there are two or more (as a record's
    /// `agent_channel`).
    pub fn agent_channel(&self) -> Option<usize> {
        match *self {
            Self::Single {
                channels,
                agent_channel,
                ..
            } => (channels >= 2).then_some(agent_channel),
            Self::Pair { .. } => Some(0),
        }
    }

    /// The format of the audio analyzed and recorded: 16-bit PCM at the layout's rate
    /// and channels.
    pub fn recorded_format(&self) -> FileFormat {
        FileFormat {
            sample_rate: self.sample_rate(),
            channels: self.channels(),
            encoding: Encoding::Pcm16,
        }
    }

    /// The engine's channel map.
    pub fn map(&self) -> Result<ChannelMap, ChannelMapError> {
        match *self {
            Self::Single {
                channels,
                agent_channel,
                ..
            } => ChannelMap::new(usize::from(channels), agent_channel),
            Self::Pair { .. } => ChannelMap::new(2, 0),
        }
    }
}

/// How the stream is cut into calls: each call has its own engine, gauges, recording
/// and scored JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallMode {
    /// A call ends after this much silence on both sides, s (`None`: only on request
    /// or at the end of the stream); the next starts on the first speech after it.
    pub end_silence_s: Option<f64>,
    /// The first call starts with the stream instead of waiting for speech.
    pub start_with_stream: bool,
}

impl CallMode {
    /// The whole stream is one call, from its first sample (a demo file, and
    /// `live --headless` unless asked for automatic calls).
    pub const WHOLE_STREAM: CallMode = CallMode {
        end_silence_s: None,
        start_with_stream: true,
    };

    /// Calls start on the first speech after silence and end after `end_silence_s`
    /// of silence on both sides.
    pub fn automatic(end_silence_s: f64) -> Self {
        Self {
            end_silence_s: Some(end_silence_s),
            start_with_stream: false,
        }
    }
}

/// Audio kept while waiting for a call, s: a call that starts on speech begins this
/// long before the speech was confirmed, so its first word is whole.
pub const PREROLL_S: f64 = 1.5;
/// Activity that starts a call: this much of it, s, with no gap of
/// [`START_GAP_S`] or more.
pub const START_SPEECH_S: f64 = 0.3;
/// A pause this long, s, restarts the count of [`START_SPEECH_S`].
pub const START_GAP_S: f64 = 0.25;

/// Settings of one live session (one or more calls).
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Coaching profile.
    pub profile: Profile,
    /// Pitch band of this agent.
    pub band: BandSetting,
    /// Channels.
    pub layout: InputLayout,
    /// Record the call into this folder (`None`: no recording).
    pub record_dir: Option<PathBuf>,
    /// Source label for the status bar.
    pub label: String,
    /// The agent on the call, when one was chosen.
    pub agent: Option<AgentChoice>,
    /// How the stream is cut into calls.
    pub calls: CallMode,
    /// A one-channel input is the agent's headset alone (a capture), not a mono mix of
    /// both voices (a mono file): the recording's notes say so.
    pub headset_only: bool,
    /// Keep each call's [`CueLog`] (what the coach showed, block by block) in its
    /// [`CallEnd`].
    pub cue_log: bool,
}

/// The agent a live call is coached for.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentChoice {
    /// Agent id (in the agents file).
    pub id: String,
    /// Their stored pitch baseline, Hz, once it rests on enough speech: a relative band
    /// starts from it instead of waiting for the call's first 30 s of voiced speech.
    pub baseline_hz: Option<f64>,
}

/// One finished call of a session.
#[derive(Debug, Clone)]
pub struct CallEnd {
    /// Where the call started in the session's stream, s.
    pub start_s: f64,
    /// The call's report (the same as `callcoach score` on its recording).
    pub report: CallReport,
    /// Its recording.
    pub recording: RecordingStatus,
    /// What the coach showed during the call, when the session keeps it
    /// ([`SessionConfig::cue_log`]).
    pub cues: Option<CueLog>,
}

/// What a finished session leaves.
#[derive(Debug, Clone)]
pub struct SessionEnd {
    /// The last call's report (the same as `callcoach score` on the recording); with no
    /// call at all, the report of what was heard while waiting for one.
    pub report: CallReport,
    /// The agent coached, when one was chosen.
    pub agent: Option<String>,
    /// The channels analyzed.
    pub layout: InputLayout,
    /// The last call's recording outcome.
    pub recording: RecordingStatus,
    /// Every call of the session, in order.
    pub calls: Vec<CallEnd>,
    /// Latency from callback to published gauges over the whole call, ms: p50, p95.
    pub latency_ms: Option<[f64; 2]>,
    /// Analysis time per second of audio over the whole call.
    pub analysis_load: f32,
    /// Blocks dropped.
    pub dropped_blocks: u64,
    /// Audio analyzed, s.
    pub audio_s: f64,
    /// Unfinished recordings of earlier runs that were repaired (header) or scored (no
    /// JSON beside them) at the start, sorted.
    pub repaired: Vec<PathBuf>,
}

/// A running analysis thread.
pub struct Session {
    snapshot: Arc<Mutex<LiveSnapshot>>,
    events: Receiver<PublishedEvent>,
    status: SharedStatus,
    stop: Arc<AtomicBool>,
    requests: Arc<CallRequests>,
    thread: Option<JoinHandle<Result<SessionEnd, LiveError>>>,
}

/// State changes of the source kept in a [`StatusLog`], the newest last.
pub const SOURCE_LOG_LEN: usize = 64;

/// One change of the source's state.
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    /// Place in the call's sequence of changes, from 0 (the state the source started in).
    pub seq: u64,
    /// The state entered.
    pub state: SourceState,
}

/// The source's status and the last [`SOURCE_LOG_LEN`] changes of its state. Written by
/// the thread that runs the source (capture supervisor or demo player) and by the
/// analysis thread at the end of the call, never by the audio callback. A state held for
/// less than a snapshot interval (a device lost and back within milliseconds) is still
/// in the log.
#[derive(Debug)]
pub struct StatusLog {
    status: SourceStatus,
    changes: VecDeque<StateChange>,
    next_seq: u64,
}

impl StatusLog {
    fn record(&mut self) {
        if self.changes.len() >= SOURCE_LOG_LEN {
            self.changes.pop_front();
        }
        self.changes.push_back(StateChange {
            seq: self.next_seq,
            state: self.status.state.clone(),
        });
        self.next_seq += 1;
    }
}

/// Shared source status, written by the source's supervisor thread.
pub type SharedStatus = Arc<Mutex<StatusLog>>;

/// A shared status starting as `status`; its state is the first entry of the log.
pub fn shared_status(status: SourceStatus) -> SharedStatus {
    let mut log = StatusLog {
        status,
        changes: VecDeque::with_capacity(SOURCE_LOG_LEN),
        next_seq: 0,
    };
    log.record();
    Arc::new(Mutex::new(log))
}

/// The locked source status. A change of its `state` is added to the log when the guard
/// is dropped, so every writer's change is logged.
pub struct StatusGuard<'a> {
    log: std::sync::MutexGuard<'a, StatusLog>,
    state_before: SourceState,
}

impl std::ops::Deref for StatusGuard<'_> {
    type Target = SourceStatus;

    fn deref(&self) -> &SourceStatus {
        &self.log.status
    }
}

impl std::ops::DerefMut for StatusGuard<'_> {
    fn deref_mut(&mut self) -> &mut SourceStatus {
        &mut self.log.status
    }
}

impl Drop for StatusGuard<'_> {
    fn drop(&mut self) {
        if self.log.status.state != self.state_before {
            self.log.record();
        }
    }
}

/// A copy of the source status.
pub fn source_status(s: &SharedStatus) -> SourceStatus {
    lock(s).status.clone()
}

/// The logged state changes, oldest first.
pub fn source_changes(s: &SharedStatus) -> Vec<StateChange> {
    lock(s).changes.iter().cloned().collect()
}

/// Asks the UI to repaint (egui's `Context::request_repaint`, or nothing headless).
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Locks the shared source status for writing (a poisoned lock still gives the data).
pub fn lock_status(s: &SharedStatus) -> StatusGuard<'_> {
    let log = lock(s);
    let state_before = log.status.state.clone();
    StatusGuard { log, state_before }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

impl Session {
    /// Starts the analysis thread on `blocks`. The session ends when the queue's senders
    /// are all dropped (the source ended) or [`Session::stop`] is called.
    pub fn start(
        config: SessionConfig,
        blocks: Receiver<Block>,
        counters: Arc<FlowCounters>,
        status: SharedStatus,
        repaint: Repaint,
    ) -> Result<Self, LiveError> {
        let map = config.layout.map()?;
        let (worker, events) =
            Worker::new(config, map, blocks, counters, Arc::clone(&status), repaint);
        let snapshot = Arc::clone(&worker.snapshot);
        let stop = Arc::clone(&worker.stop);
        let requests = Arc::clone(&worker.requests);
        let thread = std::thread::Builder::new()
            .name("callcoach-analysis".into())
            .spawn(move || worker.run())
            .map_err(|error| LiveError::Thread {
                name: "analysis".into(),
                error,
            })?;
        Ok(Self {
            snapshot,
            events,
            status,
            stop,
            requests,
            thread: Some(thread),
        })
    }

    /// Ends the current call now (its recording and JSON are written); the session
    /// goes on and the next call starts on the next speech.
    pub fn end_call(&self) {
        self.requests.end.store(true, Ordering::Relaxed);
    }

    /// Starts a call now, without waiting for speech (nothing happens during a call).
    pub fn start_call(&self) {
        self.requests.start.store(true, Ordering::Relaxed);
    }

    /// The latest snapshot (a copy; the lock is held only for the copy).
    pub fn snapshot(&self) -> LiveSnapshot {
        lock(&self.snapshot).clone()
    }

    /// Every event, in order, as published.
    pub fn events(&self) -> &Receiver<PublishedEvent> {
        &self.events
    }

    /// The source's state changes so far (the last [`SOURCE_LOG_LEN`]), oldest first:
    /// every one, however briefly it held, unlike the snapshot's current state.
    pub fn source_changes(&self) -> Vec<StateChange> {
        source_changes(&self.status)
    }

    /// Whether the analysis thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks the thread to end the call (it drains what was already queued first).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the end of the call and returns its outcome.
    pub fn join(mut self) -> Result<SessionEnd, LiveError> {
        self.join_ref()
    }

    /// Waits for the end of the call (once) and returns its outcome.
    pub fn join_ref(&mut self) -> Result<SessionEnd, LiveError> {
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| LiveError::AnalysisPanicked)?,
            None => Err(LiveError::AlreadyJoined),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Latency histogram, fixed memory.
struct LatencyHistogram {
    bins: Vec<u32>,
    count: u64,
}

impl LatencyHistogram {
    fn new() -> Self {
        Self {
            bins: vec![0; LATENCY_BINS],
            count: 0,
        }
    }

    fn add(&mut self, ms: f64) {
        let bin = ((ms / LATENCY_BIN_MS) as usize).min(LATENCY_BINS - 1);
        self.bins[bin] += 1;
        self.count += 1;
    }

    fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let want = ((self.count as f64 * q).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &b) in self.bins.iter().enumerate() {
            seen += u64::from(b);
            if seen >= want {
                return Some((i as f64 + 0.5) * LATENCY_BIN_MS);
            }
        }
        None
    }

    fn p50_p95(&self) -> Option<[f64; 2]> {
        Some([self.quantile(0.5)?, self.quantile(0.95)?])
    }

    fn clear(&mut self) {
        self.bins.iter_mut().for_each(|b| *b = 0);
        self.count = 0;
    }
}

/// Where the stream is: between calls (a listening engine watches for speech, the last
/// [`PREROLL_S`] of audio kept), or in a call.
enum Phase {
    Waiting(Box<Waiting>),
    InCall(Box<Call>),
}

struct Waiting {
    listener: CallAnalyzer,
    frames: Vec<FrameOutput>,
    /// Activity heard so far without a gap of [`START_GAP_S`], s.
    speech_run_s: f64,
    last_active_t: Option<f64>,
}

struct Call {
    analyzer: CallAnalyzer,
    recorder: Option<Recorder>,
    /// Where the call started in the session's stream, s.
    start_s: f64,
    /// Stream time (of the call) of the newest frame with anyone active.
    last_active_t: f64,
}

/// Requests from the UI to end the current call or start one now.
#[derive(Debug, Default)]
struct CallRequests {
    end: AtomicBool,
    start: AtomicBool,
}

struct Worker {
    config: SessionConfig,
    map: ChannelMap,
    blocks: Receiver<Block>,
    counters: Arc<FlowCounters>,
    status: SharedStatus,
    snapshot: Arc<Mutex<LiveSnapshot>>,
    event_tx: Sender<PublishedEvent>,
    stop: Arc<AtomicBool>,
    requests: Arc<CallRequests>,
    repaint: Repaint,
    phase: Option<Phase>,
    coach: Coach,
    recording: RecordingStatus,
    /// Interleaved 16-bit samples ready for the engine and the recorder.
    pcm: Vec<i16>,
    /// The same as floats for the engine.
    floats: Vec<f32>,
    /// The last [`PREROLL_S`] of interleaved samples while waiting for a call.
    preroll: VecDeque<i16>,
    preroll_capacity: usize,
    /// Pair layout: mono fifos of the headset and the customer side.
    fifos: [VecDeque<i16>; 2],
    frames: Vec<FrameOutput>,
    events: Vec<TimedEvent>,
    /// Frames of the current call passed to the coach so far.
    frames_decided: u64,
    /// What the coach showed during the current call (with [`SessionConfig::cue_log`]).
    cue_log: Option<CueLog>,
    recent_events: VecDeque<PublishedEvent>,
    peaks: [i16; 2],
    pending_captures: Vec<Instant>,
    latency_all: LatencyHistogram,
    latency_recent: LatencyHistogram,
    latency_recent_since: Instant,
    busy: Duration,
    audio_frames: u64,
    calls: Vec<CallEnd>,
    /// The report of the last call ended, shown until the next starts.
    last_report: Option<Box<CallReport>>,
    repaired: Vec<PathBuf>,
    scoring: Option<JoinHandle<Vec<PathBuf>>>,
}

impl Worker {
    /// The worker, and the receiving end of its events.
    fn new(
        config: SessionConfig,
        map: ChannelMap,
        blocks: Receiver<Block>,
        counters: Arc<FlowCounters>,
        status: SharedStatus,
        repaint: Repaint,
    ) -> (Self, Receiver<PublishedEvent>) {
        let rate = config.layout.sample_rate();
        let coach = new_coach(&config, map);
        let snapshot = Arc::new(Mutex::new(LiveSnapshot {
            gauges: coach.gauges(),
            strip: Vec::new(),
            source: source_status(&status),
            input_level_db: [SILENCE_DB; 2],
            dropped_blocks: 0,
            callback_frames: 0,
            analysis_load: 0.0,
            latency_ms: None,
            recording: RecordingStatus::Off,
            recent_events: Vec::new(),
            report: None,
            call: CallStatus::default(),
        }));
        let (event_tx, events) = crossbeam_channel::unbounded();
        let pair_capacity = (PAIR_MAX_SKEW_S * 2.0 * f64::from(rate)) as usize;
        let preroll_capacity =
            (PREROLL_S * f64::from(rate)) as usize * usize::from(config.layout.channels());
        let worker = Self {
            map,
            blocks,
            counters,
            status,
            snapshot,
            event_tx,
            stop: Arc::new(AtomicBool::new(false)),
            requests: Arc::new(CallRequests::default()),
            repaint,
            phase: None,
            coach,
            recording: RecordingStatus::Off,
            pcm: Vec::with_capacity(super::BLOCK_SAMPLES * 2),
            floats: Vec::with_capacity(super::BLOCK_SAMPLES * 2),
            preroll: VecDeque::with_capacity(preroll_capacity + super::BLOCK_SAMPLES * 2),
            preroll_capacity,
            fifos: [
                VecDeque::with_capacity(pair_capacity),
                VecDeque::with_capacity(pair_capacity),
            ],
            frames: Vec::new(),
            events: Vec::new(),
            frames_decided: 0,
            cue_log: None,
            recent_events: VecDeque::with_capacity(RECENT_EVENTS + 1),
            peaks: [0; 2],
            pending_captures: Vec::with_capacity(64),
            latency_all: LatencyHistogram::new(),
            latency_recent: LatencyHistogram::new(),
            latency_recent_since: Instant::now(),
            busy: Duration::ZERO,
            audio_frames: 0,
            calls: Vec::new(),
            last_report: None,
            repaired: Vec::new(),
            scoring: None,
            config,
        };
        (worker, events)
    }

    /// A call's engine, with the agent's baseline when there is one.
    fn new_analyzer(&self, events: bool) -> CallAnalyzer {
        let mut analyzer = CallAnalyzer::new(
            self.config.layout.sample_rate(),
            self.map,
            self.config.profile.clone(),
        )
        .with_frame_output();
        if events {
            analyzer = analyzer.with_events();
        }
        match self.config.agent.as_ref().and_then(|a| a.baseline_hz) {
            Some(hz) => analyzer.with_agent_baseline(hz),
            None => analyzer,
        }
    }

    /// Recordings an earlier run left unfinished (killed mid-call) are made whole before
    /// a new one starts: headers at once, the missing scores on a thread of their own.
    fn repair_earlier_recordings(&mut self) {
        let Some(dir) = self.config.record_dir.clone() else {
            return;
        };
        self.repaired = super::recorder::repair_dir(&dir);
        let unscored = super::recorder::unscored(&dir);
        if unscored.is_empty() {
            return;
        }
        let profile = self.config.profile.clone();
        self.scoring = std::thread::Builder::new()
            .name("callcoach-repair".into())
            .spawn(move || {
                unscored
                    .into_iter()
                    .filter(|wav| super::recorder::score_recording(wav, &profile).is_ok())
                    .collect()
            })
            .ok();
    }

    fn start_recording(&mut self) -> Option<Recorder> {
        let dir = self.config.record_dir.clone()?;
        let path = unique_path(&dir, &call_file_name(SystemTime::now()));
        let created = std::fs::create_dir_all(&dir)
            .map_err(|error| RecordingError::CreateFolder {
                dir: dir.clone(),
                error,
            })
            .and_then(|()| {
                Ok(Recorder::create(
                    &path,
                    self.config.layout.sample_rate(),
                    self.config.layout.channels(),
                )?)
            });
        match created {
            Ok(r) => {
                self.recording = RecordingStatus::Recording {
                    path: r.path().to_path_buf(),
                };
                Some(r)
            }
            Err(e) => {
                self.recording = RecordingStatus::Failed {
                    path,
                    message: e.to_string(),
                };
                None
            }
        }
    }

    fn waiting(&self) -> Phase {
        Phase::Waiting(Box::new(Waiting {
            listener: self.new_analyzer(false),
            frames: Vec::new(),
            speech_run_s: 0.0,
            last_active_t: None,
        }))
    }

    /// Starts a call at `start_s` of the session's stream: a fresh engine, gauges and
    /// recording; `lead` (the audio kept while waiting) is its first audio.
    fn begin_call(&mut self, start_s: f64, lead: &[i16]) {
        self.coach = new_coach(&self.config, self.map);
        self.frames_decided = 0;
        self.cue_log = self.config.cue_log.then(CueLog::default);
        self.last_report = None;
        self.recent_events.clear();
        let recorder = self.start_recording();
        let mut call = Call {
            analyzer: self.new_analyzer(true),
            recorder,
            start_s,
            last_active_t: 0.0,
        };
        if !lead.is_empty() {
            self.floats.clear();
            self.floats
                .extend(lead.iter().map(|&s| f32::from(s) / 32768.0));
            call.analyzer.push_interleaved(&self.floats);
            write_recording(&mut call, &mut self.recording, lead);
        }
        self.phase = Some(Phase::InCall(Box::new(call)));
    }

    /// Starts a call whose first audio is what was kept while waiting.
    fn begin_call_with_preroll(&mut self) {
        let lead: Vec<i16> = self.preroll.drain(..).collect();
        let frames = lead.len() / usize::from(self.config.layout.channels());
        let start_s = self.stream_s() - frames as f64 / f64::from(self.config.layout.sample_rate());
        self.begin_call(start_s, &lead);
    }

    fn run(mut self) -> Result<SessionEnd, LiveError> {
        self.repair_earlier_recordings();
        if self.config.calls.start_with_stream {
            self.begin_call(0.0, &[]);
        } else {
            self.phase = Some(self.waiting());
        }
        let publish_every = Duration::from_secs_f64(1.0 / PUBLISH_HZ);
        let mut last_publish = Instant::now() - publish_every;
        let mut dirty = true;
        loop {
            let mut ended = false;
            let mut got = false;
            let started = Instant::now();
            if self.take_requests() {
                dirty = true;
            }
            loop {
                match self.blocks.try_recv() {
                    Ok(block) => {
                        got = true;
                        self.take_block(&block);
                        if started.elapsed() >= publish_every {
                            break;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        ended = true;
                        break;
                    }
                }
            }
            if got {
                self.take_output();
                dirty = true;
            }
            self.busy += started.elapsed();
            let stop = ended || self.stop.load(Ordering::Relaxed);
            if dirty && (last_publish.elapsed() >= publish_every || stop) {
                let t = Instant::now();
                self.publish();
                self.busy += t.elapsed();
                last_publish = Instant::now();
                dirty = false;
            }
            if stop {
                break;
            }
            if !got {
                std::thread::sleep(Duration::from_millis(POLL_MS));
            }
        }
        self.finish()
    }

    /// Acts on the UI's requests; returns whether the call changed.
    fn take_requests(&mut self) -> bool {
        let end = self.requests.end.swap(false, Ordering::Relaxed);
        let start = self.requests.start.swap(false, Ordering::Relaxed);
        match self.phase {
            Some(Phase::InCall(_)) if end => {
                self.end_call();
                true
            }
            Some(Phase::Waiting(_)) if start => {
                self.begin_call_with_preroll();
                true
            }
            _ => false,
        }
    }

    /// The session's stream time, s.
    fn stream_s(&self) -> f64 {
        self.audio_frames as f64 / f64::from(self.config.layout.sample_rate())
    }

    /// Takes one block: converts it to the engine's layout and feeds the call (engine
    /// and recorder) or, between calls, the listener.
    fn take_block(&mut self, block: &Block) {
        self.pending_captures.push(block.captured_at);
        self.pcm.clear();
        match self.config.layout {
            InputLayout::Single { channels, .. } => {
                self.pcm.extend_from_slice(block.data());
                let ch = usize::from(channels.max(1));
                for frame in block.data().chunks_exact(ch) {
                    for (c, &s) in frame.iter().take(2).enumerate() {
                        self.peaks[c] = self.peaks[c].max(s.saturating_abs());
                    }
                }
            }
            InputLayout::Pair {
                mic_channels,
                customer_channels,
                sample_rate,
            } => {
                let source = usize::from(block.source.min(1));
                let ch = usize::from(if source == 0 {
                    mic_channels
                } else {
                    customer_channels
                })
                .max(1);
                for frame in block.data().chunks_exact(ch) {
                    let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
                    let mixed = (sum / ch as i32) as i16;
                    self.peaks[source] = self.peaks[source].max(mixed.saturating_abs());
                    self.fifos[source].push_back(mixed);
                }
                let max_skew = (PAIR_MAX_SKEW_S * f64::from(sample_rate)) as usize;
                for s in 0..2 {
                    let other = 1 - s;
                    while self.fifos[s].len() > max_skew + self.fifos[other].len() {
                        self.fifos[other].push_back(0);
                    }
                }
                let n = self.fifos[0].len().min(self.fifos[1].len());
                for _ in 0..n {
                    let a = self.fifos[0].pop_front().unwrap_or(0);
                    let c = self.fifos[1].pop_front().unwrap_or(0);
                    self.pcm.push(a);
                    self.pcm.push(c);
                }
            }
        }
        if self.pcm.is_empty() {
            return;
        }
        self.floats.clear();
        self.floats
            .extend(self.pcm.iter().map(|&s| f32::from(s) / 32768.0));
        self.audio_frames += (self.pcm.len() / usize::from(self.config.layout.channels())) as u64;
        match self.phase.as_mut() {
            Some(Phase::InCall(call)) => {
                call.analyzer.push_interleaved(&self.floats);
                write_recording(call, &mut self.recording, &self.pcm);
                let before = self.frames.len();
                call.analyzer.drain_frames(&mut self.frames);
                call.analyzer.drain_events(&mut self.events);
                for f in &self.frames[before..] {
                    if f.agent_active || f.customer_active {
                        call.last_active_t = f.t_s;
                    }
                }
                let newest = self.frames.last().map_or(0.0, |f| f.t_s);
                let silent_s = newest - call.last_active_t;
                // The gauges follow every block, whatever the pace of the snapshots.
                self.take_output();
                self.log_cues(false);
                if self
                    .config
                    .calls
                    .end_silence_s
                    .is_some_and(|limit| silent_s >= limit)
                {
                    self.end_call();
                }
            }
            Some(Phase::Waiting(wait)) => {
                wait.listener.push_interleaved(&self.floats);
                self.preroll.extend(self.pcm.iter().copied());
                let excess = self.preroll.len().saturating_sub(self.preroll_capacity);
                self.preroll.drain(..excess);
                wait.frames.clear();
                wait.listener.drain_frames(&mut wait.frames);
                let mut heard = false;
                for f in &wait.frames {
                    if f.agent_active || f.customer_active {
                        let gap = wait.last_active_t.map_or(f64::INFINITY, |t| f.t_s - t);
                        if gap >= START_GAP_S {
                            wait.speech_run_s = 0.0;
                        }
                        wait.speech_run_s += HOP_S;
                        wait.last_active_t = Some(f.t_s);
                        heard |= wait.speech_run_s >= START_SPEECH_S;
                    }
                }
                if heard {
                    self.begin_call_with_preroll();
                }
            }
            None => {}
        }
    }

    /// Ends the current call: its engine's last frames and events reach the gauges, the
    /// recording and its scored JSON are written, and the stream waits for the next.
    fn end_call(&mut self) {
        // What the call decided since the last hand-over reaches the gauges and the
        // event stream first.
        self.take_output();
        let Some(Phase::InCall(call)) = self.phase.take() else {
            return;
        };
        let Call {
            analyzer,
            recorder,
            start_s,
            ..
        } = *call;
        let (report, mut frames, mut events) = analyzer.finish_with_output();
        self.frames.append(&mut frames);
        self.events.append(&mut events);
        let now = report.duration_s;
        self.take_output_at(now);
        self.log_cues(true);
        let report = self.label_headset(report);
        let recording = match (recorder, self.recording.clone()) {
            (Some(rec), _) => match rec.finish() {
                Ok(wav) => match write_call_json(
                    &wav,
                    &report,
                    &self.config.layout,
                    self.config.agent.as_ref(),
                ) {
                    Ok(json) => RecordingStatus::Saved { wav, json },
                    Err(e) => RecordingStatus::Failed {
                        path: wav,
                        message: e.to_string(),
                    },
                },
                Err(e) => RecordingStatus::Failed {
                    path: e.path.clone(),
                    message: e.message,
                },
            },
            (None, other) => other,
        };
        self.recording = recording.clone();
        // The call has ended: the cues clear and its summary shows.
        self.coach.end_call(&report);
        self.log_cues(true);
        let cues = self.cue_log.take();
        self.last_report = Some(Box::new(report.clone()));
        self.calls.push(CallEnd {
            start_s,
            report,
            recording,
            cues,
        });
        self.preroll.clear();
        self.phase = Some(self.waiting());
        self.publish();
    }

    /// A headset alone is the agent's voice, not both voices on one channel.
    fn label_headset(&self, mut report: CallReport) -> CallReport {
        if self.config.headset_only && self.map.is_mono() {
            report.notes.retain(|n| !n.starts_with("mono recording"));
            report.notes.insert(0, HEADSET_ONLY_NOTE.to_string());
        }
        report
    }

    /// Passes the frames and events taken so far to the gauges.
    fn take_output(&mut self) {
        let now = match &self.phase {
            Some(Phase::InCall(call)) => call.analyzer.stream_time_s(),
            _ => return,
        };
        self.take_output_at(now);
    }

    fn take_output_at(&mut self, now_s: f64) {
        self.coach.take(&self.frames, &self.events, now_s);
        self.frames_decided += self.frames.len() as u64;
        self.frames.clear();
        let published = unix_ms(SystemTime::now());
        // The current call is the one after those ended.
        let call = self.calls.len() + 1;
        for e in self.events.drain(..) {
            let p = PublishedEvent::new(&e, call, published);
            let _ = self.event_tx.send(p.clone());
            if self.recent_events.len() >= RECENT_EVENTS {
                self.recent_events.pop_front();
            }
            self.recent_events.push_back(p);
        }
    }

    /// Adds the gauges now to the call's cue log, when one is kept (`ended`: as the call
    /// ends, not after a block).
    fn log_cues(&mut self, ended: bool) {
        if let Some(log) = self.cue_log.as_mut() {
            log.record(&self.coach.gauges(), self.frames_decided, ended);
        }
    }

    fn publish(&mut self) {
        let now = Instant::now();
        for captured in self.pending_captures.drain(..) {
            let ms = now.duration_since(captured).as_secs_f64() * 1000.0;
            self.latency_all.add(ms);
            self.latency_recent.add(ms);
        }
        let latency_ms = self.latency_recent.p50_p95();
        if self.latency_recent_since.elapsed().as_secs_f64() >= LATENCY_RECENT_S {
            self.latency_recent.clear();
            self.latency_recent_since = now;
        }
        let audio_s = self.stream_s();
        let level = |p: i16| {
            if p == 0 {
                SILENCE_DB
            } else {
                20.0 * (f32::from(p) / 32768.0).log10()
            }
        };
        let in_call = matches!(self.phase, Some(Phase::InCall(_)));
        let snapshot = LiveSnapshot {
            gauges: self.coach.gauges(),
            strip: self.coach.strip().iter().copied().collect(),
            source: source_status(&self.status),
            input_level_db: [level(self.peaks[0]), level(self.peaks[1])],
            dropped_blocks: self.counters.dropped(),
            callback_frames: self.counters.last_callback_frames.load(Ordering::Relaxed),
            analysis_load: if audio_s > 0.0 {
                (self.busy.as_secs_f64() / audio_s) as f32
            } else {
                0.0
            },
            latency_ms,
            recording: self.recording.clone(),
            recent_events: self.recent_events.iter().cloned().collect(),
            report: self.last_report.clone(),
            call: CallStatus {
                in_call,
                calls_ended: self.calls.len(),
            },
        };
        self.peaks = [0; 2];
        *lock(&self.snapshot) = snapshot;
        (self.repaint)();
    }

    fn finish(mut self) -> Result<SessionEnd, LiveError> {
        let waited = match self.phase.take() {
            Some(phase @ Phase::InCall(_)) => {
                self.phase = Some(phase);
                self.end_call();
                None
            }
            Some(Phase::Waiting(wait)) => Some(wait.listener.finish()),
            None => return Err(LiveError::AlreadyFinished),
        };
        {
            let mut status = lock_status(&self.status);
            if matches!(status.state, SourceState::Running | SourceState::Starting) {
                status.state = SourceState::Ended;
            }
        }
        self.phase = None;
        self.publish();
        (self.repaint)();
        let mut repaired = std::mem::take(&mut self.repaired);
        if let Some(scoring) = self.scoring.take() {
            repaired.extend(scoring.join().unwrap_or_default());
        }
        repaired.sort();
        repaired.dedup();
        let (report, recording) = match (self.calls.last(), waited) {
            (Some(last), _) => (last.report.clone(), last.recording.clone()),
            (None, Some(report)) => (report, RecordingStatus::Off),
            (None, None) => return Err(LiveError::AlreadyFinished),
        };
        let audio_s = self.stream_s();
        Ok(SessionEnd {
            report,
            agent: self.config.agent.as_ref().map(|a| a.id.clone()),
            layout: self.config.layout,
            recording,
            calls: std::mem::take(&mut self.calls),
            latency_ms: self.latency_all.p50_p95(),
            analysis_load: if audio_s > 0.0 {
                (self.busy.as_secs_f64() / audio_s) as f32
            } else {
                0.0
            },
            dropped_blocks: self.counters.dropped(),
            audio_s,
            repaired,
        })
    }
}

/// The note a headset-only recording carries instead of the mono-mix note.
pub const HEADSET_ONLY_NOTE: &str = "headset only: the agent's voice alone, without the \
     customer side; reply gaps need the customer side and are not reported";

/// Gauges for a new call.
fn new_coach(config: &SessionConfig, map: ChannelMap) -> Coach {
    let coach = Coach::new(config.profile.clone(), config.band, !map.is_mono());
    match config.agent.as_ref().and_then(|a| a.baseline_hz) {
        Some(hz) => coach.with_baseline(hz),
        None => coach,
    }
}

/// Appends `pcm` to the call's recording; a write error stops the recording.
fn write_recording(call: &mut Call, recording: &mut RecordingStatus, pcm: &[i16]) {
    if let Some(rec) = call.recorder.as_mut()
        && let Err(e) = rec.write(pcm)
    {
        *recording = RecordingStatus::Failed {
            path: rec.path().to_path_buf(),
            message: e.message,
        };
        call.recorder = None;
    }
}

/// `dir/name`, or `dir/stem-2.wav`, ... if it exists.
fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let stem = name.trim_end_matches(".wav");
    (2..)
        .map(|i| dir.join(format!("{stem}-{i}.wav")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Writes `<recording>.json`: the call scored, as one `callcoach score` record.
fn write_call_json(
    wav: &Path,
    report: &CallReport,
    layout: &InputLayout,
    agent: Option<&AgentChoice>,
) -> Result<PathBuf, RecordingError> {
    let mut record = CallRecord::new(
        SourceFile::stat(wav),
        Ok((layout.recorded_format(), report.clone())),
    );
    record.agent_channel = layout.agent_channel();
    record.agent_id = agent.map(|a| a.id.clone());
    let json_path = wav.with_extension("json");
    let text = serde_json::to_string_pretty(&record).map_err(|error| RecordingError::Encode {
        path: json_path.clone(),
        error,
    })?;
    std::fs::write(&json_path, text + "\n").map_err(|error| RecordingError::Write {
        path: json_path.clone(),
        error,
    })?;
    Ok(json_path)
}
