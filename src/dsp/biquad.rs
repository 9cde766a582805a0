//! Second-order IIR sections (RBJ cookbook), used for band-limiting before level and
//! pitch analysis.

use std::f64::consts::PI;

/// One biquad section in transposed direct form II, `f64` state for stability at low
/// cut-off frequencies.
#[derive(Debug, Clone)]
pub struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    z1: f64,
    z2: f64,
}

impl Biquad {
    /// Butterworth-Q high-pass at `cutoff_hz` for a signal sampled at `sample_rate_hz`.
    pub fn highpass(cutoff_hz: f64, sample_rate_hz: f64) -> Self {
        Self::design(
            cutoff_hz,
            sample_rate_hz,
            std::f64::consts::FRAC_1_SQRT_2,
            true,
        )
    }

    /// Butterworth-Q low-pass at `cutoff_hz` for a signal sampled at `sample_rate_hz`.
    pub fn lowpass(cutoff_hz: f64, sample_rate_hz: f64) -> Self {
        Self::design(
            cutoff_hz,
            sample_rate_hz,
            std::f64::consts::FRAC_1_SQRT_2,
            false,
        )
    }

    fn design(cutoff_hz: f64, sample_rate_hz: f64, q: f64, high: bool) -> Self {
        let w0 = 2.0 * PI * cutoff_hz / sample_rate_hz;
        let (sin_w0, cos_w0) = w0.sin_cos();
        let alpha = sin_w0 / (2.0 * q);
        let a0 = 1.0 + alpha;
        let (b0, b1, b2) = if high {
            ((1.0 + cos_w0) / 2.0, -(1.0 + cos_w0), (1.0 + cos_w0) / 2.0)
        } else {
            ((1.0 - cos_w0) / 2.0, 1.0 - cos_w0, (1.0 - cos_w0) / 2.0)
        };
        Self {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: -2.0 * cos_w0 / a0,
            a2: (1.0 - alpha) / a0,
            z1: 0.0,
            z2: 0.0,
        }
    }

    /// Filters one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let x = f64::from(x);
        let y = self.b0 * x + self.z1;
        self.z1 = self.b1 * x - self.a1 * y + self.z2;
        self.z2 = self.b2 * x - self.a2 * y;
        y as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steady-state gain at `freq_hz`, from the RMS of the second half of one second of
    /// a unit sine (the sampled peak would depend on phase).
    fn gain_db(filter: &mut Biquad, freq_hz: f64, rate_hz: f64) -> f64 {
        let n = rate_hz as usize;
        let (mut out_energy, mut in_energy) = (0.0f64, 0.0f64);
        for i in 0..n {
            let x = (2.0 * PI * freq_hz * i as f64 / rate_hz).sin();
            let y = f64::from(filter.process(x as f32));
            if i >= n / 2 {
                out_energy += y * y;
                in_energy += x * x;
            }
        }
        10.0 * (out_energy / in_energy).log10()
    }

    #[test]
    fn highpass_attenuates_hum_and_passes_voice_band() {
        let g60 = gain_db(&mut Biquad::highpass(200.0, 8000.0), 60.0, 8000.0);
        let g200 = gain_db(&mut Biquad::highpass(200.0, 8000.0), 200.0, 8000.0);
        let g1000 = gain_db(&mut Biquad::highpass(200.0, 8000.0), 1000.0, 8000.0);
        assert!(g60 < -20.0, "60 Hz gain {g60}");
        assert!((g200 + 3.0).abs() < 0.3, "cut-off gain {g200}");
        assert!(g1000.abs() < 0.3, "pass-band gain {g1000}");
    }

    #[test]
    fn lowpass_is_minus_3_db_at_cutoff() {
        let g = gain_db(&mut Biquad::lowpass(1000.0, 8000.0), 1000.0, 8000.0);
        assert!((g + 3.0).abs() < 0.3, "{g}");
    }
}
