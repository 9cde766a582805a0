//! The streaming call analyzer: one [`FrontEnd`] and [`Tracker`] per party, and the
//! call-level logic on top: turns, reply gaps, overlaps, silences, pace and F0 statistics.

use std::sync::Arc;

use crate::agents::VoicePrint;
use crate::agents::cepstrum::CEPSTRA;
use crate::agents::voiceprint::CepstrumFramer;
use crate::config::Profile;
use crate::dsp::resample::Resampler;

use super::band::BandCounter;
use super::channel::{
    FrameDecision, FrameMeasure, FrontEnd, SegmentFrames, Tracker, TrackerOutput,
};
use super::customer::CustomerJudge;
use super::diarize::{
    AgentIdentifiedBy, Diarization, MonoFrame, ONE_VOICE_MAX_SEPARATION, Voice, VoicesFound,
    diarize,
};
use super::metrics::{CallMetrics, call_metrics};
use super::report::*;
pub use super::rules::PACE_CHANGE_WINDOW_S;
use super::rules::{is_long_silence, pace_changes_per_45s, reply_window};
use super::score::score_call;
use super::settings::*;

/// Where the parties are in the input's channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelMap {
    /// Interleaved channels in the input.
    pub channels: usize,
    /// Channel carrying the agent (the one voice of a mono file).
    pub agent: usize,
    /// Channel carrying the customer; `None` for a mono file.
    pub customer: Option<usize>,
}

/// A channel layout the engine cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelMapError {
    /// The file has no channel.
    #[error("no channels")]
    NoChannels,
    /// The agent's channel is not in the file.
    #[error("agent channel {agent_channel} does not exist in a {channels}-channel file")]
    NoAgentChannel {
        /// The agent channel asked for.
        agent_channel: usize,
        /// Channels in the file.
        channels: usize,
    },
}

impl ChannelMap {
    /// Mono (`channels == 1`): one voice. Two or more channels: the agent on
    /// `agent_channel`, the customer on the first other channel of 0 and 1.
    pub fn new(channels: usize, agent_channel: usize) -> Result<Self, ChannelMapError> {
        if channels == 0 {
            return Err(ChannelMapError::NoChannels);
        }
        if channels == 1 {
            return Ok(Self {
                channels,
                agent: 0,
                customer: None,
            });
        }
        if agent_channel >= channels {
            return Err(ChannelMapError::NoAgentChannel {
                agent_channel,
                channels,
            });
        }
        let customer = if agent_channel == 0 { 1 } else { 0 };
        Ok(Self {
            channels,
            agent: agent_channel,
            customer: Some(customer),
        })
    }

    /// Whether the file has one voice channel only.
    pub fn is_mono(&self) -> bool {
        self.customer.is_none()
    }
}

/// Index of the agent's tracker.
const AGENT: usize = 0;
/// Index of the customer's tracker.
const CUSTOMER: usize = 1;
/// A syllable nucleus up to this many frames after an agent turn's recorded end still
/// belongs to that turn: the peak can sit on the edge of the turn's last segment.
const SYLLABLE_TURN_SLACK_FRAMES: u64 = 2;

/// Something the analyzer decided, for live displays. Serialized with a `kind` tag
/// (`speech_started`, `reply_gap`, ...) and its fields, as `live --headless` writes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A party started speaking (confirmed).
    SpeechStarted {
        /// Who.
        speaker: Speaker,
        /// Start, s.
        t: f64,
    },
    /// A party stopped speaking.
    SpeechEnded(Segment),
    /// A reply gap is complete.
    ReplyGap(ReplyGap),
    /// An agent turn ended, with its rate.
    AgentTurnEnded(PaceSpan),
    /// The agent changed pace.
    PaceChange(PaceChange),
    /// A party started while the other was speaking.
    Overlap {
        /// Who started.
        speaker: Speaker,
        /// When, s.
        t: f64,
    },
    /// A long silence ended.
    LongSilence(Silence),
    /// A customer segment closed: their turn so far, judged against their own start of
    /// call (only turns after that start, with enough speech to judge).
    CustomerTurn(CustomerTurn),
}

/// An event and the stream time at which the analyzer decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    /// Stream time of the decision, s (audio received when it was made).
    pub decided_at_s: f64,
    /// The event.
    pub event: Event,
}

/// Per-frame output for pitch tracks and timelines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameOutput {
    /// Frame time, s.
    pub t_s: f64,
    /// Agent F0, Hz; 0 when unvoiced.
    pub agent_f0_hz: f32,
    /// Agent level, dBFS.
    pub agent_level_db: f32,
    /// Agent speech activity.
    pub agent_active: bool,
    /// The frame is the agent's speech as the pitch statistics count it: active, or
    /// inside a confirmed segment (its soft ends included). Pitch displays show
    /// `agent_f0_hz` only where this holds, so echo and babble in the agent's pauses
    /// are left out as the statistics leave them out.
    pub agent_speech: bool,
    /// Customer F0, Hz; 0 when unvoiced or mono.
    pub customer_f0_hz: f32,
    /// Customer level, dBFS ([`SILENCE_FLOOR_DBFS`] for mono).
    pub customer_level_db: f32,
    /// Customer speech activity.
    pub customer_active: bool,
    /// The frame is the customer's speech, as [`FrameOutput::agent_speech`].
    pub customer_speech: bool,
}

/// F0 histogram with 0.1 Hz bins: medians without keeping every frame.
#[derive(Debug, Clone)]
struct F0Stats {
    bins: Vec<u32>,
    voiced: u64,
}

const F0_BIN_HZ: f64 = 0.1;
const F0_HIST_MIN_HZ: f64 = 40.0;
const F0_HIST_MAX_HZ: f64 = 600.0;

impl F0Stats {
    fn new() -> Self {
        Self {
            bins: vec![0; ((F0_HIST_MAX_HZ - F0_HIST_MIN_HZ) / F0_BIN_HZ) as usize],
            voiced: 0,
        }
    }

    fn add(&mut self, f0_hz: f32) {
        let f = f64::from(f0_hz);
        let bin = ((f - F0_HIST_MIN_HZ) / F0_BIN_HZ).floor();
        if bin >= 0.0
            && let Some(b) = self.bins.get_mut(bin as usize)
        {
            *b += 1;
        }
        self.voiced += 1;
    }

    fn median_hz(&self) -> Option<f64> {
        let total: u64 = self.bins.iter().map(|&b| u64::from(b)).sum();
        if total == 0 {
            return None;
        }
        let half = total.div_ceil(2);
        let mut seen = 0u64;
        for (i, &b) in self.bins.iter().enumerate() {
            seen += u64::from(b);
            if seen >= half {
                return Some(F0_HIST_MIN_HZ + (i as f64 + 0.5) * F0_BIN_HZ);
            }
        }
        None
    }
}

#[derive(Debug, Clone, Copy)]
struct Turn {
    party: usize,
    start_frame: u64,
    end_frame: u64,
    speech_frames: u64,
    syllables: u32,
    /// The turn can take no more speech (a later turn has started and its party's last
    /// segment has closed): its pace is final and has been reported.
    finalised: bool,
}

/// Streaming analysis of one call. Feed interleaved samples in chunks of any size with
/// [`CallAnalyzer::push_interleaved`], then call [`CallAnalyzer::finish`]. The result
/// does not depend on the chunking.
#[derive(Debug)]
pub struct CallAnalyzer {
    map: ChannelMap,
    input_rate_hz: u32,
    profile: Profile,
    fronts: Vec<FrontEnd>,
    trackers: Vec<Tracker>,
    /// Measures of the current frame per party, until every party has one.
    measures: Vec<Option<FrameMeasure>>,
    /// Recent levels per party, ring of [`ECHO_LOOKBACK_FRAMES`].
    recent_levels: Vec<[f32; ECHO_LOOKBACK_FRAMES]>,
    frame: u64,
    input_frames: u64,
    f0: Vec<F0Stats>,
    /// The agent's calming band and their voiced frames inside it.
    band: BandCounter,
    talk_frames: Vec<u64>,
    segments: Vec<Segment>,
    turns: Vec<Turn>,
    last_turn_of: [Option<usize>; 2],
    pending_gap: Option<(usize, usize)>,
    reply_gaps: Vec<ReplyGap>,
    overlaps: u32,
    last_speech_end: Option<u64>,
    long_silences: Vec<Silence>,
    last_pace: Option<f64>,
    /// Turns before this index are all finalised.
    first_open_turn: usize,
    /// Pace of the finalised agent turns and the changes between them, in turn order:
    /// exactly what the live events said.
    pace: Vec<PaceSpan>,
    pace_changes: Vec<PaceChange>,
    /// The customer's turns against their own start of call.
    customer: CustomerJudge,
    events: Vec<TimedEvent>,
    emit_events: bool,
    frames_out: Option<Vec<FrameOutput>>,
    /// The agent's stored baseline, Hz (see [`CallAnalyzer::with_agent_baseline`]).
    agent_baseline_hz: Option<f64>,
    /// A mono call's first pass, kept for the diarization at the end.
    mono_pass: Option<Box<MonoPass>>,
    /// The two parties come from a diarization of one channel (the replay of a mono
    /// call's first pass).
    diarized: Option<Box<Diarized>>,
}

/// The first pass over a mono call: every frame's measures and cepstra, and the
/// stretches of speech, for [`diarize`].
#[derive(Debug)]
struct MonoPass {
    resampler: Resampler,
    framer: CepstrumFramer,
    frames: Vec<MonoFrame>,
    stretches: Vec<(u64, u64)>,
    agent_print: Option<Arc<VoicePrint>>,
    /// Frame output was asked for: it comes from the replay.
    want_frames: bool,
}

/// State of a replayed, diarized mono call.
#[derive(Debug)]
struct Diarized {
    /// Whether each party's segment is open.
    speaking: [bool; 2],
    /// The frame being replayed is each party's speech.
    speech: [bool; 2],
    /// One voice (or none) was found: the call is reported as one voice.
    one_voice: bool,
    outcome: Diarization,
}

impl MonoPass {
    /// Keeps what the tracker decided about a frame; `speaking` is whether a segment is
    /// open.
    fn record(&mut self, out: &TrackerOutput, speaking: bool) {
        if let Some(d) = out.decision {
            let mut frame = MonoFrame {
                f0_hz: d.f0_hz,
                level_db: d.level_db,
                ..MonoFrame::default()
            };
            if d.active {
                frame.flags |= MonoFrame::ACTIVE;
            }
            if d.active || speaking {
                let mut c = [0.0; CEPSTRA];
                if self.framer.cepstra(d.frame, d.f0_hz, &mut c) {
                    frame.set_cepstra(&c);
                }
            }
            let index = usize::try_from(d.frame).unwrap_or(usize::MAX);
            if index >= self.frames.len() && index < usize::MAX {
                self.frames.resize(index, MonoFrame::default());
                self.frames.push(frame);
            }
        }
        if let Some(peak) = out.syllable
            && let Some(f) = usize::try_from(peak)
                .ok()
                .and_then(|i| self.frames.get_mut(i))
        {
            f.flags |= MonoFrame::SYLLABLE;
        }
        if let Some(seg) = out.segment_closed {
            self.stretches.push((seg.start, seg.end));
        }
    }
}

fn frame_start_s(frame: u64) -> f64 {
    frame as f64 * HOP_S - HOP_S / 2.0
}

fn frame_end_s(frame: u64) -> f64 {
    frame as f64 * HOP_S + HOP_S / 2.0
}

/// `x` rounded to 3 decimals (times in s: 1 ms).
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `x` rounded to 1 decimal (F0 medians in Hz: the 0.1 Hz histogram bin).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl CallAnalyzer {
    /// An analyzer for a call at `input_rate_hz` (8000–48000) with the given channels.
    pub fn new(input_rate_hz: u32, map: ChannelMap, profile: Profile) -> Self {
        let parties = if map.is_mono() { 1 } else { 2 };
        let band = BandCounter::new(&profile.pitch, None);
        Self {
            map,
            input_rate_hz,
            profile,
            fronts: (0..parties).map(|_| FrontEnd::new(input_rate_hz)).collect(),
            trackers: (0..parties).map(|_| Tracker::new()).collect(),
            measures: vec![None; parties],
            recent_levels: vec![[SILENCE_FLOOR_DBFS; ECHO_LOOKBACK_FRAMES]; parties],
            frame: 0,
            input_frames: 0,
            f0: (0..parties).map(|_| F0Stats::new()).collect(),
            band,
            talk_frames: vec![0; parties],
            segments: Vec::new(),
            turns: Vec::new(),
            last_turn_of: [None, None],
            pending_gap: None,
            reply_gaps: Vec::new(),
            overlaps: 0,
            last_speech_end: None,
            long_silences: Vec::new(),
            last_pace: None,
            first_open_turn: 0,
            pace: Vec::new(),
            pace_changes: Vec::new(),
            customer: CustomerJudge::default(),
            events: Vec::new(),
            emit_events: false,
            frames_out: None,
            agent_baseline_hz: None,
            mono_pass: None,
            diarized: None,
        }
    }

    /// For a mono call: finds the two voices (see [`super::diarize`]) at the end of the
    /// stream and reports agent and customer as for two channels. `agent_print` is the
    /// agent's enrolled voice print, which tells their voice from the other; without
    /// it, a rule does. Frame output and events then come at the end of the stream. No
    /// effect on a call of two channels.
    pub fn with_diarization(mut self, agent_print: Option<Arc<VoicePrint>>) -> Self {
        if self.map.is_mono() {
            self.mono_pass = Some(Box::new(MonoPass {
                resampler: Resampler::new(self.input_rate_hz, ANALYSIS_RATE_HZ),
                framer: CepstrumFramer::new(),
                frames: Vec::new(),
                stretches: Vec::new(),
                agent_print,
                want_frames: self.frames_out.take().is_some(),
            }));
        }
        self
    }

    /// Sets the agent's stored baseline F0, Hz, for a relative band (see
    /// [`BandCounter`]); without it a relative band rests on the call's own speech.
    pub fn with_agent_baseline(mut self, baseline_hz: f64) -> Self {
        self.band = BandCounter::new(&self.profile.pitch, Some(baseline_hz));
        self.agent_baseline_hz = Some(baseline_hz);
        self
    }

    /// Keeps every frame's F0 and activity for [`CallAnalyzer::drain_frames`].
    pub fn with_frame_output(mut self) -> Self {
        match &mut self.mono_pass {
            Some(pass) => pass.want_frames = true,
            None => self.frames_out = Some(Vec::new()),
        }
        self
    }

    /// Queues events for [`CallAnalyzer::drain_events`].
    pub fn with_events(mut self) -> Self {
        self.emit_events = true;
        self
    }

    /// Stream time received so far, s.
    pub fn stream_time_s(&self) -> f64 {
        self.input_frames as f64 / f64::from(self.input_rate_hz)
    }

    /// Moves the frames decided so far into `out` (only with frame output enabled).
    pub fn drain_frames(&mut self, out: &mut Vec<FrameOutput>) {
        if let Some(frames) = &mut self.frames_out {
            out.append(frames);
        }
    }

    /// Moves the events decided so far into `out` (only with events enabled).
    pub fn drain_events(&mut self, out: &mut Vec<TimedEvent>) {
        out.append(&mut self.events);
    }

    /// Feeds interleaved samples (`channels` per frame, any count; a trailing partial
    /// frame is not allowed and is ignored).
    pub fn push_interleaved(&mut self, samples: &[f32]) {
        let channels = self.map.channels;
        for frame in samples.chunks_exact(channels) {
            self.input_frames += 1;
            let mut slots = [self.map.agent, self.map.customer.unwrap_or(0)];
            if self.map.is_mono() {
                slots[1] = usize::MAX;
            }
            if let Some(pass) = &mut self.mono_pass {
                let framer = &mut pass.framer;
                let sample = frame.first().copied().unwrap_or(0.0);
                pass.resampler.push(sample, |x| framer.push(x));
            }
            for party in 0..self.fronts.len() {
                let sample = frame.get(slots[party]).copied().unwrap_or(0.0);
                let measures = &mut self.measures;
                self.fronts[party].push(sample, &mut |m| measures[party] = Some(m));
            }
            if self.measures.iter().all(Option::is_some) {
                self.step_frame();
            }
        }
    }

    fn step_frame(&mut self) {
        let parties = self.fronts.len();
        let mut outputs = [TrackerOutput::default(); 2];
        let slot = (self.frame % ECHO_LOOKBACK_FRAMES as u64) as usize;
        // Levels first, so the echo rule sees both channels of this frame.
        for p in 0..parties {
            if let Some(m) = &self.measures[p] {
                // Only speech of a party can echo into the other's channel; its
                // background noise (babble in the agent's room) cannot.
                let speech = m.level_db > self.trackers[p].floor_db() + ACTIVITY_SNR_DB;
                self.recent_levels[p][slot] = if speech {
                    m.level_db
                } else {
                    SILENCE_FLOOR_DBFS
                };
            }
        }
        for (p, output) in outputs.iter_mut().enumerate().take(parties) {
            let Some(m) = self.measures[p].take() else {
                continue;
            };
            // The echo rule guards the agent channel only: the far end leaks into the
            // agent's headset, nothing leaks into the customer's line, and there the
            // rule would cut the soft end of a customer turn the agent talks over.
            let other_peak = (parties == 2 && p == AGENT).then(|| {
                self.recent_levels[1 - p]
                    .iter()
                    .copied()
                    .fold(f32::NEG_INFINITY, f32::max)
            });
            *output = self.trackers[p].step(&m, other_peak);
            if output.noise {
                self.fronts[p].learn_noise();
            }
        }
        self.frame += 1;
        self.handle_outputs(&outputs[..parties]);
    }

    fn handle_outputs(&mut self, outputs: &[TrackerOutput]) {
        // Frame statistics.
        let mut frame_out = FrameOutput {
            t_s: 0.0,
            agent_f0_hz: 0.0,
            agent_level_db: SILENCE_FLOOR_DBFS,
            agent_active: false,
            agent_speech: false,
            customer_f0_hz: 0.0,
            customer_level_db: SILENCE_FLOOR_DBFS,
            customer_active: false,
            customer_speech: false,
        };
        let mut decided = None;
        for (p, out) in outputs.iter().enumerate() {
            if let Some(d) = out.decision {
                decided = Some(d.frame);
                // A party's pitch statistics count its speech only: frames that are
                // active or inside a confirmed segment (its soft ends included), not the
                // babble voiced now and then in its pauses.
                let speech = match &self.diarized {
                    Some(v) => v.speech[p],
                    None => d.active || self.is_speaking(p),
                };
                if d.f0_hz > 0.0 && speech {
                    self.f0[p].add(d.f0_hz);
                    if p == AGENT {
                        self.band.add(d.f0_hz);
                    }
                }
                if p == AGENT {
                    frame_out.agent_f0_hz = d.f0_hz;
                    frame_out.agent_level_db = d.level_db;
                    frame_out.agent_active = d.active;
                    frame_out.agent_speech = speech;
                } else {
                    self.customer
                        .frame(d.active, d.level_db, if speech { d.f0_hz } else { 0.0 });
                    frame_out.customer_f0_hz = d.f0_hz;
                    frame_out.customer_level_db = d.level_db;
                    frame_out.customer_active = d.active;
                    frame_out.customer_speech = speech;
                }
            }
        }
        if let (Some(pass), Some(out)) = (&mut self.mono_pass, outputs.first()) {
            let speaking = self.trackers.first().is_some_and(Tracker::speaking);
            pass.record(out, speaking);
        }
        if let (Some(frame), Some(frames)) = (decided, &mut self.frames_out) {
            frame_out.t_s = frame as f64 * HOP_S;
            frames.push(frame_out);
        }
        // Syllables belong to the agent turn they fall in.
        if let Some(peak) = outputs.get(AGENT).and_then(|o| o.syllable) {
            if let Some(turn) = self.turns.iter_mut().rev().find(|t| {
                t.party == AGENT
                    && !t.finalised
                    && t.start_frame <= peak
                    && peak <= t.end_frame + SYLLABLE_TURN_SLACK_FRAMES
            }) {
                turn.syllables += 1;
            } else if let Some(i) = self.last_turn_of[AGENT]
                && let Some(turn) = self.turns.get_mut(i)
                && !turn.finalised
                && peak >= turn.start_frame
            {
                turn.syllables += 1;
            }
        }
        if outputs.get(CUSTOMER).and_then(|o| o.syllable).is_some() {
            self.customer.syllable();
        }
        // Segment events in time order: opens at their start, closes at their end.
        let mut seg_events: [(u64, usize, Option<SegmentFrames>); 4] = [(u64::MAX, 0, None); 4];
        let mut n = 0;
        for (p, out) in outputs.iter().enumerate() {
            if let Some(s) = out.segment_closed {
                seg_events[n] = (s.end, p, Some(s));
                n += 1;
            }
            if let Some(start) = out.segment_opened {
                seg_events[n] = (start, p, None);
                n += 1;
            }
        }
        let seg_events = &mut seg_events[..n];
        seg_events.sort_by_key(|e| (e.0, e.2.is_none()));
        for &(t, p, closed) in seg_events.iter() {
            match closed {
                Some(seg) => self.segment_closed(p, seg),
                None => self.segment_opened(p, t),
            }
        }
    }

    /// Whether the call's two parties are told apart (two channels, or a diarized mono
    /// call).
    fn two_voices(&self) -> bool {
        !self.map.is_mono() || self.diarized.as_ref().is_some_and(|d| !d.one_voice)
    }

    /// Whether `party` has a segment open.
    fn is_speaking(&self, party: usize) -> bool {
        match &self.diarized {
            Some(v) => v.speaking.get(party).copied().unwrap_or(false),
            None => self.trackers.get(party).is_some_and(Tracker::speaking),
        }
    }

    fn speaker(&self, party: usize) -> Speaker {
        if !self.two_voices() {
            Speaker::Mixed
        } else if party == AGENT {
            Speaker::Agent
        } else {
            Speaker::Customer
        }
    }

    fn push_event(&mut self, event: Event) {
        if self.emit_events {
            let decided_at_s = self.stream_time_s();
            self.events.push(TimedEvent {
                decided_at_s,
                event,
            });
        }
    }

    fn segment_opened(&mut self, party: usize, start: u64) {
        if let Some(d) = &mut self.diarized
            && let Some(s) = d.speaking.get_mut(party)
        {
            *s = true;
        }
        let speaker = self.speaker(party);
        self.push_event(Event::SpeechStarted {
            speaker,
            t: round3(frame_start_s(start)),
        });
        let others_speaking = (0..2).any(|q| q != party && self.is_speaking(q));
        if others_speaking {
            self.overlaps += 1;
            self.push_event(Event::Overlap {
                speaker,
                t: round3(frame_start_s(start)),
            });
        } else if let Some(last_end) = self.last_speech_end {
            let silence_s = frame_start_s(start) - frame_end_s(last_end);
            if start > last_end && is_long_silence(silence_s, self.profile.talk.long_silence_s) {
                let s = Silence {
                    start: round3(frame_end_s(last_end)),
                    end: round3(frame_start_s(start)),
                };
                self.long_silences.push(s);
                self.push_event(Event::LongSilence(s));
            }
        }
        // Turns.
        let same_turn = match self.turns.last() {
            Some(last) if !self.two_voices() => {
                frame_start_s(start) - frame_end_s(last.end_frame) < MONO_STRETCH_PAUSE_S
            }
            Some(last) => last.party == party,
            None => false,
        };
        if same_turn {
            return;
        }
        self.turns.push(Turn {
            party,
            start_frame: start,
            end_frame: start,
            speech_frames: 0,
            syllables: 0,
            finalised: false,
        });
        self.finalise_ready_turns();
        let index = self.turns.len() - 1;
        if self.two_voices()
            && party == AGENT
            && let Some(prev) = index.checked_sub(1)
            && self.turns[prev].party == CUSTOMER
        {
            self.pending_gap = Some((prev, index));
            self.try_finish_gap();
        }
        self.last_turn_of[party.min(1)] = Some(index);
    }

    fn segment_closed(&mut self, party: usize, seg: SegmentFrames) {
        if let Some(d) = &mut self.diarized
            && let Some(s) = d.speaking.get_mut(party)
        {
            *s = false;
        }
        let speaker = self.speaker(party);
        let segment = Segment {
            speaker,
            start: round3(frame_start_s(seg.start)),
            end: round3(frame_end_s(seg.end)),
        };
        self.segments.push(segment);
        let frames = seg.end - seg.start + 1;
        self.talk_frames[party] += frames;
        self.last_speech_end = Some(self.last_speech_end.map_or(seg.end, |e| e.max(seg.end)));
        if let Some(i) = self.last_turn_of[party.min(1)]
            && let Some(turn) = self.turns.get_mut(i)
        {
            turn.end_frame = turn.end_frame.max(seg.end);
            turn.speech_frames += frames;
        }
        self.push_event(Event::SpeechEnded(segment));
        if speaker == Speaker::Customer
            && let Some(i) = self.last_turn_of[CUSTOMER]
            && let Some(turn) = self.turns.get(i)
            && let Some(judged) = self.customer.segment_closed(
                i,
                turn.start_frame,
                seg.start,
                seg.end,
                frame_start_s,
                frame_end_s,
            )
        {
            self.push_event(Event::CustomerTurn(judged));
        }
        self.try_finish_gap();
        self.finalise_ready_turns();
    }

    /// Finalises every turn that can take no more speech: a later turn has started and
    /// no segment of its party that would add to it is open.
    fn finalise_ready_turns(&mut self) {
        let last = self.turns.len().saturating_sub(1);
        for index in self.first_open_turn..last {
            let turn = self.turns[index];
            if turn.finalised {
                continue;
            }
            // An open segment of the party adds to the party's latest turn only.
            let party = turn.party.min(1);
            let still_speaking = self.last_turn_of[party] == Some(index) && self.is_speaking(party);
            if !still_speaking {
                self.turn_finished(index);
            }
        }
        while self
            .turns
            .get(self.first_open_turn)
            .is_some_and(|t| t.finalised)
        {
            self.first_open_turn += 1;
        }
    }

    fn try_finish_gap(&mut self) {
        let Some((cust, agent)) = self.pending_gap else {
            return;
        };
        if self.is_speaking(CUSTOMER) {
            return;
        }
        self.pending_gap = None;
        let (Some(c), Some(a)) = (self.turns.get(cust), self.turns.get(agent)) else {
            return;
        };
        let customer_end = frame_end_s(c.end_frame);
        let agent_start = frame_start_s(a.start_frame);
        let gap_s = round3(agent_start - customer_end);
        let (window_s, window_reason) = reply_window(self.customer.state_of(cust), &self.profile);
        let gap = ReplyGap {
            customer_end: round3(customer_end),
            agent_start: round3(agent_start),
            gap_s,
            verdict: Verdict::classify(gap_s, window_s),
            window_s,
            window_reason,
        };
        self.reply_gaps.push(gap);
        self.push_event(Event::ReplyGap(gap));
    }

    /// Finalises turn `index`, which can take no more speech: its pace (agent turns) is
    /// reported now and kept for the report, so both say the same.
    fn turn_finished(&mut self, index: usize) {
        let Some(turn) = self.turns.get_mut(index) else {
            return;
        };
        if turn.finalised {
            return;
        }
        turn.finalised = true;
        let turn = *turn;
        if turn.party != AGENT {
            return;
        }
        let Some(span) = pace_span(&turn) else {
            return;
        };
        self.pace.push(span);
        self.push_event(Event::AgentTurnEnded(span));
        if let Some(from) = self.last_pace
            && is_pace_change(
                from,
                span.syllables_per_s,
                self.profile.pace.change_threshold,
            )
        {
            let change = PaceChange {
                t: span.start,
                from,
                to: span.syllables_per_s,
            };
            self.pace_changes.push(change);
            self.push_event(Event::PaceChange(change));
        }
        self.last_pace = Some(span.syllables_per_s);
    }

    /// Ends the stream and returns the call's report.
    pub fn finish(mut self) -> CallReport {
        self.flush();
        self.replay().report()
    }

    /// Ends the stream and returns the report and the frames not yet drained.
    pub fn finish_with_frames(mut self) -> (CallReport, Vec<FrameOutput>) {
        self.flush();
        let mut analyzer = self.replay();
        let frames = analyzer.frames_out.take().unwrap_or_default();
        (analyzer.report(), frames)
    }

    /// Ends the stream and returns the report with the frames and events not yet
    /// drained (those decided at the end of the stream: the last turn's pace, a last
    /// reply gap; what the live pipeline needs to show the end of a call).
    pub fn finish_with_output(mut self) -> (CallReport, Vec<FrameOutput>, Vec<TimedEvent>) {
        self.flush();
        let mut analyzer = self.replay();
        let frames = analyzer.frames_out.take().unwrap_or_default();
        let events = std::mem::take(&mut analyzer.events);
        (analyzer.report(), frames, events)
    }

    fn flush(&mut self) {
        if let Some(pass) = &mut self.mono_pass {
            pass.framer.finish();
        }
        let parties = self.fronts.len();
        let mut tails: Vec<Vec<FrameMeasure>> = vec![Vec::new(); parties];
        for (p, front) in self.fronts.iter_mut().enumerate() {
            let tail = &mut tails[p];
            front.finish(&mut |m| tail.push(m));
        }
        let tail_len = tails.iter().map(Vec::len).min().unwrap_or(0);
        for i in 0..tail_len {
            for (measure, tail) in self.measures.iter_mut().zip(&tails) {
                *measure = tail.get(i).copied();
            }
            self.step_frame();
        }
        // Drain the trackers' delay lines in lockstep.
        let mut flushed: Vec<Vec<TrackerOutput>> = vec![Vec::new(); parties];
        for (p, tracker) in self.trackers.iter_mut().enumerate() {
            let sink = &mut flushed[p];
            tracker.finish(|o| sink.push(o));
        }
        let flush_len = flushed.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..flush_len {
            let outs: Vec<TrackerOutput> = (0..parties)
                .map(|p| flushed[p].get(i).copied().unwrap_or_default())
                .collect();
            self.handle_outputs(&outs);
        }
        self.close_turns();
    }

    /// Every segment is closed: the last reply gap and the remaining turns are final.
    fn close_turns(&mut self) {
        self.try_finish_gap();
        for index in self.first_open_turn..self.turns.len() {
            self.turn_finished(index);
        }
        self.first_open_turn = self.turns.len();
    }

    /// After the first pass over a mono call: diarizes it and replays the frames with
    /// each given to its voice, as a call of two channels would report them. Returns the
    /// replayed analyzer (`self` unchanged without a first pass).
    fn replay(mut self) -> Self {
        let Some(pass) = self.mono_pass.take() else {
            return self;
        };
        let pass = *pass;
        let outcome = diarize(&pass.frames, &pass.stretches, pass.agent_print.as_deref());
        let mut r = CallAnalyzer::new(self.input_rate_hz, self.map, self.profile.clone());
        if let Some(baseline_hz) = self.agent_baseline_hz {
            r = r.with_agent_baseline(baseline_hz);
        }
        r.input_frames = self.input_frames;
        r.emit_events = self.emit_events;
        r.frames_out = pass.want_frames.then(Vec::new);
        r.f0 = vec![F0Stats::new(), F0Stats::new()];
        r.talk_frames = vec![0; 2];
        let one_voice = outcome.voices != VoicesFound::Two;
        let labels = outcome.labels.clone();
        r.diarized = Some(Box::new(Diarized {
            speaking: [false; 2],
            speech: [false; 2],
            one_voice,
            outcome,
        }));
        let party_of = |v: Voice| match v {
            Voice::Agent => Some(AGENT),
            Voice::Customer => Some(CUSTOMER),
            Voice::None => None,
        };
        let mut run_start = 0u64;
        for (k, frame) in pass.frames.iter().enumerate() {
            let voice = labels.get(k).copied().unwrap_or_default();
            let party = party_of(voice);
            let index = k as u64;
            let blank = FrameDecision {
                frame: index,
                level_db: SILENCE_FLOOR_DBFS,
                ..FrameDecision::default()
            };
            let mut outs = [TrackerOutput {
                decision: Some(blank),
                ..TrackerOutput::default()
            }; 2];
            let owner = party.unwrap_or(AGENT);
            outs[owner].decision = Some(FrameDecision {
                level_db: frame.level_db,
                active: party.is_some() && frame.has(MonoFrame::ACTIVE),
                f0_hz: frame.f0_hz,
                ..blank
            });
            if let Some(p) = party {
                let before = k.checked_sub(1).and_then(|i| labels.get(i)).copied();
                let after = labels.get(k + 1).copied();
                if before != Some(voice) {
                    outs[p].segment_opened = Some(index);
                    run_start = index;
                }
                if after != Some(voice) {
                    outs[p].segment_closed = Some(SegmentFrames {
                        start: run_start,
                        end: index,
                    });
                }
                if p == AGENT && frame.has(MonoFrame::SYLLABLE) {
                    outs[p].syllable = Some(index);
                }
            }
            if let Some(d) = &mut r.diarized {
                d.speech = [party == Some(AGENT), party == Some(CUSTOMER)];
            }
            r.frame = index + 1;
            r.handle_outputs(&outs);
        }
        r.close_turns();
        r
    }

    fn report(mut self) -> CallReport {
        self.band.finish();
        let duration_s = self.input_frames as f64 / f64::from(self.input_rate_hz);
        let mono = !self.two_voices();
        let diarized = self.diarized.take().map(|d| d.outcome);
        let mut segments = self.segments;
        segments.sort_by(|a, b| a.start.total_cmp(&b.start));
        let speaker = |party: usize| {
            if mono {
                Speaker::Mixed
            } else if party == AGENT {
                Speaker::Agent
            } else {
                Speaker::Customer
            }
        };
        let turns: Vec<Segment> = self
            .turns
            .iter()
            .map(|t| Segment {
                speaker: speaker(t.party),
                start: round3(frame_start_s(t.start_frame)),
                end: round3(frame_end_s(t.end_frame)),
            })
            .collect();
        // The finalised spans, as the live events reported them.
        let pace = self.pace;
        let pace_changes = self.pace_changes;
        let agent_talk_s = self.talk_frames[AGENT] as f64 * HOP_S;
        let total_syllables: u32 = pace.iter().map(|p| p.syllables).sum();
        let total_speech: f64 = pace.iter().map(|p| p.speech_s).sum();
        let longest_monologue_s = self
            .turns
            .iter()
            .filter(|t| t.party == AGENT)
            .map(|t| frame_end_s(t.end_frame) - frame_start_s(t.start_frame))
            .fold(0.0, f64::max);
        let agent = AgentReport {
            talk_s: round3(agent_talk_s),
            voiced_s: round3(self.f0[AGENT].voiced as f64 * HOP_S),
            median_f0_hz: self.f0[AGENT].median_hz().map(round1),
            band_hz: match (self.band.semitones(), self.band.band_hz()) {
                (Some(_), Some(band)) => band.map(round1),
                _ => self.profile.pitch.band_hz,
            },
            band_semitones: self.band.semitones(),
            baseline_hz: self.band.baseline().map(|(hz, _)| round1(hz)),
            baseline_from: self.band.baseline().map(|(_, from)| from),
            frac_voiced_in_band: self.band.frac_in_band().map(round3),
            syllables_per_s: (total_speech > 0.0)
                .then(|| round3(f64::from(total_syllables) / total_speech)),
            pace_changes_per_45s: pace_changes_per_45s(pace_changes.len(), agent_talk_s)
                .map(round3),
            pace,
            pace_changes,
        };
        let (baseline, customer_turns) = self.customer.finish(duration_s);
        let customer = (!mono).then(|| CustomerReport {
            talk_s: round3(self.talk_frames[CUSTOMER] as f64 * HOP_S),
            median_f0_hz: self.f0[CUSTOMER].median_hz().map(round1),
            baseline,
            turns: customer_turns,
        });
        let mut notes = Vec::new();
        match (&diarized, mono) {
            (None, true) => notes.push(
                "mono recording: both voices share one channel, so they are analyzed as one \
                 voice; reply gaps need agent and customer on separate channels and are not \
                 reported"
                    .to_string(),
            ),
            (Some(d), _) => notes.push(diarization_note(d)),
            (None, false) => {}
        }
        let mut reply_gaps = self.reply_gaps;
        reply_gaps.sort_by(|a, b| a.agent_start.total_cmp(&b.agent_start));
        let mut report = CallReport {
            duration_s: round3(duration_s),
            layout: if self.map.is_mono() {
                Layout::Mono
            } else {
                Layout::Stereo
            },
            agent,
            customer,
            segments,
            turns,
            reply_gaps,
            reply_gaps_measured: !mono,
            overlaps: self.overlaps,
            long_silences: self.long_silences,
            longest_monologue_s: round3(longest_monologue_s),
            metrics: CallMetrics::default(),
            score: Score::default(),
            notes,
            speakers_from: diarized.as_ref().map(|_| SpeakersFrom::Diarization),
            voices_found: diarized.as_ref().map(|d| d.voices),
            diarization_confidence: diarized
                .as_ref()
                .filter(|d| d.voices == VoicesFound::Two)
                .map(|d| round3(d.confidence)),
            agent_identified_by: diarized.as_ref().and_then(|d| d.agent_identified_by),
            agent_identification_confidence: diarized
                .as_ref()
                .and_then(|d| d.agent_confidence)
                .map(round3),
        };
        report.metrics = call_metrics(&report);
        report.score = score_call(&report, &self.profile);
        report
    }
}

/// The note a diarized mono call's report carries: what was found, how sure, and what
/// one channel cannot tell.
fn diarization_note(d: &Diarization) -> String {
    match d.voices {
        VoicesFound::None => "mono recording: no speech found".to_string(),
        VoicesFound::One => format!(
            "mono recording: one voice found{}, so it is analyzed as one voice; reply gaps, \
             overlaps and the monologue need two voices and are not reported",
            d.voice_distance
                .map(|x| format!(
                    " (split in two, its speech separates by {:.2}, under {ONE_VOICE_MAX_SEPARATION}; \
                     the groups' prints lie {x:.2} apart)",
                    d.confidence
                ))
                .unwrap_or_else(|| " (too little speech to look for two)".to_string())
        ),
        VoicesFound::Two => {
            let agent = match (d.agent_identified_by, d.print_distances) {
                (Some(AgentIdentifiedBy::VoicePrint), Some((near, far))) => format!(
                    "the agent's voice by their voice print (distance {near:.2} against \
                     {far:.2} for the other voice)"
                ),
                _ => "the agent's voice by rule: the voice that opens the call (a \
                      convention of inbound calls; enrol the agent for a voice-print match)"
                    .to_string(),
            };
            format!(
                "mono recording: two voices told apart by diarization (confidence {:.2}); \
                 {agent}; one channel gives each moment to one voice, so where both talk \
                 at once the later voice starts when the earlier one is no longer heard, \
                 and overlaps are not counted",
                d.confidence
            )
        }
    }
}

fn pace_span(turn: &Turn) -> Option<PaceSpan> {
    if turn.speech_frames == 0 {
        return None;
    }
    let speech_s = turn.speech_frames as f64 * HOP_S;
    Some(PaceSpan {
        start: round3(frame_start_s(turn.start_frame)),
        end: round3(frame_end_s(turn.end_frame)),
        syllables_per_s: round3(f64::from(turn.syllables) / speech_s),
        syllables: turn.syllables,
        speech_s: round3(speech_s),
    })
}

/// A change of at least `threshold` of the earlier rate.
pub fn is_pace_change(from: f64, to: f64, threshold: f64) -> bool {
    from > 0.0 && (to - from).abs() >= threshold * from
}
