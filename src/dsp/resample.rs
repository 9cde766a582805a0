//! Streaming sample-rate conversion to the analysis rate.
//!
//! A windowed-sinc interpolator fed one sample at a time. Its output depends only on the
//! input samples, never on how they were chunked, which the engine's chunk-invariance
//! relies on (the block resamplers of the usual crates work on fixed block sizes).

use std::f64::consts::PI;

/// Number of phases in the interpolation table; between two phases the kernel is
/// interpolated linearly.
const PHASES: usize = 256;
/// Zero crossings of the low-pass kernel on each side, in output samples.
const ZERO_CROSSINGS: usize = 10;

/// Converts a stream at `in_rate_hz` to `out_rate_hz` (`in_rate_hz >= out_rate_hz`).
/// Equal rates pass samples through unchanged.
#[derive(Debug, Clone)]
pub struct Resampler {
    in_rate_hz: u64,
    out_rate_hz: u64,
    /// Half-length of the kernel in input samples.
    half_taps: usize,
    /// `table[p * width + j]`: kernel tap `j` for fractional phase `p / PHASES`.
    table: Vec<f32>,
    width: usize,
    /// Inputs from index `history_start` on that later outputs may still need.
    history: Vec<f32>,
    history_start: u64,
    /// Input samples received so far.
    received: u64,
    /// Output samples produced so far.
    produced: u64,
}

impl Resampler {
    /// Builds a converter. `in_rate_hz` must be at least `out_rate_hz`.
    pub fn new(in_rate_hz: u32, out_rate_hz: u32) -> Self {
        let ratio = f64::from(in_rate_hz) / f64::from(out_rate_hz);
        let passthrough = in_rate_hz == out_rate_hz;
        let half_taps = if passthrough {
            0
        } else {
            (ZERO_CROSSINGS as f64 * ratio).ceil() as usize
        };
        let width = 2 * half_taps;
        // Cut-off a little below the output Nyquist frequency, in cycles per input sample.
        let cutoff = 0.5 / ratio * 0.94;
        let mut table: Vec<f64> = Vec::new();
        if !passthrough {
            table.reserve((PHASES + 1) * width);
            for p in 0..=PHASES {
                let frac = p as f64 / PHASES as f64;
                let mut row_sum = 0.0;
                let start = table.len();
                for j in 0..width {
                    // Tap j sits at input offset (j - half_taps + 1) relative to the
                    // sample before the output position; distance to the output point:
                    let x = j as f64 - half_taps as f64 + 1.0 - frac;
                    let sinc = if x.abs() < 1e-12 {
                        2.0 * cutoff
                    } else {
                        (2.0 * PI * cutoff * x).sin() / (PI * x)
                    };
                    let w = x / (half_taps as f64);
                    // Blackman window over [-1, 1].
                    let window = if w.abs() >= 1.0 {
                        0.0
                    } else {
                        0.42 + 0.5 * (PI * w).cos() + 0.08 * (2.0 * PI * w).cos()
                    };
                    let tap = sinc * window;
                    row_sum += tap;
                    table.push(tap);
                }
                // Normalise every phase to unity DC gain.
                for tap in &mut table[start..] {
                    *tap /= row_sum;
                }
            }
        }
        Self {
            in_rate_hz: u64::from(in_rate_hz),
            out_rate_hz: u64::from(out_rate_hz),
            half_taps,
            table: table.into_iter().map(|t| t as f32).collect(),
            width,
            history: Vec::with_capacity(8 * width.max(1)),
            history_start: 0,
            received: 0,
            produced: 0,
        }
    }

    /// Delay of the converter in input samples.
    pub fn delay_input_samples(&self) -> usize {
        self.half_taps
    }

    /// Feeds one input sample and calls `emit` for every output sample that became
    /// computable.
    #[inline]
    pub fn push(&mut self, sample: f32, mut emit: impl FnMut(f32)) {
        if self.width == 0 {
            emit(sample);
            return;
        }
        self.history.push(sample);
        self.received += 1;
        // Output n sits at input position n * in / out; it needs the inputs
        // base - half_taps + 1 ..= base + half_taps, where base = floor(position).
        loop {
            let num = self.produced * self.in_rate_hz;
            let base = num / self.out_rate_hz;
            if base + self.half_taps as u64 >= self.received {
                break;
            }
            let rem = num % self.out_rate_hz;
            let phase_pos = rem as f64 / self.out_rate_hz as f64 * PHASES as f64;
            let phase = (phase_pos as usize).min(PHASES - 1);
            let blend = (phase_pos - phase as f64) as f32;
            let row_a = &self.table[phase * self.width..(phase + 1) * self.width];
            let row_b = &self.table[(phase + 1) * self.width..(phase + 2) * self.width];
            // Input index of tap 0 (may be before the stream start: zeros there).
            let first = base as i64 - self.half_taps as i64 + 1;
            let mut acc = 0.0f32;
            for (j, (a, b)) in row_a.iter().zip(row_b).enumerate() {
                let index = first + j as i64 - self.history_start as i64;
                if index < 0 {
                    continue;
                }
                if let Some(x) = self.history.get(index as usize) {
                    acc += (a + blend * (b - a)) * x;
                }
            }
            emit(acc);
            self.produced += 1;
        }
        // Drop inputs no later output can need, in batches to keep the shift cheap.
        let next_first = ((self.produced * self.in_rate_hz) / self.out_rate_hz) as i64
            - self.half_taps as i64
            + 1;
        let droppable = next_first - self.history_start as i64;
        if droppable > 4 * self.width as i64 {
            let n = droppable as usize;
            self.history.drain(..n);
            self.history_start += n as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(input: &[f32], from: u32, to: u32) -> Vec<f32> {
        let mut r = Resampler::new(from, to);
        let mut out = Vec::new();
        for &x in input {
            r.push(x, |y| out.push(y));
        }
        out
    }

    fn sine(freq_hz: f64, rate_hz: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * PI * freq_hz * i as f64 / f64::from(rate_hz)).sin() as f32)
            .collect()
    }

    #[test]
    fn passthrough_is_exact() {
        let x = sine(440.0, 8000, 1000);
        assert_eq!(convert(&x, 8000, 8000), x);
    }

    #[test]
    fn output_length_follows_the_ratio() {
        for from in [11025u32, 16000, 22050, 44100, 48000] {
            let out = convert(&vec![0.0; from as usize], from, 8000);
            let expected = 8000
                - (Resampler::new(from, 8000).delay_input_samples() as f64 * 8000.0
                    / f64::from(from)) as usize;
            assert!(
                (out.len() as i64 - expected as i64).abs() <= 2,
                "{from}: {} vs {expected}",
                out.len()
            );
        }
    }

    #[test]
    fn pass_band_tone_survives_with_its_phase_and_stop_band_tone_is_removed() {
        for from in [16000u32, 44100, 48000, 11025] {
            let out = convert(&sine(500.0, from, from as usize), from, 8000);
            // Compare the steady-state part against the ideal 8 kHz sine, delayed.
            let mut max_err = 0.0f64;
            for (n, &y) in out.iter().enumerate().skip(400).take(6000) {
                let ideal = (2.0 * PI * 500.0 * (n as f64 / 8000.0)).sin();
                max_err = max_err.max((f64::from(y) - ideal).abs());
            }
            assert!(max_err < 0.01, "{from}: max error {max_err}");
            let alias = convert(&sine(5000.0, from, from as usize), from, 8000);
            let peak = alias.iter().skip(400).fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak < 0.01, "{from}: 5 kHz leaks at {peak}");
        }
    }
}
