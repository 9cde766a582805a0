//! Mel-frequency cepstral coefficients of one frame: the short-term spectral envelope of
//! a voice, the feature a voice print summarises. Pure maths, planned once: computing a
//! frame allocates nothing.
//!
//! In a voiced frame the spectrum is a comb of harmonics of F0 under the envelope. When
//! harmonics lie further apart than the low mel filters are wide (F0 above about 180 Hz),
//! each filter catches one harmonic or none, and the coefficients follow F0 rather than
//! the voice. So a voiced frame's power spectrum is first averaged over one F0 on either
//! side of each bin's centre (half an F0 each way), which fills the comb in to the
//! envelope whatever the pitch, as F0-adaptive envelope estimators do.

use std::f32::consts::PI;
use std::fmt;
use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

use crate::analysis::settings::ANALYSIS_RATE_HZ;

/// Analysis window: 25 ms at the analysis rate, the usual span over which the vocal tract
/// is taken as still.
pub const WINDOW_LENGTH: usize = 200;
/// FFT length: the window zero-padded to a power of two.
pub const FFT_LENGTH: usize = 256;
/// Triangular filters on the mel scale.
pub const MEL_BANDS: usize = 20;
/// Lowest frequency the filters cover, Hz: the telephone band's lower edge, so that a
/// wideband and a band-limited recording of one voice give the same coefficients, and
/// mains hum (up to its 5th harmonic) stays out.
pub const MEL_LOW_HZ: f32 = 300.0;
/// Highest frequency the filters cover, Hz: the telephone band's upper edge.
pub const MEL_HIGH_HZ: f32 = 3400.0;
/// Cepstral coefficients kept, c1..=c12. c0 (the frame's overall level) is left out: it
/// depends on the line and the microphone distance, not on the voice.
pub const CEPSTRA: usize = 12;
/// Added to every band energy before the logarithm, so that a silent band gives a finite
/// value (about -92 dB below a full-scale sine's band energy).
const ENERGY_FLOOR: f32 = 1e-6;

fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

/// One triangular filter: weights for the FFT bins from `first_bin` on.
#[derive(Debug, Clone)]
struct MelFilter {
    first_bin: usize,
    weights: Vec<f32>,
}

/// Computes [`CEPSTRA`] mel-cepstral coefficients of a [`WINDOW_LENGTH`]-sample frame at
/// [`ANALYSIS_RATE_HZ`].
pub struct MelCepstrum {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    /// Power per bin, and its running sum (`cumulative[k]` = power of bins below `k`).
    power: Vec<f64>,
    cumulative: Vec<f64>,
    /// Power after the F0-wide smoothing.
    smoothed: Vec<f32>,
    filters: Vec<MelFilter>,
    log_energies: [f32; MEL_BANDS],
    /// DCT-II basis: row `i` gives coefficient c(i+1) from the log band energies.
    dct: Vec<[f32; MEL_BANDS]>,
}

impl fmt::Debug for MelCepstrum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MelCepstrum")
            .field("window_length", &WINDOW_LENGTH)
            .field("fft_length", &FFT_LENGTH)
            .field("mel_bands", &MEL_BANDS)
            .finish_non_exhaustive()
    }
}

impl Default for MelCepstrum {
    fn default() -> Self {
        Self::new()
    }
}

impl MelCepstrum {
    /// Plans the FFT and builds the filter bank and the DCT.
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LENGTH);
        // Hamming window.
        let window = (0..WINDOW_LENGTH)
            .map(|n| 0.54 - 0.46 * (2.0 * PI * n as f32 / (WINDOW_LENGTH - 1) as f32).cos())
            .collect();
        let bin_hz = ANALYSIS_RATE_HZ as f32 / FFT_LENGTH as f32;
        let lo_mel = hz_to_mel(MEL_LOW_HZ);
        let hi_mel = hz_to_mel(MEL_HIGH_HZ);
        let edges_hz: Vec<f32> = (0..MEL_BANDS + 2)
            .map(|i| mel_to_hz(lo_mel + (hi_mel - lo_mel) * i as f32 / (MEL_BANDS + 1) as f32))
            .collect();
        let filters = edges_hz
            .windows(3)
            .map(|e| {
                let (left, centre, right) = (e[0], e[1], e[2]);
                let first_bin = (left / bin_hz).ceil() as usize;
                let last_bin = ((right / bin_hz).floor() as usize).min(FFT_LENGTH / 2);
                let weights = (first_bin..=last_bin)
                    .map(|k| {
                        let f = k as f32 * bin_hz;
                        if f <= centre {
                            (f - left) / (centre - left)
                        } else {
                            (right - f) / (right - centre)
                        }
                        .max(0.0)
                    })
                    .collect();
                MelFilter { first_bin, weights }
            })
            .collect();
        let dct = (1..=CEPSTRA)
            .map(|i| {
                let mut row = [0.0; MEL_BANDS];
                for (j, w) in row.iter_mut().enumerate() {
                    *w = (PI * i as f32 * (j as f32 + 0.5) / MEL_BANDS as f32).cos()
                        * (2.0 / MEL_BANDS as f32).sqrt();
                }
                row
            })
            .collect();
        Self {
            window,
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; FFT_LENGTH / 2 + 1],
            cumulative: vec![0.0; FFT_LENGTH / 2 + 2],
            smoothed: vec![0.0; FFT_LENGTH / 2 + 1],
            fft,
            filters,
            log_energies: [0.0; MEL_BANDS],
            dct,
        }
    }

    /// Coefficients c1..=c12 of `frame` (its first [`WINDOW_LENGTH`] samples; a shorter
    /// frame is zero-padded) into `out`. `f0_hz` is the frame's F0, 0 when unvoiced.
    pub fn compute(&mut self, frame: &[f32], f0_hz: f32, out: &mut [f32; CEPSTRA]) {
        self.input.fill(0.0);
        for ((x, &s), &w) in self.input.iter_mut().zip(frame).zip(&self.window) {
            *x = s * w;
        }
        // The buffers were made by the plan itself, so their lengths always fit and the
        // transform cannot fail; should it, the spectrum reads as silence.
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            self.spectrum.fill(Complex32::default());
        }
        self.smooth(f0_hz);
        for (filter, log_e) in self.filters.iter().zip(self.log_energies.iter_mut()) {
            let bins = self.smoothed.iter().skip(filter.first_bin);
            let energy: f32 = bins.zip(&filter.weights).map(|(&p, &w)| w * p).sum();
            *log_e = (energy + ENERGY_FLOOR).ln();
        }
        for (c, row) in out.iter_mut().zip(&self.dct) {
            *c = row
                .iter()
                .zip(&self.log_energies)
                .map(|(&w, &e)| w * e)
                .sum();
        }
    }
}

impl MelCepstrum {
    /// Fills `smoothed` from the spectrum: the power itself when unvoiced, else its mean
    /// over `f0_hz` centred on each bin (bin `i` covering `[i - ½, i + ½)`).
    fn smooth(&mut self, f0_hz: f32) {
        let n = self.power.len();
        let mut sum = 0.0;
        for (i, (c, p)) in self.spectrum.iter().zip(&mut self.power).enumerate() {
            *p = f64::from(c.norm_sqr());
            self.cumulative[i] = sum;
            sum += *p;
        }
        self.cumulative[n] = sum;
        let width = f64::from(f0_hz) * FFT_LENGTH as f64 / f64::from(ANALYSIS_RATE_HZ);
        if width <= 1.0 {
            for (s, &p) in self.smoothed.iter_mut().zip(&self.power) {
                *s = p as f32;
            }
            return;
        }
        let (power, cumulative) = (&self.power, &self.cumulative);
        // Power of the bins from -½ up to `x`.
        let below = |x: f64| -> f64 {
            let x = x.clamp(-0.5, n as f64 - 0.5);
            let j = ((x + 0.5).floor() as usize).min(n - 1);
            cumulative[j] + (x + 0.5 - j as f64) * power[j]
        };
        for (k, s) in self.smoothed.iter_mut().enumerate() {
            let lo = (k as f64 - width / 2.0).max(-0.5);
            let hi = (k as f64 + width / 2.0).min(n as f64 - 0.5);
            *s = ((below(hi) - below(lo)) / (hi - lo)) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq_hz: f32, amplitude: f32) -> Vec<f32> {
        (0..WINDOW_LENGTH)
            .map(|n| amplitude * (2.0 * PI * freq_hz * n as f32 / ANALYSIS_RATE_HZ as f32).sin())
            .collect()
    }

    #[test]
    fn filters_cover_the_telephone_band_in_order() {
        let m = MelCepstrum::new();
        assert_eq!(m.filters.len(), MEL_BANDS);
        let bin_hz = ANALYSIS_RATE_HZ as f32 / FFT_LENGTH as f32;
        // First filter starts just above 300 Hz (bin 10 = 312.5 Hz), last ends below 3400.
        assert_eq!(m.filters[0].first_bin, 10);
        let last = m.filters.last().unwrap();
        let last_bin = last.first_bin + last.weights.len() - 1;
        assert_eq!(last_bin, (3400.0 / bin_hz) as usize);
        assert!(
            m.filters
                .windows(2)
                .all(|w| w[0].first_bin < w[1].first_bin)
        );
        // Every filter has at least one bin with positive weight.
        assert!(m.filters.iter().all(|f| f.weights.iter().any(|&w| w > 0.0)));
    }

    #[test]
    fn level_changes_leave_the_coefficients_alone() {
        // A gain multiplies every band energy alike, which moves c0 only; c1..c12 stay.
        let mut m = MelCepstrum::new();
        let mut loud = [0.0; CEPSTRA];
        let mut soft = [0.0; CEPSTRA];
        let mix = |a: f32| -> Vec<f32> {
            let lo = sine(500.0, a);
            let hi = sine(1800.0, a * 0.5);
            lo.iter().zip(&hi).map(|(x, y)| x + y).collect()
        };
        m.compute(&mix(0.5), 0.0, &mut loud);
        m.compute(&mix(0.05), 0.0, &mut soft);
        for (a, b) in loud.iter().zip(&soft) {
            assert!((a - b).abs() < 0.05, "{loud:?} vs {soft:?}");
        }
    }

    #[test]
    fn low_and_high_tones_tilt_c1_opposite_ways() {
        // c1 weighs the low bands positively and the high bands negatively.
        let mut m = MelCepstrum::new();
        let mut low = [0.0; CEPSTRA];
        let mut high = [0.0; CEPSTRA];
        m.compute(&sine(400.0, 0.3), 0.0, &mut low);
        m.compute(&sine(3000.0, 0.3), 0.0, &mut high);
        assert!(low[0] > 10.0, "{}", low[0]);
        assert!(high[0] < -10.0, "{}", high[0]);
    }

    /// A frame of harmonics of `f0_hz` whose amplitudes follow one fixed envelope (two
    /// broad formant bumps), as a vocoder driven by a new F0 makes.
    fn harmonics(f0_hz: f32) -> Vec<f32> {
        let envelope = |f: f32| {
            (-((f - 800.0) / 400.0).powi(2)).exp() + 0.5 * (-((f - 2300.0) / 500.0).powi(2)).exp()
        };
        (0..WINDOW_LENGTH)
            .map(|n| {
                let t = n as f32 / ANALYSIS_RATE_HZ as f32;
                (1..)
                    .map(|h| h as f32 * f0_hz)
                    .take_while(|&f| f < 3900.0)
                    .map(|f| 0.1 * envelope(f) * (2.0 * PI * f * t).sin())
                    .sum()
            })
            .collect()
    }

    fn gap(a: &[f32; CEPSTRA], b: &[f32; CEPSTRA]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f32>()
            .sqrt()
    }

    #[test]
    fn smoothing_over_f0_makes_the_coefficients_follow_the_envelope() {
        let mut m = MelCepstrum::new();
        let (low, high) = (harmonics(110.0), harmonics(230.0));
        let mut raw = [[0.0; CEPSTRA]; 2];
        let mut smooth = [[0.0; CEPSTRA]; 2];
        m.compute(&low, 0.0, &mut raw[0]);
        m.compute(&high, 0.0, &mut raw[1]);
        m.compute(&low, 110.0, &mut smooth[0]);
        m.compute(&high, 230.0, &mut smooth[1]);
        let (raw_gap, smooth_gap) = (gap(&raw[0], &raw[1]), gap(&smooth[0], &smooth[1]));
        assert!(
            smooth_gap < 0.6 * raw_gap,
            "same envelope at 110 and 230 Hz: {smooth_gap} smoothed, {raw_gap} raw"
        );
    }
}
