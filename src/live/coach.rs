//! The gauges an agent sees, computed from the engine's frames and events: smoothed
//! pitch against the band, the running reply timer and its verdict, pace changes in the
//! last 45 s, talk ratio, overlaps, silences, monologue length, and the one cue that
//! matters most now (focus mode). Pure code: no threads, clocks or I/O, so the gauges
//! follow from the audio alone and are unit-tested on known inputs.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::analysis::band::{BandCounter, CALL_BASELINE_VOICED_FRAMES, median_f32};
use crate::analysis::rules::{
    CustomerState, MIN_TALK_FOR_PACE_S, Range, WindowReason, band_range, is_long_silence,
    is_monologue, pace_changes_per_45s, pace_range, reply_window,
};
use crate::analysis::settings::HOP_S;
use crate::analysis::{
    CallReport, CustomerTurn, Event, FrameOutput, PaceChange, ReplyGap, Rule, Speaker, TimedEvent,
    Verdict,
};
use crate::config::{PitchTargets, Profile};

/// Voiced agent frames the smoothed pitch is the median of (2 s of voiced speech).
pub const PITCH_SMOOTHING_FRAMES: usize = 200;
/// The needle shows the agent's pitch while their last voiced speech frame is at most
/// this old (against the newest decided frame), s; then it rests until they speak.
pub const PITCH_HOLD_S: f64 = 0.5;
/// Voiced agent frames that make the baseline of a relative band (30 s of voiced
/// speech: about the first two minutes of a call), as in the engine.
pub const BASELINE_VOICED_FRAMES: usize = CALL_BASELINE_VOICED_FRAMES;
/// An overlap stays the focus cue this long, s.
pub const OVERLAP_CUE_S: f64 = 3.0;
/// Strip charts show this much history, s.
pub const STRIP_S: f64 = 60.0;

/// How the calming band is set for this agent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BandSetting {
    /// Fixed band in Hz (the profile's `pitch.band_hz`).
    Hz([f64; 2]),
    /// Semitones relative to the agent's own baseline (median F0 of their first
    /// [`BASELINE_VOICED_FRAMES`] voiced frames), e.g. `[-1.0, 2.0]`.
    Semitones([f64; 2]),
}

impl BandSetting {
    /// The profile's band: `pitch.band_semitones` when set, else `pitch.band_hz`.
    pub fn from_profile(profile: &Profile) -> Self {
        match profile.pitch.band_semitones {
            Some(semitones) => BandSetting::Semitones(semitones),
            None => BandSetting::Hz(profile.pitch.band_hz),
        }
    }
}

/// Where the pitch is against the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PitchState {
    /// The agent is not speaking (no voiced speech in the last [`PITCH_HOLD_S`]).
    NoVoice,
    /// Below the band.
    Low,
    /// Inside the band (inclusive).
    InBand,
    /// Above the band.
    High,
    /// The band is relative and its baseline is still being measured.
    Measuring,
}

/// The pitch gauge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PitchGauge {
    /// Median agent F0 over the last 2 s of voiced speech, Hz.
    pub f0_hz: Option<f32>,
    /// The band in force, Hz (`None` while a relative band's baseline is measured).
    pub band_hz: Option<[f64; 2]>,
    /// The agent's baseline F0 (relative bands), Hz.
    pub baseline_hz: Option<f32>,
    /// Share of the baseline measured, 0–1 (relative bands).
    pub baseline_progress: f32,
    /// Where the smoothed F0 is.
    pub state: PitchState,
    /// Share of the call's voiced agent frames inside the band so far.
    pub frac_in_band: Option<f64>,
}

/// The reply-interval gauge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ReplyState {
    /// Nothing to time: someone is speaking or the call has not started.
    Idle,
    /// The customer stopped at `customer_end`; the timer runs.
    Timing {
        /// End of the customer's speech, stream s.
        customer_end: f64,
        /// Time since then, s.
        elapsed_s: f64,
    },
    /// The engine decided the gap of the agent's answer: it stays shown, with its
    /// verdict against the window that applied.
    Answered(ReplyGap),
}

/// The reply gauge with its window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyGauge {
    /// Timer state.
    pub state: ReplyState,
    /// The window that applies to the reply now, s: the profile's, or the deliberate
    /// pause after an agitated customer turn.
    pub aim_s: [f64; 2],
    /// Why that window.
    pub aim_reason: WindowReason,
    /// The profile's window, s.
    pub window_s: [f64; 2],
    /// The customer's current turn as the engine judged it against their own start
    /// of call (`None`: not judged, or the agent has the floor).
    pub customer_turn: Option<CustomerTurn>,
    /// Gaps so far and how many were in the window.
    pub gaps: usize,
    /// Of which in the window.
    pub in_window: usize,
}

/// The pace gauge: pace changes per 45 s of agent talk so far, judged as the score
/// judges them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaceGauge {
    /// Rate of the agent's last finished turn, syllables per second of speech.
    pub last_rate: Option<f64>,
    /// Pace changes per 45 s of agent talk so far.
    pub changes_per_45s: Option<f64>,
    /// Agent talk so far, s (as the score counts it: their finished segments).
    pub agent_talk_s: f64,
    /// The score judges pace from this much agent talk on, s.
    pub min_talk_s: f64,
    /// The rate against the target, once it can be judged.
    pub range: Option<Range>,
    /// Target changes per 45 s.
    pub target: [f64; 2],
    /// The pace changes so far.
    pub changes: Vec<PaceChange>,
}

/// Talk, overlaps, silence, monologue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TalkGauge {
    /// Agent talk, s.
    pub agent_s: f64,
    /// Customer talk, s.
    pub customer_s: f64,
    /// Agent share of all talk (`None` before anyone talks).
    pub agent_share: Option<f64>,
    /// Overlaps so far.
    pub overlaps: u32,
    /// Stream time of the last overlap.
    pub last_overlap_s: Option<f64>,
    /// Current silence (nobody speaking since the end of the last speech), s.
    pub silence_s: f64,
    /// Long silences so far.
    pub long_silences: usize,
    /// A silence this long is long, s.
    pub long_silence_s: f64,
    /// Length of the agent's current turn (0 when not in a turn), s.
    pub monologue_s: f64,
    /// Longest agent turn so far, s.
    pub longest_monologue_s: f64,
    /// Turns longer than this are monologues, s.
    pub max_monologue_s: f64,
}

/// What the focus mode shows: the one cue that matters most now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cue {
    /// Short words for the agent.
    pub text: String,
    /// How it stands.
    pub tone: Tone,
}

/// Tone of a cue (drawn with a color and a symbol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tone {
    /// Good: keep going.
    Good,
    /// Wait / neutral information.
    Info,
    /// Adjust something.
    Adjust,
    /// Stop doing something now.
    Alert,
}

/// The short summary shown instead of the cues once the call has ended: the score and
/// its main measures, from the call's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSummary {
    /// The call's score, 0–100.
    pub score: u32,
    /// The headline ("Call ended · score 84 / 100").
    pub headline: String,
    /// One line per measure, in the words of the cues.
    pub lines: Vec<String>,
}

impl CallSummary {
    /// The summary of a finished call.
    pub fn of(report: &CallReport, profile: &Profile) -> Self {
        let score = report.score.total;
        let partial = if report.score.partial {
            " (partial)"
        } else {
            ""
        };
        let mut lines = Vec::new();
        if report.reply_gaps_measured {
            let in_window = report
                .reply_gaps
                .iter()
                .filter(|g| g.verdict == Verdict::InWindow)
                .count();
            lines.push(format!(
                "Replies in the window: {in_window} of {}",
                report.reply_gaps.len()
            ));
        }
        if let Some(frac) = report.agent.frac_voiced_in_band {
            let [lo, hi] = report.agent.band_hz;
            lines.push(format!(
                "Pitch in the {lo:.0}–{hi:.0} Hz band: {:.0} % of your voiced time",
                frac * 100.0
            ));
        }
        let [clo, chi] = profile.pace.changes_per_45s;
        match (
            report.agent.pace_changes_per_45s,
            pace_range(
                report.agent.pace_changes_per_45s,
                report.agent.talk_s,
                profile,
            ),
        ) {
            (Some(rate), Some(_)) => lines.push(format!(
                "Pace changes: {rate:.1} per 45 s of your talk (target {clo:.0}–{chi:.0})"
            )),
            _ => lines.push("Pace: too little talk to judge".into()),
        }
        lines.push(format!(
            "Overlaps: {} · long silences: {} · longest turn: {:.0} s",
            report.overlaps,
            report.long_silences.len(),
            report.longest_monologue_s
        ));
        if let Some(worst) = report
            .score
            .deductions
            .iter()
            .max_by(|a, b| a.points.total_cmp(&b.points))
        {
            lines.push(format!(
                "Most points lost: {} ({:.0})",
                rule_words(worst.rule),
                worst.points
            ));
        }
        Self {
            score,
            headline: format!("Call ended · score {score} / 100{partial}"),
            lines,
        }
    }
}

/// A score rule in the words of the cues.
pub fn rule_words(rule: Rule) -> &'static str {
    match rule {
        Rule::Pitch => "pitch out of the band",
        Rule::ReplyGap => "replies outside the window",
        Rule::Pace => "pace changes",
        Rule::Overlaps => "overlaps",
        Rule::LongSilence => "long silences",
        Rule::Monologue => "long monologue",
    }
}

/// Everything the gauges show at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gauges {
    /// Stream time of the audio analyzed, s.
    pub now_s: f64,
    /// Whether the customer side is captured (reply gaps need it).
    pub has_customer: bool,
    /// Pitch.
    pub pitch: PitchGauge,
    /// Reply interval.
    pub reply: ReplyGauge,
    /// Pace.
    pub pace: PaceGauge,
    /// Talk.
    pub talk: TalkGauge,
    /// The focus cue (the summary's headline once the call has ended).
    pub cue: Cue,
    /// The end-of-call summary, once the call has ended (the cues are cleared).
    pub summary: Option<CallSummary>,
}

/// One point of the strip charts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StripPoint {
    /// Frame time, s.
    pub t_s: f64,
    /// Agent F0, Hz, over the agent's speech only (0 when unvoiced or outside it, as
    /// the statistics count it).
    pub agent_f0_hz: f32,
    /// Agent speaking.
    pub agent_active: bool,
    /// Customer speaking.
    pub customer_active: bool,
}

/// Turns the engine's output into gauges, incrementally. Every judgement (reply
/// windows and verdicts, customer states, pace, silences, monologues, the band) is the
/// engine's: its events, or the shared rules of [`crate::analysis::rules`].
#[derive(Debug, Clone)]
pub struct Coach {
    profile: Profile,
    band: BandCounter,
    has_customer: bool,
    now_s: f64,
    /// Last voiced agent F0s (ring).
    voiced: [f32; PITCH_SMOOTHING_FRAMES],
    voiced_len: usize,
    voiced_next: usize,
    /// Time of the newest voiced frame of the agent's speech, and of the newest frame.
    last_voiced_speech_t: Option<f64>,
    last_frame_t: f64,
    /// Talk per party from finished segments, s (agent, customer).
    talk_s: [f64; 2],
    /// Open segments per party (agent, customer).
    speaking: [bool; 2],
    /// End of the latest finished segment, s.
    last_speech_end: Option<f64>,
    reply: ReplyState,
    /// Start of the customer's current turn, and its judgement.
    customer_turn_start: Option<f64>,
    customer_turn: Option<CustomerTurn>,
    gaps: usize,
    in_window: usize,
    last_rate: Option<f64>,
    pace_changes: Vec<PaceChange>,
    overlaps: u32,
    last_overlap_s: Option<f64>,
    long_silences: usize,
    agent_turn_start: Option<f64>,
    last_speaker: Option<Speaker>,
    longest_monologue_s: f64,
    strip: VecDeque<StripPoint>,
    summary: Option<CallSummary>,
}

impl Coach {
    /// Gauges for a call scored against `profile`, with the pitch band set by `band`.
    pub fn new(profile: Profile, band: BandSetting, has_customer: bool) -> Self {
        let band = BandCounter::new(&band_targets(&profile, band), None);
        Self {
            profile,
            band,
            has_customer,
            now_s: 0.0,
            voiced: [0.0; PITCH_SMOOTHING_FRAMES],
            voiced_len: 0,
            voiced_next: 0,
            last_voiced_speech_t: None,
            last_frame_t: 0.0,
            talk_s: [0.0; 2],
            speaking: [false; 2],
            last_speech_end: None,
            reply: ReplyState::Idle,
            customer_turn_start: None,
            customer_turn: None,
            gaps: 0,
            in_window: 0,
            last_rate: None,
            pace_changes: Vec::new(),
            overlaps: 0,
            last_overlap_s: None,
            long_silences: 0,
            agent_turn_start: None,
            last_speaker: None,
            longest_monologue_s: 0.0,
            strip: VecDeque::with_capacity((STRIP_S / HOP_S) as usize + 1),
            summary: None,
        }
    }

    /// Starts a relative band from the agent's stored baseline, Hz, instead of
    /// measuring it over the call's first voiced speech.
    pub fn with_baseline(mut self, baseline_hz: f64) -> Self {
        let targets = PitchTargets {
            band_semitones: self.band.semitones(),
            ..self.profile.pitch.clone()
        };
        self.band = BandCounter::new(&targets, Some(baseline_hz));
        self
    }

    /// The band in force, Hz (`None` while a relative band's baseline is measured).
    pub fn band_hz(&self) -> Option<[f64; 2]> {
        self.band.band_hz()
    }

    /// Strip-chart history (last 60 s).
    pub fn strip(&self) -> &VecDeque<StripPoint> {
        &self.strip
    }

    /// Stream time reached (audio received), s; moves the timers.
    pub fn set_now(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
    }

    /// Takes what the engine decided since the last call: frames, then events, then
    /// the stream time reached. The live session feeds the coach through this alone.
    pub fn take(&mut self, frames: &[FrameOutput], events: &[TimedEvent], now_s: f64) {
        self.on_frames(frames);
        for e in events {
            self.on_event(e);
        }
        self.set_now(now_s);
    }

    /// Takes decided frames.
    pub fn on_frames(&mut self, frames: &[FrameOutput]) {
        let strip_len = (STRIP_S / HOP_S) as usize;
        for f in frames {
            self.last_frame_t = self.last_frame_t.max(f.t_s);
            // Pitch counts over the agent's speech only, as the statistics count it: not
            // echo of the customer, not babble voiced in the agent's pauses.
            let speech_f0 = if f.agent_speech { f.agent_f0_hz } else { 0.0 };
            if speech_f0 > 0.0 {
                self.last_voiced_speech_t = Some(f.t_s);
                self.voiced[self.voiced_next] = speech_f0;
                self.voiced_next = (self.voiced_next + 1) % PITCH_SMOOTHING_FRAMES;
                self.voiced_len = (self.voiced_len + 1).min(PITCH_SMOOTHING_FRAMES);
                self.band.add(speech_f0);
            }
            if self.strip.len() >= strip_len {
                self.strip.pop_front();
            }
            self.strip.push_back(StripPoint {
                t_s: f.t_s,
                agent_f0_hz: speech_f0,
                agent_active: f.agent_active,
                customer_active: f.customer_active,
            });
            self.now_s = self.now_s.max(f.t_s);
        }
    }

    /// Takes one event.
    pub fn on_event(&mut self, event: &TimedEvent) {
        self.set_now(event.decided_at_s);
        match &event.event {
            Event::SpeechStarted { speaker, t } => {
                let party = party(*speaker);
                self.speaking[party] = true;
                // The timer stops when either party speaks; the agent's answer is shown
                // once the engine has decided its gap.
                if matches!(self.reply, ReplyState::Timing { .. }) {
                    self.reply = ReplyState::Idle;
                }
                if self.last_speaker != Some(*speaker) {
                    if *speaker == Speaker::Customer {
                        self.agent_turn_start = None;
                        self.customer_turn_start = Some(*t);
                        self.customer_turn = None;
                    } else {
                        self.agent_turn_start = Some(*t);
                    }
                }
                self.last_speaker = Some(*speaker);
            }
            Event::SpeechEnded(seg) => {
                let party = party(seg.speaker);
                self.speaking[party] = false;
                self.talk_s[party] += seg.end - seg.start;
                self.last_speech_end =
                    Some(self.last_speech_end.map_or(seg.end, |e| e.max(seg.end)));
                match seg.speaker {
                    Speaker::Customer => {
                        if !self.speaking[0] {
                            self.reply = ReplyState::Timing {
                                customer_end: seg.end,
                                elapsed_s: 0.0,
                            };
                        }
                    }
                    Speaker::Agent | Speaker::Mixed => {
                        if let Some(start) = self.agent_turn_start {
                            self.longest_monologue_s =
                                self.longest_monologue_s.max(seg.end - start);
                        }
                    }
                }
            }
            Event::CustomerTurn(turn) => {
                if self.customer_turn_start == Some(turn.start) {
                    self.customer_turn = Some(*turn);
                }
            }
            Event::ReplyGap(gap) => {
                self.gaps += 1;
                if gap.verdict == Verdict::InWindow {
                    self.in_window += 1;
                }
                self.reply = ReplyState::Answered(*gap);
            }
            Event::AgentTurnEnded(span) => self.last_rate = Some(span.syllables_per_s),
            Event::PaceChange(change) => self.pace_changes.push(*change),
            Event::Overlap { t, .. } => {
                self.overlaps += 1;
                self.last_overlap_s = Some(*t);
            }
            Event::LongSilence(_) => self.long_silences += 1,
        }
    }

    /// Ends the call: the cues clear and the summary of `report` (the call's final
    /// report) shows instead.
    pub fn end_call(&mut self, report: &CallReport) {
        self.summary = Some(CallSummary::of(report, &self.profile));
        self.reply = ReplyState::Idle;
        self.speaking = [false; 2];
        self.agent_turn_start = None;
        self.customer_turn_start = None;
        self.customer_turn = None;
        self.last_overlap_s = None;
        self.last_speech_end = None;
    }

    /// The gauges now.
    pub fn gauges(&self) -> Gauges {
        let mut recent = self.voiced;
        let speaking = self.summary.is_none()
            && self
                .last_voiced_speech_t
                .is_some_and(|t| self.last_frame_t - t <= PITCH_HOLD_S);
        let f0_hz = if speaking {
            median_f32(&mut recent[..self.voiced_len])
        } else {
            None
        };
        let band_hz = self.band.band_hz();
        let state = match (f0_hz, band_hz) {
            (None, _) => PitchState::NoVoice,
            (Some(_), None) => PitchState::Measuring,
            (Some(f), Some(band)) => match band_range(f64::from(f), band) {
                Range::Below => PitchState::Low,
                Range::Within => PitchState::InBand,
                Range::Above => PitchState::High,
            },
        };
        let pitch = PitchGauge {
            f0_hz,
            band_hz,
            baseline_hz: self.band.baseline().map(|(hz, _)| hz as f32),
            baseline_progress: self.band.baseline_progress(),
            state,
            frac_in_band: self.band.frac_in_band(),
        };
        let window_s = self.profile.reply.window_s;
        let customer_turn = self
            .customer_turn
            .filter(|_| self.customer_turn_start.is_some());
        let (aim_s, aim_reason) = reply_window(customer_turn.map(|t| t.state), &self.profile);
        let reply_state = match self.reply {
            ReplyState::Timing { customer_end, .. } => ReplyState::Timing {
                customer_end,
                elapsed_s: (self.now_s - customer_end).max(0.0),
            },
            ref other => other.clone(),
        };
        let reply = ReplyGauge {
            state: reply_state,
            aim_s,
            aim_reason,
            window_s,
            customer_turn,
            gaps: self.gaps,
            in_window: self.in_window,
        };
        let [agent_s, customer_s] = self.talk_s;
        let changes_per_45s = pace_changes_per_45s(self.pace_changes.len(), agent_s);
        let pace = PaceGauge {
            last_rate: self.last_rate,
            changes_per_45s,
            agent_talk_s: agent_s,
            min_talk_s: MIN_TALK_FOR_PACE_S,
            range: pace_range(changes_per_45s, agent_s, &self.profile),
            target: self.profile.pace.changes_per_45s,
            changes: self.pace_changes.clone(),
        };
        let anyone_speaking = self.speaking.iter().any(|&s| s);
        // The agent's current turn (cleared when the customer takes the floor).
        let monologue_s = self
            .agent_turn_start
            .map_or(0.0, |start| (self.now_s - start).max(0.0));
        let talk = TalkGauge {
            agent_s,
            customer_s,
            agent_share: (agent_s + customer_s > 0.0).then(|| agent_s / (agent_s + customer_s)),
            overlaps: self.overlaps,
            last_overlap_s: self.last_overlap_s,
            silence_s: match self.last_speech_end {
                Some(t) if !anyone_speaking => (self.now_s - t).max(0.0),
                _ => 0.0,
            },
            long_silences: self.long_silences,
            long_silence_s: self.profile.talk.long_silence_s,
            monologue_s,
            longest_monologue_s: self.longest_monologue_s.max(monologue_s),
            max_monologue_s: self.profile.talk.max_monologue_s,
        };
        let mut gauges = Gauges {
            now_s: self.now_s,
            has_customer: self.has_customer,
            pitch,
            reply,
            pace,
            talk,
            cue: Cue {
                text: String::new(),
                tone: Tone::Info,
            },
            summary: self.summary.clone(),
        };
        gauges.cue = focus_cue(&gauges);
        gauges
    }
}

/// The band targets of `band` with the rest of the profile's pitch targets.
fn band_targets(profile: &Profile, band: BandSetting) -> PitchTargets {
    match band {
        BandSetting::Hz(band_hz) => PitchTargets {
            band_hz,
            band_semitones: None,
            ..profile.pitch.clone()
        },
        BandSetting::Semitones(semitones) => PitchTargets {
            band_semitones: Some(semitones),
            ..profile.pitch.clone()
        },
    }
}

/// Index of a speaker's open-segment flag and talk time: 0 agent (or a mono mix), 1
/// customer.
fn party(speaker: Speaker) -> usize {
    usize::from(speaker == Speaker::Customer)
}

/// The one cue that matters most now, in order of urgency: talking over the customer,
/// the reply timer, a long monologue, a long silence, pitch out of band, pace, the last
/// reply. Once the call has ended: the summary's headline. The limits are the gauges'
/// own (from the profile), judged with the engine's rules.
pub fn focus_cue(g: &Gauges) -> Cue {
    let cue = |text: String, tone| Cue { text, tone };
    if let Some(summary) = &g.summary {
        return cue(summary.headline.clone(), Tone::Info);
    }
    if let Some(t) = g.talk.last_overlap_s
        && g.now_s - t <= OVERLAP_CUE_S
    {
        return cue("✖ Overlap: let them finish".into(), Tone::Alert);
    }
    if let ReplyState::Timing { elapsed_s, .. } = g.reply.state {
        let [lo, hi] = g.reply.aim_s;
        return match g.reply.aim_reason {
            _ if elapsed_s > hi => cue(format!("▶ Answer now ({elapsed_s:.1} s)"), Tone::Adjust),
            WindowReason::AgitatedCustomer if elapsed_s < lo => cue(
                format!("⏸ Upset customer: calm phrase, then pause… {elapsed_s:.1} s"),
                Tone::Info,
            ),
            WindowReason::AgitatedCustomer => cue(
                format!("✔ Answer now, calmly ({elapsed_s:.1} s)"),
                Tone::Good,
            ),
            WindowReason::RushedCustomer if elapsed_s < lo => cue(
                format!("⏩ Rushed customer: answer promptly ({elapsed_s:.1} s)"),
                Tone::Info,
            ),
            _ if elapsed_s < lo => cue(format!("⏸ Wait… {elapsed_s:.1} s"), Tone::Info),
            _ => cue(format!("✔ Answer now ({elapsed_s:.1} s)"), Tone::Good),
        };
    }
    if is_monologue(g.talk.monologue_s, g.talk.max_monologue_s) {
        return cue(
            format!("⏹ {:.0} s monologue: ask a question", g.talk.monologue_s),
            Tone::Adjust,
        );
    }
    if is_long_silence(g.talk.silence_s, g.talk.long_silence_s) {
        return cue(
            format!("… Silence {:.0} s: say something", g.talk.silence_s),
            Tone::Adjust,
        );
    }
    match g.pitch.state {
        PitchState::High => return cue("⬇ Lower your pitch".into(), Tone::Adjust),
        PitchState::Low => return cue("⬆ Lift your pitch a little".into(), Tone::Adjust),
        _ => {}
    }
    match g.pace.range {
        Some(Range::Below) => return cue("〰 Vary your pace".into(), Tone::Adjust),
        Some(Range::Above) => return cue("〰 Steadier pace: fewer changes".into(), Tone::Adjust),
        _ => {}
    }
    if let ReplyState::Answered(gap) = g.reply.state {
        let tone = if gap.verdict == Verdict::InWindow {
            Tone::Good
        } else {
            Tone::Adjust
        };
        return cue(
            format!("Last reply {:.1} s: {}", gap.gap_s, gap.verdict.words()),
            tone,
        );
    }
    cue("✔ On track".into(), Tone::Good)
}

/// What the reply cue says about a customer turn's state, in the words of the cues.
pub fn customer_words(state: CustomerState) -> &'static str {
    match state {
        CustomerState::Calm => "calm",
        CustomerState::Agitated => "upset: louder and higher than at the start",
        CustomerState::Rushed => "rushed: talking faster than at the start",
    }
}

/// Changes a [`CueLog`] keeps per call; later changes are counted, not kept (at most a
/// few thousand in an hour of conversation).
pub const CUE_LOG_LEN: usize = 100_000;

/// One change of what the coach shows that the score can check: the focus cue, the
/// pitch state, the reply timer or the answered reply shown, and the pace range.
#[derive(Debug, Clone, PartialEq)]
pub struct CueChange {
    /// The call's stream time when the change showed (audio analyzed), s.
    pub now_s: f64,
    /// Frames the engine had decided by then.
    pub frames_decided: u64,
    /// Taken as the call ended (after the engine's last frames and events, or with the
    /// summary), not after a block of audio.
    pub ended: bool,
    /// The focus cue's text.
    pub cue: String,
    /// Where the smoothed pitch was against the band.
    pub pitch: PitchState,
    /// The end of the customer's speech the reply timer ran from, s (`None`: no timer).
    pub timer_from_s: Option<f64>,
    /// The decided gap the reply gauge showed.
    pub answered: Option<ReplyGap>,
    /// The pace against its target, once it can be judged.
    pub pace: Option<Range>,
}

/// The changes of what the coach showed during one call, taken after every block of
/// audio and at the end of the call, the oldest first. Bounded: after [`CUE_LOG_LEN`]
/// changes the rest are only counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CueLog {
    changes: Vec<CueChange>,
    dropped: u64,
}

impl CueLog {
    /// Adds the gauges `g` (with the frames decided by then; `ended`: taken as the call
    /// ended) when what they show differs from the last change kept.
    pub fn record(&mut self, g: &Gauges, frames_decided: u64, ended: bool) {
        let (timer_from_s, answered) = match g.reply.state {
            ReplyState::Idle => (None, None),
            ReplyState::Timing { customer_end, .. } => (Some(customer_end), None),
            ReplyState::Answered(gap) => (None, Some(gap)),
        };
        if let Some(last) = self.changes.last()
            && last.cue == g.cue.text
            && last.pitch == g.pitch.state
            && last.timer_from_s == timer_from_s
            && last.answered == answered
            && last.pace == g.pace.range
        {
            return;
        }
        if self.changes.len() >= CUE_LOG_LEN {
            self.dropped += 1;
            return;
        }
        self.changes.push(CueChange {
            now_s: g.now_s,
            frames_decided,
            ended,
            cue: g.cue.text.clone(),
            pitch: g.pitch.state,
            timer_from_s,
            answered,
            pace: g.pace.range,
        });
    }

    /// The changes kept, the oldest first.
    pub fn changes(&self) -> &[CueChange] {
        &self.changes
    }

    /// Changes past [`CUE_LOG_LEN`], not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
