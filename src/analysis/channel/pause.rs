//! The noise between segments: its floor, against which segment edges are measured,
//! and its spread, which sets how far above that floor a soft edge must be.

use super::floors::{floor_step_db, track_quantile};
use crate::analysis::settings::{
    EDGE_MIN_SNR_DB, EDGE_SPREAD_FACTOR, NOISE_LEARN_MARGIN_DB, NOISE_QUANTILE,
};

/// Quantile of the pause levels that measures the middle of the noise.
const MEDIAN_QUANTILE: f32 = 0.5;

/// Quantile trackers over the levels of the frames between segments (no speech, no
/// echo, no segment open). Inside a turn the pauses between words carry the speaker's
/// room sound, a few dB above the line noise; learning from them would lift the floor
/// into that sound and cut the end of each turn at the last loud word.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PauseNoise {
    /// The [`NOISE_QUANTILE`] quantile, dBFS.
    floor_db: Option<f32>,
    /// The median, dBFS.
    median_db: Option<f32>,
    /// Frames learned from.
    frames: u64,
}

impl PauseNoise {
    /// Learns from a frame between segments at `level_db`.
    pub(super) fn learn(&mut self, level_db: f32) {
        self.frames += 1;
        let step = floor_step_db(self.frames);
        self.floor_db = Some(track_quantile(
            self.floor_db,
            level_db,
            step,
            NOISE_QUANTILE,
        ));
        self.median_db = Some(track_quantile(
            self.median_db,
            level_db,
            step,
            MEDIAN_QUANTILE,
        ));
    }

    /// The pause floor, dBFS (None before the first pause frame).
    pub(super) fn floor_db(&self) -> Option<f32> {
        self.floor_db
    }

    /// Whether `level_db` is close enough to the pause floor (within
    /// [`NOISE_LEARN_MARGIN_DB`]) to be plain background noise: the soft start of
    /// speech before it counts as active is not.
    pub(super) fn near_floor(&self, level_db: f32) -> bool {
        self.floor_db
            .is_some_and(|f| level_db < f + NOISE_LEARN_MARGIN_DB)
    }

    /// Threshold of the soft edge of a segment above the pause floor, dB: a few
    /// spreads of the noise (median less floor), so that line noise lets a soft ending
    /// or the speaker's room sound (2-6 dB above it) extend a segment and babble does
    /// not. The spread is a fraction of a dB for line noise, several dB for babble.
    pub(super) fn edge_threshold_db(&self) -> f32 {
        let spread = match (self.median_db, self.floor_db) {
            (Some(m), Some(f)) => (m - f).max(0.0),
            _ => 0.0,
        };
        EDGE_MIN_SNR_DB.max(EDGE_SPREAD_FACTOR * spread)
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    #[test]
    fn before_any_pause_the_edge_is_the_minimum() {
        let pause = PauseNoise::default();
        assert_eq!(pause.floor_db(), None);
        assert_eq!(pause.edge_threshold_db(), EDGE_MIN_SNR_DB);
        assert!(!pause.near_floor(-90.0));
    }

    #[test]
    fn the_first_frame_sets_floor_and_median() {
        let mut pause = PauseNoise::default();
        pause.learn(-50.0);
        assert_eq!(pause.floor_db(), Some(-50.0));
        assert_eq!(pause.edge_threshold_db(), EDGE_MIN_SNR_DB);
        assert!(pause.near_floor(-47.5));
        assert!(!pause.near_floor(-47.0));
    }

    #[test]
    fn steady_line_noise_keeps_the_minimum_edge() {
        // Line noise: levels within ±0.5 dB of -60 dBFS (seeded).
        let mut rng = StdRng::seed_from_u64(7);
        let mut pause = PauseNoise::default();
        for _ in 0..2000 {
            pause.learn(-60.0 + rng.random_range(-0.5..0.5));
        }
        let floor = pause.floor_db().unwrap_or(f32::NAN);
        assert!((floor - -60.25).abs() < 0.3, "floor {floor}");
        assert_eq!(pause.edge_threshold_db(), EDGE_MIN_SNR_DB);
    }

    #[test]
    fn babble_raises_the_edge_to_twice_its_spread() {
        // Babble: levels spread evenly over -50 ± 6 dB (seeded). The quartile lies 3 dB
        // under the median, so the edge is 2 × 3 = 6 dB.
        let mut rng = StdRng::seed_from_u64(11);
        let mut pause = PauseNoise::default();
        for _ in 0..20_000 {
            pause.learn(-50.0 + rng.random_range(-6.0..6.0));
        }
        let floor = pause.floor_db().unwrap_or(f32::NAN);
        assert!((floor - -53.0).abs() < 0.5, "floor {floor}");
        let edge = pause.edge_threshold_db();
        assert!((edge - 6.0).abs() < 1.0, "edge {edge}");
    }
}
