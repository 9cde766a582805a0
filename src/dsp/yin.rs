//! YIN fundamental-frequency estimation (de Cheveigné & Kawahara, 2002) with the
//! difference function computed through a real FFT planned once.
//!
//! The `pitch-detection` crate's YIN gives the same kind of answer but plans its FFT on
//! every call (about a dozen allocations per frame) and is not `Send`; this estimator
//! allocates only in [`Yin::new`]. `benches/pitch.rs` measures both.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Noise frames [`Yin::learn_noise`] needs before frames are compensated.
pub const NOISE_MIN_FRAMES: u64 = 20;

/// Most pitch candidates kept per frame: local minima of the normalised difference and
/// the whole multiples of YIN's choice (see [`Yin::analyze`]).
pub const MAX_CANDIDATES: usize = 4;

/// Whole multiples of YIN's chosen period tested as candidates: a band-limited voice
/// whose fundamental and second harmonic are weak is periodic at a third or a half of its
/// period too, and YIN's first dip under the threshold can be that shorter lag.
const PERIOD_MULTIPLES: [usize; 3] = [2, 3, 4];

/// A multiple's dip is searched within this share of the multiplied lag (the voice's
/// period moves a little inside the window, and sub-sample errors multiply).
const MULTIPLE_SEARCH_SHARE: f32 = 0.04;

/// One candidate period: lag in samples (sub-sample) and its normalised difference
/// (0 = perfectly periodic, about 1 = aperiodic).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Candidate {
    /// Period in samples, refined by parabolic interpolation.
    pub lag: f32,
    /// Cumulative-mean-normalised difference at that lag.
    pub cmndf: f32,
    /// Normalised cross-correlation at the integer lag, `r / sqrt(e0 * e_lag)` (1 =
    /// perfectly periodic). Unlike the difference it ignores a change of amplitude
    /// between the window and its lagged copy, as at voice onsets and decays.
    pub nccf: f32,
}

/// The candidates of one frame, best YIN choice first.
#[derive(Debug, Clone, Copy, Default)]
pub struct YinFrame {
    /// Candidates; `count` of them are valid.
    pub candidates: [Candidate; MAX_CANDIDATES],
    /// Number of valid candidates.
    pub count: usize,
}

impl YinFrame {
    /// The valid candidates.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates[..self.count.min(MAX_CANDIDATES)]
    }
}

/// A YIN estimator for frames of `window_len + max_lag` samples.
pub struct Yin {
    window_len: usize,
    min_lag: usize,
    max_lag: usize,
    threshold: f32,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    time_a: Vec<f32>,
    time_b: Vec<f32>,
    spec_a: Vec<Complex32>,
    spec_b: Vec<Complex32>,
    scratch_fwd: Vec<Complex32>,
    scratch_inv: Vec<Complex32>,
    prefix_energy: Vec<f64>,
    cmndf: Vec<f32>,
    /// Difference function of the last frame analyzed, before noise compensation.
    diff: Vec<f64>,
    /// Whether `diff` belongs to the last frame (analyzed, not skipped).
    diff_valid: bool,
    /// Expected difference function of the background noise (see [`Yin::learn_noise`]).
    noise_diff: Vec<f64>,
    /// Noise frames learned from.
    noise_frames: u64,
    /// Share of the noise's expected difference removed before normalising.
    noise_subtract: f64,
}

impl std::fmt::Debug for Yin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Yin")
            .field("window_len", &self.window_len)
            .field("min_lag", &self.min_lag)
            .field("max_lag", &self.max_lag)
            .finish()
    }
}

impl Yin {
    /// `window_len`: integration window in samples; lags searched are
    /// `min_lag..=max_lag` samples; `threshold`: YIN's absolute threshold.
    pub fn new(window_len: usize, min_lag: usize, max_lag: usize, threshold: f32) -> Self {
        let fft_len = (window_len + max_lag + 1).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        let scratch_fwd = forward.make_scratch_vec();
        let scratch_inv = inverse.make_scratch_vec();
        Self {
            window_len,
            min_lag: min_lag.max(2),
            max_lag,
            threshold,
            time_a: forward.make_input_vec(),
            time_b: forward.make_input_vec(),
            spec_a: forward.make_output_vec(),
            spec_b: forward.make_output_vec(),
            forward,
            inverse,
            scratch_fwd,
            scratch_inv,
            prefix_energy: vec![0.0; window_len + max_lag + 1],
            cmndf: vec![1.0; max_lag + 2],
            diff: vec![0.0; max_lag + 1],
            diff_valid: false,
            noise_diff: vec![0.0; max_lag + 1],
            noise_frames: 0,
            noise_subtract: 0.0,
        }
    }

    /// Removes `share` (0 to 1) of the learned noise's difference function from each
    /// frame's before normalising (see [`Yin::learn_noise`]); 0, the default, is plain YIN.
    pub fn with_noise_compensation(mut self, share: f32) -> Self {
        self.noise_subtract = f64::from(share.clamp(0.0, 1.0));
        self
    }

    /// The caller passes over a frame without analyzing it (too quiet to be worth it):
    /// [`Yin::learn_noise`] then has no frame to learn from.
    pub fn skip(&mut self) {
        self.diff_valid = false;
    }

    /// Learns the background noise from the last frame analyzed, which the caller knows
    /// to hold only noise; a running mean over the first `frames` noise frames, then an
    /// exponential one with that time constant.
    ///
    /// Additive noise uncorrelated with the voice adds its own expected difference to
    /// the voice's at every lag: stationary noise (pink, line hiss) raises the
    /// difference at all lags, and mains hum at every lag off its period, both of which
    /// hide the voice's dip. Subtracting the noise's expected difference brings the dip
    /// back. In a quiet recording the learned difference is near zero and changes
    /// nothing.
    pub fn learn_noise(&mut self, frames: u32) {
        if !self.diff_valid {
            return;
        }
        self.noise_frames += 1;
        let weight = 1.0 / self.noise_frames.min(u64::from(frames.max(1))) as f64;
        for (n, d) in self.noise_diff.iter_mut().zip(&self.diff) {
            *n += (d - *n) * weight;
        }
    }

    /// Samples one frame must hold.
    pub fn frame_len(&self) -> usize {
        self.window_len + self.max_lag
    }

    /// Analyzes `frame` (exactly [`Yin::frame_len`] samples; shorter frames give no
    /// candidates) and returns its candidate periods. Never allocates.
    pub fn analyze(&mut self, frame: &[f32]) -> YinFrame {
        let mut out = YinFrame::default();
        self.diff_valid = false;
        let n = self.frame_len();
        if frame.len() < n {
            return out;
        }
        let frame = &frame[..n];
        let w = self.window_len;

        // r(tau) = sum_{j<w} x_j x_{j+tau} via conj(FFT(x[..w])) * FFT(x).
        self.time_a.fill(0.0);
        self.time_a[..w].copy_from_slice(&frame[..w]);
        self.time_b.fill(0.0);
        self.time_b[..n].copy_from_slice(frame);
        if self
            .forward
            .process_with_scratch(&mut self.time_a, &mut self.spec_a, &mut self.scratch_fwd)
            .is_err()
            || self
                .forward
                .process_with_scratch(&mut self.time_b, &mut self.spec_b, &mut self.scratch_fwd)
                .is_err()
        {
            return out;
        }
        for (a, b) in self.spec_a.iter_mut().zip(&self.spec_b) {
            *a = a.conj() * b;
        }
        // The inverse needs purely real DC and Nyquist bins.
        if let Some(first) = self.spec_a.first_mut() {
            first.im = 0.0;
        }
        if let Some(last) = self.spec_a.last_mut() {
            last.im = 0.0;
        }
        if self
            .inverse
            .process_with_scratch(&mut self.spec_a, &mut self.time_a, &mut self.scratch_inv)
            .is_err()
        {
            return out;
        }
        let scale = 1.0 / self.time_a.len() as f64;

        // The running sum stays in a register: reading it back from the slice it was
        // just stored to made this loop wait on the store every sample.
        self.prefix_energy[0] = 0.0;
        let mut sum = 0.0f64;
        for (prefix, &x) in self.prefix_energy[1..].iter_mut().zip(frame) {
            sum += f64::from(x) * f64::from(x);
            *prefix = sum;
        }
        let energy0 = self.prefix_energy[w];
        if energy0 <= 1e-12 {
            return out;
        }

        // Cumulative-mean-normalised difference, less the noise's share once the noise
        // has been heard long enough to be known.
        let subtract = if self.noise_frames >= NOISE_MIN_FRAMES {
            self.noise_subtract
        } else {
            0.0
        };
        self.cmndf[0] = 1.0;
        let mut running = 0.0f64;
        for tau in 1..=self.max_lag {
            let energy_tau = self.prefix_energy[tau + w] - self.prefix_energy[tau];
            let r = f64::from(self.time_a[tau]) * scale;
            let raw = (energy0 + energy_tau - 2.0 * r).max(0.0);
            self.diff[tau] = raw;
            let d = (raw - subtract * self.noise_diff[tau]).max(0.0);
            running += d;
            self.cmndf[tau] = if running > 0.0 {
                (d * tau as f64 / running) as f32
            } else {
                1.0
            };
        }

        // Scan the local minima of the search range: keep YIN's choice (the first one
        // under the threshold) and the most periodic others.
        let mut first_under: Option<Candidate> = None;
        let mut best = [Candidate {
            lag: 0.0,
            cmndf: f32::INFINITY,
            nccf: 0.0,
        }; MAX_CANDIDATES];
        for tau in self.min_lag..self.max_lag {
            let c = self.cmndf[tau];
            if !(c <= self.cmndf[tau - 1] && c < self.cmndf[tau + 1]) {
                continue;
            }
            let candidate = Candidate {
                lag: self.refine(tau),
                cmndf: c,
                nccf: {
                    let energy_tau = self.prefix_energy[tau + w] - self.prefix_energy[tau];
                    let r = f64::from(self.time_a[tau]) * scale;
                    (r / (energy0 * energy_tau).sqrt().max(1e-12)) as f32
                },
            };
            if first_under.is_none() && c < self.threshold {
                first_under = Some(candidate);
            }
            if let Some(worst) = best.last_mut()
                && c < worst.cmndf
            {
                *worst = candidate;
                best.sort_by(|a, b| a.cmndf.total_cmp(&b.cmndf));
            }
        }
        self.diff_valid = true;
        let valid = best.iter().filter(|c| c.cmndf.is_finite()).count();
        if valid == 0 {
            return out;
        }
        let chosen = first_under.unwrap_or(best[0]);
        out.candidates[0] = chosen;
        let mut n = 1;
        for c in &best[..valid] {
            if n < MAX_CANDIDATES && c.lag != chosen.lag {
                out.candidates[n] = *c;
                n += 1;
            }
        }
        out.count = n;
        self.add_multiples(&mut out, energy0, scale);
        out
    }

    /// Adds the dips at whole multiples of the chosen period (see [`PERIOD_MULTIPLES`])
    /// that are not candidates yet, in place of the least periodic other candidates.
    fn add_multiples(&self, out: &mut YinFrame, energy0: f64, scale: f64) {
        let base = out.candidates[0].lag;
        for k in PERIOD_MULTIPLES {
            let target = base * k as f32;
            let reach = (target * MULTIPLE_SEARCH_SHARE).max(1.0);
            let lo = ((target - reach).ceil() as usize).max(self.min_lag + 1);
            let hi = ((target + reach).floor() as usize).min(self.max_lag - 1);
            if lo > hi {
                break;
            }
            if out.candidates()[1..]
                .iter()
                .any(|c| (c.lag - target).abs() <= reach)
            {
                continue;
            }
            let Some(tau) = (lo..=hi).min_by(|&a, &b| self.cmndf[a].total_cmp(&self.cmndf[b]))
            else {
                continue;
            };
            let energy_tau = self.prefix_energy[tau + self.window_len] - self.prefix_energy[tau];
            let r = f64::from(self.time_a[tau]) * scale;
            let candidate = Candidate {
                lag: self.refine(tau),
                cmndf: self.cmndf[tau],
                nccf: (r / (energy0 * energy_tau).sqrt().max(1e-12)) as f32,
            };
            if out.count < MAX_CANDIDATES {
                out.candidates[out.count] = candidate;
                out.count += 1;
            } else {
                // Replace the least periodic candidate after the first.
                let worst = (1..MAX_CANDIDATES)
                    .max_by(|&a, &b| out.candidates[a].cmndf.total_cmp(&out.candidates[b].cmndf))
                    .unwrap_or(MAX_CANDIDATES - 1);
                if out.candidates[worst].cmndf > candidate.cmndf {
                    out.candidates[worst] = candidate;
                }
            }
        }
    }

    /// Parabolic interpolation of the minimum around integer lag `tau`.
    fn refine(&self, tau: usize) -> f32 {
        let (a, b, c) = (self.cmndf[tau - 1], self.cmndf[tau], self.cmndf[tau + 1]);
        let denom = a - 2.0 * b + c;
        if denom.abs() < 1e-9 {
            return tau as f32;
        }
        let shift = (0.5 * (a - c) / denom).clamp(-0.5, 0.5);
        tau as f32 + shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn harmonic_frame(f0_hz: f64, rate_hz: f64, len: usize, first_harmonic: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let t = i as f64 / rate_hz;
                (first_harmonic..first_harmonic + 6)
                    .map(|h| (2.0 * PI * f0_hz * h as f64 * t + h as f64).sin() / h as f64)
                    .sum::<f64>() as f32
            })
            .collect()
    }

    #[test]
    fn finds_f0_of_harmonic_tones_across_the_range() {
        let mut yin = Yin::new(256, 20, 134, 0.15);
        for f0 in [62.0, 85.0, 100.0, 110.0, 120.0, 180.0, 250.0, 390.0] {
            let frame = harmonic_frame(f0, 8000.0, yin.frame_len(), 1);
            let est = 8000.0 / f64::from(yin.analyze(&frame).candidates()[0].lag);
            assert!((est - f0).abs() / f0 < 0.01, "{f0} Hz estimated as {est}");
        }
    }

    #[test]
    fn finds_missing_fundamental_like_a_telephone_band() {
        // Harmonics 3..8 only, as when a 300 Hz band edge removes a low fundamental.
        let mut yin = Yin::new(256, 20, 134, 0.15);
        for f0 in [85.0, 105.0, 118.0] {
            let frame = harmonic_frame(f0, 8000.0, yin.frame_len(), 3);
            let est = 8000.0 / f64::from(yin.analyze(&frame).candidates()[0].lag);
            assert!((est - f0).abs() / f0 < 0.01, "{f0} Hz estimated as {est}");
        }
    }

    #[test]
    fn silence_gives_no_candidates_and_noise_is_aperiodic() {
        let mut yin = Yin::new(256, 20, 134, 0.15);
        assert_eq!(yin.analyze(&vec![0.0; yin.frame_len()]).count, 0);
        let mut state = 12345u32;
        let noise: Vec<f32> = (0..yin.frame_len())
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        let frame = yin.analyze(&noise);
        assert!(
            frame.candidates()[0].cmndf > 0.5,
            "{:?}",
            frame.candidates()
        );
    }

    /// Deterministic colored noise: white noise from an LCG through a one-pole low-pass
    /// (more energy at low frequencies, like pink noise on a line).
    fn colored_noise(len: usize, seed: u64, amplitude: f64) -> Vec<f32> {
        let mut state = seed;
        let mut y = 0.0f64;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let white = ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
                y = 0.9 * y + white;
                (y * amplitude) as f32
            })
            .collect()
    }

    /// Best normalised difference within 3 % of `f0_hz`'s period, and YIN's own choice.
    fn at_f0(frame: &YinFrame, f0_hz: f64) -> (f32, f64) {
        let lag = 8000.0 / f0_hz;
        let near = frame
            .candidates()
            .iter()
            .filter(|c| (f64::from(c.lag) / lag).ln().abs() < 0.03)
            .map(|c| c.cmndf)
            .fold(f32::INFINITY, f32::min);
        (near, 8000.0 / f64::from(frame.candidates()[0].lag))
    }

    #[test]
    fn learned_noise_is_removed_from_the_difference() {
        let f0 = 140.0;
        let mut plain = Yin::new(240, 20, 134, 0.2);
        let mut compensated = Yin::new(240, 20, 134, 0.2).with_noise_compensation(0.8);
        let len = plain.frame_len();
        // The noise alone, 30 frames: the compensated estimator learns it.
        for k in 0..30 {
            let noise = colored_noise(len, 7 + k, 0.05);
            plain.analyze(&noise);
            compensated.analyze(&noise);
            compensated.learn_noise(50);
        }
        // A voice as strong as the noise: plain YIN's dip is shallow.
        let tone = harmonic_frame(f0, 8000.0, len, 2);
        let noise = colored_noise(len, 1000, 0.05);
        let tone_power = tone.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        let noise_power = noise.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        let gain = (noise_power / tone_power).sqrt() as f32;
        let mixed: Vec<f32> = tone.iter().zip(&noise).map(|(t, n)| t * gain + n).collect();
        let (plain_dip, _) = at_f0(&plain.analyze(&mixed), f0);
        let (comp_dip, comp_f0) = at_f0(&compensated.analyze(&mixed), f0);
        assert!(
            comp_dip < plain_dip - 0.1,
            "compensated dip {comp_dip} vs plain {plain_dip}"
        );
        assert!((comp_f0 - f0).abs() / f0 < 0.02, "F0 {comp_f0}");
        // Without learned noise (too few frames) the estimator is plain YIN.
        let mut fresh = Yin::new(240, 20, 134, 0.2).with_noise_compensation(0.8);
        let (fresh_dip, _) = at_f0(&fresh.analyze(&mixed), f0);
        assert_eq!(fresh_dip, plain_dip);
    }
}
