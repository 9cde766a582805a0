//! Speech segments from decided frames: confirmation, soft onsets and soft tails,
//! and the pause that ends a segment.

use super::{FrameDecision, SegmentFrames, TrackerOutput};
use crate::analysis::settings::{
    ACTIVITY_SNR_DB, MIN_PAUSE_FRAMES, MIN_SPEECH_FRAMES, ONSET_LOOKBACK_FRAMES, TAIL_MAX_FRAMES,
    UNCONFIRMED_PAUSE_FRAMES,
};

/// A frame's contribution to a segment's soft edge: its SNR over the pause floor
/// (clamped to ±[`ACTIVITY_SNR_DB`]; echo counts as far below) less the edge threshold
/// `edge_db`, dB.
fn edge_score(snr_db: f32, edge_db: f32) -> f32 {
    snr_db.clamp(-ACTIVITY_SNR_DB, ACTIVITY_SNR_DB) - edge_db
}

/// Groups active frames into segments. A segment opens at its first active frame
/// (moved back over a soft onset), is confirmed after [`MIN_SPEECH_FRAMES`] active
/// frames, and closes after a pause of [`MIN_PAUSE_FRAMES`] ([`UNCONFIRMED_PAUSE_FRAMES`]
/// while unconfirmed), its end moved on over a soft tail.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segmenter {
    /// First frame of the open segment.
    start: Option<u64>,
    /// Last active frame of the open segment.
    last_active: u64,
    /// Last frame of the segment's soft tail (see [`crate::analysis::settings::EDGE_MIN_SNR_DB`]).
    tail_end: u64,
    /// Running sum of (SNR − edge threshold) over the frames after the last active one,
    /// and its maximum, which was reached at `tail_end`.
    tail_sum: f32,
    tail_best: f32,
    /// Active frames in the open segment.
    active_frames: usize,
    /// The open segment has enough active frames to count as speech.
    confirmed: bool,
    /// SNR of the last [`ONSET_LOOKBACK_FRAMES`] decided frames (ring; +inf for active
    /// ones), for onsets.
    recent_snr: [f32; ONSET_LOOKBACK_FRAMES],
}

impl Default for Segmenter {
    fn default() -> Self {
        Self {
            start: None,
            last_active: 0,
            tail_end: 0,
            tail_sum: 0.0,
            tail_best: 0.0,
            active_frames: 0,
            confirmed: false,
            recent_snr: [f32::NEG_INFINITY; ONSET_LOOKBACK_FRAMES],
        }
    }
}

impl Segmenter {
    /// Whether a segment is open, confirmed or not.
    pub(super) fn is_open(&self) -> bool {
        self.start.is_some()
    }

    /// Whether a confirmed segment is open (speech is going on).
    pub(super) fn speaking(&self) -> bool {
        self.confirmed
    }

    /// Takes the next decided frame. `edge_db` is the threshold of a soft edge over the
    /// pause floor (see [`super::pause::PauseNoise::edge_threshold_db`]). Sets
    /// `out.segment_opened` when a segment is confirmed and `out.segment_closed` when one
    /// ends.
    pub(super) fn push(&mut self, d: &FrameDecision, edge_db: f32, out: &mut TrackerOutput) {
        let slot = (d.frame % ONSET_LOOKBACK_FRAMES as u64) as usize;
        if d.active {
            if self.start.is_none() {
                self.start = Some(self.onset(d.frame, edge_db));
                self.active_frames = 0;
                self.confirmed = false;
            }
            self.last_active = d.frame;
            self.tail_end = d.frame;
            self.tail_sum = 0.0;
            self.tail_best = 0.0;
            self.active_frames += 1;
            if !self.confirmed && self.active_frames >= MIN_SPEECH_FRAMES {
                self.confirmed = true;
                out.segment_opened = self.start;
            }
        } else if self.start.is_some() {
            // The tail of a confirmed segment ends where the sum of (SNR - threshold)
            // since the last active frame peaks: it runs over a soft ending that stays
            // above the noise on average, however it flickers, and stops where the
            // level returns to the noise for good.
            if self.confirmed && d.frame - self.last_active <= TAIL_MAX_FRAMES {
                self.tail_sum += edge_score(d.snr_db, edge_db);
                if self.tail_sum > self.tail_best {
                    self.tail_best = self.tail_sum;
                    self.tail_end = d.frame;
                }
            }
            // A burst too short to confirm (a click, a swell of babble) is forgotten
            // after a shorter pause, so speech that follows starts where it starts.
            let pause = d.frame - self.tail_end.max(self.last_active);
            let max_pause = if self.confirmed {
                MIN_PAUSE_FRAMES
            } else {
                UNCONFIRMED_PAUSE_FRAMES
            };
            if pause >= max_pause as u64 {
                self.close(out);
            }
        }
        self.recent_snr[slot] = if d.active { f32::INFINITY } else { d.snr_db };
    }

    /// Start of a segment whose first active frame is `first`: moved back over the run
    /// of frames just before it that stay above the edge threshold (a soft onset). The
    /// first frame back at the noise ends the run: a swell of babble a few frames before
    /// the voice starts is not its onset, however loud.
    fn onset(&self, first: u64, edge_db: f32) -> u64 {
        let mut start = first;
        for back in 1..=(ONSET_LOOKBACK_FRAMES as u64).min(first) {
            let k = first - back;
            let snr = self.recent_snr[(k % ONSET_LOOKBACK_FRAMES as u64) as usize];
            if snr == f32::INFINITY || edge_score(snr, edge_db) < 0.0 {
                break;
            }
            start = k;
        }
        start
    }

    /// Closes the open segment (at the end of the stream, or after a pause); sets
    /// `out.segment_closed` if it was confirmed.
    pub(super) fn close(&mut self, out: &mut TrackerOutput) {
        if let Some(start) = self.start.take() {
            if self.confirmed {
                out.segment_closed = Some(SegmentFrames {
                    start,
                    end: self.tail_end.max(self.last_active),
                });
            }
            self.confirmed = false;
            self.active_frames = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edge threshold used throughout: 1.5 dB (line noise).
    const EDGE_DB: f32 = 1.5;

    /// One decided frame: `snr_db` over the pause floor, active or not.
    fn frame(frame: u64, active: bool, snr_db: f32) -> FrameDecision {
        FrameDecision {
            frame,
            active,
            snr_db,
            ..FrameDecision::default()
        }
    }

    /// Opens and closes seen while feeding `frames` (active flag, SNR), then closing.
    fn run(frames: &[(bool, f32)]) -> (Vec<u64>, Vec<SegmentFrames>) {
        let mut seg = Segmenter::default();
        let (mut opened, mut closed) = (Vec::new(), Vec::new());
        let mut collect = |out: TrackerOutput| {
            opened.extend(out.segment_opened);
            closed.extend(out.segment_closed);
        };
        for (k, &(active, snr)) in frames.iter().enumerate() {
            let mut out = TrackerOutput::default();
            seg.push(&frame(k as u64, active, snr), EDGE_DB, &mut out);
            collect(out);
        }
        let mut out = TrackerOutput::default();
        seg.close(&mut out);
        collect(out);
        (opened, closed)
    }

    /// `n` frames of `active` with SNR `snr_db`.
    fn stretch(n: usize, active: bool, snr_db: f32) -> Vec<(bool, f32)> {
        vec![(active, snr_db); n]
    }

    #[test]
    fn eight_active_frames_confirm_a_segment_and_a_pause_ends_it() {
        let mut frames = stretch(10, false, 0.0);
        frames.extend(stretch(20, true, 20.0));
        frames.extend(stretch(40, false, 0.0));
        let (opened, closed) = run(&frames);
        // Confirmed at its 8th active frame (17), reported with its start.
        assert_eq!(opened, vec![10]);
        // Frames at 0 dB lie under the 1.5 dB edge: no tail.
        assert_eq!(closed, vec![SegmentFrames { start: 10, end: 29 }]);
    }

    #[test]
    fn a_burst_too_short_to_confirm_is_forgotten() {
        let mut frames = stretch(5, false, 0.0);
        frames.extend(stretch(7, true, 20.0));
        frames.extend(stretch(16, false, 0.0));
        frames.extend(stretch(10, true, 20.0));
        frames.extend(stretch(30, false, 0.0));
        let (opened, closed) = run(&frames);
        // The 7-frame click at 5-11 is dropped after 16 frames of pause; the speech
        // starting at 28 is its own segment.
        assert_eq!(opened, vec![28]);
        assert_eq!(closed, vec![SegmentFrames { start: 28, end: 37 }]);
    }

    #[test]
    fn a_short_pause_does_not_split_a_segment() {
        let mut frames = stretch(10, true, 20.0);
        frames.extend(stretch(24, false, 0.0));
        frames.extend(stretch(10, true, 20.0));
        let (opened, closed) = run(&frames);
        assert_eq!(opened, vec![0]);
        // Closed at the end of the stream.
        assert_eq!(closed, vec![SegmentFrames { start: 0, end: 43 }]);
    }

    #[test]
    fn a_soft_tail_above_the_edge_extends_the_end() {
        let mut frames = stretch(10, true, 20.0);
        // Six frames of soft ending at 4 dB (2.5 dB over the edge), flickering once to
        // 1 dB, then the noise.
        frames.extend([
            (false, 4.0),
            (false, 4.0),
            (false, 1.0),
            (false, 4.0),
            (false, 4.0),
            (false, 4.0),
        ]);
        frames.extend(stretch(40, false, -2.0));
        let (_, closed) = run(&frames);
        assert_eq!(closed, vec![SegmentFrames { start: 0, end: 15 }]);
    }

    #[test]
    fn the_tail_is_at_most_half_a_second() {
        let mut frames = stretch(10, true, 20.0);
        frames.extend(stretch(80, false, 4.0));
        frames.extend(stretch(30, false, -2.0));
        let (_, closed) = run(&frames);
        // Tail frames 10..=59 (50 after the last active frame 9), then a 25-frame pause.
        assert_eq!(closed, vec![SegmentFrames { start: 0, end: 59 }]);
    }

    #[test]
    fn a_soft_onset_moves_the_start_back_until_the_noise() {
        let mut frames = stretch(5, false, 0.0);
        // A loud swell at frame 5, back at the noise at 6, then a soft onset 7-9.
        frames.extend([
            (false, 8.0),
            (false, 0.5),
            (false, 3.0),
            (false, 3.0),
            (false, 3.0),
        ]);
        frames.extend(stretch(10, true, 20.0));
        frames.extend(stretch(30, false, 0.0));
        let (opened, closed) = run(&frames);
        assert_eq!(opened, vec![7]);
        assert_eq!(closed, vec![SegmentFrames { start: 7, end: 19 }]);
    }

    #[test]
    fn echo_ends_a_soft_onset() {
        let mut frames = vec![(false, 3.0), (false, f32::NEG_INFINITY), (false, 3.0)];
        frames.extend(stretch(10, true, 20.0));
        let (opened, _) = run(&frames);
        assert_eq!(opened, vec![2]);
    }

    #[test]
    fn speaking_and_open_follow_the_segment() {
        let mut seg = Segmenter::default();
        let mut out = TrackerOutput::default();
        seg.push(&frame(0, true, 20.0), EDGE_DB, &mut out);
        assert!(seg.is_open() && !seg.speaking());
        for k in 1..8 {
            seg.push(&frame(k, true, 20.0), EDGE_DB, &mut out);
        }
        assert!(seg.is_open() && seg.speaking());
        seg.close(&mut out);
        assert!(!seg.is_open() && !seg.speaking());
        assert_eq!(out.segment_closed, Some(SegmentFrames { start: 0, end: 7 }));
    }
}
