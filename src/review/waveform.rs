//! Waveform overview at several levels of detail, computed once while the file is read:
//! level 0 holds the minimum and maximum of every 8 ms of audio, and each level above
//! merges [`LEVEL_FACTOR`] bins of the one below. Drawing picks the coarsest level that
//! still gives about one bin per pixel, so a two-hour call draws as fast as a short one.

/// Seconds per level-0 bin (rounded to whole frames at the file's rate).
pub const BASE_BIN_S: f64 = 0.008;
/// Bins of one level merged into one bin of the next.
pub const LEVEL_FACTOR: usize = 4;
/// Levels stop when one has fewer bins than this.
const MIN_TOP_BINS: usize = 256;

/// Minimum and maximum of a bin, as 16-bit samples.
pub type Bin = [i16; 2];

/// The min/max pyramid of one channel.
#[derive(Debug, Clone, Default)]
pub struct Pyramid {
    /// Seconds per level-0 bin.
    bin_s: f64,
    /// `levels[k]` has bins of `bin_s * LEVEL_FACTOR^k` seconds.
    levels: Vec<Vec<Bin>>,
}

/// Feeds samples into level 0, one at a time.
#[derive(Debug, Clone)]
pub struct PyramidBuilder {
    bin_frames: usize,
    bin_s: f64,
    count: usize,
    min: i16,
    max: i16,
    level0: Vec<Bin>,
}

impl PyramidBuilder {
    /// A builder for audio at `sample_rate` Hz; `frames_hint` reserves level 0.
    pub fn new(sample_rate: u32, frames_hint: u64) -> Self {
        let bin_frames = ((f64::from(sample_rate) * BASE_BIN_S).round() as usize).max(1);
        let bins = usize::try_from(frames_hint / bin_frames as u64 + 1).unwrap_or(0);
        Self {
            bin_frames,
            bin_s: bin_frames as f64 / f64::from(sample_rate.max(1)),
            count: 0,
            min: i16::MAX,
            max: i16::MIN,
            level0: Vec::with_capacity(bins),
        }
    }

    /// Adds one sample.
    #[inline]
    pub fn push(&mut self, s: i16) {
        self.min = self.min.min(s);
        self.max = self.max.max(s);
        self.count += 1;
        if self.count == self.bin_frames {
            self.level0.push([self.min, self.max]);
            self.count = 0;
            self.min = i16::MAX;
            self.max = i16::MIN;
        }
    }

    /// Closes the last bin and builds the levels above level 0.
    pub fn finish(mut self) -> Pyramid {
        if self.count > 0 {
            self.level0.push([self.min, self.max]);
        }
        let mut levels = vec![self.level0];
        while let Some(last) = levels.last() {
            if last.len() < MIN_TOP_BINS {
                break;
            }
            let next: Vec<Bin> = last
                .chunks(LEVEL_FACTOR)
                .map(|c| {
                    c.iter().fold([i16::MAX, i16::MIN], |acc, b| {
                        [acc[0].min(b[0]), acc[1].max(b[1])]
                    })
                })
                .collect();
            levels.push(next);
        }
        Pyramid {
            bin_s: self.bin_s,
            levels,
        }
    }
}

/// What to draw for a time range: a zig-zag through each bin's maximum and minimum,
/// in seconds and full-scale units (−1..1), which fills the envelope as one line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    /// Level used (0 = finest).
    pub level: usize,
    /// Points `[t_s, value]`.
    pub points: Vec<[f64; 2]>,
}

impl Pyramid {
    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Bins at `level`.
    pub fn bins(&self, level: usize) -> &[Bin] {
        self.levels.get(level).map_or(&[], Vec::as_slice)
    }

    /// Seconds per bin at `level`.
    pub fn bin_s(&self, level: usize) -> f64 {
        self.bin_s * (LEVEL_FACTOR as f64).powi(level as i32)
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.levels.iter().map(|l| l.len() * size_of::<Bin>()).sum()
    }

    /// The envelope over `[t0, t1]` with at most about `max_bins` bins: the finest
    /// level that fits.
    pub fn envelope(&self, t0: f64, t1: f64, max_bins: usize) -> Envelope {
        let mut out = Envelope::default();
        self.envelope_into(t0, t1, max_bins, &mut out);
        out
    }

    /// As [`Self::envelope`], reusing `out`'s buffer.
    pub fn envelope_into(&self, t0: f64, t1: f64, max_bins: usize, out: &mut Envelope) {
        out.points.clear();
        out.level = 0;
        if self.levels.is_empty()
            || t1.partial_cmp(&t0) != Some(std::cmp::Ordering::Greater)
            || self.bin_s <= 0.0
        {
            return;
        }
        let span = t1 - t0;
        let max_bins = max_bins.max(1);
        let mut level = 0;
        while level + 1 < self.levels.len() && span / self.bin_s(level) > max_bins as f64 {
            level += 1;
        }
        let bin_s = self.bin_s(level);
        let bins = &self.levels[level];
        let first = ((t0 / bin_s).floor().max(0.0) as usize).min(bins.len());
        let last = ((t1 / bin_s).ceil().max(0.0) as usize + 1).min(bins.len());
        out.level = level;
        out.points.reserve(2 * (last - first));
        for (i, b) in bins[first..last].iter().enumerate() {
            let t = (first + i) as f64 * bin_s + bin_s / 2.0;
            out.points.push([t, f64::from(b[1]) / 32768.0]);
            out.points.push([t, f64::from(b[0]) / 32768.0]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_merge_min_and_max() {
        let mut b = PyramidBuilder::new(8000, 8000 * 10);
        for i in 0..8000 * 10 {
            // A ramp: bin k spans samples k*64..k*64+63.
            b.push(((i % 20000) - 10000) as i16);
        }
        let p = b.finish();
        assert_eq!(p.bins(0).len(), 1250);
        assert_eq!(p.bins(0)[0], [-10000, -9937]);
        assert!(p.levels() >= 2);
        assert_eq!(p.bins(1).len(), 313);
        assert_eq!(p.bins(1)[0], [-10000, -10000 + 255]);
        assert!((p.bin_s(0) - 0.008).abs() < 1e-12);
    }

    #[test]
    fn envelope_picks_a_level_that_fits() {
        let mut b = PyramidBuilder::new(8000, 0);
        for _ in 0..8000 * 600 {
            b.push(100);
        }
        let p = b.finish();
        let e = p.envelope(0.0, 600.0, 1000);
        assert!(
            e.points.len() / 2 <= 1001 * LEVEL_FACTOR,
            "{}",
            e.points.len()
        );
        assert!(e.level >= 3);
        let fine = p.envelope(10.0, 11.0, 1000);
        assert_eq!(fine.level, 0);
        assert!(
            fine.points
                .iter()
                .all(|p| (p[1] - 100.0 / 32768.0).abs() < 1e-9)
        );
    }
}
