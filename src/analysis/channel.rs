//! Per-channel analysis: converts the stream to the analysis rate, cuts it into frames,
//! measures level and pitch candidates, and turns them into activity, voicing and F0
//! decisions, speech segments and syllable nuclei.

use crate::dsp::biquad::Biquad;
use crate::dsp::power_to_db;
use crate::dsp::resample::Resampler;
use crate::dsp::yin::{Yin, YinFrame};

use super::settings::*;

mod floors;
mod pause;
mod segmenter;
mod syllables;
mod voicing;

use floors::NoiseFloors;
use pause::PauseNoise;
use segmenter::Segmenter;
use syllables::{SyllablePicker, sonority_db};
use voicing::Voicing;

/// What the front end measured on one frame.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeasure {
    /// Level of the analysis band over [`LEVEL_WINDOW_LENGTH`], dBFS.
    pub level_db: f32,
    /// Pitch candidates (empty when the frame was too quiet to be worth it).
    pub yin: YinFrame,
    /// The level window reaches into digital silence the stream started with (at least
    /// [`LEADING_SILENCE_MIN_SAMPLES`] zeros), so the level reads low by however much of
    /// the window the silence fills.
    pub partial: bool,
}

/// Streaming front end of one channel: resampling, band-pass, framing, level and YIN.
#[derive(Debug)]
pub struct FrontEnd {
    resampler: Resampler,
    highpass: [Biquad; 2],
    /// Last [`FRAME_LENGTH`] analysis-rate samples plus up to one hop of new ones.
    buffer: Vec<f32>,
    /// Analysis-rate samples received.
    received: u64,
    /// Frames emitted.
    frames: u64,
    /// Analysis-rate samples of digital silence (see [`LEADING_SILENCE_MAX_AMPLITUDE`])
    /// before the first sound; equal to `received` until sound arrives.
    leading_zeros: u64,
    yin: Yin,
}

/// Frame `k` is centred on analysis sample `k * HOP_LENGTH`; its pitch frame spans
/// `[centre - FRAME_LENGTH / 2, centre + FRAME_LENGTH - FRAME_LENGTH / 2)`.
const CENTRE_OFFSET: usize = FRAME_LENGTH / 2;

impl FrontEnd {
    /// A front end for a channel recorded at `input_rate_hz`.
    pub fn new(input_rate_hz: u32) -> Self {
        // Pre-fill with zeros so frame 0 (centred on sample 0) sees silence before it.
        let mut buffer = Vec::with_capacity(FRAME_LENGTH + HOP_LENGTH + 1);
        buffer.resize(CENTRE_OFFSET, 0.0);
        Self {
            resampler: Resampler::new(input_rate_hz, ANALYSIS_RATE_HZ),
            highpass: [
                Biquad::highpass(BAND_HIGHPASS_HZ, f64::from(ANALYSIS_RATE_HZ)),
                Biquad::highpass(BAND_HIGHPASS_HZ, f64::from(ANALYSIS_RATE_HZ)),
            ],
            buffer,
            received: 0,
            frames: 0,
            leading_zeros: 0,
            yin: Yin::new(PITCH_WINDOW_LENGTH, MIN_LAG, MAX_LAG, YIN_THRESHOLD)
                .with_noise_compensation(NOISE_SUBTRACT_SHARE),
        }
    }

    /// The last frame measured holds only background noise (the tracker says so): YIN
    /// learns the noise from it (see [`Yin::learn_noise`]).
    pub fn learn_noise(&mut self) {
        self.yin.learn_noise(NOISE_LEARN_FRAMES);
    }

    /// Feeds one input sample; calls `on_frame` for each frame completed.
    #[inline]
    pub fn push(&mut self, sample: f32, on_frame: &mut impl FnMut(FrameMeasure)) {
        let Self {
            resampler,
            highpass,
            buffer,
            received,
            frames,
            leading_zeros,
            yin,
        } = self;
        resampler.push(sample, |x| {
            if *leading_zeros == *received && x.abs() <= LEADING_SILENCE_MAX_AMPLITUDE {
                *leading_zeros += 1;
            }
            let stage1 = highpass[0].process(x);
            let y = highpass[1].process(stage1);
            buffer.push(y);
            *received += 1;
            if buffer.len() == FRAME_LENGTH {
                let partial = window_in_leading_silence(*frames, *leading_zeros);
                on_frame(measure(yin, buffer, partial));
                *frames += 1;
                buffer.drain(..HOP_LENGTH);
            }
        });
    }

    /// Flushes the frames whose centre lies inside the received audio by padding with
    /// silence; call once at the end of the stream.
    pub fn finish(&mut self, on_frame: &mut impl FnMut(FrameMeasure)) {
        let total_frames = self.received.div_ceil(HOP_LENGTH as u64);
        while self.frames < total_frames {
            while self.buffer.len() < FRAME_LENGTH {
                self.buffer.push(0.0);
            }
            let partial = window_in_leading_silence(self.frames, self.leading_zeros);
            on_frame(measure(&mut self.yin, &self.buffer, partial));
            self.frames += 1;
            self.buffer.drain(..HOP_LENGTH);
        }
    }
}

/// Whether the level window of frame `frame` reaches into the digital silence the stream
/// started with (`leading_zeros` samples of it; shorter runs are ordinary samples). A
/// frame is measured only once its window has been received, so while no sound has come
/// every window starts inside the silence.
fn window_in_leading_silence(frame: u64, leading_zeros: u64) -> bool {
    let centre = frame * HOP_LENGTH as u64;
    let window_start = centre.saturating_sub((LEVEL_WINDOW_LENGTH / 2) as u64);
    leading_zeros >= LEADING_SILENCE_MIN_SAMPLES && window_start < leading_zeros
}

fn measure(yin: &mut Yin, frame: &[f32], partial: bool) -> FrameMeasure {
    let start = CENTRE_OFFSET.saturating_sub(LEVEL_WINDOW_LENGTH / 2);
    let level_slice = frame.get(start..start + LEVEL_WINDOW_LENGTH).unwrap_or(&[]);
    let mean_square = level_slice
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        / LEVEL_WINDOW_LENGTH as f64;
    let level_db = power_to_db(mean_square);
    let yin = if level_db > ABSOLUTE_SILENCE_DBFS {
        yin.analyze(frame)
    } else {
        yin.skip();
        YinFrame::default()
    };
    FrameMeasure {
        level_db,
        yin,
        partial,
    }
}

/// A finished stretch of speech on one channel, in frames (inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentFrames {
    /// First active frame.
    pub start: u64,
    /// Last active frame.
    pub end: u64,
}

/// Decisions about one frame, available [`DECISION_DELAY_FRAMES`] after it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameDecision {
    /// Frame index.
    pub frame: u64,
    /// Level, dBFS.
    pub level_db: f32,
    /// Speech activity.
    pub active: bool,
    /// Level above the floor of the noise between segments, dB (`-inf` for echo).
    pub snr_db: f32,
    /// F0 in Hz, 0 when unvoiced.
    pub f0_hz: f32,
    /// Level weighted by periodicity, dB: the contour syllable nuclei are picked on
    /// (see [`SYLLABLE_PERIODICITY_WEIGHT_DB`]).
    pub sonority_db: f32,
    /// The frame is voiced on its own evidence (clearly periodic), not only as the
    /// continuation of a neighbouring voiced stretch.
    pub clearly_voiced: bool,
}

/// What the tracker reports after each frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackerOutput {
    /// The decided frame (if the delay line is full).
    pub decision: Option<FrameDecision>,
    /// A segment was confirmed as speech, starting at this frame.
    pub segment_opened: Option<u64>,
    /// A segment ended.
    pub segment_closed: Option<SegmentFrames>,
    /// A syllable nucleus was found at this frame.
    pub syllable: Option<u64>,
    /// The frame just stepped (not the decided one) is background noise between
    /// segments, with no speech or echo: the front end may learn the noise from it.
    pub noise: bool,
}

/// What the tracker keeps of a frame, besides its voicing, until it is decided.
#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    level_db: f32,
    raw_active: bool,
    snr_db: f32,
    sonority_db: f32,
}

/// Turns frame measures into decisions: a pure state machine over frames, made of
/// [`NoiseFloors`] (activity and voicing floors), [`Voicing`] (voicing decision and F0
/// track), [`PauseNoise`] (the noise between segments), [`Segmenter`] and
/// [`SyllablePicker`]. Each frame is decided [`DECISION_DELAY_FRAMES`] after it is
/// measured.
#[derive(Debug)]
pub struct Tracker {
    /// Frames stepped.
    frame: u64,
    floors: NoiseFloors,
    voicing: Voicing,
    pause: PauseNoise,
    /// The frames not yet decided (ring of [`TRACKER_RING_FRAMES`]).
    ring: [Pending; TRACKER_RING_FRAMES],
    segmenter: Segmenter,
    syllables: SyllablePicker,
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new()
    }
}

impl Tracker {
    /// A tracker at frame 0.
    pub fn new() -> Self {
        Self {
            frame: 0,
            floors: NoiseFloors::default(),
            voicing: Voicing::default(),
            pause: PauseNoise::default(),
            ring: [Pending::default(); TRACKER_RING_FRAMES],
            segmenter: Segmenter::default(),
            syllables: SyllablePicker::default(),
        }
    }

    /// Whether a confirmed segment is open (speech is going on).
    pub fn speaking(&self) -> bool {
        self.segmenter.speaking()
    }

    /// Current noise floor estimate for speech activity, dBFS.
    pub fn floor_db(&self) -> f32 {
        self.floors.activity_db().unwrap_or(ABSOLUTE_SILENCE_DBFS)
    }

    /// Processes the next frame. `other_recent_peak_db` is the highest level of the other
    /// party's channel over the last [`ECHO_LOOKBACK_FRAMES`] (None in a mono call).
    pub fn step(&mut self, m: &FrameMeasure, other_recent_peak_db: Option<f32>) -> TrackerOutput {
        let level = m.level_db;
        let silent = level <= DIGITAL_SILENCE_DBFS;
        let floors = self.floors.push(m);
        let speech_floor = floors.activity_db.unwrap_or(ABSOLUTE_SILENCE_DBFS);
        let echo = other_recent_peak_db.is_some_and(|p| level < p - ECHO_MARGIN_DB);
        let loud_enough = level > ABSOLUTE_SILENCE_DBFS && !echo;
        let snr = level - floors.voicing_db;
        self.voicing
            .push(self.frame, level, snr, loud_enough, &m.yin);
        let raw_active = loud_enough && level - speech_floor > ACTIVITY_SNR_DB;
        // The noise between segments: frames without speech or echo while no segment
        // is open.
        let noise = floors.activity_db.is_some()
            && !silent
            && !raw_active
            && !echo
            && !self.segmenter.is_open();
        if noise {
            self.pause.learn(level);
        }
        let edge_snr = level - self.pause.floor_db().unwrap_or(speech_floor);
        self.ring[slot(self.frame)] = Pending {
            level_db: level,
            raw_active,
            snr_db: if echo { f32::NEG_INFINITY } else { edge_snr },
            sonority_db: sonority_db(level, &m.yin),
        };
        self.frame += 1;
        // Only frames close to the noise floor teach the front end the noise: the soft
        // start of speech before it counts as active is not noise.
        let mut out = TrackerOutput {
            noise: noise && self.pause.near_floor(level),
            ..TrackerOutput::default()
        };
        if let Some(decided) = self.frame.checked_sub(1 + DECISION_DELAY_FRAMES as u64) {
            self.decide(decided, &mut out);
        }
        out
    }

    /// Decides the frames still in the delay line at the end of the stream.
    pub fn finish(&mut self, mut emit: impl FnMut(TrackerOutput)) {
        let first = self.frame.saturating_sub(DECISION_DELAY_FRAMES as u64);
        for decided in first..self.frame {
            let mut out = TrackerOutput::default();
            self.decide(decided, &mut out);
            emit(out);
        }
        let mut out = TrackerOutput::default();
        self.segmenter.close(&mut out);
        emit(out);
    }

    /// Final decision for frame `decided`, fed to the segmenter and the syllable picker.
    fn decide(&mut self, decided: u64, out: &mut TrackerOutput) {
        let pending = self.ring[slot(decided)];
        let voiced = self.voicing.decide(decided, self.frame - 1);
        let decision = FrameDecision {
            frame: decided,
            level_db: pending.level_db,
            active: pending.raw_active,
            snr_db: pending.snr_db,
            f0_hz: voiced.f0_hz,
            sonority_db: pending.sonority_db,
            clearly_voiced: voiced.clear,
        };
        self.segmenter
            .push(&decision, self.pause.edge_threshold_db(), out);
        out.syllable = self.syllables.push(&decision);
        out.decision = Some(decision);
    }
}

/// Slot of frame `frame` in the tracker's ring.
fn slot(frame: u64) -> usize {
    (frame % TRACKER_RING_FRAMES as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::yin::Candidate;

    /// A frame at `level_db`, periodic at `lag` samples if given.
    fn measure(level_db: f32, lag: Option<f32>) -> FrameMeasure {
        let mut yin = YinFrame::default();
        if let Some(lag) = lag {
            yin.candidates[0] = Candidate {
                lag,
                cmndf: 0.1,
                nccf: 0.9,
            };
            yin.count = 1;
        }
        FrameMeasure {
            level_db,
            yin,
            partial: false,
        }
    }

    #[test]
    fn a_vowel_in_line_noise_is_one_voiced_segment() {
        // 0.5 s of line noise at -50 dBFS, 0.3 s of a 100 Hz vowel at -20 dBFS, 0.6 s of
        // the noise again.
        let mut frames = vec![measure(-50.0, None); 50];
        frames.extend(vec![measure(-20.0, Some(80.0)); 30]);
        frames.extend(vec![measure(-50.0, None); 60]);
        let mut tracker = Tracker::new();
        let mut outputs: Vec<TrackerOutput> =
            frames.iter().map(|m| tracker.step(m, None)).collect();
        tracker.finish(|o| outputs.push(o));

        let decisions: Vec<FrameDecision> = outputs.iter().filter_map(|o| o.decision).collect();
        assert_eq!(decisions.len(), frames.len());
        for (k, d) in decisions.iter().enumerate() {
            let vowel = (50..80).contains(&k);
            assert_eq!(d.frame, k as u64);
            assert_eq!(d.active, vowel, "frame {k}");
            assert_eq!(d.f0_hz, if vowel { 100.0 } else { 0.0 }, "frame {k}");
            assert_eq!(d.clearly_voiced, vowel, "frame {k}");
        }
        let opened: Vec<u64> = outputs.iter().filter_map(|o| o.segment_opened).collect();
        let closed: Vec<SegmentFrames> = outputs.iter().filter_map(|o| o.segment_closed).collect();
        assert_eq!(opened, vec![50]);
        assert_eq!(closed, vec![SegmentFrames { start: 50, end: 79 }]);
        // The segment was confirmed at its eighth active frame, decided four frames later.
        let confirmed_at = outputs.iter().position(|o| o.segment_opened.is_some());
        assert_eq!(confirmed_at, Some(57 + DECISION_DELAY_FRAMES));
        // The noise before the vowel teaches the front end; the vowel does not.
        assert!(outputs[1..50].iter().all(|o| o.noise));
        assert!(outputs[50..80].iter().all(|o| !o.noise));
        // The vowel is one syllable, its nucleus the first frame of its plateau.
        let syllables: Vec<u64> = outputs.iter().filter_map(|o| o.syllable).collect();
        assert_eq!(syllables, vec![50]);
        assert!(!tracker.speaking());
    }

    /// Deterministic white noise at about `amplitude` RMS (also for the tests of the
    /// channel's parts).
    pub(super) fn noise(len: usize, seed: u32, amplitude: f64) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let u = f64::from(state >> 8) / f64::from(1u32 << 24) - 0.5;
                (u * amplitude * 12f64.sqrt()) as f32
            })
            .collect()
    }

    #[test]
    fn a_band_limited_voice_without_its_fundamental_tracks_at_its_period() {
        use std::f64::consts::PI;
        // 115 Hz, harmonics 3 to 29 only (300-3400 Hz), the third (345 Hz) twenty times
        // as strong as the others, as a telephone band and a first formant near 350 Hz
        // leave a low male voice; between 0.5 s of line noise before and after.
        let f0_hz = 115.0;
        let mut signal = noise(4000, 1, 1e-3);
        signal.extend((0..8000).map(|i| {
            let t = f64::from(i) / 8000.0;
            let voice: f64 = (3..=29)
                .map(|h| {
                    let amplitude = if h == 3 { 0.3 } else { 0.015 };
                    amplitude * (2.0 * PI * f0_hz * f64::from(h) * t + f64::from(h)).sin()
                })
                .sum();
            voice as f32
        }));
        signal.extend(noise(4000, 2, 1e-3));
        let mut front = FrontEnd::new(8000);
        let mut tracker = Tracker::new();
        let mut decisions = Vec::new();
        // Frames whose YIN choice (first dip under the threshold) is the third harmonic,
        // a third of the period.
        let mut harmonic_first = 0;
        for &x in &signal {
            front.push(x, &mut |m| {
                if m.yin
                    .candidates()
                    .first()
                    .is_some_and(|c| (c.lag - 23.19).abs() < 0.5)
                {
                    harmonic_first += 1;
                }
                decisions.extend(tracker.step(&m, None).decision);
            });
        }
        assert!(harmonic_first > 50, "{harmonic_first} frames");
        front.finish(&mut |m| decisions.extend(tracker.step(&m, None).decision));
        tracker.finish(|o| decisions.extend(o.decision));
        // Every frame whose window lies inside the voice is voiced at 115 Hz.
        for d in &decisions[55..145] {
            assert!(
                (d.f0_hz - 115.0).abs() < 1.0,
                "frame {}: {} Hz",
                d.frame,
                d.f0_hz
            );
        }
    }

    #[test]
    fn the_activity_floor_starts_at_the_first_level() {
        let mut tracker = Tracker::new();
        assert_eq!(tracker.floor_db(), ABSOLUTE_SILENCE_DBFS);
        tracker.step(&measure(-50.0, None), None);
        assert_eq!(tracker.floor_db(), -50.0);
    }

    #[test]
    fn echo_of_the_other_party_is_neither_speech_nor_noise() {
        let mut tracker = Tracker::new();
        let mut outputs = Vec::new();
        for _ in 0..10 {
            outputs.push(tracker.step(&measure(-50.0, None), None));
        }
        // The other party peaks at -10 dBFS: -30 dBFS here is its echo.
        for _ in 0..20 {
            outputs.push(tracker.step(&measure(-30.0, Some(80.0)), Some(-10.0)));
        }
        tracker.finish(|o| outputs.push(o));
        let echo: Vec<FrameDecision> = outputs
            .iter()
            .filter_map(|o| o.decision)
            .filter(|d| d.frame >= 10)
            .collect();
        assert_eq!(echo.len(), 20);
        for d in &echo {
            assert!(!d.active && d.f0_hz == 0.0 && d.snr_db == f32::NEG_INFINITY);
        }
        assert!(outputs[10..30].iter().all(|o| !o.noise));
        assert!(outputs.iter().all(|o| o.segment_opened.is_none()));
    }
}
