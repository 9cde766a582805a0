//! The coaching profile: targets a call is scored against, loaded from TOML and
//! validated once so that the analysis never meets a bad value.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The built-in profile, with comments, as printed by `callcoach profile`.
pub const DEFAULT_PROFILE_TOML: &str = include_str!("default_profile.toml");

/// A problem with a profile file, naming the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read (missing, not a regular file, not UTF-8...).
    #[error("{path}: cannot read profile: {error}")]
    Read {
        /// Profile path.
        path: String,
        /// OS error (shown in the message, so not chained as a source).
        error: std::io::Error,
    },
    /// The TOML did not parse or had an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// Profile path.
        path: String,
        /// The parser's message, which names the key and the line.
        message: String,
    },
    /// A key had a value outside its allowed range.
    #[error("{path}: `{key}` {problem}")]
    Invalid {
        /// Profile path.
        path: String,
        /// Dotted key, e.g. `pitch.band_hz`.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// Reads an array of exactly two numbers; serde's `[f64; 2]` would stop after two
/// elements and let any further ones (of any type) pass.
fn pair<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<[f64; 2], D::Error> {
    struct Pair;
    impl<'de> serde::de::Visitor<'de> for Pair {
        type Value = [f64; 2];
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of two numbers")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<[f64; 2], A::Error> {
            let mut values = Vec::with_capacity(2);
            while let Some(v) = seq.next_element::<f64>()? {
                values.push(v);
            }
            match values[..] {
                [a, b] => Ok([a, b]),
                _ => Err(serde::de::Error::invalid_length(values.len(), &self)),
            }
        }
    }
    deserializer.deserialize_seq(Pair)
}

/// Reads an optional array of exactly two numbers (see [`pair`]).
fn optional_pair<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<[f64; 2]>, D::Error> {
    pair(deserializer).map(Some)
}

/// Puts the keys of `over` into `base`, table by table.
fn merge_tables(base: &mut toml::Table, over: &toml::Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_tables(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A relative band reaches at most this far from the baseline, semitones (an octave).
pub const MAX_BAND_SEMITONES: f64 = 12.0;

/// Pitch targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PitchTargets {
    /// Calming band `[low, high]` in Hz, inclusive.
    #[serde(deserialize_with = "pair")]
    pub band_hz: [f64; 2],
    /// Calming band `[low, high]` in semitones relative to the agent's own baseline
    /// (median F0 of their speech); when set, it replaces `band_hz`.
    #[serde(
        default,
        deserialize_with = "optional_pair",
        skip_serializing_if = "Option::is_none"
    )]
    pub band_semitones: Option<[f64; 2]>,
    /// Wanted share of voiced time inside the band, 0–1.
    pub target_in_band: f64,
}

/// Reply-gap targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplyTargets {
    /// Reply window `[min, max]` in seconds.
    #[serde(deserialize_with = "pair")]
    pub window_s: [f64; 2],
    /// Wanted share of gaps inside the window, 0–1.
    pub target_in_window: f64,
    /// Reply window after an agitated customer turn (louder and higher than their own
    /// start of call): a deliberate pause, `[min, max]` in seconds.
    #[serde(deserialize_with = "pair")]
    pub agitated_window_s: [f64; 2],
}

/// Pace targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaceTargets {
    /// Relative rate change that counts as a pace change (0.15 = 15 %).
    pub change_threshold: f64,
    /// Wanted pace changes per 45 s of agent talk, `[min, max]`.
    #[serde(deserialize_with = "pair")]
    pub changes_per_45s: [f64; 2],
}

/// Talk-time limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TalkTargets {
    /// Silence of at least this many seconds is a long silence.
    pub long_silence_s: f64,
    /// Agent turns longer than this many seconds are monologues.
    pub max_monologue_s: f64,
    /// Overlaps tolerated before deductions.
    pub max_overlaps: u32,
    /// The live app ends a call after this many seconds of silence on both sides (and
    /// starts the next on the first speech after it). Not used in scoring.
    pub call_end_silence_s: f64,
}

/// Points each rule can deduct from 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreWeights {
    /// Pitch band rule.
    pub pitch: f64,
    /// Reply-gap rule.
    pub reply_gap: f64,
    /// Pace-change rule.
    pub pace: f64,
    /// Overlap rule.
    pub overlaps: f64,
    /// Long-silence rule.
    pub long_silence: f64,
    /// Monologue rule.
    pub monologue: f64,
    /// A call whose measured rules carry less than this share of the total weight
    /// (0–1) is marked `partial`.
    pub min_coverage: f64,
}

/// A coaching profile. Build with [`Profile::default`] or [`Profile::from_toml`]; both
/// return validated values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Profile {
    /// Channel of a stereo file that carries the agent.
    pub agent_channel: usize,
    /// Pitch targets.
    pub pitch: PitchTargets,
    /// Reply-gap targets.
    pub reply: ReplyTargets,
    /// Pace targets.
    pub pace: PaceTargets,
    /// Talk-time limits.
    pub talk: TalkTargets,
    /// Score weights.
    pub score: ScoreWeights,
}

impl Default for PitchTargets {
    fn default() -> Self {
        Self {
            band_hz: [100.0, 120.0],
            band_semitones: None,
            target_in_band: 0.6,
        }
    }
}

impl Default for ReplyTargets {
    fn default() -> Self {
        Self {
            window_s: [0.8, 1.2],
            target_in_window: 0.75,
            agitated_window_s: [3.0, 5.0],
        }
    }
}

impl Default for PaceTargets {
    fn default() -> Self {
        Self {
            change_threshold: 0.15,
            changes_per_45s: [3.0, 4.0],
        }
    }
}

impl Default for TalkTargets {
    fn default() -> Self {
        Self {
            long_silence_s: 5.0,
            max_monologue_s: 60.0,
            max_overlaps: 2,
            call_end_silence_s: 15.0,
        }
    }
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self {
            pitch: 25.0,
            reply_gap: 30.0,
            pace: 15.0,
            overlaps: 10.0,
            long_silence: 10.0,
            monologue: 10.0,
            min_coverage: 0.75,
        }
    }
}

impl Profile {
    /// Reads and validates a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = crate::regular_file::read_regular_to_string(path).map_err(|error| {
            ProfileError::Read {
                path: path.display().to_string(),
                error,
            }
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates profile text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| ProfileError::Parse {
            path: origin.to_string(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        profile.validate(origin)?;
        Ok(profile)
    }

    /// Checks every value's range; the error names the key.
    /// This profile with the keys of `overrides` (any profile keys, as in a profile
    /// TOML) put over it; checked as a profile file is. `origin` names where the
    /// overrides come from in messages.
    pub fn with_overrides(
        &self,
        overrides: &toml::Table,
        origin: &str,
    ) -> Result<Self, ProfileError> {
        let parse_error = |e: toml::de::Error| ProfileError::Parse {
            path: origin.to_string(),
            message: e.to_string().trim_end().replace('\n', " "),
        };
        let mut merged = toml::Table::try_from(self).map_err(|e| ProfileError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        merge_tables(&mut merged, overrides);
        let profile = Profile::deserialize(merged).map_err(parse_error)?;
        profile.validate(origin)?;
        Ok(profile)
    }

    /// Checks every value against its allowed range; `origin` names the profile's
    /// file (or source) in the error.
    pub fn validate(&self, origin: &str) -> Result<(), ProfileError> {
        let bad = |key: &'static str, problem: String| {
            Err(ProfileError::Invalid {
                path: origin.to_string(),
                key,
                problem,
            })
        };
        let [lo, hi] = self.pitch.band_hz;
        if !(lo.is_finite() && hi.is_finite() && 40.0 <= lo && lo < hi && hi <= 600.0) {
            return bad(
                "pitch.band_hz",
                format!("must be [low, high] with 40 <= low < high <= 600 Hz, got [{lo}, {hi}]"),
            );
        }
        if let Some([lo, hi]) = self.pitch.band_semitones
            && !(lo.is_finite()
                && hi.is_finite()
                && -MAX_BAND_SEMITONES <= lo
                && lo < hi
                && hi <= MAX_BAND_SEMITONES)
        {
            return bad(
                "pitch.band_semitones",
                format!(
                    "must be [low, high] with -{MAX_BAND_SEMITONES} <= low < high <= \
                     {MAX_BAND_SEMITONES} semitones, got [{lo}, {hi}]"
                ),
            );
        }
        for (key, v) in [
            ("pitch.target_in_band", self.pitch.target_in_band),
            ("reply.target_in_window", self.reply.target_in_window),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(key, format!("must be between 0 and 1, got {v}"));
            }
        }
        for (key, [wlo, whi]) in [
            ("reply.window_s", self.reply.window_s),
            ("reply.agitated_window_s", self.reply.agitated_window_s),
        ] {
            if !(wlo.is_finite() && whi.is_finite() && 0.0 <= wlo && wlo < whi && whi <= 30.0) {
                return bad(
                    key,
                    format!("must be [min, max] with 0 <= min < max <= 30 s, got [{wlo}, {whi}]"),
                );
            }
        }
        let t = self.pace.change_threshold;
        if !(t > 0.0 && t < 1.0) {
            return bad(
                "pace.change_threshold",
                format!("must be between 0 and 1 (exclusive), got {t}"),
            );
        }
        let [clo, chi] = self.pace.changes_per_45s;
        if !(clo.is_finite() && chi.is_finite() && 0.0 <= clo && clo <= chi) {
            return bad(
                "pace.changes_per_45s",
                format!("must be [min, max] with 0 <= min <= max, got [{clo}, {chi}]"),
            );
        }
        for (key, v) in [
            ("talk.long_silence_s", self.talk.long_silence_s),
            ("talk.max_monologue_s", self.talk.max_monologue_s),
            ("talk.call_end_silence_s", self.talk.call_end_silence_s),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(
                    key,
                    format!("must be a positive number of seconds, got {v}"),
                );
            }
        }
        for (key, v) in [
            ("score.pitch", self.score.pitch),
            ("score.reply_gap", self.score.reply_gap),
            ("score.pace", self.score.pace),
            ("score.overlaps", self.score.overlaps),
            ("score.long_silence", self.score.long_silence),
            ("score.monologue", self.score.monologue),
        ] {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return bad(key, format!("must be between 0 and 100 points, got {v}"));
            }
        }
        if !(0.0..=1.0).contains(&self.score.min_coverage) {
            return bad(
                "score.min_coverage",
                format!("must be between 0 and 1, got {}", self.score.min_coverage),
            );
        }
        if self.agent_channel > 7 {
            return bad(
                "agent_channel",
                format!("must be a channel index 0-7, got {}", self.agent_channel),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_file_equals_built_in_defaults() {
        let parsed = Profile::from_toml(DEFAULT_PROFILE_TOML, "default").unwrap();
        assert_eq!(parsed, Profile::default());
    }

    #[test]
    fn overrides_replace_only_their_keys_and_are_checked() {
        let team = Profile::from_toml("[pitch]\nband_hz = [90, 110]\n", "team.toml").unwrap();
        let over: toml::Table =
            toml::from_str("pitch = { band_semitones = [-1.0, 2.0] }\nagent_channel = 1\n")
                .unwrap();
        let p = team
            .with_overrides(&over, "agents.toml [agents.anna.profile]")
            .unwrap();
        assert_eq!(p.pitch.band_semitones, Some([-1.0, 2.0]));
        assert_eq!(p.pitch.band_hz, [90.0, 110.0]);
        assert_eq!(p.agent_channel, 1);
        assert_eq!(p.reply, team.reply);
        let bad: toml::Table = toml::from_str("pitch = { band_semitones = [2.0, -1.0] }").unwrap();
        let e = team
            .with_overrides(&bad, "agents.toml [agents.bo.profile]")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "agents.toml [agents.bo.profile]: `pitch.band_semitones` must be [low, high] with \
             -12 <= low < high <= 12 semitones, got [2, -1]"
        );
        let unknown: toml::Table = toml::from_str("pitch = { band = 1 }").unwrap();
        let e = team.with_overrides(&unknown, "x").unwrap_err().to_string();
        assert!(e.contains("band"), "{e}");
    }

    #[test]
    fn a_semitone_band_is_read_and_checked() {
        let p = Profile::from_toml("[pitch]\nband_semitones = [-1, 2]\n", "p.toml").unwrap();
        assert_eq!(p.pitch.band_semitones, Some([-1.0, 2.0]));
        for bad in ["[2, 2]", "[3, -1]", "[-13, 0]", "[0, 1, 2]"] {
            let text = format!("[pitch]\nband_semitones = {bad}\n");
            let e = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(e.starts_with("p.toml: "), "{e}");
            assert!(
                e.contains("band_semitones") || e.contains("two numbers"),
                "{e}"
            );
        }
    }

    #[test]
    fn missing_keys_take_defaults() {
        let p = Profile::from_toml("[pitch]\nband_hz = [190, 230]\n", "p.toml").unwrap();
        assert_eq!(p.pitch.band_hz, [190.0, 230.0]);
        assert_eq!(p.reply, ReplyTargets::default());
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Profile::from_toml("[pitch]\nband = [190, 230]\n", "agent7.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("agent7.toml: "), "{msg}");
        assert!(msg.contains("unknown field `band`"), "{msg}");
        let e = Profile::from_toml("color = 1\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("unknown field `color`"), "{e}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[pitch]\nband_hz = [130, 120]", "`pitch.band_hz`"),
            ("[reply]\nwindow_s = [1.5, 1.2]", "`reply.window_s`"),
            ("[pace]\nchange_threshold = 1.5", "`pace.change_threshold`"),
            ("[talk]\nlong_silence_s = -1", "`talk.long_silence_s`"),
            ("[score]\npitch = 150", "`score.pitch`"),
            ("agent_channel = 9", "`agent_channel`"),
        ] {
            let msg = Profile::from_toml(text, "p.toml").unwrap_err().to_string();
            assert!(msg.contains(key), "{text}: {msg}");
        }
        let msg = Profile::from_toml("[pitch]\nband_hz = \"low\"", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("band_hz"), "{msg}");
    }

    #[test]
    fn arrays_of_the_wrong_length_or_type_name_their_key() {
        for (text, key, problem) in [
            (
                "[pitch]\nband_hz = [100, 120, \"junk\", 7]",
                "band_hz",
                "invalid type: string \"junk\", expected f64",
            ),
            (
                "[pitch]\nband_hz = [100, 120, 130]",
                "band_hz",
                "invalid length 3, expected an array of two numbers",
            ),
            (
                "[reply]\nwindow_s = [1.0]",
                "window_s",
                "invalid length 1, expected an array of two numbers",
            ),
            (
                "[pace]\nchanges_per_45s = [3, \"4\"]",
                "changes_per_45s",
                "invalid type: string \"4\", expected f64",
            ),
        ] {
            let msg = Profile::from_toml(text, "p.toml").unwrap_err().to_string();
            assert!(msg.starts_with("p.toml: "), "{text}: {msg}");
            assert!(msg.contains(key), "{text}: {msg}");
            assert!(msg.contains(problem), "{text}: {msg}");
        }
        let p = Profile::from_toml("[pitch]\nband_hz = [90, 130.5]", "p.toml").unwrap();
        assert_eq!(p.pitch.band_hz, [90.0, 130.5]);
    }

    #[test]
    fn a_read_error_gives_the_os_message_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.toml");
        let e = Profile::load(&path).unwrap_err();
        // As main reports it: each error of the chain after the previous one.
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(
            msg.starts_with(&format!("{}: cannot read profile: ", path.display())),
            "{msg}"
        );
        assert_eq!(msg.matches("os error 2").count(), 1, "{msg}");
        let e = Profile::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.ends_with("cannot read profile: not a regular file (a folder)"),
            "{e}"
        );
    }
}
