//! Voice prints: a compact summary of how a voice sounds, made by callcoach from a party's
//! own channel, to tell which channel of a call holds an agent.
//!
//! A print is the mean and variance of each mel-cepstral coefficient (see
//! [`super::cepstrum`]) over the frames the engine's activity decision marks as that
//! party's speech: a diagonal Gaussian of the voice's spectral envelope. Two prints are
//! compared by the Bhattacharyya distance of their Gaussians. The print also carries the
//! median F0 of the same speech, as the voice's pitch baseline; F0 is not part of the
//! distance, because coaching moves an agent's pitch on purpose (a calmer, lower register)
//! while the envelope of the voice stays the same.
//!
//! Pure code, like the engine: fed samples in chunks of any size, no I/O, threads or
//! clocks. The result does not depend on the chunking.

use serde::{Deserialize, Serialize};

use crate::analysis::channel::{FrameMeasure, FrontEnd, Tracker, TrackerOutput};
use crate::analysis::settings::{
    ACTIVITY_SNR_DB, ANALYSIS_RATE_HZ, ECHO_LOOKBACK_FRAMES, HOP_LENGTH, HOP_S,
};
use crate::dsp::SILENCE_DB;
use crate::dsp::resample::Resampler;

use super::cepstrum::{CEPSTRA, MelCepstrum, WINDOW_LENGTH};

/// Names the features a print holds. A print stored with other features cannot be
/// compared with one made now.
pub const FEATURES: &str = "mfcc-c1-c12-mel20-300-3400hz";

/// Variances are floored at this (squared cepstral units), so that a print of very little
/// or very steady sound cannot make the distance blow up.
pub const MIN_VARIANCE: f64 = 1e-3;

/// Cepstra kept for frames not yet decided by the tracker: its decision delay plus the
/// difference in latency between the cepstral window and the engine's pitch frame, with
/// room to spare.
const PENDING_FRAMES: usize = 16;

/// F0 histogram: bins of 0.1 Hz from 40 Hz to 600 Hz (the engine's F0 statistics use the
/// same grid).
const F0_BIN_HZ: f64 = 0.1;
const F0_HIST_MIN_HZ: f64 = 40.0;
const F0_HIST_MAX_HZ: f64 = 600.0;

/// The summary of one voice: a diagonal Gaussian of its mel cepstra over its speech, and
/// the median F0 of its voiced speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicePrint {
    /// Which features the print holds ([`FEATURES`] for prints made now).
    pub features: String,
    /// Speech the print rests on, s (frames the engine's activity decision marked as
    /// speech, 10 ms each).
    pub speech_s: f64,
    /// Mean of each cepstral coefficient c1..=c12 over the speech frames.
    pub mean: Vec<f64>,
    /// Variance of each coefficient over the speech frames (at least [`MIN_VARIANCE`]).
    pub var: Vec<f64>,
    /// Median F0 of the voiced speech frames, Hz; `None` without voiced speech.
    pub median_f0_hz: Option<f64>,
    /// Voiced speech the median rests on, s.
    pub voiced_s: f64,
}

/// Why a voice print cannot be compared with prints made now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// It was made from other features.
    #[error("features `{0}` are not `{FEATURES}`: enrol the agent again")]
    Features(String),
    /// It has the wrong number of coefficients.
    #[error("needs {CEPSTRA} means and variances, has {means} and {variances}")]
    Length {
        /// Means it holds.
        means: usize,
        /// Variances it holds.
        variances: usize,
    },
    /// A mean is NaN or infinite.
    #[error("a mean is not a finite number")]
    Mean,
    /// A variance is NaN, infinite or below [`MIN_VARIANCE`].
    #[error("a variance is not a finite number of at least {MIN_VARIANCE}")]
    Variance,
    /// A duration is negative or not finite.
    #[error("speech_s and voiced_s must be finite and not negative")]
    Durations,
    /// The median F0 is not a positive number.
    #[error("median_f0_hz must be a positive number")]
    MedianF0,
}

impl VoicePrint {
    /// Checks that the print can be compared with prints made now: the same features,
    /// [`CEPSTRA`] finite means and variances of at least [`MIN_VARIANCE`], finite
    /// non-negative durations, a positive F0. Says what is wrong otherwise.
    pub fn validate(&self) -> Result<(), PrintError> {
        if self.features != FEATURES {
            return Err(PrintError::Features(self.features.clone()));
        }
        if self.mean.len() != CEPSTRA || self.var.len() != CEPSTRA {
            return Err(PrintError::Length {
                means: self.mean.len(),
                variances: self.var.len(),
            });
        }
        if self.mean.iter().any(|m| !m.is_finite()) {
            return Err(PrintError::Mean);
        }
        if self.var.iter().any(|v| !v.is_finite() || *v < MIN_VARIANCE) {
            return Err(PrintError::Variance);
        }
        let seconds = |s: f64| s.is_finite() && s >= 0.0;
        if !(seconds(self.speech_s) && seconds(self.voiced_s)) {
            return Err(PrintError::Durations);
        }
        if self
            .median_f0_hz
            .is_some_and(|f| !(f.is_finite() && f > 0.0))
        {
            return Err(PrintError::MedianF0);
        }
        Ok(())
    }

    /// Bhattacharyya distance between the two prints' Gaussians (0 for identical prints,
    /// growing as the voices' envelopes differ; symmetric). Each coefficient contributes
    /// `(Δmean)² / (8 σ²) + ½ ln(σ² / (σa σb))` with `σ²` the mean of the two variances.
    pub fn distance(&self, other: &VoicePrint) -> f64 {
        self.mean
            .iter()
            .zip(&self.var)
            .zip(other.mean.iter().zip(&other.var))
            .map(|((&ma, &va), (&mb, &vb))| {
                let va = va.max(MIN_VARIANCE);
                let vb = vb.max(MIN_VARIANCE);
                let pooled = 0.5 * (va + vb);
                let d = ma - mb;
                d * d / (8.0 * pooled) + 0.5 * (pooled / (va * vb).sqrt()).ln()
            })
            .sum()
    }

    /// The print of both prints' speech together: the Gaussian of the pooled frames
    /// (weighted by speech seconds). The median F0 is the voiced-time-weighted geometric
    /// mean of the two medians, since the frames themselves are not kept.
    pub fn merge(&self, other: &VoicePrint) -> VoicePrint {
        let total = self.speech_s + other.speech_s;
        let (wa, wb) = if total > 0.0 {
            (self.speech_s / total, other.speech_s / total)
        } else {
            (0.5, 0.5)
        };
        let mut mean = Vec::with_capacity(CEPSTRA);
        let mut var = Vec::with_capacity(CEPSTRA);
        for ((&ma, &va), (&mb, &vb)) in self
            .mean
            .iter()
            .zip(&self.var)
            .zip(other.mean.iter().zip(&other.var))
        {
            let m = wa * ma + wb * mb;
            let second = wa * (va + ma * ma) + wb * (vb + mb * mb);
            mean.push(m);
            var.push((second - m * m).max(MIN_VARIANCE));
        }
        let median_f0_hz = match (self.median_f0_hz, other.median_f0_hz) {
            (Some(a), Some(b)) => {
                let voiced = self.voiced_s + other.voiced_s;
                let wa = if voiced > 0.0 {
                    self.voiced_s / voiced
                } else {
                    0.5
                };
                Some((wa * a.ln() + (1.0 - wa) * b.ln()).exp())
            }
            (a, b) => a.or(b),
        };
        VoicePrint {
            features: FEATURES.to_string(),
            speech_s: total,
            mean,
            var,
            median_f0_hz,
            voiced_s: self.voiced_s + other.voiced_s,
        }
    }
}

/// Running sums of the speech frames' cepstra and a histogram of their F0.
#[derive(Debug, Clone)]
struct Accumulator {
    frames: u64,
    sum: [f64; CEPSTRA],
    sum_sq: [f64; CEPSTRA],
    f0_bins: Vec<u32>,
    voiced: u64,
}

impl Accumulator {
    fn new() -> Self {
        Self {
            frames: 0,
            sum: [0.0; CEPSTRA],
            sum_sq: [0.0; CEPSTRA],
            f0_bins: vec![0; ((F0_HIST_MAX_HZ - F0_HIST_MIN_HZ) / F0_BIN_HZ) as usize],
            voiced: 0,
        }
    }

    fn add_cepstra(&mut self, c: &[f32; CEPSTRA]) {
        self.frames += 1;
        for ((s, q), &x) in self.sum.iter_mut().zip(&mut self.sum_sq).zip(c) {
            let x = f64::from(x);
            *s += x;
            *q += x * x;
        }
    }

    fn add_f0(&mut self, f0_hz: f32) {
        let bin = ((f64::from(f0_hz) - F0_HIST_MIN_HZ) / F0_BIN_HZ).floor();
        if bin >= 0.0
            && let Some(b) = self.f0_bins.get_mut(bin as usize)
        {
            *b += 1;
            self.voiced += 1;
        }
    }

    fn median_f0_hz(&self) -> Option<f64> {
        let half = self.voiced.div_ceil(2);
        let mut seen = 0u64;
        for (i, &b) in self.f0_bins.iter().enumerate() {
            seen += u64::from(b);
            if seen >= half && seen > 0 {
                return Some(F0_HIST_MIN_HZ + (i as f64 + 0.5) * F0_BIN_HZ);
            }
        }
        None
    }

    fn print(&self) -> VoicePrint {
        let n = self.frames.max(1) as f64;
        let mean: Vec<f64> = self.sum.iter().map(|s| s / n).collect();
        let var = self
            .sum_sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| (q / n - m * m).max(MIN_VARIANCE))
            .collect();
        VoicePrint {
            features: FEATURES.to_string(),
            speech_s: self.frames as f64 * HOP_S,
            mean,
            var,
            median_f0_hz: self.median_f0_hz(),
            voiced_s: self.voiced as f64 * HOP_S,
        }
    }
}

/// Cuts the analysis-rate stream into cepstral windows on the engine's frame grid (frame
/// `k` centred on analysis sample `k * HOP_LENGTH`) and keeps the last few until the
/// tracker has decided them: a frame's cepstra are computed only if it is speech, and
/// with its F0.
#[derive(Debug)]
pub(crate) struct CepstrumFramer {
    buffer: Vec<f32>,
    received: u64,
    frames: u64,
    mel: MelCepstrum,
    /// Frame index held in each slot of `windows` (`u64::MAX` for none).
    held: [u64; PENDING_FRAMES],
    /// `windows[(k % PENDING_FRAMES) * WINDOW_LENGTH..][..WINDOW_LENGTH]`: frame `k`'s
    /// samples while it is recent.
    windows: Vec<f32>,
}

impl CepstrumFramer {
    pub(crate) fn new() -> Self {
        let mut buffer = Vec::with_capacity(WINDOW_LENGTH + HOP_LENGTH + 1);
        // Frame 0 is centred on sample 0: silence before it.
        buffer.resize(WINDOW_LENGTH / 2, 0.0);
        Self {
            buffer,
            received: 0,
            frames: 0,
            mel: MelCepstrum::new(),
            held: [u64::MAX; PENDING_FRAMES],
            windows: vec![0.0; PENDING_FRAMES * WINDOW_LENGTH],
        }
    }

    /// Feeds one analysis-rate sample.
    pub(crate) fn push(&mut self, x: f32) {
        self.buffer.push(x);
        self.received += 1;
        if self.buffer.len() == WINDOW_LENGTH {
            Self::keep(
                &mut self.held,
                &mut self.windows,
                &mut self.frames,
                &mut self.buffer,
            );
        }
    }

    fn keep(
        held: &mut [u64; PENDING_FRAMES],
        windows: &mut [f32],
        frames: &mut u64,
        buffer: &mut Vec<f32>,
    ) {
        let slot = (*frames % PENDING_FRAMES as u64) as usize;
        held[slot] = *frames;
        if let Some(w) = windows.get_mut(slot * WINDOW_LENGTH..(slot + 1) * WINDOW_LENGTH) {
            w.copy_from_slice(&buffer[..WINDOW_LENGTH]);
        }
        *frames += 1;
        buffer.drain(..HOP_LENGTH);
    }

    /// Keeps the frames whose centre lies inside the received audio, padding with silence
    /// (as the engine's front end does).
    pub(crate) fn finish(&mut self) {
        let total = self.received.div_ceil(HOP_LENGTH as u64);
        while self.frames < total {
            self.buffer.resize(WINDOW_LENGTH, 0.0);
            Self::keep(
                &mut self.held,
                &mut self.windows,
                &mut self.frames,
                &mut self.buffer,
            );
        }
    }

    /// The cepstra of frame `frame` with F0 `f0_hz` (0 when unvoiced), if it is still
    /// held.
    pub(crate) fn cepstra(&mut self, frame: u64, f0_hz: f32, out: &mut [f32; CEPSTRA]) -> bool {
        let slot = (frame % PENDING_FRAMES as u64) as usize;
        if self.held[slot] != frame {
            return false;
        }
        let Some(w) = self
            .windows
            .get(slot * WINDOW_LENGTH..(slot + 1) * WINDOW_LENGTH)
        else {
            return false;
        };
        self.mel.compute(w, f0_hz, out);
        true
    }
}

/// One channel's path: the engine's front end and tracker decide which frames are
/// speech; the framer supplies their cepstra. Both are fed the same analysis-rate
/// samples, converted once (the front end, made for the analysis rate, passes them
/// through as they are).
#[derive(Debug)]
struct ChannelPath {
    resampler: Resampler,
    front: FrontEnd,
    tracker: Tracker,
    framer: CepstrumFramer,
    acc: Accumulator,
    measure: Option<FrameMeasure>,
    /// Level of this channel's recent speech frames (`-120` elsewhere), ring of
    /// [`ECHO_LOOKBACK_FRAMES`], for the echo rule of the other channels.
    recent_speech_db: [f32; ECHO_LOOKBACK_FRAMES],
    /// Frames stepped through the tracker.
    frames_stepped: u64,
}

impl ChannelPath {
    fn new(input_rate_hz: u32) -> Self {
        Self {
            resampler: Resampler::new(input_rate_hz, ANALYSIS_RATE_HZ),
            front: FrontEnd::new(ANALYSIS_RATE_HZ),
            tracker: Tracker::new(),
            framer: CepstrumFramer::new(),
            acc: Accumulator::new(),
            measure: None,
            recent_speech_db: [SILENCE_DB; ECHO_LOOKBACK_FRAMES],
            frames_stepped: 0,
        }
    }

    fn push(&mut self, sample: f32) {
        let Self {
            resampler,
            front,
            framer,
            measure,
            ..
        } = self;
        resampler.push(sample, |x| {
            framer.push(x);
            front.push(x, &mut |m| *measure = Some(m));
        });
    }

    fn step(&mut self, m: &FrameMeasure, other_recent_peak_db: Option<f32>) {
        let out = self.tracker.step(m, other_recent_peak_db);
        self.frames_stepped += 1;
        if out.noise {
            self.front.learn_noise();
        }
        self.take(&out);
    }

    fn take(&mut self, out: &TrackerOutput) {
        let Some(d) = out.decision else {
            return;
        };
        // As in the engine's pitch statistics: a party's voiced frames count while it
        // speaks (active, or inside a confirmed segment).
        if d.f0_hz > 0.0 && (d.active || self.tracker.speaking()) {
            self.acc.add_f0(d.f0_hz);
        }
        let mut c = [0.0; CEPSTRA];
        if d.active && self.framer.cepstra(d.frame, d.f0_hz, &mut c) {
            self.acc.add_cepstra(&c);
        }
    }

    fn finish(mut self) -> VoicePrint {
        self.framer.finish();
        // The front end's last frames (padded with silence) are stepped without the echo
        // rule, which concerns a few frames at the very end.
        let mut tail = Vec::new();
        tail.extend(self.measure.take());
        self.front.finish(&mut |m| tail.push(m));
        for m in &tail {
            self.step(m, None);
        }
        let mut outputs = Vec::new();
        self.tracker.finish(|o| outputs.push(o));
        for out in &outputs {
            self.take(out);
        }
        self.acc.print()
    }
}

/// Builds the voice print of one channel (a mono recording, a headset capture). Feed
/// samples at the input rate in chunks of any size with
/// [`VoicePrintBuilder::push_samples`], then call [`VoicePrintBuilder::finish`].
#[derive(Debug)]
pub struct VoicePrintBuilder {
    path: ChannelPath,
}

impl VoicePrintBuilder {
    /// A builder for a channel recorded at `input_rate_hz` (8000–48000).
    pub fn new(input_rate_hz: u32) -> Self {
        Self {
            path: ChannelPath::new(input_rate_hz),
        }
    }

    /// Feeds samples in [-1, 1].
    pub fn push_samples(&mut self, samples: &[f32]) {
        for &s in samples {
            self.path.push(s);
            if let Some(m) = self.path.measure.take() {
                self.path.step(&m, None);
            }
        }
    }

    /// The print of everything fed.
    pub fn finish(self) -> VoicePrint {
        self.path.finish()
    }
}

/// Builds the voice print of every channel of a multi-channel recording at once. A
/// channel's frame far below another channel's recent speech is taken as echo of that
/// speech (the engine's echo rule, applied to every channel since any may be the agent's)
/// and left out of its print.
#[derive(Debug)]
pub struct ChannelPrintsBuilder {
    paths: Vec<ChannelPath>,
}

impl ChannelPrintsBuilder {
    /// A builder for `channels` (at least 1) interleaved channels at `input_rate_hz`
    /// (8000–48000).
    pub fn new(input_rate_hz: u32, channels: usize) -> Self {
        Self {
            paths: (0..channels.max(1))
                .map(|_| ChannelPath::new(input_rate_hz))
                .collect(),
        }
    }

    /// Feeds interleaved samples (a trailing partial frame is ignored).
    pub fn push_interleaved(&mut self, samples: &[f32]) {
        let channels = self.paths.len();
        for frame in samples.chunks_exact(channels) {
            for (path, &s) in self.paths.iter_mut().zip(frame) {
                path.push(s);
            }
            // Every channel runs at the same rate, so their frames complete together.
            if self.paths.iter().all(|p| p.measure.is_some()) {
                self.step_frame();
            }
        }
    }

    fn step_frame(&mut self) {
        let frame = self.paths.first().map_or(0, |p| p.frames_stepped);
        let slot = (frame % ECHO_LOOKBACK_FRAMES as u64) as usize;
        for path in &mut self.paths {
            if let Some(m) = &path.measure {
                let speech = m.level_db > path.tracker.floor_db() + ACTIVITY_SNR_DB;
                path.recent_speech_db[slot] = if speech { m.level_db } else { SILENCE_DB };
            }
        }
        let peaks: Vec<f32> = self
            .paths
            .iter()
            .map(|p| p.recent_speech_db.iter().copied().fold(f32::MIN, f32::max))
            .collect();
        let multi = self.paths.len() > 1;
        for (i, path) in self.paths.iter_mut().enumerate() {
            let Some(m) = path.measure.take() else {
                continue;
            };
            let other_peak = multi.then(|| {
                peaks
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, &p)| p)
                    .fold(f32::MIN, f32::max)
            });
            path.step(&m, other_peak);
        }
    }

    /// The print of each channel, in channel order.
    pub fn finish(self) -> Vec<VoicePrint> {
        self.paths.into_iter().map(ChannelPath::finish).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Deterministic noise in [-1, 1].
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
    }

    /// Two-pole resonator at `freq_hz` with bandwidth `bw_hz`, unity gain at DC removed.
    struct Resonator {
        a1: f64,
        a2: f64,
        y1: f64,
        y2: f64,
    }
    impl Resonator {
        fn new(freq_hz: f64, bw_hz: f64, rate: f64) -> Self {
            let r = (-PI * bw_hz / rate).exp();
            Self {
                a1: 2.0 * r * (2.0 * PI * freq_hz / rate).cos(),
                a2: -r * r,
                y1: 0.0,
                y2: 0.0,
            }
        }
        fn process(&mut self, x: f64) -> f64 {
            let y = x + self.a1 * self.y1 + self.a2 * self.y2;
            self.y2 = self.y1;
            self.y1 = y;
            y * (1.0 - self.a1 - self.a2).abs()
        }
    }

    /// A synthetic voice: a pulse train at `f0_hz` through formant
    /// resonators (each utterance on its own level, -4 % to +4 %, with a slight rise, so that the median is about `f0_hz`), in utterances of 1.2 s with 0.6 s pauses, over faint white noise.
    /// Returns 8 kHz samples.
    fn voice(formants_hz: &[f64], f0_hz: f64, utterances: usize, seed: u64) -> Vec<f32> {
        let rate = 8000.0;
        let mut noise = Lcg(seed);
        let mut res: Vec<Resonator> = formants_hz
            .iter()
            .map(|&f| Resonator::new(f, 80.0 + f * 0.05, rate))
            .collect();
        let utter = (1.2 * rate) as usize;
        let pause = (0.6 * rate) as usize;
        let mut out = Vec::with_capacity(utterances * (utter + pause) + pause);
        out.extend((0..pause).map(|_| 0.001 * noise.next()));
        const STEPS: [f64; 6] = [0.0, -2.0, 2.0, -1.0, 1.0, 0.0];
        let mut phase = 0.0;
        for u in 0..utterances {
            let mut raw = Vec::with_capacity(utter);
            for n in 0..utter {
                let t = n as f64 / rate;
                let f = f0_hz * (1.0 + 0.02 * STEPS[u % STEPS.len()] + 0.01 * (PI * t).sin());
                phase += f / rate;
                let pulse = if phase >= 1.0 {
                    phase -= 1.0;
                    1.0
                } else {
                    0.0
                };
                let mut y = pulse + 0.02 * f64::from(noise.next());
                for r in &mut res {
                    y = r.process(y);
                }
                raw.push(y);
            }
            let peak = raw.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-9);
            for (n, y) in raw.iter().enumerate() {
                // 20 ms fades so utterances start and end softly.
                let fade = (n.min(utter - 1 - n) as f64 / 160.0).min(1.0);
                out.push((0.3 * y / peak * fade) as f32 + 0.001 * noise.next());
            }
            out.extend((0..pause).map(|_| 0.001 * noise.next()));
        }
        out
    }

    const VOICE_A: [f64; 3] = [550.0, 1700.0, 2600.0];
    const VOICE_B: [f64; 3] = [750.0, 1150.0, 2950.0];

    fn print_of(samples: &[f32]) -> VoicePrint {
        let mut b = VoicePrintBuilder::new(8000);
        b.push_samples(samples);
        b.finish()
    }

    #[test]
    fn same_result_for_any_chunking() {
        let samples = voice(&VOICE_A, 120.0, 4, 1);
        let whole = print_of(&samples);
        let mut rng = Lcg(7);
        let mut b = VoicePrintBuilder::new(8000);
        let mut rest = &samples[..];
        while !rest.is_empty() {
            let n = (((rng.next() + 1.0) * 400.0) as usize + 1).min(rest.len());
            b.push_samples(&rest[..n]);
            rest = &rest[n..];
        }
        assert_eq!(b.finish(), whole);
    }

    #[test]
    fn speech_time_and_median_f0_follow_the_voice() {
        let print = print_of(&voice(&VOICE_A, 150.0, 6, 2));
        // 6 utterances of 1.2 s, less their soft fades.
        assert!(
            (6.0..=7.3).contains(&print.speech_s),
            "speech {} s",
            print.speech_s
        );
        let f0 = print.median_f0_hz.expect("voiced");
        assert!((f0 - 150.0).abs() < 3.0, "median F0 {f0} Hz");
        assert!(print.voiced_s > 5.0, "voiced {} s", print.voiced_s);
        assert_eq!(print.features, FEATURES);
        assert_eq!(print.validate(), Ok(()));
    }

    #[test]
    fn a_voice_is_closer_to_itself_than_to_another_voice() {
        // Same envelope, different pitch and noise: near; different envelope: far.
        let a1 = print_of(&voice(&VOICE_A, 110.0, 6, 3));
        let a2 = print_of(&voice(&VOICE_A, 135.0, 6, 4));
        let b = print_of(&voice(&VOICE_B, 115.0, 6, 5));
        let same = a1.distance(&a2);
        let other = a1.distance(&b).min(a2.distance(&b));
        assert!(same * 4.0 < other, "same {same}, other {other}");
    }

    #[test]
    fn the_echo_of_the_other_channel_stays_out_of_a_print() {
        // Stereo: A talks on channel 0 while channel 1 is quiet apart from A's echo at
        // -25 dB; then B talks on channel 1. Channel 1's print is B's, not a mix.
        let a = voice(&VOICE_A, 120.0, 6, 6);
        let b = voice(&VOICE_B, 120.0, 6, 7);
        let echo_gain = 10f32.powf(-25.0 / 20.0);
        let mut noise = Lcg(8);
        let mut stereo = Vec::new();
        for &x in &a {
            stereo.push(x);
            stereo.push(echo_gain * x + 0.001 * noise.next());
        }
        for &y in &b {
            stereo.push(0.001 * noise.next());
            stereo.push(y);
        }
        let mut builder = ChannelPrintsBuilder::new(8000, 2);
        builder.push_interleaved(&stereo);
        let prints = builder.finish();
        assert_eq!(prints.len(), 2);
        let b_alone = print_of(&b);
        let a_alone = print_of(&a);
        assert!(
            (prints[1].speech_s - b_alone.speech_s).abs() < 0.3,
            "channel 1 speech {} s, B alone {} s",
            prints[1].speech_s,
            b_alone.speech_s
        );
        assert!(prints[1].distance(&b_alone) < 0.1 * prints[1].distance(&a_alone));
        assert!(prints[0].distance(&a_alone) < 0.1 * prints[0].distance(&b_alone));
    }

    fn hand_print(mean: f64, var: f64, speech_s: f64, f0: f64) -> VoicePrint {
        VoicePrint {
            features: FEATURES.into(),
            speech_s,
            mean: vec![mean; CEPSTRA],
            var: vec![var; CEPSTRA],
            median_f0_hz: Some(f0),
            voiced_s: speech_s / 2.0,
        }
    }

    #[test]
    fn distance_is_the_bhattacharyya_distance() {
        let a = hand_print(0.0, 1.0, 10.0, 100.0);
        let b = hand_print(2.0, 1.0, 10.0, 200.0);
        let c = hand_print(0.0, 4.0, 10.0, 100.0);
        assert_eq!(a.distance(&a), 0.0);
        // Means 2 apart, unit variances: 4/8 per coefficient.
        assert!((a.distance(&b) - 0.5 * CEPSTRA as f64).abs() < 1e-12);
        assert_eq!(a.distance(&b), b.distance(&a));
        // Variances 1 and 4: ½ ln(2.5 / 2) per coefficient.
        let expected = 0.5 * (2.5f64 / 2.0).ln() * CEPSTRA as f64;
        assert!((a.distance(&c) - expected).abs() < 1e-12);
        // F0 plays no part.
        let a_high = hand_print(0.0, 1.0, 10.0, 220.0);
        assert_eq!(a.distance(&a_high), 0.0);
    }

    #[test]
    fn merge_pools_the_frames() {
        let a = hand_print(0.0, 1.0, 30.0, 100.0);
        let b = hand_print(2.0, 1.0, 10.0, 200.0);
        let m = a.merge(&b);
        assert_eq!(m.speech_s, 40.0);
        assert_eq!(m.voiced_s, 20.0);
        // Mean 0.75 * 0 + 0.25 * 2; variance 1 + 0.75 * 0.25 * 2².
        assert!(m.mean.iter().all(|&x| (x - 0.5).abs() < 1e-12));
        assert!(m.var.iter().all(|&v| (v - 1.75).abs() < 1e-12));
        // Voiced-time-weighted geometric mean: 100^0.75 * 200^0.25.
        let f0 = m.median_f0_hz.expect("f0");
        assert!((f0 - 100.0 * 2f64.powf(0.25)).abs() < 1e-9, "{f0}");
        assert_eq!(a.merge(&a).mean, a.mean);
    }

    #[test]
    fn validate_names_the_problem() {
        let mut p = hand_print(0.0, 1.0, 10.0, 100.0);
        p.features = "lpcc".into();
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("enrol the agent again")
        );
        let mut p = hand_print(0.0, 1.0, 10.0, 100.0);
        p.var.pop();
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "needs 12 means and variances, has 12 and 11"
        );
        let mut p = hand_print(0.0, 1.0, 10.0, 100.0);
        p.mean[3] = f64::NAN;
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "a mean is not a finite number"
        );
        let mut p = hand_print(0.0, 1.0, 10.0, 100.0);
        p.var[0] = 0.0;
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .starts_with("a variance")
        );
    }

    #[test]
    fn silence_gives_an_empty_print() {
        let p = print_of(&vec![0.0; 16000]);
        assert_eq!(p.speech_s, 0.0);
        assert_eq!(p.median_f0_hz, None);
        assert!(p.var.iter().all(|&v| v == MIN_VARIANCE));
    }
}
