//! The noise floors of one channel: the floor speech activity is measured against, the
//! floor the voicing decision is measured against, and how both start after leading
//! digital silence.

use super::FrameMeasure;
use crate::analysis::settings::{
    ABSOLUTE_SILENCE_DBFS, ACTIVITY_SNR_DB, CLEAN_PROOF_FRAMES, CLEAN_QUIET_RUN_FRAMES,
    DIGITAL_SILENCE_DBFS, FLOOR_FAST_FRAMES, FLOOR_FAST_STEP_FACTOR, FLOOR_SEED_FRAMES,
    FLOOR_SEED_VOICED_FRAMES, FLOOR_SPEECH_RATE, FLOOR_STEP_DB, NOISE_QUANTILE,
    OPENING_FLOOR_MARGIN_DB, OPENING_STEADY_PITCH_OCTAVES, OPENING_STEADY_RANGE_DB,
    RECENT_MIN_RELEASE_DB, VOICE_OPENING_FLOOR_MARGIN_DB, VOICING_MAX_CMNDF,
};

/// Step of a noise-floor quantile tracker that has seen `frames` frames, dB:
/// [`FLOOR_FAST_STEP_FACTOR`] times [`FLOOR_STEP_DB`] during the first
/// [`FLOOR_FAST_FRAMES`], so short files get a floor from their first pause.
pub(super) fn floor_step_db(frames: u64) -> f32 {
    if frames <= FLOOR_FAST_FRAMES {
        FLOOR_STEP_DB * FLOOR_FAST_STEP_FACTOR
    } else {
        FLOOR_STEP_DB
    }
}

/// One step of a quantile tracker at `q` (None before the first frame, which sets it):
/// up by `step × quantile` when `level` lies above it, down by `step × (1 − quantile)`
/// otherwise, so it settles where that share of the levels lies below it.
pub(super) fn track_quantile(q: Option<f32>, level: f32, step: f32, quantile: f32) -> f32 {
    match q {
        None => level,
        Some(q) if level > q => q + step * quantile,
        Some(q) => q - step * (1.0 - quantile),
    }
}

/// The steady noise a stream opens with after leading digital silence: the run of full
/// frames from the first one whose levels span less than [`OPENING_STEADY_RANGE_DB`] and
/// whose clearly periodic frames, if any, hold one pitch
/// ([`OPENING_STEADY_PITCH_OCTAVES`], octave jumps allowed). Hum is exactly periodic at
/// its mains multiple and steady in level; a voice's level and F0 move within a few
/// frames. The run ends at the first frame that breaks it.
#[derive(Debug, Clone, Copy)]
struct Opening {
    frames: u64,
    ended: bool,
    min_db: f32,
    max_db: f32,
    /// Shortest and longest period of its periodic frames, samples.
    lag_min: f32,
    lag_max: f32,
}

impl Default for Opening {
    fn default() -> Self {
        Self {
            frames: 0,
            ended: false,
            min_db: f32::INFINITY,
            max_db: f32::NEG_INFINITY,
            lag_min: f32::INFINITY,
            lag_max: f32::NEG_INFINITY,
        }
    }
}

impl Opening {
    /// Adds the next full frame (its level, and its period if clearly periodic), unless
    /// the run has ended or this frame ends it.
    fn push(&mut self, level_db: f32, lag: Option<f32>) {
        if self.ended {
            return;
        }
        let mut next = Self {
            frames: self.frames + 1,
            min_db: self.min_db.min(level_db),
            max_db: self.max_db.max(level_db),
            ..*self
        };
        if let Some(lag) = lag {
            next.lag_min = next.lag_min.min(lag);
            next.lag_max = next.lag_max.max(lag);
        }
        let octaves = (next.lag_max / next.lag_min).log2();
        let one_pitch = !octaves.is_finite()
            || (octaves - octaves.round()).abs() < OPENING_STEADY_PITCH_OCTAVES;
        if next.max_db - next.min_db < OPENING_STEADY_RANGE_DB && one_pitch {
            *self = next;
        } else {
            self.ended = true;
        }
    }

    /// The opening noise's lowest level, dBFS, once the run has held through all
    /// [`FLOOR_SEED_FRAMES`]: it is noise.
    fn settled_noise_db(&self) -> Option<f32> {
        (self.frames >= FLOOR_SEED_FRAMES).then_some(self.min_db)
    }

    /// The same while the run still goes on too (it may be noise).
    fn noise_db(&self) -> Option<f32> {
        let going = !self.ended && self.frames > 0;
        self.settled_noise_db().or(going.then_some(self.min_db))
    }
}

/// Whether a stream that started with digital silence stays clean: its sound keeps
/// falling to the silence level for [`CLEAN_QUIET_RUN_FRAMES`] in a row at least once
/// every [`CLEAN_PROOF_FRAMES`]. Meanwhile it tracks the [`NOISE_QUANTILE`] quantile of
/// the levels since the first sound, the voicing floor for when it does not, and the
/// recent lowest level, which bounds the activity floor after a voice opening.
#[derive(Debug, Clone, Copy, Default)]
struct CleanWatch {
    /// The levels' quantile since the first full frame, dBFS, and the frames it has seen.
    floor_db: Option<f32>,
    frames: u64,
    /// Frames in a row at the silence level, and frames since the last such run.
    quiet_run: u64,
    since_quiet: u64,
    /// Such a run has been seen since the first sound.
    quiet_seen: bool,
    /// The recent lowest level, dBFS: each frame's level, or the last value raised by
    /// [`RECENT_MIN_RELEASE_DB`], whichever is lower.
    recent_min_db: Option<f32>,
    /// The stream has shown noise of its own: nothing more to watch.
    noisy: bool,
}

impl CleanWatch {
    /// Adds the next frame after the first sound; returns the floor to lift the voicing
    /// floor to on the frame that shows the stream is not clean.
    fn push(&mut self, level_db: f32) -> Option<f32> {
        if self.noisy {
            return None;
        }
        self.frames += 1;
        self.recent_min_db = Some(
            self.recent_min_db
                .map_or(level_db, |m| level_db.min(m + RECENT_MIN_RELEASE_DB)),
        );
        self.floor_db = Some(track_quantile(
            self.floor_db,
            level_db,
            floor_step_db(self.frames),
            NOISE_QUANTILE,
        ));
        if level_db <= ABSOLUTE_SILENCE_DBFS {
            self.quiet_run += 1;
        } else {
            self.quiet_run = 0;
        }
        if self.quiet_run >= CLEAN_QUIET_RUN_FRAMES {
            self.since_quiet = 0;
            self.quiet_seen = true;
        } else {
            self.since_quiet += 1;
        }
        self.noisy = self.since_quiet >= CLEAN_PROOF_FRAMES;
        self.floor_db.filter(|_| self.noisy)
    }

    /// The recent lowest level while the stream has not yet shown a pause at the silence
    /// level nor noise of its own (None before the first sound and after either).
    fn recent_min_db(&self) -> Option<f32> {
        self.recent_min_db
            .filter(|_| !self.quiet_seen && !self.noisy)
    }
}

/// The frames with sound after leading digital silence that the activity floor starts
/// from: their lowest level, how many are clearly periodic, and the steady noise they
/// open with.
#[derive(Debug, Clone, Copy)]
struct Seed {
    frames: u64,
    min_db: f32,
    voiced_frames: u64,
    opening: Opening,
}

impl Default for Seed {
    fn default() -> Self {
        Self {
            frames: 0,
            min_db: f32::INFINITY,
            voiced_frames: 0,
            opening: Opening::default(),
        }
    }
}

impl Seed {
    /// Adds a frame with sound (its level, and its period if clearly periodic); returns
    /// the activity floor's start once [`FLOOR_SEED_FRAMES`] have been seen.
    fn push(&mut self, level_db: f32, lag: Option<f32>) -> Option<f32> {
        self.frames += 1;
        self.min_db = self.min_db.min(level_db);
        if lag.is_some() {
            self.voiced_frames += 1;
        }
        self.opening.push(level_db, lag);
        (self.frames >= FLOOR_SEED_FRAMES).then(|| {
            if self.voice_opening() {
                self.min_db.min(ABSOLUTE_SILENCE_DBFS)
            } else {
                self.min_db
            }
        })
    }

    /// Enough of the seed frames are clearly periodic (a voice, or babble passing for
    /// one) that the activity floor starts at most at [`ABSOLUTE_SILENCE_DBFS`]. The
    /// count stops once the floor has started, so this holds from then on.
    fn voice_opening(&self) -> bool {
        self.voiced_frames >= FLOOR_SEED_VOICED_FRAMES
    }
}

/// The floor speech activity is measured against. Speech pulls it up only slowly
/// ([`FLOOR_SPEECH_RATE`]), so a long turn does not lift it into the speech (which would
/// cut the soft end of the turn).
///
/// Digital silence before the first sound (a capture started before the call connects)
/// must not set it, and neither may the first frames after such silence, whose level
/// windows still partly hold it: they read low by an amount that depends on where the
/// sound starts relative to the frame grid, and from a floor seeded there the agent's
/// room noise or echo would count as speech until the slow rise caught up. After such
/// silence it starts at the lowest level of the first [`FLOOR_SEED_FRAMES`] frames whose
/// windows hold sound from end to end (the line's noise), at most at
/// [`ABSOLUTE_SILENCE_DBFS`] if enough of them are clearly periodic (a call that opens
/// with speech must not start from the speech).
#[derive(Debug, Clone, Copy, Default)]
struct ActivityFloor {
    /// The floor, dBFS; None until it has started.
    floor_db: Option<f32>,
    /// Frames tracked since it started (its fast start counts from there, not from the
    /// first frame).
    frames: u64,
    /// Digital silence came before the first sound.
    leading_silence: bool,
    /// After leading silence, the frames it starts from.
    seed: Seed,
}

impl ActivityFloor {
    /// Takes the next frame at `level_db`; `in_silence` when it is digital silence or its
    /// level window still partly holds the leading silence, `lag` its period if clearly
    /// periodic, `recent_min_db` the recent lowest level (see [`CleanWatch`]). Returns the
    /// floor after it.
    fn push(
        &mut self,
        level_db: f32,
        in_silence: bool,
        lag: Option<f32>,
        recent_min_db: Option<f32>,
    ) -> Option<f32> {
        let started = self.floor_db.is_some();
        let floor = match self.floor_db {
            None if in_silence => {
                self.leading_silence = true;
                None
            }
            None if self.leading_silence => self.seed.push(level_db, lag),
            None => Some(level_db),
            Some(f) => {
                self.frames += 1;
                let speech_step = floor_step_db(self.frames);
                Some(if level_db > f + ACTIVITY_SNR_DB {
                    f + speech_step * NOISE_QUANTILE * FLOOR_SPEECH_RATE
                } else if level_db > f {
                    f + speech_step * NOISE_QUANTILE
                } else {
                    f - speech_step * (1.0 - NOISE_QUANTILE)
                })
            }
        };
        // After a voice opening the floor starts at most at the absolute silence level.
        // Periodic babble in the room can pass for a voice there, and would count as
        // speech until the slow rise caught up. A voice dips between its words to the
        // line's noise; so until the stream first falls to the silence level for a
        // while, the floor stays at least a margin under its recent lowest level.
        let floor = match (floor, recent_min_db) {
            (Some(f), Some(low)) if self.seed.voice_opening() && started => {
                Some(f.max(low - VOICE_OPENING_FLOOR_MARGIN_DB))
            }
            (f, _) => f,
        };
        self.floor_db = floor;
        floor
    }

    /// Sound has come after leading digital silence.
    fn sound_after_silence(&self) -> bool {
        self.leading_silence && self.seed.frames > 0
    }
}

/// A frame's noise floors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FrameFloors {
    /// The floor the voicing decision measures SNR against, dBFS; +inf for a frame that
    /// may not be voiced.
    pub(super) voicing_db: f32,
    /// The floor speech activity is measured against, dBFS; None until it has started.
    pub(super) activity_db: Option<f32>,
}

/// Both noise floors of a channel. The voicing floor is the plain [`NOISE_QUANTILE`]
/// quantile of all levels, which is more cautious in mostly voiced audio than the
/// activity floor; after leading silence it is lifted as described in
/// [`NoiseFloors::push`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NoiseFloors {
    /// Frames seen.
    frames: u64,
    /// Noise floor for voicing, dBFS.
    voicing_db: Option<f32>,
    activity: ActivityFloor,
    /// After leading silence, until the stream has shown noise of its own (see
    /// [`CLEAN_PROOF_FRAMES`]): whether it keeps proving clean.
    clean: CleanWatch,
}

impl NoiseFloors {
    /// The activity floor, dBFS (None until it has started).
    pub(super) fn activity_db(&self) -> Option<f32> {
        self.activity.floor_db
    }

    /// Takes the next frame; returns its floors.
    pub(super) fn push(&mut self, m: &FrameMeasure) -> FrameFloors {
        let level = m.level_db;
        let silent = level <= DIGITAL_SILENCE_DBFS;
        self.frames += 1;
        // Quantile tracking: the floor settles where NOISE_QUANTILE of the frames lie
        // below it, which is the middle of the noise for typical shares of speech. Fast
        // during the first frames, so short files get a floor from their first pause.
        let mut floor = track_quantile(
            self.voicing_db,
            level,
            floor_step_db(self.frames),
            NOISE_QUANTILE,
        );
        self.voicing_db = Some(floor);
        let seeding = self.activity.floor_db.is_none();
        let lag = m
            .yin
            .candidates()
            .first()
            .filter(|c| c.cmndf < VOICING_MAX_CMNDF)
            .map(|c| c.lag);
        let activity_db =
            self.activity
                .push(level, silent || m.partial, lag, self.clean.recent_min_db());
        // The voicing floor's quantile climbs slowly from the silence, which keeps soft
        // voice voiced in clean recordings; but steady noise after the silence (mains
        // hum, line noise) must not pass for voice meanwhile. While such an opening is
        // being seeded, the floor is at least just under its lowest level, and the
        // quantile starts from that level once the activity floor does.
        let opening = self.activity.leading_silence && seeding;
        if opening
            && activity_db.is_some()
            && let Some(noise) = self.activity.seed.opening.settled_noise_db()
        {
            floor = floor.max(noise);
            self.voicing_db = Some(floor);
        }
        // A stream that keeps no pause at the silence level for seconds is not clean:
        // its voicing floor jumps to where it would be had the stream started with its
        // first sound, instead of climbing from the silence for tens of seconds while
        // babble or line noise in the pauses passes for voice.
        if self.activity.sound_after_silence()
            && let Some(noise) = self.clean.push(level)
        {
            floor = floor.max(noise);
            self.voicing_db = Some(floor);
        }
        // A frame whose level window still partly holds the leading silence is never
        // voiced: it reads low, and hum voiced there would be carried on into the
        // steady frames after it as a continuation.
        let voicing_db = if m.partial {
            f32::INFINITY
        } else if let Some(noise) = self
            .activity
            .seed
            .opening
            .noise_db()
            .filter(|_| opening && !silent)
        {
            floor.max(noise - OPENING_FLOOR_MARGIN_DB)
        } else {
            floor
        };
        FrameFloors {
            voicing_db,
            activity_db,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;
    use crate::dsp::yin::{Candidate, YinFrame};

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    /// Period of a 150 Hz hum (the third harmonic of 50 Hz mains), samples.
    const HUM_LAG: f32 = 8000.0 / 150.0;

    #[test]
    fn quantile_steps() {
        assert_eq!(floor_step_db(1), 0.8);
        assert_eq!(floor_step_db(50), 0.8);
        assert_eq!(floor_step_db(51), 0.1);
        assert_eq!(track_quantile(None, -40.0, 0.8, 0.25), -40.0);
        assert!(close(track_quantile(Some(-40.0), -30.0, 0.8, 0.25), -39.8));
        assert!(close(track_quantile(Some(-40.0), -40.0, 0.8, 0.25), -40.6));
        assert!(close(track_quantile(Some(-40.0), -50.0, 0.1, 0.5), -40.05));
    }

    #[test]
    fn a_quantile_tracker_settles_at_its_quantile() {
        // Levels spread evenly over -60..-40 dBFS (seeded): a quarter lie under -55.
        let mut rng = StdRng::seed_from_u64(3);
        let mut q = None;
        for k in 0..4000u64 {
            let level = rng.random_range(-60.0..-40.0);
            q = Some(track_quantile(q, level, floor_step_db(k + 1), 0.25));
        }
        let q = q.unwrap_or(f32::NAN);
        assert!((q - -55.0).abs() < 0.5, "quantile {q}");
    }

    #[test]
    fn steady_hum_holds_the_opening() {
        let mut opening = Opening::default();
        assert_eq!(opening.noise_db(), None);
        for k in 0..FLOOR_SEED_FRAMES {
            let level = -40.0 - (k % 3) as f32;
            // Octave jumps of the period are allowed.
            let lag = if k % 4 == 0 { HUM_LAG * 2.0 } else { HUM_LAG };
            opening.push(level, Some(lag));
            let lowest = [-40.0, -41.0, -42.0][k.min(2) as usize];
            assert_eq!(opening.noise_db(), Some(lowest));
        }
        assert_eq!(opening.settled_noise_db(), Some(-42.0));
    }

    #[test]
    fn a_level_swing_ends_the_opening() {
        let mut opening = Opening::default();
        opening.push(-40.0, None);
        opening.push(-35.0, None);
        assert_eq!(opening.noise_db(), Some(-40.0));
        // 6 dB above its lowest level: not steady.
        opening.push(-34.0, None);
        assert_eq!(opening.noise_db(), None);
        // Ended for good.
        opening.push(-40.0, None);
        assert_eq!(opening.noise_db(), None);
    }

    #[test]
    fn a_moving_pitch_ends_the_opening() {
        let mut opening = Opening::default();
        opening.push(-40.0, Some(80.0));
        // 1 % off: within 0.02 octaves (1.4 %).
        opening.push(-40.0, Some(80.8));
        assert_eq!(opening.noise_db(), Some(-40.0));
        // 3 % off the shortest period: a voice.
        opening.push(-40.0, Some(82.4));
        assert_eq!(opening.noise_db(), None);
    }

    #[test]
    fn a_stream_that_keeps_pausing_at_silence_stays_clean() {
        let mut watch = CleanWatch::default();
        assert_eq!(watch.recent_min_db(), None);
        for k in 0..1000 {
            // Speech with a 50 ms pause at digital silence level every 2 s.
            let level = if k % 200 < 5 { -70.0 } else { -30.0 };
            assert_eq!(watch.push(level), None);
        }
        // After the first pause at the silence level the recent minimum is not used.
        assert_eq!(watch.recent_min_db(), None);
    }

    #[test]
    fn three_seconds_without_a_silent_pause_show_noise() {
        let mut watch = CleanWatch::default();
        for k in 1..CLEAN_PROOF_FRAMES {
            // Babble around -45 dBFS, never under -60 for 30 ms.
            let level = if k % 2 == 0 { -44.0 } else { -46.0 };
            assert_eq!(watch.push(level), None, "frame {k}");
        }
        // Frame 300: lift the voicing floor to the levels' quartile.
        // Half the levels lie at -46 dBFS, so the quartile is there.
        let lift = watch.push(-44.0).unwrap_or(f32::NAN);
        assert!((lift - -46.0).abs() < 0.2, "lift {lift}");
        assert_eq!(watch.push(-44.0), None);
        assert_eq!(watch.recent_min_db(), None);
    }

    #[test]
    fn the_recent_minimum_follows_dips_and_releases_slowly() {
        let mut watch = CleanWatch::default();
        watch.push(-50.0);
        assert_eq!(watch.recent_min_db(), Some(-50.0));
        watch.push(-40.0);
        assert!(close(watch.recent_min_db().unwrap_or(f32::NAN), -49.9));
        for _ in 0..49 {
            watch.push(-40.0);
        }
        let low = watch.recent_min_db().unwrap_or(f32::NAN);
        assert!((low - -45.0).abs() < 1e-3, "recent minimum {low}");
        watch.push(-48.0);
        assert_eq!(watch.recent_min_db(), Some(-48.0));
        // Short dips to the silence level do not count as a pause...
        watch.push(-70.0);
        watch.push(-70.0);
        watch.push(-40.0);
        assert!(watch.recent_min_db().is_some());
        // ...30 ms of it does.
        for _ in 0..3 {
            watch.push(-70.0);
        }
        assert_eq!(watch.recent_min_db(), None);
    }

    #[test]
    fn without_leading_silence_the_activity_floor_starts_at_the_first_level() {
        let mut floor = ActivityFloor::default();
        assert_eq!(floor.push(-50.0, false, None, None), Some(-50.0));
        // Above the floor but within 11 dB: a quarter of the fast step (0.8 dB).
        let f = floor.push(-45.0, false, None, None).unwrap_or(f32::NAN);
        assert!(close(f, -49.8));
        // Speech: a tenth of that.
        let f = floor.push(-20.0, false, None, None).unwrap_or(f32::NAN);
        assert!(close(f, -49.78));
        // Below: three quarters of the step down.
        let f = floor.push(-60.0, false, None, None).unwrap_or(f32::NAN);
        assert!(close(f, -50.38));
        // Without a voice opening the recent minimum does not bound it.
        let f = floor
            .push(-60.0, false, None, Some(-40.0))
            .unwrap_or(f32::NAN);
        assert!(close(f, -50.98));
    }

    #[test]
    fn the_activity_floor_learns_slowly_from_long_speech() {
        let mut floor = ActivityFloor::default();
        floor.push(-60.0, false, None, None);
        // 3 s of speech 30 dB over the floor lifts it by 50 × 0.02 + 250 × 0.0025 dB.
        let mut f = f32::NAN;
        for _ in 0..300 {
            f = floor.push(-30.0, false, None, None).unwrap_or(f32::NAN);
        }
        assert!((f - -58.375).abs() < 1e-3, "floor {f}");
    }

    #[test]
    fn after_leading_silence_the_activity_floor_starts_at_the_lowest_seed_level() {
        let mut floor = ActivityFloor::default();
        for _ in 0..10 {
            assert_eq!(floor.push(-100.0, true, None, None), None);
        }
        assert!(!floor.sound_after_silence());
        for k in 0..FLOOR_SEED_FRAMES - 1 {
            let level = -40.0 - (k % 3) as f32;
            assert_eq!(floor.push(level, false, None, None), None);
            assert!(floor.sound_after_silence());
        }
        assert_eq!(floor.push(-35.0, false, None, None), Some(-42.0));
    }

    #[test]
    fn after_a_voice_opening_the_floor_stays_under_the_recent_minimum() {
        let mut floor = ActivityFloor::default();
        floor.push(-100.0, true, None, None);
        for k in 0..FLOOR_SEED_FRAMES {
            // Five clearly periodic frames among the first twenty: a voice opening.
            let lag = (k < FLOOR_SEED_VOICED_FRAMES).then_some(80.0);
            floor.push(-38.0, false, lag, None);
        }
        // Started at the absolute silence level, not at the voice.
        assert_eq!(floor.floor_db, Some(ABSOLUTE_SILENCE_DBFS));
        // Held 6 dB under the recent minimum while one is known.
        assert_eq!(floor.push(-30.0, false, None, Some(-45.0)), Some(-51.0));
        let f = floor.push(-30.0, false, None, None).unwrap_or(f32::NAN);
        assert!(close(f, -50.98));
    }

    fn measure(level_db: f32, lag: Option<f32>, partial: bool) -> FrameMeasure {
        let mut yin = YinFrame::default();
        if let Some(lag) = lag {
            yin.candidates[0] = Candidate {
                lag,
                cmndf: 0.05,
                nccf: 0.95,
            };
            yin.count = 1;
        }
        FrameMeasure {
            level_db,
            yin,
            partial,
        }
    }

    #[test]
    fn hum_after_leading_silence_is_kept_under_the_voicing_floor() {
        let mut floors = NoiseFloors::default();
        for _ in 0..10 {
            let f = floors.push(&measure(-100.0, None, false));
            assert_eq!(f.activity_db, None);
        }
        // Level windows partly in the silence: never voiced.
        for _ in 0..2 {
            let f = floors.push(&measure(-45.0, None, true));
            assert_eq!(f.voicing_db, f32::INFINITY);
            assert_eq!(f.activity_db, None);
        }
        // Steady hum at -40 dBFS: while it is seeded the voicing floor is 3 dB under it.
        for _ in 0..FLOOR_SEED_FRAMES - 1 {
            let f = floors.push(&measure(-40.0, Some(HUM_LAG), false));
            assert_eq!(
                f,
                FrameFloors {
                    voicing_db: -43.0,
                    activity_db: None
                }
            );
        }
        // Seeded: the hum is periodic, so the activity floor starts at the absolute
        // silence level; the voicing floor starts at the hum.
        let f = floors.push(&measure(-40.0, Some(HUM_LAG), false));
        assert_eq!(
            f,
            FrameFloors {
                voicing_db: -40.0,
                activity_db: Some(ABSOLUTE_SILENCE_DBFS)
            }
        );
        assert_eq!(floors.activity_db(), Some(ABSOLUTE_SILENCE_DBFS));
    }

    #[test]
    fn without_leading_silence_the_voicing_floor_is_the_plain_quantile() {
        let mut floors = NoiseFloors::default();
        let f = floors.push(&measure(-50.0, Some(80.0), false));
        assert_eq!(
            f,
            FrameFloors {
                voicing_db: -50.0,
                activity_db: Some(-50.0)
            }
        );
        let f = floors.push(&measure(-20.0, Some(80.0), false));
        assert!(close(f.voicing_db, -49.8));
        // The activity floor rises at a tenth of that under speech.
        assert!(close(f.activity_db.unwrap_or(f32::NAN), -49.98));
    }
}
