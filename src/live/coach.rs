//! The gauges an agent sees, computed from the engine's frames and events: smoothed
//! pitch against the band, the running reply timer and its verdict, pace changes in the
//! last 45 s, talk ratio, overlaps, silences, monologue length, and the one cue that
//! matters most now (focus mode). Pure code: no threads, clocks or I/O, so the gauges
//! follow from the audio alone and are unit-tested on known inputs.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::analysis::band::{CALL_BASELINE_VOICED_FRAMES, median_f32, relative_band};
use crate::analysis::call::PACE_CHANGE_WINDOW_S;
use crate::analysis::settings::HOP_S;
use crate::analysis::{Event, FrameOutput, PaceChange, Speaker, TimedEvent, Verdict};
use crate::config::Profile;

/// Voiced agent frames the smoothed pitch is the median of (2 s of voiced speech).
pub const PITCH_SMOOTHING_FRAMES: usize = 200;
/// The needle shows the agent's pitch while their last voiced speech frame is at most
/// this old (against the newest decided frame), s; then it rests until they speak.
pub const PITCH_HOLD_S: f64 = 0.5;
/// Voiced agent frames that make the baseline of a relative band (30 s of voiced
/// speech: about the first two minutes of a call), as in the engine.
pub const BASELINE_VOICED_FRAMES: usize = CALL_BASELINE_VOICED_FRAMES;
/// Window over which pace changes are counted, s: the unit of the engine's rate and of
/// the profile's `pace.changes_per_45s` target.
pub const PACE_WINDOW_S: f64 = PACE_CHANGE_WINDOW_S;
/// The customer's own start of call: their first this many seconds of speech.
pub const CUSTOMER_BASELINE_S: f64 = 30.0;
/// Their recent speech compared with it: the last this many seconds of it.
pub const CUSTOMER_RECENT_S: f64 = 8.0;
/// Louder than their start by this much counts as a sign of upset, dB.
pub const UPSET_LOUDER_DB: f32 = 4.0;
/// Higher than their start by this share counts as a sign of upset.
pub const UPSET_HIGHER: f32 = 0.08;
/// Talking this much more densely (share of time active, fewer pauses) counts as rushed.
pub const UPSET_DENSER: f32 = 0.15;
/// Upset signs need at least this much active speech in the customer's baseline, s ...
pub const UPSET_MIN_BASELINE_S: f64 = 5.0;
/// ... and this many active frames of their recent speech (1 s).
pub const UPSET_MIN_RECENT_FRAMES: usize = 100;
/// Deliberate pause recommended after an upset customer, s.
pub const UPSET_PAUSE_S: [f64; 2] = [3.0, 5.0];
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
    /// The agent answered; the gap and its verdict stay shown.
    Answered {
        /// Gap, s (negative: overlap).
        gap_s: f64,
        /// Its verdict against the window.
        verdict: Verdict,
    },
}

/// Signs that the customer is upset or rushed, against their own start of call.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct UpsetSigns {
    /// Louder by this much, dB.
    pub louder_db: f32,
    /// Higher by this share.
    pub higher: f32,
    /// Denser speech (less pausing) by this share of time.
    pub denser: f32,
}

impl UpsetSigns {
    /// Two of the three signs together mean upset.
    pub fn upset(&self) -> bool {
        let signs = [
            self.louder_db >= UPSET_LOUDER_DB,
            self.higher >= UPSET_HIGHER,
            self.denser >= UPSET_DENSER,
        ];
        signs.iter().filter(|&&s| s).count() >= 2
    }
}

/// The reply gauge with its window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyGauge {
    /// Timer state.
    pub state: ReplyState,
    /// The window the agent should aim for now, s: the profile's, or a deliberate
    /// 3–5 s pause after an upset customer.
    pub aim_s: [f64; 2],
    /// The profile's window, s.
    pub window_s: [f64; 2],
    /// The customer's upset signs.
    pub upset: UpsetSigns,
    /// Gaps so far and how many were in the window.
    pub gaps: usize,
    /// Of which in the window.
    pub in_window: usize,
}

/// The pace gauge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaceGauge {
    /// Rate of the agent's last finished turn, syllables per second of speech.
    pub last_rate: Option<f64>,
    /// Pace changes in the last 45 s.
    pub changes_recent: usize,
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
    /// Current silence (nobody speaking), s.
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
    /// The focus cue.
    pub cue: Cue,
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

/// Turns the engine's output into gauges, incrementally.
#[derive(Debug, Clone)]
pub struct Coach {
    profile: Profile,
    band: BandSetting,
    has_customer: bool,
    now_s: f64,
    /// Last voiced agent F0s (ring).
    voiced: [f32; PITCH_SMOOTHING_FRAMES],
    voiced_len: usize,
    voiced_next: usize,
    /// Time of the newest voiced frame of the agent's speech, and of the newest frame.
    last_voiced_speech_t: Option<f64>,
    last_frame_t: f64,
    baseline_frames: Vec<f32>,
    baseline_hz: Option<f32>,
    voiced_total: u64,
    voiced_in_band: u64,
    agent_frames: u64,
    customer_frames: u64,
    /// Customer baseline: active frames seen, level sum, voiced F0s while it is measured
    /// and their median once it is complete.
    cust_base_frames: u64,
    cust_base_level_sum: f64,
    cust_base_f0: Vec<f32>,
    cust_base_f0_hz: Option<f32>,
    cust_base_span_frames: u64,
    /// Recent active customer frames (level, f0), ring over [`CUSTOMER_RECENT_S`].
    cust_recent: VecDeque<(f32, f32)>,
    cust_started: bool,
    last_active_t: Option<f64>,
    reply: ReplyState,
    customer_speaking: bool,
    agent_speaking: bool,
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
}

impl Coach {
    /// Gauges for a call scored against `profile`, with the pitch band set by `band`.
    pub fn new(profile: Profile, band: BandSetting, has_customer: bool) -> Self {
        Self {
            profile,
            band,
            has_customer,
            now_s: 0.0,
            voiced: [0.0; PITCH_SMOOTHING_FRAMES],
            last_voiced_speech_t: None,
            last_frame_t: 0.0,
            voiced_len: 0,
            voiced_next: 0,
            baseline_frames: Vec::with_capacity(BASELINE_VOICED_FRAMES),
            baseline_hz: None,
            voiced_total: 0,
            voiced_in_band: 0,
            agent_frames: 0,
            customer_frames: 0,
            cust_base_frames: 0,
            cust_base_level_sum: 0.0,
            cust_base_f0: Vec::new(),
            cust_base_f0_hz: None,
            cust_base_span_frames: 0,
            cust_recent: VecDeque::with_capacity((CUSTOMER_RECENT_S / HOP_S) as usize + 1),
            cust_started: false,
            last_active_t: None,
            reply: ReplyState::Idle,
            customer_speaking: false,
            agent_speaking: false,
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
        }
    }

    /// Starts a relative band from the agent's stored baseline, Hz, instead of
    /// measuring it over the call's first voiced speech.
    pub fn with_baseline(mut self, baseline_hz: f64) -> Self {
        self.baseline_hz = Some(baseline_hz as f32);
        self.baseline_frames = Vec::new();
        self
    }

    /// The band in force, Hz (`None` while a relative band's baseline is measured).
    pub fn band_hz(&self) -> Option<[f64; 2]> {
        match self.band {
            BandSetting::Hz(b) => Some(b),
            BandSetting::Semitones(semitones) => self
                .baseline_hz
                .map(|base| relative_band(f64::from(base), semitones)),
        }
    }

    /// Strip-chart history (last 60 s).
    pub fn strip(&self) -> &VecDeque<StripPoint> {
        &self.strip
    }

    /// Stream time reached (audio received), s; moves the timers.
    pub fn set_now(&mut self, now_s: f64) {
        self.now_s = self.now_s.max(now_s);
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
                self.voiced[self.voiced_next] = f.agent_f0_hz;
                self.voiced_next = (self.voiced_next + 1) % PITCH_SMOOTHING_FRAMES;
                self.voiced_len = (self.voiced_len + 1).min(PITCH_SMOOTHING_FRAMES);
                if self.baseline_hz.is_none() {
                    self.baseline_frames.push(f.agent_f0_hz);
                    if self.baseline_frames.len() >= BASELINE_VOICED_FRAMES {
                        self.baseline_hz = median_f32(&mut self.baseline_frames);
                        self.baseline_frames = Vec::new();
                    }
                }
                if let Some([lo, hi]) = self.band_hz() {
                    self.voiced_total += 1;
                    let f0 = f64::from(f.agent_f0_hz);
                    if lo <= f0 && f0 <= hi {
                        self.voiced_in_band += 1;
                    }
                }
            }
            if f.agent_active {
                self.agent_frames += 1;
            }
            if f.customer_active {
                self.customer_frames += 1;
                self.cust_started = true;
            }
            if f.agent_active || f.customer_active {
                self.last_active_t = Some(f.t_s);
            }
            if self.cust_started
                && self.cust_base_span_frames < (CUSTOMER_BASELINE_S / HOP_S) as u64
            {
                // The customer's start of call: every frame of the span counts for the
                // density, active frames for level and pitch.
                self.cust_base_span_frames += 1;
                if f.customer_active {
                    self.cust_base_frames += 1;
                    self.cust_base_level_sum += f64::from(f.customer_level_db);
                    if f.customer_f0_hz > 0.0 {
                        self.cust_base_f0.push(f.customer_f0_hz);
                    }
                }
                if self.cust_base_span_frames == (CUSTOMER_BASELINE_S / HOP_S) as u64 {
                    self.cust_base_f0_hz = median_f32(&mut self.cust_base_f0);
                    self.cust_base_f0 = Vec::new();
                }
            } else if self.cust_started && f.customer_active {
                if self.cust_recent.len() >= (CUSTOMER_RECENT_S / HOP_S) as usize {
                    self.cust_recent.pop_front();
                }
                self.cust_recent
                    .push_back((f.customer_level_db, f.customer_f0_hz));
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
                match speaker {
                    Speaker::Customer => {
                        self.customer_speaking = true;
                        if matches!(self.reply, ReplyState::Timing { .. }) {
                            self.reply = ReplyState::Idle;
                        }
                    }
                    Speaker::Agent | Speaker::Mixed => {
                        self.agent_speaking = true;
                        if let ReplyState::Timing { customer_end, .. } = self.reply {
                            let gap_s = t - customer_end;
                            self.reply = ReplyState::Answered {
                                gap_s,
                                verdict: Verdict::classify(gap_s, self.profile.reply.window_s),
                            };
                        }
                    }
                }
                if self.last_speaker != Some(*speaker) {
                    if *speaker != Speaker::Customer {
                        self.agent_turn_start = Some(*t);
                    } else {
                        self.agent_turn_start = None;
                    }
                }
                self.last_speaker = Some(*speaker);
            }
            Event::SpeechEnded(seg) => match seg.speaker {
                Speaker::Customer => {
                    self.customer_speaking = false;
                    if !self.agent_speaking {
                        self.reply = ReplyState::Timing {
                            customer_end: seg.end,
                            elapsed_s: 0.0,
                        };
                    }
                }
                Speaker::Agent | Speaker::Mixed => {
                    self.agent_speaking = false;
                    if let Some(start) = self.agent_turn_start {
                        self.longest_monologue_s = self.longest_monologue_s.max(seg.end - start);
                    }
                }
            },
            Event::ReplyGap(gap) => {
                self.gaps += 1;
                if gap.verdict == Verdict::InWindow {
                    self.in_window += 1;
                }
                self.reply = ReplyState::Answered {
                    gap_s: gap.gap_s,
                    verdict: gap.verdict,
                };
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

    fn upset_signs(&self) -> UpsetSigns {
        if self.cust_base_frames < (UPSET_MIN_BASELINE_S / HOP_S) as u64
            || self.cust_recent.len() < UPSET_MIN_RECENT_FRAMES
        {
            return UpsetSigns::default();
        }
        let base_level = (self.cust_base_level_sum / self.cust_base_frames as f64) as f32;
        let recent_level =
            self.cust_recent.iter().map(|r| r.0).sum::<f32>() / self.cust_recent.len() as f32;
        let mut recent_f0: Vec<f32> = self
            .cust_recent
            .iter()
            .map(|r| r.1)
            .filter(|&f| f > 0.0)
            .collect();
        let higher = match (self.cust_base_f0_hz, median_f32(&mut recent_f0)) {
            (Some(b), Some(r)) if b > 0.0 => r / b - 1.0,
            _ => 0.0,
        };
        // Density (a stand-in for speaking rate, which the engine counts for the agent
        // only): share of the last stretch that the customer spends talking, against
        // the same share over their first 30 s.
        let window = (CUSTOMER_RECENT_S / HOP_S) as usize;
        let recent_active = self
            .strip
            .iter()
            .rev()
            .take(window)
            .filter(|p| p.customer_active)
            .count() as f32
            / window as f32;
        let base_active = self.cust_base_frames as f32 / self.cust_base_span_frames.max(1) as f32;
        UpsetSigns {
            louder_db: recent_level - base_level,
            higher,
            denser: recent_active - base_active,
        }
    }

    /// The gauges now.
    pub fn gauges(&self) -> Gauges {
        let mut recent = self.voiced;
        let speaking = self
            .last_voiced_speech_t
            .is_some_and(|t| self.last_frame_t - t <= PITCH_HOLD_S);
        let f0_hz = if speaking {
            median_f32(&mut recent[..self.voiced_len])
        } else {
            None
        };
        let band_hz = self.band_hz();
        let state = match (f0_hz, band_hz) {
            (None, _) => PitchState::NoVoice,
            (Some(_), None) => PitchState::Measuring,
            (Some(f), Some([lo, hi])) => {
                let f = f64::from(f);
                if f < lo {
                    PitchState::Low
                } else if f > hi {
                    PitchState::High
                } else {
                    PitchState::InBand
                }
            }
        };
        let pitch = PitchGauge {
            f0_hz,
            band_hz,
            baseline_hz: self.baseline_hz,
            baseline_progress: match self.band {
                BandSetting::Hz(_) => 1.0,
                BandSetting::Semitones(_) if self.baseline_hz.is_some() => 1.0,
                BandSetting::Semitones(_) => {
                    self.baseline_frames.len() as f32 / BASELINE_VOICED_FRAMES as f32
                }
            },
            state,
            frac_in_band: (self.voiced_total > 0)
                .then(|| self.voiced_in_band as f64 / self.voiced_total as f64),
        };
        let upset = self.upset_signs();
        let window_s = self.profile.reply.window_s;
        let reply_state = match self.reply {
            ReplyState::Timing { customer_end, .. } => ReplyState::Timing {
                customer_end,
                elapsed_s: (self.now_s - customer_end).max(0.0),
            },
            ref other => other.clone(),
        };
        let reply = ReplyGauge {
            state: reply_state,
            aim_s: if upset.upset() {
                UPSET_PAUSE_S
            } else {
                window_s
            },
            window_s,
            upset,
            gaps: self.gaps,
            in_window: self.in_window,
        };
        let pace = PaceGauge {
            last_rate: self.last_rate,
            changes_recent: self
                .pace_changes
                .iter()
                .filter(|c| c.t >= self.now_s - PACE_WINDOW_S)
                .count(),
            target: self.profile.pace.changes_per_45s,
            changes: self.pace_changes.clone(),
        };
        let agent_s = self.agent_frames as f64 * HOP_S;
        let customer_s = self.customer_frames as f64 * HOP_S;
        let anyone_speaking = self.agent_speaking || self.customer_speaking;
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
            silence_s: match self.last_active_t {
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
        };
        gauges.cue = focus_cue(&gauges);
        gauges
    }
}

/// The one cue that matters most now, in order of urgency: talking over the customer,
/// the reply timer, a long monologue, a long silence, pitch out of band, pace.
pub fn focus_cue(g: &Gauges) -> Cue {
    let cue = |text: String, tone| Cue { text, tone };
    if let Some(t) = g.talk.last_overlap_s
        && g.now_s - t <= OVERLAP_CUE_S
    {
        return cue("✖ Overlap: let them finish".into(), Tone::Alert);
    }
    if let ReplyState::Timing { elapsed_s, .. } = g.reply.state {
        let [lo, hi] = g.reply.aim_s;
        return if elapsed_s < lo {
            cue(format!("⏸ Wait… {elapsed_s:.1} s"), Tone::Info)
        } else if elapsed_s <= hi {
            cue(format!("✔ Answer now ({elapsed_s:.1} s)"), Tone::Good)
        } else {
            cue(format!("▶ Answer: {elapsed_s:.1} s, late"), Tone::Adjust)
        };
    }
    if g.talk.monologue_s > g.talk.max_monologue_s {
        return cue(
            format!("⏹ {:.0} s monologue: ask a question", g.talk.monologue_s),
            Tone::Adjust,
        );
    }
    if g.talk.silence_s >= g.talk.long_silence_s {
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
    if g.talk.agent_s >= PACE_WINDOW_S && (g.pace.changes_recent as f64) < g.pace.target[0] {
        return cue("〰 Vary your pace".into(), Tone::Adjust);
    }
    if let ReplyState::Answered { verdict, gap_s } = g.reply.state {
        let tone = if verdict == Verdict::InWindow {
            Tone::Good
        } else {
            Tone::Adjust
        };
        return cue(
            format!("Last reply {gap_s:.2} s: {}", verdict.as_str()),
            tone,
        );
    }
    cue("✔ On track".into(), Tone::Good)
}
