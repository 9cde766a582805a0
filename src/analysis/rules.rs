//! The coaching rules and their thresholds, in one place: the score judges a finished
//! call with them and the live cues judge the call so far with the same functions, so
//! a cue never says what the score would not.

use serde::{Deserialize, Serialize};

use crate::config::Profile;

/// Pace changes are counted per this much agent talk, s (the profile's
/// `pace.changes_per_45s` targets are in this unit).
pub const PACE_CHANGE_WINDOW_S: f64 = 45.0;
/// Less agent talk than this is too little to judge pace changes, s.
pub const MIN_TALK_FOR_PACE_S: f64 = 20.0;

/// The customer's own start of call: their speech in the first this many seconds from
/// their first word is the baseline their later turns are compared with.
pub const CUSTOMER_BASELINE_S: f64 = 30.0;
/// A baseline needs at least this much active customer speech, s.
pub const CUSTOMER_BASELINE_MIN_SPEECH_S: f64 = 5.0;
/// A customer turn is judged once it holds at least this much active speech, s.
pub const CUSTOMER_TURN_MIN_SPEECH_S: f64 = 1.0;
/// Agitated needs the turn this much louder than the baseline (mean level of active
/// frames), dB ...
pub const AGITATED_LOUDER_DB: f64 = 4.0;
/// ... and at the same time this share higher (median F0 of voiced frames).
pub const AGITATED_HIGHER: f64 = 0.08;
/// Rushed: the turn's speech rate (syllables per second of speech) is this share
/// faster than the baseline's, and the turn is not agitated.
pub const RUSHED_FASTER: f64 = 0.3;

/// Where a value lies against a target range (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Range {
    /// Below the range.
    Below,
    /// Inside it.
    Within,
    /// Above it.
    Above,
}

impl Range {
    /// `x` against `[lo, hi]`, both ends inside.
    pub fn of(x: f64, [lo, hi]: [f64; 2]) -> Self {
        if x < lo {
            Self::Below
        } else if x > hi {
            Self::Above
        } else {
            Self::Within
        }
    }
}

/// Pace changes per [`PACE_CHANGE_WINDOW_S`] of agent talk (`None` before any talk).
pub fn pace_changes_per_45s(changes: usize, agent_talk_s: f64) -> Option<f64> {
    (agent_talk_s > 0.0).then(|| changes as f64 * PACE_CHANGE_WINDOW_S / agent_talk_s)
}

/// Whether there is enough agent talk to judge pace changes.
pub fn pace_judged(agent_talk_s: f64) -> bool {
    agent_talk_s >= MIN_TALK_FOR_PACE_S
}

/// The pace-change rate against the profile's target, once it can be judged (`None`
/// with too little talk or no rate).
pub fn pace_range(
    rate_per_45s: Option<f64>,
    agent_talk_s: f64,
    profile: &Profile,
) -> Option<Range> {
    let rate = rate_per_45s?;
    pace_judged(agent_talk_s).then(|| Range::of(rate, profile.pace.changes_per_45s))
}

/// An F0 against the calming band (inclusive).
pub fn band_range(f0_hz: f64, band_hz: [f64; 2]) -> Range {
    Range::of(f0_hz, band_hz)
}

/// Whether nobody speaking for `silence_s` is a long silence (the profile's
/// `talk.long_silence_s` is `long_silence_s`).
pub fn is_long_silence(silence_s: f64, long_silence_s: f64) -> bool {
    silence_s >= long_silence_s
}

/// Whether an agent turn of `turn_s` is a monologue (the profile's
/// `talk.max_monologue_s` is `max_monologue_s`).
pub fn is_monologue(turn_s: f64, max_monologue_s: f64) -> bool {
    turn_s > max_monologue_s
}

/// How a customer turn sounded against the customer's own start of call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerState {
    /// Neither agitated nor rushed.
    Calm,
    /// Louder and higher: a deliberate pause after a calming phrase helps.
    Agitated,
    /// Faster speech: a prompt answer helps.
    Rushed,
}

impl CustomerState {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calm => "calm",
            Self::Agitated => "agitated",
            Self::Rushed => "rushed",
        }
    }

    /// The state of a turn `louder_db` louder, `higher` (share) higher and `faster`
    /// (share) faster than the customer's baseline; `None` for a measure that is
    /// missing (no voiced frame, no syllable) counts as no change.
    pub fn judge(louder_db: Option<f64>, higher: Option<f64>, faster: Option<f64>) -> Self {
        let louder = louder_db.is_some_and(|d| d >= AGITATED_LOUDER_DB);
        let higher = higher.is_some_and(|h| h >= AGITATED_HIGHER);
        if louder && higher {
            Self::Agitated
        } else if faster.is_some_and(|f| f >= RUSHED_FASTER) {
            Self::Rushed
        } else {
            Self::Calm
        }
    }
}

/// Why a reply gap was judged against the window it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowReason {
    /// The profile's reply window.
    #[default]
    Normal,
    /// The customer's turn was agitated: the profile's deliberate pause.
    AgitatedCustomer,
    /// The customer's turn was rushed: the normal window, answered promptly.
    RushedCustomer,
}

impl WindowReason {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::AgitatedCustomer => "agitated_customer",
            Self::RushedCustomer => "rushed_customer",
        }
    }
}

/// The reply window that applies after a customer turn in `state` (`None`: the turn
/// was not judged), and why.
pub fn reply_window(state: Option<CustomerState>, profile: &Profile) -> ([f64; 2], WindowReason) {
    match state {
        Some(CustomerState::Agitated) => (
            profile.reply.agitated_window_s,
            WindowReason::AgitatedCustomer,
        ),
        Some(CustomerState::Rushed) => (profile.reply.window_s, WindowReason::RushedCustomer),
        Some(CustomerState::Calm) | None => (profile.reply.window_s, WindowReason::Normal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agitated_needs_louder_and_higher_and_wins_over_rushed() {
        use CustomerState::*;
        let j = CustomerState::judge;
        assert_eq!(j(Some(4.0), Some(0.08), None), Agitated);
        assert_eq!(j(Some(6.0), Some(0.2), Some(0.5)), Agitated);
        assert_eq!(j(Some(3.9), Some(0.2), None), Calm);
        assert_eq!(j(Some(8.0), Some(0.07), None), Calm);
        assert_eq!(j(Some(8.0), None, Some(0.3)), Rushed);
        assert_eq!(j(None, None, Some(0.29)), Calm);
        assert_eq!(j(Some(0.0), Some(0.0), Some(0.43)), Rushed);
    }

    #[test]
    fn the_window_follows_the_customer_turn() {
        let p = Profile::default();
        assert_eq!(
            reply_window(Some(CustomerState::Agitated), &p),
            ([3.0, 5.0], WindowReason::AgitatedCustomer)
        );
        assert_eq!(
            reply_window(Some(CustomerState::Rushed), &p),
            ([0.8, 1.2], WindowReason::RushedCustomer)
        );
        assert_eq!(
            reply_window(Some(CustomerState::Calm), &p),
            ([0.8, 1.2], WindowReason::Normal)
        );
        assert_eq!(reply_window(None, &p), ([0.8, 1.2], WindowReason::Normal));
    }

    #[test]
    fn pace_is_judged_from_20_s_of_talk_against_the_target() {
        let p = Profile::default();
        assert_eq!(pace_changes_per_45s(2, 30.0), Some(3.0));
        assert_eq!(pace_changes_per_45s(2, 0.0), None);
        assert_eq!(pace_range(Some(1.0), 19.9, &p), None);
        assert_eq!(pace_range(Some(1.0), 20.0, &p), Some(Range::Below));
        assert_eq!(pace_range(Some(3.0), 20.0, &p), Some(Range::Within));
        assert_eq!(pace_range(Some(4.0), 20.0, &p), Some(Range::Within));
        assert_eq!(pace_range(Some(4.1), 20.0, &p), Some(Range::Above));
        assert_eq!(pace_range(None, 60.0, &p), None);
    }

    #[test]
    fn silence_monologue_and_band_limits() {
        let p = Profile::default();
        let (silence, monologue) = (p.talk.long_silence_s, p.talk.max_monologue_s);
        assert!(is_long_silence(5.0, silence));
        assert!(!is_long_silence(4.99, silence));
        assert!(is_monologue(60.01, monologue));
        assert!(!is_monologue(60.0, monologue));
        assert_eq!(band_range(100.0, [100.0, 120.0]), Range::Within);
        assert_eq!(band_range(120.5, [100.0, 120.0]), Range::Above);
        assert_eq!(band_range(99.9, [100.0, 120.0]), Range::Below);
    }
}
