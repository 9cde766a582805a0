//! The customer's turns against their own start of call: the baseline is their speech
//! in the first [`CUSTOMER_BASELINE_S`] from their first word (mean level, median F0,
//! syllables per second of speech); every later turn is judged against it as it grows,
//! segment by segment, as calm, agitated or rushed (see [`CustomerState::judge`]).
//! Fed by the call analyzer with the customer channel's decided frames, syllable nuclei
//! and closed segments, so batch and live judge the same turns the same way.

use super::band::median_f32;
use super::report::{CustomerBaseline, CustomerTurn};
use super::rules::{
    CUSTOMER_BASELINE_MIN_SPEECH_S, CUSTOMER_BASELINE_S, CUSTOMER_TURN_MIN_SPEECH_S, CustomerState,
};
use super::settings::HOP_S;

/// Measures of some customer speech.
#[derive(Debug, Clone, Default)]
struct Speech {
    /// Sum of the active frames' levels, dB.
    level_sum_db: f64,
    /// Active frames.
    active_frames: u64,
    /// F0s of the voiced frames of speech, Hz.
    f0_hz: Vec<f32>,
    /// Syllable nuclei.
    syllables: u32,
    /// Frames of the closed segments (the denominator of the speech rate).
    segment_frames: u64,
}

impl Speech {
    fn take_from(&mut self, other: &mut Speech) {
        self.level_sum_db += other.level_sum_db;
        self.active_frames += other.active_frames;
        self.f0_hz.append(&mut other.f0_hz);
        self.syllables += other.syllables;
        self.segment_frames += other.segment_frames;
        other.level_sum_db = 0.0;
        other.active_frames = 0;
        other.syllables = 0;
        other.segment_frames = 0;
    }

    fn speech_s(&self) -> f64 {
        self.active_frames as f64 * HOP_S
    }

    fn level_db(&self) -> Option<f64> {
        (self.active_frames > 0).then(|| self.level_sum_db / self.active_frames as f64)
    }

    fn median_f0_hz(&mut self) -> Option<f64> {
        median_f32(&mut self.f0_hz).map(f64::from)
    }

    fn syllables_per_s(&self) -> Option<f64> {
        (self.segment_frames > 0)
            .then(|| f64::from(self.syllables) / (self.segment_frames as f64 * HOP_S))
    }
}

/// `x` rounded to 3 decimals.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Streaming judge of the customer's turns.
#[derive(Debug, Default)]
pub struct CustomerJudge {
    /// Frames since the last closed segment.
    pending: Speech,
    /// The baseline while it is measured.
    base: Speech,
    /// Segments starting before this frame make the baseline (set by the first segment).
    base_until_frame: Option<u64>,
    /// The baseline, once complete.
    baseline: Option<CustomerBaseline>,
    /// The baseline is complete (with or without enough speech to judge by).
    base_done: bool,
    /// The turn being measured: its index among the call's turns, start frame, speech.
    turn: Option<(usize, u64, Speech)>,
    /// The latest judgement of every judged turn, with its turn index, in time order.
    judged: Vec<(usize, CustomerTurn)>,
}

impl CustomerJudge {
    /// Takes one decided customer frame: whether it is active, its level, and its F0
    /// when it is a voiced frame of speech (else 0).
    pub fn frame(&mut self, active: bool, level_db: f32, speech_f0_hz: f32) {
        if active {
            self.pending.active_frames += 1;
            self.pending.level_sum_db += f64::from(level_db);
        }
        if speech_f0_hz > 0.0 {
            self.pending.f0_hz.push(speech_f0_hz);
        }
    }

    /// Takes a syllable nucleus of the customer.
    pub fn syllable(&mut self) {
        self.pending.syllables += 1;
    }

    /// A customer segment `[start, end]` (frames) closed, adding to turn `turn` (its
    /// index among the call's turns) that started at frame `turn_start`. Returns the
    /// turn's judgement so far, when it can be judged.
    pub fn segment_closed(
        &mut self,
        turn: usize,
        turn_start: u64,
        start: u64,
        end: u64,
        frame_start_s: impl Fn(u64) -> f64,
        frame_end_s: impl Fn(u64) -> f64,
    ) -> Option<CustomerTurn> {
        self.pending.segment_frames += end - start + 1;
        let until = *self
            .base_until_frame
            .get_or_insert(start + (CUSTOMER_BASELINE_S / HOP_S).round() as u64);
        if start < until {
            self.base.take_from(&mut self.pending);
        } else {
            self.complete_baseline(frame_start_s(until));
        }
        match &mut self.turn {
            Some((index, _, speech)) if *index == turn => speech.take_from(&mut self.pending),
            _ => {
                let mut speech = Speech::default();
                speech.take_from(&mut self.pending);
                self.turn = Some((turn, turn_start, speech));
            }
        }
        let judged = self.judge(frame_start_s(turn_start), frame_end_s(end))?;
        match self.judged.last_mut() {
            Some((index, last)) if *index == turn => *last = judged,
            _ => self.judged.push((turn, judged)),
        }
        Some(judged)
    }

    fn complete_baseline(&mut self, until_s: f64) {
        if self.base_done {
            return;
        }
        self.base_done = true;
        if self.base.speech_s() < CUSTOMER_BASELINE_MIN_SPEECH_S {
            return;
        }
        let Some(level_db) = self.base.level_db() else {
            return;
        };
        self.baseline = Some(CustomerBaseline {
            until_s: round3(until_s),
            speech_s: round3(self.base.speech_s()),
            level_dbfs: round3(level_db),
            median_f0_hz: self.base.median_f0_hz().map(|f| (f * 10.0).round() / 10.0),
            syllables_per_s: self.base.syllables_per_s().map(round3),
        });
        self.base = Speech::default();
    }

    fn judge(&mut self, start_s: f64, end_s: f64) -> Option<CustomerTurn> {
        let baseline = self.baseline?;
        let until = self.base_until_frame?;
        let (_, turn_start, speech) = self.turn.as_mut()?;
        if *turn_start < until || speech.speech_s() < CUSTOMER_TURN_MIN_SPEECH_S {
            return None;
        }
        let louder_db = speech.level_db()? - baseline.level_dbfs;
        let higher = speech
            .median_f0_hz()
            .zip(baseline.median_f0_hz)
            .filter(|&(_, base)| base > 0.0)
            .map(|(f0, base)| f0 / base - 1.0);
        let rate = speech.syllables_per_s().unwrap_or(0.0);
        let faster = baseline
            .syllables_per_s
            .filter(|&base| base > 0.0)
            .map(|base| rate / base - 1.0);
        Some(CustomerTurn {
            start: round3(start_s),
            end: round3(end_s),
            state: CustomerState::judge(Some(louder_db), higher, faster),
            louder_db: round3(louder_db),
            higher: higher.map(round3),
            faster: faster.map(round3),
            syllables_per_s: round3(rate),
        })
    }

    /// The state of turn `turn` as last judged (`None`: not judged).
    pub fn state_of(&self, turn: usize) -> Option<CustomerState> {
        self.judged
            .iter()
            .rev()
            .find(|(index, _)| *index == turn)
            .map(|(_, t)| t.state)
    }

    /// Ends the call: the baseline (completed with what there was) and every judged
    /// turn, in time order.
    pub fn finish(mut self, call_end_s: f64) -> (Option<CustomerBaseline>, Vec<CustomerTurn>) {
        if self.base_until_frame.is_some() {
            let until_s = self
                .base_until_frame
                .map_or(call_end_s, |f| (f as f64 * HOP_S).min(call_end_s));
            self.complete_baseline(until_s);
        }
        (
            self.baseline,
            self.judged.into_iter().map(|(_, t)| t).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_s(f: u64) -> f64 {
        f as f64 * HOP_S
    }

    /// Feeds `frames` active frames at `level_db` and `f0_hz` with a syllable every
    /// `syllable_every` frames, then closes the segment as turn `turn`, which starts
    /// with it.
    fn segment(
        j: &mut CustomerJudge,
        turn: usize,
        start: u64,
        frames: u64,
        level_db: f32,
        f0_hz: f32,
        syllable_every: u64,
    ) -> Option<CustomerTurn> {
        for k in 0..frames {
            j.frame(true, level_db, f0_hz);
            if k % syllable_every == 0 {
                j.syllable();
            }
        }
        j.segment_closed(turn, start, start, start + frames - 1, start_s, start_s)
    }

    #[test]
    fn later_turns_are_judged_against_the_first_30_s() {
        let mut j = CustomerJudge::default();
        // Baseline: two 4 s turns at -30 dB, 200 Hz, 4 syllables/s.
        assert_eq!(segment(&mut j, 0, 100, 400, -30.0, 200.0, 25), None);
        assert_eq!(segment(&mut j, 2, 1500, 400, -30.0, 200.0, 25), None);
        // A turn at 35 s: 6 dB louder and 20 % higher: agitated.
        let t = segment(&mut j, 4, 3600, 200, -24.0, 240.0, 25).expect("judged");
        assert_eq!(t.state, CustomerState::Agitated);
        assert_eq!(
            (t.louder_db, t.higher, t.faster),
            (6.0, Some(0.2), Some(0.0))
        );
        assert_eq!(j.state_of(4), Some(CustomerState::Agitated));
        // Same level and pitch, 8 syllables/s: rushed.
        let t = segment(&mut j, 6, 4000, 200, -30.0, 200.0, 12).expect("judged");
        assert_eq!(t.state, CustomerState::Rushed);
        assert_eq!(t.syllables_per_s, 8.5);
        // Too short to judge.
        assert_eq!(segment(&mut j, 8, 4500, 50, -20.0, 300.0, 5), None);
        let (baseline, turns) = j.finish(60.0);
        let b = baseline.expect("a baseline");
        assert_eq!((b.until_s, b.speech_s, b.level_dbfs), (31.0, 8.0, -30.0));
        assert_eq!(
            (b.median_f0_hz, b.syllables_per_s),
            (Some(200.0), Some(4.0))
        );
        assert_eq!(turns.len(), 2);
    }

    #[test]
    fn too_little_baseline_speech_judges_nothing() {
        let mut j = CustomerJudge::default();
        segment(&mut j, 0, 0, 300, -30.0, 200.0, 25);
        assert_eq!(segment(&mut j, 2, 4000, 300, -20.0, 300.0, 25), None);
        assert_eq!(j.finish(60.0), (None, Vec::new()));
    }
}
