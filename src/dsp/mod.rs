//! Pure signal processing: filters, sample-rate conversion, pitch. No I/O, no threads,
//! no allocation after construction.

pub mod biquad;
pub mod resample;
pub mod yin;

/// Converts a mean-square value to decibels relative to full scale, floored at -120 dB.
#[inline]
pub fn power_to_db(mean_square: f64) -> f32 {
    (10.0 * mean_square.max(1e-12).log10()) as f32
}
