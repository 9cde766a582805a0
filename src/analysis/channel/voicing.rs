//! The voicing decision and F0 track: which frames are voiced, at what F0, decided
//! [`DECISION_DELAY_FRAMES`] after they are measured so that onsets can be voiced back
//! from their first clear frame and the track median-smoothed.
//!
//! The F0 of a voiced frame is the candidate on the cheapest path through the candidates
//! of its voiced stretch (Viterbi): each candidate costs one less its normalised
//! cross-correlation (which, unlike the difference, ignores the voice's level changing
//! inside the window) plus a cost for lying far from the voice's register, each step
//! between frames [`PITCH_TRANSITION_COST`] per unit of log period change. The
//! path's costs accumulate forward from the start of the stretch; a frame's F0 is read
//! back from the cheapest candidate of the newest frame of its stretch, so the decision
//! looks [`DECISION_DELAY_FRAMES`] ahead.

use crate::analysis::settings::{
    ANALYSIS_RATE_HZ, DECISION_DELAY_FRAMES, F0_MEDIAN_FRAMES, OCTAVE_JUMP_KEEP_MAX_CMNDF_EXCESS,
    OCTAVE_JUMP_KEEP_MAX_LOG_RATIO, OCTAVE_JUMP_MIN_LOG_RATIO, TRACKER_RING_FRAMES,
    VOICING_EXTEND_BACK_MAX_DROP_DB, VOICING_EXTEND_MAX_CMNDF, VOICING_EXTEND_MAX_DROP_DB,
    VOICING_EXTEND_MAX_STEP, VOICING_EXTEND_MIN_SNR_DB, VOICING_LOUD_SNR_DB, VOICING_MAX_CMNDF,
    VOICING_MAX_CMNDF_LOUD, VOICING_MIN_SNR_DB,
};
use crate::analysis::settings::{
    FMIN_HZ, PITCH_CANDIDATE_MAX_COST, PITCH_REGISTER_COST, PITCH_REGISTER_FREE_OCTAVES,
    PITCH_REGISTER_MIN_FRAMES, PITCH_TRANSITION_COST,
};
use crate::dsp::yin::{MAX_CANDIDATES, YinFrame};

/// What the voicing decision keeps of a frame until it is decided.
#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    level_db: f32,
    f0_hz: f32,
    /// Voiced on its own evidence.
    clear: bool,
    /// Loud enough to be voiced as the continuation of a neighbour.
    may_extend: bool,
    yin: YinFrame,
    /// Cost of the cheapest path of the voiced stretch ending at each candidate.
    path_cost: [f32; MAX_CANDIDATES],
    /// The candidate of the previous frame on that path (unused at a stretch's start).
    path_back: [u8; MAX_CANDIDATES],
    /// F0 on the path, Hz (set when the frame is pushed, refined at each decision).
    path_f0_hz: f32,
}

/// A decided frame's voicing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Voiced {
    /// Median-smoothed F0, Hz; 0 when unvoiced.
    pub(super) f0_hz: f32,
    /// Voiced on its own evidence (clearly periodic), not only as the continuation of
    /// a neighbouring voiced stretch.
    pub(super) clear: bool,
}

/// Semitone bins of the register histogram, from [`FMIN_HZ`] up past
/// [`crate::analysis::settings::FMAX_HZ`].
const REGISTER_BINS: usize = 40;

/// The voice's register: a histogram of the F0 of the clearly voiced frames decided so
/// far, in semitones, whose median is where this voice speaks.
#[derive(Debug, Clone, Copy)]
struct Register {
    counts: [u32; REGISTER_BINS],
    total: u32,
}

impl Default for Register {
    fn default() -> Self {
        Self {
            counts: [0; REGISTER_BINS],
            total: 0,
        }
    }
}

impl Register {
    fn add(&mut self, f0_hz: f32) {
        let semitones = 12.0 * (f64::from(f0_hz) / FMIN_HZ).log2();
        let bin = (semitones.round().max(0.0) as usize).min(REGISTER_BINS - 1);
        self.counts[bin] += 1;
        self.total += 1;
    }

    /// Median F0 in octaves above [`FMIN_HZ`], once [`PITCH_REGISTER_MIN_FRAMES`] have
    /// been counted.
    fn median_octaves(&self) -> Option<f32> {
        if self.total < PITCH_REGISTER_MIN_FRAMES {
            return None;
        }
        let half = self.total.div_ceil(2);
        let mut seen = 0;
        for (bin, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= half {
                return Some(bin as f32 / 12.0);
            }
        }
        None
    }
}

/// The voicing decision over the last [`TRACKER_RING_FRAMES`] frames. Frames are pushed
/// with consecutive indices from 0.
#[derive(Debug, Clone, Default)]
pub(super) struct Voicing {
    ring: [Pending; TRACKER_RING_FRAMES],
    register: Register,
}

fn slot(frame: u64) -> usize {
    (frame % TRACKER_RING_FRAMES as u64) as usize
}

impl Voicing {
    /// Takes frame `frame` at `level_db`, `snr_db` above the voicing floor, with pitch
    /// candidates `yin`. `loud_enough` is false for frames that may not be voiced at
    /// all (too quiet, or echo of the other party).
    pub(super) fn push(
        &mut self,
        frame: u64,
        level_db: f32,
        snr_db: f32,
        loud_enough: bool,
        yin: &YinFrame,
    ) {
        let best = yin.candidates().first().copied();
        // Loud frames may be less periodic and still voiced (F0 moving inside the
        // window, breathy voice); quiet ones must be clearly periodic, which keeps hum and
        // babble in pauses unvoiced.
        let loudness = ((snr_db - VOICING_MIN_SNR_DB) / (VOICING_LOUD_SNR_DB - VOICING_MIN_SNR_DB))
            .clamp(0.0, 1.0);
        let max_cmndf = VOICING_MAX_CMNDF + loudness * (VOICING_MAX_CMNDF_LOUD - VOICING_MAX_CMNDF);
        let clear =
            loud_enough && snr_db > VOICING_MIN_SNR_DB && best.is_some_and(|c| c.cmndf < max_cmndf);
        let may_extend = loud_enough && snr_db > VOICING_EXTEND_MIN_SNR_DB;
        let prev = frame.checked_sub(1).map(|k| self.ring[slot(k)]);
        let prev_f0_hz = prev.map_or(0.0, |p| p.f0_hz);
        let mut f0_hz = if clear {
            choose_f0(yin, prev_f0_hz)
        } else {
            0.0
        };
        if let Some(prev) = prev
            && !clear
            && may_extend
            && prev.f0_hz > 0.0
            && level_db > prev.level_db - VOICING_EXTEND_MAX_DROP_DB
        {
            f0_hz = continuation(yin, prev.f0_hz);
        }
        self.ring[slot(frame)] = Pending {
            level_db,
            f0_hz,
            clear,
            may_extend,
            yin: *yin,
            path_f0_hz: f0_hz,
            ..Pending::default()
        };
        let mut first_changed = frame;
        if clear && prev.is_some_and(|p| p.f0_hz == 0.0) {
            first_changed = self.extend_back(frame, f0_hz);
        }
        for k in first_changed..=frame {
            self.step_path(k);
        }
    }

    /// Accumulates the path costs of frame `frame` from its predecessor's.
    fn step_path(&mut self, frame: u64) {
        let prev = frame
            .checked_sub(1)
            .map(|k| self.ring[slot(k)])
            .filter(|p| p.f0_hz > 0.0);
        let register = self.register.median_octaves();
        let p = &mut self.ring[slot(frame)];
        if p.f0_hz == 0.0 {
            return;
        }
        let cands = p.yin.candidates();
        for (j, c) in cands.iter().enumerate() {
            let mut local = (1.0 - c.nccf).clamp(0.0, PITCH_CANDIDATE_MAX_COST);
            if let Some(median) = register {
                let octaves = (ANALYSIS_RATE_HZ as f32 / c.lag / FMIN_HZ as f32).log2();
                let outside = (octaves - median).abs() - PITCH_REGISTER_FREE_OCTAVES;
                local += PITCH_REGISTER_COST * outside.max(0.0);
            }
            let (best, back) = match &prev {
                Some(prev) => prev
                    .yin
                    .candidates()
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let step = (c.lag / q.lag).ln().abs();
                        (prev.path_cost[i] + PITCH_TRANSITION_COST * step, i)
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap_or((0.0, 0)),
                None => (0.0, 0),
            };
            p.path_cost[j] = local + best;
            p.path_back[j] = back as u8;
        }
        // Keep the costs small: only their differences matter.
        let min = p.path_cost[..cands.len()]
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        if min.is_finite() {
            for c in &mut p.path_cost[..cands.len()] {
                *c -= min;
            }
        }
    }

    /// Reads the cheapest path back from the newest voiced frame of `decided`'s stretch
    /// (at most `newest`) to `decided`, setting the path F0 of those frames.
    fn read_path(&mut self, decided: u64, newest: u64) {
        let mut end = decided;
        while end < newest && self.ring[slot(end + 1)].f0_hz > 0.0 {
            end += 1;
        }
        let last = &self.ring[slot(end)];
        let count = last.yin.candidates().len();
        if count == 0 {
            return;
        }
        let mut state = (0..count)
            .min_by(|&a, &b| last.path_cost[a].total_cmp(&last.path_cost[b]))
            .unwrap_or(0);
        for k in (decided..=end).rev() {
            let p = &mut self.ring[slot(k)];
            let Some(c) = p.yin.candidates().get(state) else {
                return;
            };
            p.path_f0_hz = ANALYSIS_RATE_HZ as f32 / c.lag;
            state = usize::from(p.path_back[state]);
        }
    }

    /// A voiced stretch starts at frame `frame`, the newest: extends it back over the
    /// frames not yet decided while they continue its F0 (the onset of a voice is often
    /// less periodic than its first clear frame). Returns the stretch's first frame.
    fn extend_back(&mut self, frame: u64, f0_hz: f32) -> u64 {
        let mut first = frame;
        let mut next_f0 = f0_hz;
        let mut next_level = self.ring[slot(frame)].level_db;
        let oldest = frame.saturating_sub(DECISION_DELAY_FRAMES as u64);
        for k in (oldest..frame).rev() {
            let p = &mut self.ring[slot(k)];
            if p.f0_hz > 0.0
                || !p.may_extend
                || p.level_db <= next_level - VOICING_EXTEND_BACK_MAX_DROP_DB
            {
                break;
            }
            let f0 = continuation(&p.yin, next_f0);
            if f0 == 0.0 {
                break;
            }
            p.f0_hz = f0;
            p.path_f0_hz = f0;
            next_f0 = f0;
            next_level = p.level_db;
            first = k;
        }
        first
    }

    /// Final voicing of frame `decided`, `newest` being the last frame pushed: its F0
    /// median-smoothed over its neighbours that exist; the median is taken over voiced
    /// neighbours only, and only when the frame itself is voiced.
    pub(super) fn decide(&mut self, decided: u64, newest: u64) -> Voiced {
        let centre = self.ring[slot(decided)];
        let mut f0_hz = 0.0;
        if centre.f0_hz > 0.0 {
            self.read_path(decided, newest);
            let half = (F0_MEDIAN_FRAMES / 2) as u64;
            let mut values = [0.0f32; F0_MEDIAN_FRAMES];
            let mut n = 0;
            let lo = decided.saturating_sub(half);
            let hi = (decided + half).min(newest);
            for k in lo..=hi {
                let p = self.ring[slot(k)];
                if p.f0_hz > 0.0 {
                    values[n] = p.path_f0_hz;
                    n += 1;
                }
            }
            let values = &mut values[..n];
            values.sort_by(f32::total_cmp);
            f0_hz = values[n / 2];
            if centre.clear {
                self.register.add(f0_hz);
            }
        }
        Voiced {
            f0_hz,
            clear: centre.clear,
        }
    }
}

/// F0 of a clearly periodic frame, Hz: YIN's best candidate, or the candidate period
/// closest to the previous frame's F0 (`prev_f0_hz`, 0 if unvoiced) when it is nearly
/// as periodic, which avoids octave jumps inside a voiced stretch.
fn choose_f0(yin: &YinFrame, prev_f0_hz: f32) -> f32 {
    let cands = yin.candidates();
    let Some(first) = cands.first() else {
        return 0.0;
    };
    let mut chosen = *first;
    if prev_f0_hz > 0.0 {
        let prev_lag = ANALYSIS_RATE_HZ as f32 / prev_f0_hz;
        let distance = |lag: f32| (lag / prev_lag).ln().abs();
        if distance(chosen.lag) > OCTAVE_JUMP_MIN_LOG_RATIO {
            for c in &cands[1..] {
                if distance(c.lag) < OCTAVE_JUMP_KEEP_MAX_LOG_RATIO
                    && c.cmndf < chosen.cmndf + OCTAVE_JUMP_KEEP_MAX_CMNDF_EXCESS
                {
                    chosen = *c;
                    break;
                }
            }
        }
    }
    ANALYSIS_RATE_HZ as f32 / chosen.lag
}

/// The candidate of `yin` continuing a voiced neighbour at `f0_hz`: the most periodic one
/// within [`VOICING_EXTEND_MAX_STEP`] of it and below [`VOICING_EXTEND_MAX_CMNDF`]; 0 if
/// none.
fn continuation(yin: &YinFrame, f0_hz: f32) -> f32 {
    let lag = ANALYSIS_RATE_HZ as f32 / f0_hz;
    yin.candidates()
        .iter()
        .filter(|c| {
            c.cmndf < VOICING_EXTEND_MAX_CMNDF && (c.lag / lag).ln().abs() < VOICING_EXTEND_MAX_STEP
        })
        .min_by(|a, b| a.cmndf.total_cmp(&b.cmndf))
        .map_or(0.0, |c| ANALYSIS_RATE_HZ as f32 / c.lag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::yin::Candidate;

    /// Pitch candidates `(lag, cmndf)`, best first.
    fn yin(cands: &[(f32, f32)]) -> YinFrame {
        let mut frame = YinFrame::default();
        for (slot, &(lag, cmndf)) in frame.candidates.iter_mut().zip(cands) {
            *slot = Candidate {
                lag,
                cmndf,
                nccf: 1.0 - cmndf,
            };
        }
        frame.count = cands.len();
        frame
    }

    /// Frames `(level_db, snr_db, candidates)`, all loud enough, pushed and decided as
    /// the tracker does (each once the delay line holds it, the rest at the end).
    fn track(frames: &[(f32, f32, YinFrame)]) -> Vec<Voiced> {
        let mut voicing = Voicing::default();
        let mut decided = Vec::new();
        let delay = DECISION_DELAY_FRAMES as u64;
        for (k, (level_db, snr_db, yin)) in frames.iter().enumerate() {
            let k = k as u64;
            voicing.push(k, *level_db, *snr_db, true, yin);
            if let Some(d) = k.checked_sub(delay) {
                decided.push(voicing.decide(d, k));
            }
        }
        let n = frames.len() as u64;
        for d in n.saturating_sub(delay)..n {
            decided.push(voicing.decide(d, n - 1));
        }
        decided
    }

    fn f0s(decided: &[Voiced]) -> Vec<f32> {
        decided.iter().map(|v| v.f0_hz).collect()
    }

    #[test]
    fn clearly_periodic_frames_are_voiced_at_their_period() {
        let frames = vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 6];
        let decided = track(&frames);
        assert_eq!(f0s(&decided), vec![100.0; 6]);
        assert!(decided.iter().all(|v| v.clear));
    }

    #[test]
    fn quiet_frames_must_be_more_periodic_than_loud_ones() {
        // 6 dB over the floor, the threshold is 0.306: 0.35 is not periodic enough.
        let quiet = track(&[(-50.0, 6.0, yin(&[(80.0, 0.35)]))]);
        assert_eq!(
            quiet,
            vec![Voiced {
                f0_hz: 0.0,
                clear: false
            }]
        );
        // 30 dB over it, the threshold is 0.5.
        let loud = track(&[(-30.0, 30.0, yin(&[(80.0, 0.45)]))]);
        assert_eq!(
            loud,
            vec![Voiced {
                f0_hz: 100.0,
                clear: true
            }]
        );
        // Under the 5.25 dB minimum, even a perfect period is not voiced.
        let faint = track(&[(-50.0, 5.0, yin(&[(80.0, 0.0)]))]);
        assert_eq!(
            faint,
            vec![Voiced {
                f0_hz: 0.0,
                clear: false
            }]
        );
    }

    #[test]
    fn frames_that_may_not_be_voiced_are_not() {
        let mut voicing = Voicing::default();
        voicing.push(0, -30.0, 30.0, false, &yin(&[(80.0, 0.0)]));
        assert_eq!(
            voicing.decide(0, 0),
            Voiced {
                f0_hz: 0.0,
                clear: false
            }
        );
    }

    #[test]
    fn the_candidate_near_the_previous_f0_avoids_an_octave_jump() {
        let frame = yin(&[(40.0, 0.05), (80.5, 0.15)]);
        // Continuing 100 Hz: the second candidate, within 0.2 of the first's difference.
        assert_eq!(choose_f0(&frame, 100.0), 8000.0 / 80.5);
        // With no voiced frame before, YIN's choice.
        assert_eq!(choose_f0(&frame, 0.0), 200.0);
        // A candidate much less periodic does not replace it.
        let frame = yin(&[(40.0, 0.05), (80.5, 0.25)]);
        assert_eq!(choose_f0(&frame, 100.0), 200.0);
        // Near the previous F0 already: kept.
        let frame = yin(&[(84.0, 0.1), (80.0, 0.05)]);
        assert_eq!(choose_f0(&frame, 100.0), 8000.0 / 84.0);
    }

    #[test]
    fn a_continuation_is_the_most_periodic_candidate_near_the_f0() {
        let frame = yin(&[(40.0, 0.1), (82.0, 0.8), (78.0, 0.6), (120.0, 0.2)]);
        assert_eq!(continuation(&frame, 100.0), 8000.0 / 78.0);
        // Nothing within 16 % of 50 Hz (lag 160).
        assert_eq!(continuation(&frame, 50.0), 0.0);
        // Aperiodic dips (difference 1 or more) never continue.
        assert_eq!(continuation(&yin(&[(80.0, 1.0)]), 100.0), 0.0);
    }

    #[test]
    fn a_decay_continues_the_voice_until_the_level_drops() {
        let mut frames = vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 5];
        // Less periodic than voicing needs (0.6 at 28 dB), but it continues 100 Hz.
        frames.push((-32.0, 28.0, yin(&[(81.0, 0.6)])));
        // 8 dB under its neighbour: the voice has stopped.
        frames.push((-40.0, 20.0, yin(&[(81.0, 0.6)])));
        let decided = track(&frames);
        // Frame 5's own F0 is 98.8 Hz; the median of 100, 100, 98.8 is 100.
        assert_eq!(
            f0s(&decided),
            vec![100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 0.0]
        );
        assert!(!decided[5].clear);
    }

    #[test]
    fn an_onset_is_voiced_back_from_the_first_clear_frame() {
        let mut frames = vec![(-60.0, 0.0, YinFrame::default()); 2];
        // Onset: 0.7 is not periodic enough at 20 dB; within 3 dB of the next frame.
        frames.push((-34.0, 20.0, yin(&[(80.0, 0.7)])));
        frames.push((-32.0, 20.0, yin(&[(80.0, 0.7)])));
        frames.extend(vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 4]);
        let decided = track(&frames);
        assert_eq!(
            f0s(&decided),
            vec![0.0, 0.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
        );
        assert!(!decided[2].clear && !decided[3].clear && decided[4].clear);
    }

    #[test]
    fn an_onset_much_quieter_than_the_voice_is_not_voiced() {
        let mut frames = vec![(-60.0, 0.0, YinFrame::default()); 2];
        frames.push((-34.0, 20.0, yin(&[(80.0, 0.7)])));
        frames.extend(vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 4]);
        let decided = track(&frames);
        // 4 dB under the first clear frame: more than the 3 dB an onset may be.
        assert_eq!(
            f0s(&decided),
            vec![0.0, 0.0, 0.0, 100.0, 100.0, 100.0, 100.0]
        );
    }

    #[test]
    fn the_path_takes_the_period_over_a_strong_harmonic() {
        // A band-limited 115 Hz voice: YIN's first dip is at a third of the period
        // (345 Hz, the strong third harmonic), the period itself is more periodic.
        let frames = vec![(-30.0, 30.0, yin(&[(23.19, 0.15), (69.57, 0.05)])); 6];
        let decided = track(&frames);
        assert_eq!(f0s(&decided), vec![8000.0 / 69.57; 6]);
    }

    #[test]
    fn the_path_does_not_jump_an_octave_for_a_few_frames() {
        let mut frames = vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 7];
        // Three frames a little more periodic an octave up: the jump there and back
        // costs 2 × 0.69, more than the 3 × 0.18 they would gain.
        for frame in &mut frames[2..5] {
            frame.2 = yin(&[(40.0, 0.02), (80.0, 0.2)]);
        }
        let decided = track(&frames);
        assert_eq!(f0s(&decided), vec![100.0; 7]);
    }

    #[test]
    fn candidates_far_from_the_register_pay_for_it() {
        // 60 frames of a 100 Hz voice set the register; after a pause, a stretch whose
        // best dip is 1.9 octaves up (the fourth harmonic) is read at the period.
        let mut frames = vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 60];
        frames.extend(vec![(-60.0, 0.0, YinFrame::default()); 10]);
        frames.extend(vec![(-30.0, 30.0, yin(&[(21.0, 0.05), (84.0, 0.1)])); 6]);
        let decided = track(&frames);
        assert_eq!(f0s(&decided[70..]), vec![8000.0 / 84.0; 6]);
        // Without the register (the same stretch first), the better dip wins.
        let alone = track(&frames[70..]);
        assert_eq!(f0s(&alone), vec![8000.0 / 21.0; 6]);
    }

    #[test]
    fn the_median_removes_a_one_frame_octave_error() {
        let mut frames = vec![(-30.0, 30.0, yin(&[(80.0, 0.1)])); 7];
        frames[3].2 = yin(&[(40.0, 0.1)]);
        let decided = track(&frames);
        assert_eq!(f0s(&decided), vec![100.0; 7]);
    }
}
