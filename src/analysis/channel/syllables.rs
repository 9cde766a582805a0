//! Syllable nuclei: peaks of the sonority contour (level weighted by periodicity).

use crate::dsp::yin::YinFrame;

use super::FrameDecision;
use crate::analysis::settings::{
    SYLLABLE_DIP_DB, SYLLABLE_PERIODICITY_FLOOR, SYLLABLE_PERIODICITY_WEIGHT_DB,
};

/// Sonority of a frame at `level_db` with pitch candidates `yin`, dB: the level plus
/// [`SYLLABLE_PERIODICITY_WEIGHT_DB`] × log10 of its best normalised cross-correlation.
/// Vowels are both loud and periodic; the dips between them (consonants, transitions)
/// lose periodicity before they lose level, so weighting the level by periodicity
/// deepens them.
pub(super) fn sonority_db(level_db: f32, yin: &YinFrame) -> f32 {
    let periodicity = yin
        .candidates()
        .iter()
        .map(|c| c.nccf)
        .fold(0.0f32, f32::max)
        .max(SYLLABLE_PERIODICITY_FLOOR);
    level_db + SYLLABLE_PERIODICITY_WEIGHT_DB * periodicity.log10()
}

/// Hysteresis peak picker on the sonority contour: a peak counts when the contour has
/// fallen [`SYLLABLE_DIP_DB`] below it and it rose that much from the previous dip. Only
/// peaks on clearly voiced, active frames are nuclei.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SyllablePicker {
    /// The first frame has been seen (it sets the first dip).
    started: bool,
    /// Climbing towards a peak (true) or falling towards a dip.
    rising: bool,
    /// The highest sonority since the last dip while rising, the lowest since the last
    /// peak while falling, dB.
    extreme_db: f32,
    /// The frame of the peak so far and whether it may be a nucleus.
    peak_frame: u64,
    peak_voiced: bool,
}

impl SyllablePicker {
    /// Takes the next decided frame; returns the frame of a nucleus confirmed by it.
    pub(super) fn push(&mut self, d: &FrameDecision) -> Option<u64> {
        let level = d.sonority_db;
        if !self.started {
            self.started = true;
            self.rising = false;
            self.extreme_db = level;
            return None;
        }
        let mut nucleus = None;
        if self.rising {
            if level > self.extreme_db {
                self.extreme_db = level;
                self.peak_frame = d.frame;
                self.peak_voiced = d.clearly_voiced && d.active;
            } else if level < self.extreme_db - SYLLABLE_DIP_DB {
                if self.peak_voiced {
                    nucleus = Some(self.peak_frame);
                }
                self.rising = false;
                self.extreme_db = level;
            }
        } else if level < self.extreme_db {
            self.extreme_db = level;
        } else if level > self.extreme_db + SYLLABLE_DIP_DB {
            self.rising = true;
            self.extreme_db = level;
            self.peak_frame = d.frame;
            self.peak_voiced = d.clearly_voiced && d.active;
        }
        nucleus
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::yin::Candidate;

    fn frame(frame: u64, sonority_db: f32, voiced: bool) -> FrameDecision {
        FrameDecision {
            frame,
            sonority_db,
            active: voiced,
            clearly_voiced: voiced,
            ..FrameDecision::default()
        }
    }

    /// Feeds a contour (all frames voiced and active) and collects the nuclei.
    fn nuclei(contour: &[f32]) -> Vec<u64> {
        let mut picker = SyllablePicker::default();
        let mut found = Vec::new();
        for (k, &s) in contour.iter().enumerate() {
            found.extend(picker.push(&frame(k as u64, s, true)));
        }
        found
    }

    #[test]
    fn sonority_is_the_level_less_the_periodicity_weight() {
        let mut yin = YinFrame::default();
        // No candidates: periodicity counts as the floor, 0.05 → 22 × log10(0.05).
        assert!((sonority_db(-30.0, &yin) - (-30.0 - 28.622_6)).abs() < 1e-3);
        yin.candidates[0] = Candidate {
            lag: 40.0,
            cmndf: 0.1,
            nccf: 0.5,
        };
        yin.candidates[1] = Candidate {
            lag: 80.0,
            cmndf: 0.2,
            nccf: 1.0,
        };
        yin.count = 2;
        // The best correlation (1.0) counts: no weight.
        assert_eq!(sonority_db(-30.0, &yin), -30.0);
        yin.count = 1;
        // Half as periodic: 22 × log10(0.5) = -6.62 dB.
        assert!((sonority_db(-30.0, &yin) - (-36.622_6)).abs() < 1e-3);
    }

    #[test]
    fn a_peak_counts_once_the_contour_has_dipped_on_both_sides() {
        // Dip at -40, peak at -30 (frame 3), dip at -38: one nucleus, reported on frame 5
        // where the contour first lies more than 5 dB under the peak.
        let contour = [-40.0, -37.0, -34.0, -30.0, -32.0, -36.0, -38.0];
        assert_eq!(nuclei(&contour), vec![3]);
        // The same peak without the fall after it is not (yet) a nucleus.
        assert_eq!(nuclei(&contour[..5]), Vec::<u64>::new());
    }

    #[test]
    fn shallow_ripples_are_not_syllables() {
        // Swings of 4 dB never clear the 5 dB hysteresis.
        let contour = [-40.0, -36.0, -40.0, -36.0, -40.0, -36.0, -40.0];
        assert_eq!(nuclei(&contour), Vec::<u64>::new());
    }

    #[test]
    fn successive_syllables_are_each_counted_at_their_peak() {
        let contour = [
            -50.0, -44.0, -35.0, -40.0, -48.0, -42.0, -33.0, -31.0, -45.0, -50.0,
        ];
        assert_eq!(nuclei(&contour), vec![2, 7]);
    }

    #[test]
    fn a_voice_swelling_once_per_syllable_has_one_nucleus_per_swell() {
        use super::super::tests::noise;
        use super::super::{FrontEnd, Tracker};
        use std::f64::consts::PI;
        // A 125 Hz voice (harmonics 2 to 20, 250-2500 Hz) that never stops but swells six
        // times, 200 ms apart, its level dipping 20 dB between swells as it does between
        // syllables; 0.5 s of line noise before and after. The crests lie at 0.6, 0.8,
        // ..., 1.6 s: frames 60 to 160.
        let (rate_hz, f0_hz, swells, period_s) = (8000.0, 125.0, 6, 0.2);
        let mut signal = noise(4000, 3, 1e-3);
        let voiced = (f64::from(swells) * period_s * rate_hz) as usize;
        signal.extend((0..voiced).map(|i| {
            let t = i as f64 / rate_hz;
            let swell = 0.1 + 0.9 * (PI * t / period_s).sin().powi(2);
            let voice: f64 = (2..=20)
                .map(|h| 0.1 / f64::from(h) * (2.0 * PI * f0_hz * f64::from(h) * t).sin())
                .sum();
            (swell * voice) as f32
        }));
        signal.extend(noise(4000, 4, 1e-3));
        let mut front = FrontEnd::new(8000);
        let mut tracker = Tracker::new();
        let mut nuclei = Vec::new();
        for &x in &signal {
            front.push(x, &mut |m| nuclei.extend(tracker.step(&m, None).syllable));
        }
        front.finish(&mut |m| nuclei.extend(tracker.step(&m, None).syllable));
        tracker.finish(|o| nuclei.extend(o.syllable));
        assert_eq!(nuclei.len(), 6, "nuclei at frames {nuclei:?}");
        for (k, &frame) in nuclei.iter().enumerate() {
            let crest = 60 + 20 * k as u64;
            assert!(frame.abs_diff(crest) <= 2, "nucleus {k} at frame {frame}");
        }
    }

    #[test]
    fn a_peak_on_an_unvoiced_or_inactive_frame_is_not_a_nucleus() {
        let mut picker = SyllablePicker::default();
        let mut found = Vec::new();
        let contour = [(-40.0, true), (-30.0, false), (-40.0, true)];
        for (k, &(s, voiced)) in contour.iter().enumerate() {
            found.extend(picker.push(&frame(k as u64, s, voiced)));
        }
        assert_eq!(found, Vec::<u64>::new());
        // Voiced but not active (echo, or below the activity threshold): not a nucleus.
        let mut picker = SyllablePicker::default();
        let quiet = |k, s| FrameDecision {
            frame: k,
            sonority_db: s,
            active: false,
            clearly_voiced: true,
            ..FrameDecision::default()
        };
        assert_eq!(picker.push(&quiet(0, -40.0)), None);
        assert_eq!(picker.push(&quiet(1, -30.0)), None);
        assert_eq!(picker.push(&quiet(2, -40.0)), None);
    }
}
