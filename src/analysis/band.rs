//! The calming pitch band of one call and the share of the agent's voiced speech inside
//! it. The band is fixed in Hz (`pitch.band_hz`) or relative to the agent's own baseline
//! (`pitch.band_semitones`). A relative band takes the agent's stored baseline when
//! there is one; otherwise the median F0 of the call's first
//! [`CALL_BASELINE_VOICED_FRAMES`] voiced frames, and every voiced frame of the call,
//! those first ones included, is judged against the band it gives.

use serde::{Deserialize, Serialize};

use crate::config::PitchTargets;

/// Voiced agent frames whose median is the baseline of a relative band when the agent
/// has no stored baseline: 30 s of voiced speech at 10 ms a frame.
pub const CALL_BASELINE_VOICED_FRAMES: usize = 3000;
/// Semitones in an octave.
const SEMITONES_PER_OCTAVE: f64 = 12.0;

/// Where the baseline of a relative band came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineSource {
    /// The agent's stored baseline (their earlier calls and sessions).
    Agent,
    /// The call's own first voiced speech.
    Call,
}

/// The band `[lo, hi]` semitones around `baseline_hz`, in Hz.
pub fn relative_band(baseline_hz: f64, semitones: [f64; 2]) -> [f64; 2] {
    semitones.map(|st| baseline_hz * 2f64.powf(st / SEMITONES_PER_OCTAVE))
}

/// The median of `values` (the upper one of an even count); `None` when empty.
pub fn median_f32(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f32::total_cmp);
    Some(*m)
}

/// Counts the agent's voiced frames inside the call's band, resolving a relative band
/// from the call's own speech when no stored baseline is given.
#[derive(Debug, Clone)]
pub struct BandCounter {
    semitones: Option<[f64; 2]>,
    band_hz: Option<[f64; 2]>,
    baseline: Option<(f64, BaselineSource)>,
    /// Voiced F0s seen while the band is not known yet.
    pending: Vec<f32>,
    voiced: u64,
    in_band: u64,
}

impl BandCounter {
    /// The counter for `pitch`, with the agent's stored baseline when known.
    pub fn new(pitch: &PitchTargets, agent_baseline_hz: Option<f64>) -> Self {
        let mut counter = Self {
            semitones: pitch.band_semitones,
            band_hz: None,
            baseline: None,
            pending: Vec::new(),
            voiced: 0,
            in_band: 0,
        };
        match (pitch.band_semitones, agent_baseline_hz) {
            (None, _) => counter.band_hz = Some(pitch.band_hz),
            (Some(st), Some(base)) => {
                counter.band_hz = Some(relative_band(base, st));
                counter.baseline = Some((base, BaselineSource::Agent));
            }
            (Some(_), None) => counter.pending.reserve(CALL_BASELINE_VOICED_FRAMES),
        }
        counter
    }

    /// Takes one voiced frame of agent speech.
    pub fn add(&mut self, f0_hz: f32) {
        match self.band_hz {
            Some(band) => self.count(band, f0_hz),
            None => {
                self.pending.push(f0_hz);
                if self.pending.len() >= CALL_BASELINE_VOICED_FRAMES {
                    self.resolve();
                }
            }
        }
    }

    /// Ends the call: a relative band still waiting for its baseline takes the median
    /// of the voiced speech there was.
    pub fn finish(&mut self) {
        if self.band_hz.is_none() {
            self.resolve();
        }
    }

    fn count(&mut self, [lo, hi]: [f64; 2], f0_hz: f32) {
        let f = f64::from(f0_hz);
        self.voiced += 1;
        if lo <= f && f <= hi {
            self.in_band += 1;
        }
    }

    fn resolve(&mut self) {
        let (Some(semitones), Some(base)) = (self.semitones, median_f32(&mut self.pending)) else {
            return;
        };
        let base = f64::from(base);
        let band = relative_band(base, semitones);
        self.band_hz = Some(band);
        self.baseline = Some((base, BaselineSource::Call));
        for f0 in std::mem::take(&mut self.pending) {
            self.count(band, f0);
        }
    }

    /// The band in force, Hz (`None` while a relative band waits for voiced speech).
    pub fn band_hz(&self) -> Option<[f64; 2]> {
        self.band_hz
    }

    /// The baseline of a relative band and where it came from.
    pub fn baseline(&self) -> Option<(f64, BaselineSource)> {
        self.baseline
    }

    /// The semitone band, when the band is relative.
    pub fn semitones(&self) -> Option<[f64; 2]> {
        self.semitones
    }

    /// Share of a relative band's baseline measured, 0–1 (1 once the band is known).
    pub fn baseline_progress(&self) -> f32 {
        if self.band_hz.is_some() {
            1.0
        } else {
            self.pending.len() as f32 / CALL_BASELINE_VOICED_FRAMES as f32
        }
    }

    /// Share of the counted voiced frames inside the band, 0–1.
    pub fn frac_in_band(&self) -> Option<f64> {
        (self.voiced > 0).then(|| self.in_band as f64 / self.voiced as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pitch(semitones: Option<[f64; 2]>) -> PitchTargets {
        PitchTargets {
            band_semitones: semitones,
            ..PitchTargets::default()
        }
    }

    #[test]
    fn a_relative_band_is_the_baseline_times_two_to_the_semitones_over_twelve() {
        let [lo, hi] = relative_band(200.0, [-12.0, 12.0]);
        assert_eq!((lo, hi), (100.0, 400.0));
        let [lo, hi] = relative_band(200.0, [-1.0, 2.0]);
        assert!((lo - 188.7749).abs() < 1e-3, "{lo}");
        assert!((hi - 224.4924).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn a_hz_band_counts_frames_as_they_come() {
        let mut c = BandCounter::new(&pitch(None), Some(300.0));
        for f in [99.0, 100.0, 110.0, 120.0, 121.0] {
            c.add(f);
        }
        c.finish();
        assert_eq!(c.band_hz(), Some([100.0, 120.0]));
        assert_eq!(c.baseline(), None);
        assert_eq!(c.frac_in_band(), Some(0.6));
    }

    #[test]
    fn a_stored_baseline_sets_the_band_from_the_first_frame() {
        let mut c = BandCounter::new(&pitch(Some([-12.0, 0.0])), Some(200.0));
        assert_eq!(c.band_hz(), Some([100.0, 200.0]));
        for f in [99.0, 150.0, 200.0, 201.0] {
            c.add(f);
        }
        c.finish();
        assert_eq!(c.baseline(), Some((200.0, BaselineSource::Agent)));
        assert_eq!(c.frac_in_band(), Some(0.5));
    }

    #[test]
    fn without_a_stored_baseline_the_first_voiced_frames_set_it_and_are_counted_too() {
        let mut c = BandCounter::new(&pitch(Some([0.0, 12.0])), None);
        // 3000 frames at 100 Hz, then 1000 at 250 Hz (outside 100-200 Hz).
        for _ in 0..CALL_BASELINE_VOICED_FRAMES {
            c.add(100.0);
        }
        assert_eq!(c.band_hz(), Some([100.0, 200.0]));
        for _ in 0..1000 {
            c.add(250.0);
        }
        c.finish();
        assert_eq!(c.baseline(), Some((100.0, BaselineSource::Call)));
        assert_eq!(c.frac_in_band(), Some(0.75));
    }

    #[test]
    fn a_short_call_takes_the_median_of_what_it_has() {
        let mut c = BandCounter::new(&pitch(Some([-1.0, 1.0])), None);
        for f in [150.0, 160.0, 300.0] {
            c.add(f);
        }
        assert_eq!(c.band_hz(), None);
        c.finish();
        assert_eq!(c.baseline(), Some((160.0, BaselineSource::Call)));
        // 160 Hz ± 1 semitone = 151.0-169.5 Hz: only 160 is inside.
        assert_eq!(c.frac_in_band(), Some(1.0 / 3.0));
    }

    #[test]
    fn no_voiced_speech_leaves_the_relative_band_unknown() {
        let mut c = BandCounter::new(&pitch(Some([-1.0, 1.0])), None);
        c.finish();
        assert_eq!(c.band_hz(), None);
        assert_eq!(c.frac_in_band(), None);
    }
}
