//! The per-call result. Field names are a public interface (`calls.jsonl`): add fields,
//! never rename them.

use serde::{Deserialize, Serialize};

use super::band::BaselineSource;
pub use super::diarize::{AgentIdentifiedBy, VoicesFound};
use super::metrics::CallMetrics;
use super::rules::{CustomerState, WindowReason};

/// How a call's two parties were told apart. Absent from a record of two channels (the
/// channels hold them), so records of stereo calls keep their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakersFrom {
    /// One channel per party.
    Channels,
    /// One mixed channel, split into voices by diarization.
    Diarization,
}

/// How the parties reach the file: on separate channels, or mixed into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Agent and customer on separate channels.
    Stereo,
    /// One channel carrying both voices (or the agent alone).
    Mono,
}

impl Layout {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Stereo => "stereo",
            Layout::Mono => "mono",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The agent (the coached party).
    Agent,
    /// The customer.
    Customer,
    /// A mono mix: speech of either party, who is not known.
    Mixed,
}

/// A stretch of continuous speech, seconds from the start of the file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Who spoke.
    pub speaker: Speaker,
    /// Start, s.
    pub start: f64,
    /// End, s.
    pub end: f64,
}

/// Verdict on a reply gap against the profile's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The agent started before the customer finished.
    Overlap,
    /// Shorter than the window.
    Early,
    /// Inside the window (inclusive).
    InWindow,
    /// Longer than the window.
    Late,
}

impl Verdict {
    /// Classifies `gap_s` against `[min, max]` (inclusive).
    pub fn classify(gap_s: f64, window_s: [f64; 2]) -> Self {
        if gap_s < 0.0 {
            Self::Overlap
        } else if gap_s < window_s[0] {
            Self::Early
        } else if gap_s <= window_s[1] {
            Self::InWindow
        } else {
            Self::Late
        }
    }

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overlap => "overlap",
            Self::Early => "early",
            Self::InWindow => "in_window",
            Self::Late => "late",
        }
    }

    /// The words users read.
    pub fn words(self) -> &'static str {
        match self {
            Self::Overlap => "overlapping",
            Self::Early => "early",
            Self::InWindow => "in the window",
            Self::Late => "late",
        }
    }
}

/// The interval from the end of a customer turn to the start of the agent's answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplyGap {
    /// End of the customer's turn, s.
    pub customer_end: f64,
    /// Start of the agent's turn, s.
    pub agent_start: f64,
    /// `agent_start - customer_end`, s; negative for overlap.
    pub gap_s: f64,
    /// Verdict against `window_s`.
    pub verdict: Verdict,
    /// The window the gap was judged against, s: the profile's `reply.window_s`, or
    /// `reply.agitated_window_s` after an agitated customer turn.
    #[serde(default = "default_window_s")]
    pub window_s: [f64; 2],
    /// Why that window: `normal`, `agitated_customer` or `rushed_customer` (the state
    /// of the customer turn answered, see [`CustomerTurn`]).
    #[serde(default)]
    pub window_reason: WindowReason,
}

/// The default profile's reply window: what a record written without `window_s` was
/// judged against.
fn default_window_s() -> [f64; 2] {
    crate::config::ReplyTargets::default().window_s
}

/// The customer's own start of call, which their later turns are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CustomerBaseline {
    /// It covers the customer's speech that started before this time, s.
    pub until_s: f64,
    /// Active speech in it, s.
    pub speech_s: f64,
    /// Mean level of its active frames, dBFS.
    pub level_dbfs: f64,
    /// Median F0 of its voiced frames, Hz.
    pub median_f0_hz: Option<f64>,
    /// Syllables per second of speech.
    pub syllables_per_s: Option<f64>,
}

/// A customer turn judged against the customer's baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CustomerTurn {
    /// Turn start, s.
    pub start: f64,
    /// Turn end so far, s (the end of its last segment).
    pub end: f64,
    /// `calm`, `agitated` (louder and higher) or `rushed` (faster).
    pub state: CustomerState,
    /// Mean level of its active frames less the baseline's, dB.
    pub louder_db: f64,
    /// Median F0 over the baseline's, less 1 (0.1: 10 % higher).
    pub higher: Option<f64>,
    /// Speech rate over the baseline's, less 1 (0.3: 30 % faster).
    pub faster: Option<f64>,
    /// Syllables per second of speech in the turn.
    pub syllables_per_s: f64,
}

/// Speaking rate over one agent turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaceSpan {
    /// Turn start, s.
    pub start: f64,
    /// Turn end, s.
    pub end: f64,
    /// Syllable nuclei per second of speech in the turn.
    pub syllables_per_s: f64,
    /// Syllable nuclei counted.
    pub syllables: u32,
    /// Seconds of speech in the turn (sum of its segments).
    pub speech_s: f64,
}

/// A change of speaking rate between consecutive agent turns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaceChange {
    /// Start of the later turn, s.
    pub t: f64,
    /// Rate before, syllables/s.
    pub from: f64,
    /// Rate after, syllables/s.
    pub to: f64,
}

/// A stretch with nobody speaking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Start, s.
    pub start: f64,
    /// End, s.
    pub end: f64,
}

/// The agent's (or, in a mono file, the one voice's) measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentReport {
    /// Seconds of speech.
    pub talk_s: f64,
    /// Seconds of voiced speech.
    pub voiced_s: f64,
    /// Median F0 over voiced frames, Hz (null without voiced speech).
    pub median_f0_hz: Option<f64>,
    /// The calming band used, Hz (a relative band resolved against the baseline).
    pub band_hz: [f64; 2],
    /// The band in semitones from the baseline, when it is relative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band_semitones: Option<[f64; 2]>,
    /// The baseline F0 a relative band rests on, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_hz: Option<f64>,
    /// Where the baseline came from: `agent` (stored) or `call` (its first voiced speech).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_from: Option<BaselineSource>,
    /// Share of voiced time with F0 inside the band (inclusive), 0–1.
    pub frac_voiced_in_band: Option<f64>,
    /// Syllables per second of speech over all agent turns.
    pub syllables_per_s: Option<f64>,
    /// Rate per turn.
    pub pace: Vec<PaceSpan>,
    /// Pace changes.
    pub pace_changes: Vec<PaceChange>,
    /// Pace changes per 45 s of agent talk.
    pub pace_changes_per_45s: Option<f64>,
}

/// The customer's measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    /// Seconds of speech.
    pub talk_s: f64,
    /// Median F0 over voiced frames, Hz.
    pub median_f0_hz: Option<f64>,
    /// Their first 30 s of speech, once it holds enough speech to compare with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<CustomerBaseline>,
    /// Their turns after the baseline, each judged against it, in time order.
    #[serde(default)]
    pub turns: Vec<CustomerTurn>,
}

/// A rule of the score. The JSON name (`as_str`) is the snake_case variant name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Share of the agent's voiced time in the pitch band.
    Pitch,
    /// Share of replies in the reply-gap window.
    ReplyGap,
    /// Pace changes per 45 s of agent talk.
    Pace,
    /// Overlaps past the tolerated number.
    Overlaps,
    /// Long silences.
    LongSilence,
    /// The longest agent turn.
    Monologue,
}

impl Rule {
    /// Every rule, in the order of the deduction columns of `summary.csv`.
    pub const ALL: [Rule; 6] = [
        Rule::Pitch,
        Rule::ReplyGap,
        Rule::Pace,
        Rule::Overlaps,
        Rule::LongSilence,
        Rule::Monologue,
    ];

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Pitch => "pitch",
            Rule::ReplyGap => "reply_gap",
            Rule::Pace => "pace",
            Rule::Overlaps => "overlaps",
            Rule::LongSilence => "long_silence",
            Rule::Monologue => "monologue",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One deduction from the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    /// The rule.
    pub rule: Rule,
    /// Points taken off.
    pub points: f64,
    /// Why, in words with the measured values.
    pub why: String,
}

/// The 0–100 score with its deductions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 100 minus the deductions divided by `coverage` (the rules measured span the
    /// whole range), rounded, at least 0.
    pub total: u32,
    /// Share of the profile's rule weight that was measured on this call, 0–1.
    #[serde(default = "full_coverage")]
    pub coverage: f64,
    /// `coverage` is under the profile's `score.min_coverage`: the total rests on too
    /// few rules to compare with fully measured calls.
    #[serde(default)]
    pub partial: bool,
    /// The rules left out (see `not_scored` for why).
    #[serde(default)]
    pub rules_not_scored: Vec<Rule>,
    /// What was taken off and why: points out of each rule's weight, before the
    /// rescaling by coverage.
    pub deductions: Vec<Deduction>,
    /// Rules that could not be judged on this call, and why.
    pub not_scored: Vec<Deduction>,
}

fn full_coverage() -> f64 {
    1.0
}

impl Default for Score {
    fn default() -> Self {
        Self {
            total: 100,
            coverage: 1.0,
            partial: false,
            rules_not_scored: Vec::new(),
            deductions: Vec::new(),
            not_scored: Vec::new(),
        }
    }
}

/// Everything measured on one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallReport {
    /// Seconds of audio analyzed.
    pub duration_s: f64,
    /// `stereo` (agent and customer on separate channels) or `mono`.
    pub layout: Layout,
    /// Agent (or one-voice) measures.
    pub agent: AgentReport,
    /// Customer measures (null for mono).
    pub customer: Option<CustomerReport>,
    /// Speech segments, sorted by start.
    pub segments: Vec<Segment>,
    /// Turns, sorted by start.
    pub turns: Vec<Segment>,
    /// Reply gaps, sorted by time.
    pub reply_gaps: Vec<ReplyGap>,
    /// Whether reply gaps could be measured (needs two channels).
    pub reply_gaps_measured: bool,
    /// Times either party started speaking while the other was speaking.
    pub overlaps: u32,
    /// Silences of at least the profile's length.
    pub long_silences: Vec<Silence>,
    /// Longest agent turn, s.
    pub longest_monologue_s: f64,
    /// Talk shares, interactivity and dead air.
    #[serde(default)]
    pub metrics: CallMetrics,
    /// Score against the profile.
    pub score: Score,
    /// Remarks on what could not be measured and why.
    pub notes: Vec<String>,
    /// `diarization` for a mono call (absent for two channels: the channels hold the
    /// parties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speakers_from: Option<SpeakersFrom>,
    /// Voices the diarization found in a mono call: `two`, `one` or `none` (no speech).
    /// With `one` or `none` the call is reported as one voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voices_found: Option<VoicesFound>,
    /// How sure the split into two voices is, 0–1 (mono calls with two voices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diarization_confidence: Option<f64>,
    /// How the agent's voice was told from the customer's: `voice_print` or `rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_identified_by: Option<AgentIdentifiedBy>,
    /// How sure that is, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_identification_confidence: Option<f64>,
}
