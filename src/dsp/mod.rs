//! Pure signal processing: filters, sample-rate conversion, pitch. No I/O, no threads,
//! no allocation after construction.

pub mod biquad;
pub mod resample;
pub mod yin;

/// The level of digital silence, dBFS: the floor of [`power_to_db`], and the level shown
/// for a channel with nothing on it.
pub const SILENCE_DB: f32 = -120.0;

/// Converts a mean-square value to decibels relative to full scale, floored at
/// [`SILENCE_DB`].
#[inline]
pub fn power_to_db(mean_square: f64) -> f32 {
    (10.0 * mean_square.max(1e-12).log10()) as f32
}
