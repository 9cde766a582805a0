//! Per-frame data kept for the timeline lanes, and its preparation for one drawn frame:
//! only what falls in the visible range, thinned to about the number of pixels.

use crate::analysis::{FrameOutput, PaceSpan, Segment, Speaker};

/// The agent's pitch contour: voiced frames only, `[t_s, f0_hz]`, sorted by time, in
/// two sets: frames of the agent's speech (what the statistics count) and voiced frames
/// outside it (echo, babble in the pauses), which the view dims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PitchTrack {
    points: Vec<[f32; 2]>,
    outside: PitchPoints,
}

/// Voiced frames outside the agent's speech.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PitchPoints {
    points: Vec<[f32; 2]>,
}

impl PitchTrack {
    /// Appends the voiced agent frames of `frames`.
    pub fn extend(&mut self, frames: &[FrameOutput]) {
        for f in frames.iter().filter(|f| f.agent_f0_hz > 0.0) {
            let point = [f.t_s as f32, f.agent_f0_hz];
            if f.agent_speech {
                self.points.push(point);
            } else {
                self.outside.points.push(point);
            }
        }
    }

    /// The voiced frames outside the agent's speech.
    pub fn outside_speech(&self) -> &PitchPoints {
        &self.outside
    }

    /// Voiced speech frames held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether no speech frame is voiced.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// All voiced speech points.
    pub fn points(&self) -> &[[f32; 2]] {
        &self.points
    }

    /// The speech points in `[t0, t1]`, thinned as [`visible_points_into`].
    pub fn visible_into(&self, t0: f64, t1: f64, max_points: usize, out: &mut Vec<[f64; 2]>) {
        visible_points_into(&self.points, t0, t1, max_points, out);
    }
}

impl PitchPoints {
    /// Points held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The points in `[t0, t1]`, thinned as [`visible_points_into`].
    pub fn visible_into(&self, t0: f64, t1: f64, max_points: usize, out: &mut Vec<[f64; 2]>) {
        visible_points_into(&self.points, t0, t1, max_points, out);
    }
}

/// The points of `points` (sorted by time) in `[t0, t1]`; when more than `max_points`,
/// each of `max_points / 2` equal time buckets keeps its lowest and highest F0 (so no
/// excursion is hidden).
fn visible_points_into(
    points: &[[f32; 2]],
    t0: f64,
    t1: f64,
    max_points: usize,
    out: &mut Vec<[f64; 2]>,
) {
    out.clear();
    let first = points.partition_point(|p| f64::from(p[0]) < t0);
    let last = points.partition_point(|p| f64::from(p[0]) <= t1);
    let slice = &points[first..last.max(first)];
    let max_points = max_points.max(2);
    if slice.len() <= max_points {
        out.extend(slice.iter().map(|p| [f64::from(p[0]), f64::from(p[1])]));
        return;
    }
    let buckets = max_points / 2;
    let width = (t1 - t0) / buckets as f64;
    let mut i = 0;
    while i < slice.len() {
        let b = ((f64::from(slice[i][0]) - t0) / width).floor();
        let end_t = t0 + (b + 1.0) * width;
        let mut lo = slice[i];
        let mut hi = slice[i];
        while i < slice.len() && f64::from(slice[i][0]) < end_t {
            if slice[i][1] < lo[1] {
                lo = slice[i];
            }
            if slice[i][1] > hi[1] {
                hi = slice[i];
            }
            i += 1;
        }
        let (a, b) = if lo[0] <= hi[0] { (lo, hi) } else { (hi, lo) };
        out.push([f64::from(a[0]), f64::from(a[1])]);
        if a != b {
            out.push([f64::from(b[0]), f64::from(b[1])]);
        }
    }
}

/// A filled step line that is `high` over each of `speaker`'s segments in `[t0, t1]`
/// and `low` elsewhere: one plot item for any number of segments.
pub fn segment_steps_into(
    segments: &[Segment],
    speaker: Speaker,
    t0: f64,
    t1: f64,
    low: f64,
    high: f64,
    out: &mut Vec<[f64; 2]>,
) {
    out.clear();
    // Segments are sorted by start; a segment that ends after t0 may start before it.
    let first = segments.partition_point(|s| s.end < t0);
    out.push([t0.max(0.0), low]);
    for s in segments[first..].iter().filter(|s| s.speaker == speaker) {
        if s.start > t1 {
            break;
        }
        out.push([s.start, low]);
        out.push([s.start, high]);
        out.push([s.end, high]);
        out.push([s.end, low]);
    }
    out.push([t1.max(0.0), low]);
}

/// The pace curve over `[t0, t1]`: syllables per second held over each agent turn,
/// joined from turn to turn, as one line: `[start, rate], [end, rate]` per turn.
pub fn pace_curve_into(pace: &[PaceSpan], t0: f64, t1: f64, out: &mut Vec<[f64; 2]>) {
    out.clear();
    let first = pace.partition_point(|p| p.end < t0).saturating_sub(1);
    for p in &pace[first..] {
        out.push([p.start, p.syllables_per_s]);
        out.push([p.end, p.syllables_per_s]);
        if p.start > t1 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t: f64, f0: f32) -> FrameOutput {
        FrameOutput {
            t_s: t,
            agent_f0_hz: f0,
            agent_level_db: -20.0,
            agent_active: f0 > 0.0,
            agent_speech: f0 > 0.0,
            customer_f0_hz: 0.0,
            customer_level_db: crate::dsp::SILENCE_DB,
            customer_active: false,
            customer_speech: false,
        }
    }

    #[test]
    fn pitch_keeps_voiced_frames_and_thins_by_buckets() {
        let mut track = PitchTrack::default();
        let frames: Vec<FrameOutput> = (0..10_000)
            .map(|i| {
                frame(
                    i as f64 * 0.01,
                    if i % 3 == 0 {
                        0.0
                    } else {
                        100.0 + (i % 50) as f32
                    },
                )
            })
            .collect();
        track.extend(&frames);
        assert_eq!(track.len(), 6666);
        let mut out = Vec::new();
        track.visible_into(10.005, 19.995, 5000, &mut out);
        assert_eq!(out.len(), 666);
        track.visible_into(0.0, 100.0, 200, &mut out);
        assert!(out.len() <= 202, "{}", out.len());
        let max = out.iter().map(|p| p[1]).fold(0.0, f64::max);
        let min = out.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
        assert_eq!((min, max), (100.0, 149.0));
    }

    #[test]
    fn steps_cover_only_the_speaker() {
        let segs = [
            Segment {
                speaker: Speaker::Agent,
                start: 1.0,
                end: 2.0,
            },
            Segment {
                speaker: Speaker::Customer,
                start: 2.5,
                end: 3.0,
            },
            Segment {
                speaker: Speaker::Agent,
                start: 4.0,
                end: 5.0,
            },
        ];
        let mut out = Vec::new();
        segment_steps_into(&segs, Speaker::Agent, 0.0, 10.0, 0.0, 1.0, &mut out);
        assert_eq!(out.len(), 10);
        segment_steps_into(&segs, Speaker::Agent, 3.0, 10.0, 0.0, 1.0, &mut out);
        assert_eq!(out.len(), 6);
    }
}
