//! Per-channel analysis: converts the stream to the analysis rate, cuts it into frames,
//! measures level and pitch candidates, and turns them into activity, voicing and F0
//! decisions, speech segments and syllable nuclei.

use crate::dsp::biquad::Biquad;
use crate::dsp::power_to_db;
use crate::dsp::resample::Resampler;
use crate::dsp::yin::{Yin, YinFrame};

use super::settings::*;

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
        yin.analyse(frame)
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

#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    level_db: f32,
    raw_active: bool,
    snr_db: f32,
    f0_hz: f32,
    sonority_db: f32,
    /// Voiced on its own evidence.
    clear: bool,
    /// Loud enough to be voiced as the continuation of a neighbour.
    may_extend: bool,
    yin: YinFrame,
}

/// The steady noise a stream opens with after leading digital silence: the run of full
/// frames from the first one whose levels span less than [`OPENING_STEADY_RANGE_DB`] and
/// whose clearly periodic frames, if any, hold one pitch
/// ([`OPENING_STEADY_PITCH_OCTAVES`], octave jumps allowed). Hum is exactly periodic at
/// its mains multiple and steady in level; a voice's level and F0 move within a few
/// frames. The run ends at the first frame that breaks it.
#[derive(Debug, Clone, Copy)]
struct Opening {
    frames: u64,
    ended: bool,
    min_db: f32,
    max_db: f32,
    /// Shortest and longest period of its periodic frames, samples.
    lag_min: f32,
    lag_max: f32,
}

impl Default for Opening {
    fn default() -> Self {
        Self {
            frames: 0,
            ended: false,
            min_db: f32::INFINITY,
            max_db: f32::NEG_INFINITY,
            lag_min: f32::INFINITY,
            lag_max: f32::NEG_INFINITY,
        }
    }
}

impl Opening {
    /// Adds the next full frame (its level, and its period if clearly periodic), unless
    /// the run has ended or this frame ends it.
    fn push(&mut self, level_db: f32, lag: Option<f32>) {
        if self.ended {
            return;
        }
        let mut next = Self {
            frames: self.frames + 1,
            min_db: self.min_db.min(level_db),
            max_db: self.max_db.max(level_db),
            ..*self
        };
        if let Some(lag) = lag {
            next.lag_min = next.lag_min.min(lag);
            next.lag_max = next.lag_max.max(lag);
        }
        let octaves = (next.lag_max / next.lag_min).log2();
        let one_pitch = !octaves.is_finite()
            || (octaves - octaves.round()).abs() < OPENING_STEADY_PITCH_OCTAVES;
        if next.max_db - next.min_db < OPENING_STEADY_RANGE_DB && one_pitch {
            *self = next;
        } else {
            self.ended = true;
        }
    }

    /// The opening noise's lowest level, dBFS, once the run has held through all
    /// [`FLOOR_SEED_FRAMES`]: it is noise.
    fn settled_noise_db(&self) -> Option<f32> {
        (self.frames >= FLOOR_SEED_FRAMES).then_some(self.min_db)
    }

    /// The same while the run still goes on too (it may be noise).
    fn noise_db(&self) -> Option<f32> {
        let going = !self.ended && self.frames > 0;
        self.settled_noise_db().or(going.then_some(self.min_db))
    }
}

/// Whether a stream that started with digital silence stays clean: its sound keeps
/// falling to the silence level for [`CLEAN_QUIET_RUN_FRAMES`] in a row at least once
/// every [`CLEAN_PROOF_FRAMES`]. Meanwhile it tracks the [`NOISE_QUANTILE`] quantile of
/// the levels since the first sound, the voicing floor for when it does not, and the
/// recent lowest level, which bounds the activity floor after a voice opening.
#[derive(Debug, Clone, Copy, Default)]
struct CleanWatch {
    /// The levels' quantile since the first full frame, dBFS, and the frames it has seen.
    floor_db: Option<f32>,
    frames: u64,
    /// Frames in a row at the silence level, and frames since the last such run.
    quiet_run: u64,
    since_quiet: u64,
    /// Such a run has been seen since the first sound.
    quiet_seen: bool,
    /// The recent lowest level, dBFS: each frame's level, or the last value raised by
    /// [`RECENT_MIN_RELEASE_DB`], whichever is lower.
    recent_min_db: Option<f32>,
    /// The stream has shown noise of its own: nothing more to watch.
    noisy: bool,
}

impl CleanWatch {
    /// Adds the next frame after the first sound; returns the floor to lift the voicing
    /// floor to on the frame that shows the stream is not clean.
    fn push(&mut self, level_db: f32) -> Option<f32> {
        if self.noisy {
            return None;
        }
        self.frames += 1;
        self.recent_min_db = Some(
            self.recent_min_db
                .map_or(level_db, |m| level_db.min(m + RECENT_MIN_RELEASE_DB)),
        );
        self.floor_db = Some(track_quantile(
            self.floor_db,
            level_db,
            floor_step_db(self.frames),
            NOISE_QUANTILE,
        ));
        if level_db <= ABSOLUTE_SILENCE_DBFS {
            self.quiet_run += 1;
        } else {
            self.quiet_run = 0;
        }
        if self.quiet_run >= CLEAN_QUIET_RUN_FRAMES {
            self.since_quiet = 0;
            self.quiet_seen = true;
        } else {
            self.since_quiet += 1;
        }
        self.noisy = self.since_quiet >= CLEAN_PROOF_FRAMES;
        self.floor_db.filter(|_| self.noisy)
    }

    /// The recent lowest level while the stream has not yet shown a pause at the silence
    /// level nor noise of its own (None before the first sound and after either).
    fn recent_min_db(&self) -> Option<f32> {
        self.recent_min_db
            .filter(|_| !self.quiet_seen && !self.noisy)
    }
}

/// Turns frame measures into decisions. Pure state machine over frames.
#[derive(Debug)]
pub struct Tracker {
    frame: u64,
    /// Frames the activity floor has tracked since it started (its fast start counts
    /// from there, not from the first frame).
    speech_floor_frames: u64,
    /// Digital silence came before the first sound.
    leading_silence: bool,
    /// After leading silence: frames with sound seen before the activity floor starts,
    /// and the lowest level among them, dBFS.
    seed_frames: u64,
    seed_min_db: f32,
    /// Clearly periodic frames among them.
    seed_voiced_frames: u64,
    /// The steady noise those frames open with (see [`Opening`]).
    opening: Opening,
    /// Noise floor for voicing, dBFS (the plain [`NOISE_QUANTILE`] quantile).
    floor_db: Option<f32>,
    /// After leading silence, until the stream has shown noise of its own (see
    /// [`CLEAN_PROOF_FRAMES`]): whether it keeps proving clean.
    clean: CleanWatch,
    prev_f0_hz: f32,
    /// Ring of the last [`TRACKER_RING_FRAMES`] frames.
    ring: [Pending; TRACKER_RING_FRAMES],
    /// Segmenter.
    seg_start: Option<u64>,
    seg_last_active: u64,
    /// Last frame of the segment's soft tail (see [`EDGE_MIN_SNR_DB`]).
    seg_tail_end: u64,
    /// Running sum of (SNR - edge threshold) over the frames after the last active one,
    /// and its maximum, which was reached at `seg_tail_end`.
    seg_tail_sum: f32,
    seg_tail_best: f32,
    /// Noise between segments: its [`NOISE_QUANTILE`] quantile (the floor segment
    /// edges are measured against) and its median, dBFS (see [`Tracker::edge_snr_db`]).
    pause_floor_db: Option<f32>,
    pause_median_db: Option<f32>,
    /// Frames the pause quantiles have learned from.
    pause_frames: u64,
    /// SNR of the last [`ONSET_LOOKBACK_FRAMES`] decided frames (ring), for onsets.
    recent_snr: [f32; ONSET_LOOKBACK_FRAMES],
    /// Noise floor for activity, dBFS (see [`FLOOR_SPEECH_RATE`]).
    speech_floor_db: Option<f32>,
    seg_active_frames: usize,
    seg_confirmed: bool,
    /// Syllable peak picker.
    syl_rising: bool,
    syl_extreme_db: f32,
    syl_peak_frame: u64,
    syl_peak_voiced: bool,
    syl_started: bool,
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
            speech_floor_frames: 0,
            leading_silence: false,
            seed_frames: 0,
            seed_min_db: f32::INFINITY,
            opening: Opening::default(),
            seed_voiced_frames: 0,
            floor_db: None,
            clean: CleanWatch::default(),
            prev_f0_hz: 0.0,
            ring: [Pending::default(); TRACKER_RING_FRAMES],
            seg_start: None,
            seg_last_active: 0,
            seg_tail_end: 0,
            seg_tail_sum: 0.0,
            seg_tail_best: 0.0,
            pause_floor_db: None,
            pause_median_db: None,
            pause_frames: 0,
            recent_snr: [f32::NEG_INFINITY; ONSET_LOOKBACK_FRAMES],
            speech_floor_db: None,
            seg_active_frames: 0,
            seg_confirmed: false,
            syl_rising: false,
            syl_extreme_db: 0.0,
            syl_peak_frame: 0,
            syl_peak_voiced: false,
            syl_started: false,
        }
    }

    /// Whether a confirmed segment is open (speech is going on).
    pub fn speaking(&self) -> bool {
        self.seg_confirmed
    }

    /// Enough of the first frames after leading silence are clearly periodic (a voice, or
    /// babble passing for one) that the activity floor starts at most at
    /// [`ABSOLUTE_SILENCE_DBFS`]. The count stops once the floor has started, so this
    /// holds from then on; it is false without leading silence.
    fn voice_opening(&self) -> bool {
        self.seed_voiced_frames >= FLOOR_SEED_VOICED_FRAMES
    }

    /// Current noise floor estimate for speech activity, dBFS.
    pub fn floor_db(&self) -> f32 {
        self.speech_floor_db.unwrap_or(ABSOLUTE_SILENCE_DBFS)
    }

    /// Processes the next frame. `other_recent_peak_db` is the highest level of the other
    /// party's channel over the last [`ECHO_LOOKBACK_FRAMES`] (None in a mono call).
    pub fn step(&mut self, m: &FrameMeasure, other_recent_peak_db: Option<f32>) -> TrackerOutput {
        let level = m.level_db;
        // Quantile tracking: the floor settles where NOISE_QUANTILE of the frames lie
        // below it, which is the middle of the noise for typical shares of speech. Fast
        // during the first frames, so short files get a floor from their first pause.
        let mut floor = track_quantile(
            self.floor_db,
            level,
            floor_step_db(self.frame + 1),
            NOISE_QUANTILE,
        );
        self.floor_db = Some(floor);
        // The floor activity is measured against: speech pulls it up only slowly, so a
        // long turn does not lift it into the speech (which would cut the soft end of
        // the turn). Digital silence before the first sound (a capture started before
        // the call connects) must not set it, and neither may the first frames after
        // such silence, whose level windows still partly hold it: they read low by an
        // amount that depends on where the sound starts relative to the frame grid, and
        // from a floor seeded there the agent's room noise or echo would count as speech
        // until the slow rise caught up. After such silence it starts at the lowest level
        // of the first FLOOR_SEED_FRAMES frames whose windows hold sound from end to end
        // (the line's noise), at most at the absolute silence level if enough of them
        // are clearly periodic (a call that opens with speech must not start from the
        // speech). The voicing decision keeps the plain quantile, which is more cautious
        // in mostly voiced audio.
        let silent = level <= DIGITAL_SILENCE_DBFS;
        let speech_floor = match self.speech_floor_db {
            None if silent || m.partial => {
                self.leading_silence = true;
                None
            }
            None if self.leading_silence => {
                self.seed_frames += 1;
                self.seed_min_db = self.seed_min_db.min(level);
                let periodic = m
                    .yin
                    .candidates()
                    .first()
                    .filter(|c| c.cmndf < VOICING_MAX_CMNDF);
                if periodic.is_some() {
                    self.seed_voiced_frames += 1;
                }
                self.opening.push(level, periodic.map(|c| c.lag));
                (self.seed_frames >= FLOOR_SEED_FRAMES).then(|| {
                    if self.voice_opening() {
                        self.seed_min_db.min(ABSOLUTE_SILENCE_DBFS)
                    } else {
                        self.seed_min_db
                    }
                })
            }
            None => Some(level),
            Some(f) => {
                self.speech_floor_frames += 1;
                let speech_step = floor_step_db(self.speech_floor_frames);
                Some(if level > f + ACTIVITY_SNR_DB {
                    f + speech_step * NOISE_QUANTILE * FLOOR_SPEECH_RATE
                } else if level > f {
                    f + speech_step * NOISE_QUANTILE
                } else {
                    f - speech_step * (1.0 - NOISE_QUANTILE)
                })
            }
        };
        // After a voice opening the activity floor starts at most at the absolute silence
        // level. Periodic babble can pass for a voice there (c002's agent room, at
        // -38 dBFS), and would count as speech until the slow rise caught up. A voice
        // dips between its words to the line's noise; so until the stream first falls to
        // the silence level for a while, the floor stays at least a margin under its
        // recent lowest level.
        let speech_floor = match (speech_floor, self.clean.recent_min_db()) {
            (Some(f), Some(low)) if self.voice_opening() && self.speech_floor_db.is_some() => {
                Some(f.max(low - VOICE_OPENING_FLOOR_MARGIN_DB))
            }
            (f, _) => f,
        };
        // The voicing floor's quantile climbs slowly from the silence, which keeps soft
        // voice voiced in clean recordings; but steady noise after the silence (mains
        // hum, line noise) must not pass for voice meanwhile. While such an opening is
        // being seeded, the floor is at least just under its lowest level, and the
        // quantile starts from that level once the activity floor does.
        let opening = self.leading_silence && self.speech_floor_db.is_none();
        if opening
            && speech_floor.is_some()
            && let Some(noise) = self.opening.settled_noise_db()
        {
            floor = floor.max(noise);
            self.floor_db = Some(floor);
        }
        // A stream that keeps no pause at the silence level for seconds is not clean:
        // its voicing floor jumps to where it would be had the stream started with its
        // first sound, instead of climbing from the silence for tens of seconds while
        // babble or line noise in the pauses passes for voice. (`seed_frames` counts from
        // the first frame after the silence whose window holds sound from end to end.)
        if self.leading_silence
            && self.seed_frames > 0
            && let Some(noise) = self.clean.push(level)
        {
            floor = floor.max(noise);
            self.floor_db = Some(floor);
        }
        // A frame whose level window still partly holds the leading silence is never
        // voiced: it reads low, and hum voiced there would be carried on into the
        // steady frames after it as a continuation.
        let voicing_floor = if m.partial {
            f32::INFINITY
        } else if let Some(noise) = self.opening.noise_db().filter(|_| opening && !silent) {
            floor.max(noise - OPENING_FLOOR_MARGIN_DB)
        } else {
            floor
        };
        self.speech_floor_db = speech_floor;
        let speech_floor = speech_floor.unwrap_or(ABSOLUTE_SILENCE_DBFS);
        let speech_snr = level - speech_floor;

        let snr = level - voicing_floor;
        let echo = other_recent_peak_db.is_some_and(|p| level < p - ECHO_MARGIN_DB);
        let loud_enough = level > ABSOLUTE_SILENCE_DBFS && !echo;

        let best = m.yin.candidates().first().copied();
        // Loud frames may be less periodic and still voiced (F0 moving inside the
        // window, breathy voice); quiet ones must be clearly periodic, which keeps hum and
        // babble in pauses unvoiced.
        let loudness = ((snr - VOICING_MIN_SNR_DB) / (VOICING_LOUD_SNR_DB - VOICING_MIN_SNR_DB))
            .clamp(0.0, 1.0);
        let max_cmndf = VOICING_MAX_CMNDF + loudness * (VOICING_MAX_CMNDF_LOUD - VOICING_MAX_CMNDF);
        let clear =
            loud_enough && snr > VOICING_MIN_SNR_DB && best.is_some_and(|c| c.cmndf < max_cmndf);
        let may_extend = loud_enough && snr > VOICING_EXTEND_MIN_SNR_DB;
        let mut f0_hz = if clear { self.choose_f0(&m.yin) } else { 0.0 };
        let prev = self.frame.checked_sub(1).map(|k| self.ring[Self::slot(k)]);
        if let Some(prev) = prev
            && !clear
            && may_extend
            && prev.f0_hz > 0.0
            && level > prev.level_db - VOICING_EXTEND_MAX_DROP_DB
        {
            f0_hz = continuation(&m.yin, prev.f0_hz);
        }
        self.prev_f0_hz = f0_hz;
        let raw_active = loud_enough && speech_snr > ACTIVITY_SNR_DB;
        // The noise between segments: frames without speech or echo while no segment
        // is open. Inside a turn the pauses between words carry the speaker's room
        // sound, a few dB above the line noise; learning from them would lift the
        // floor into that sound and cut the end of each turn at the last loud word.
        // The distance from the floor to the median is the noise's spread: a fraction
        // of a dB for line noise, several dB for babble.
        let noise = self.speech_floor_db.is_some()
            && !silent
            && !raw_active
            && !echo
            && self.seg_start.is_none();
        if noise {
            self.pause_frames += 1;
            let step = floor_step_db(self.pause_frames);
            self.pause_floor_db = Some(track_quantile(
                self.pause_floor_db,
                level,
                step,
                NOISE_QUANTILE,
            ));
            self.pause_median_db = Some(track_quantile(self.pause_median_db, level, step, 0.5));
        }
        let edge_snr = level - self.pause_floor_db.unwrap_or(speech_floor);

        // Vowels are both loud and periodic; the dips between them (consonants,
        // transitions) lose periodicity before they lose level, so weighting the level
        // by periodicity deepens them.
        let periodicity = m
            .yin
            .candidates()
            .iter()
            .map(|c| c.nccf)
            .fold(0.0f32, f32::max)
            .max(SYLLABLE_PERIODICITY_FLOOR);
        let sonority_db = level + SYLLABLE_PERIODICITY_WEIGHT_DB * periodicity.log10();
        self.ring[Self::slot(self.frame)] = Pending {
            sonority_db,
            level_db: level,
            raw_active,
            snr_db: if echo { f32::NEG_INFINITY } else { edge_snr },
            f0_hz,
            clear,
            may_extend,
            yin: m.yin,
        };
        if clear && prev.is_some_and(|p| p.f0_hz == 0.0) {
            self.extend_back(f0_hz);
        }
        self.frame += 1;

        // Only frames close to the noise floor teach the front end the noise: the soft
        // start of speech before it counts as active is not noise.
        let noise_like = noise
            && self
                .pause_floor_db
                .is_some_and(|f| level < f + NOISE_LEARN_MARGIN_DB);
        let mut out = TrackerOutput {
            noise: noise_like,
            ..TrackerOutput::default()
        };
        let half = DECISION_DELAY_FRAMES as u64;
        if self.frame > half {
            let decided = self.frame - 1 - half;
            let decision = self.decide(decided);
            self.segment(&decision, &mut out);
            self.syllable(&decision, &mut out);
            out.decision = Some(decision);
        }
        out
    }

    /// Decides the frames still in the delay line at the end of the stream.
    pub fn finish(&mut self, mut emit: impl FnMut(TrackerOutput)) {
        let half = DECISION_DELAY_FRAMES as u64;
        let first = self.frame.saturating_sub(half);
        for decided in first..self.frame {
            let mut out = TrackerOutput::default();
            let decision = self.decide(decided);
            self.segment(&decision, &mut out);
            self.syllable(&decision, &mut out);
            out.decision = Some(decision);
            emit(out);
        }
        let mut out = TrackerOutput::default();
        self.close_segment(&mut out);
        emit(out);
    }

    fn slot(frame: u64) -> usize {
        (frame % TRACKER_RING_FRAMES as u64) as usize
    }

    /// A voiced stretch starts at the newest frame: extends it back over the frames not
    /// yet decided while they continue its F0 (the onset of a voice is often less
    /// periodic than its first clear frame).
    fn extend_back(&mut self, f0_hz: f32) {
        let mut next_f0 = f0_hz;
        let mut next_level = self.ring[Self::slot(self.frame)].level_db;
        let oldest = self.frame.saturating_sub(DECISION_DELAY_FRAMES as u64);
        for k in (oldest..self.frame).rev() {
            let p = &mut self.ring[Self::slot(k)];
            if p.f0_hz > 0.0
                || !p.may_extend
                || p.level_db <= next_level - VOICING_EXTEND_BACK_MAX_DROP_DB
            {
                break;
            }
            let f0 = continuation(&p.yin, next_f0);
            if f0 == 0.0 {
                break;
            }
            p.f0_hz = f0;
            next_f0 = f0;
            next_level = p.level_db;
        }
    }

    /// Picks the candidate period closest to the previous frame's F0 when it is nearly
    /// as periodic as YIN's choice, which avoids octave jumps inside a voiced stretch.
    fn choose_f0(&self, yin: &YinFrame) -> f32 {
        let cands = yin.candidates();
        let Some(first) = cands.first() else {
            return 0.0;
        };
        let mut chosen = *first;
        if self.prev_f0_hz > 0.0 {
            let prev_lag = ANALYSIS_RATE_HZ as f32 / self.prev_f0_hz;
            let distance = |lag: f32| (lag / prev_lag).ln().abs();
            if distance(chosen.lag) > 0.3 {
                for c in &cands[1..] {
                    if distance(c.lag) < 0.15 && c.cmndf < chosen.cmndf + 0.15 {
                        chosen = *c;
                        break;
                    }
                }
            }
        }
        ANALYSIS_RATE_HZ as f32 / chosen.lag
    }

    /// Final decision for frame `decided`: median-smoothed F0 over its neighbours that
    /// exist; the median is taken over voiced neighbours only, and only when the frame
    /// itself is voiced.
    fn decide(&self, decided: u64) -> FrameDecision {
        let centre = self.ring[Self::slot(decided)];
        let mut f0_hz = 0.0;
        if centre.f0_hz > 0.0 {
            let half = (F0_MEDIAN_FRAMES / 2) as u64;
            let mut values = [0.0f32; F0_MEDIAN_FRAMES];
            let mut n = 0;
            let lo = decided.saturating_sub(half);
            let hi = (decided + half).min(self.frame - 1);
            for k in lo..=hi {
                let p = self.ring[Self::slot(k)];
                if p.f0_hz > 0.0 {
                    values[n] = p.f0_hz;
                    n += 1;
                }
            }
            let values = &mut values[..n];
            values.sort_by(f32::total_cmp);
            f0_hz = values[n / 2];
        }
        FrameDecision {
            frame: decided,
            level_db: centre.level_db,
            active: centre.raw_active,
            snr_db: centre.snr_db,
            f0_hz,
            sonority_db: centre.sonority_db,
            clearly_voiced: centre.clear,
        }
    }

    /// Threshold of the soft end of a segment above the pause floor, dB: a few
    /// spreads of the noise, so that line noise lets a soft ending or the speaker's
    /// room sound (2-6 dB above it) extend a segment and babble does not.
    fn edge_snr_db(&self) -> f32 {
        let spread = match (self.pause_median_db, self.pause_floor_db) {
            (Some(m), Some(f)) => (m - f).max(0.0),
            _ => 0.0,
        };
        EDGE_MIN_SNR_DB.max(EDGE_SPREAD_FACTOR * spread)
    }

    /// A frame's contribution to the tail sum: its SNR less the edge threshold, with
    /// echo counting as far below.
    fn edge_score(&self, snr_db: f32) -> f32 {
        snr_db.clamp(-ACTIVITY_SNR_DB, ACTIVITY_SNR_DB) - self.edge_snr_db()
    }

    fn segment(&mut self, d: &FrameDecision, out: &mut TrackerOutput) {
        let slot = (d.frame % ONSET_LOOKBACK_FRAMES as u64) as usize;
        if d.active {
            if self.seg_start.is_none() {
                self.seg_start = Some(self.onset(d.frame));
                self.seg_active_frames = 0;
                self.seg_confirmed = false;
            }
            self.seg_last_active = d.frame;
            self.seg_tail_end = d.frame;
            self.seg_tail_sum = 0.0;
            self.seg_tail_best = 0.0;
            self.seg_active_frames += 1;
            if !self.seg_confirmed && self.seg_active_frames >= MIN_SPEECH_FRAMES {
                self.seg_confirmed = true;
                out.segment_opened = self.seg_start;
            }
        } else if self.seg_start.is_some() {
            // The tail of a confirmed segment ends where the sum of (SNR - threshold)
            // since the last active frame peaks: it runs over a soft ending that stays
            // above the noise on average, however it flickers, and stops where the
            // level returns to the noise for good.
            if self.seg_confirmed && d.frame - self.seg_last_active <= TAIL_MAX_FRAMES {
                self.seg_tail_sum += self.edge_score(d.snr_db);
                if self.seg_tail_sum > self.seg_tail_best {
                    self.seg_tail_best = self.seg_tail_sum;
                    self.seg_tail_end = d.frame;
                }
            }
            // A burst too short to confirm (a click, a swell of babble) is forgotten
            // after a shorter pause, so speech that follows starts where it starts.
            let pause = d.frame - self.seg_tail_end.max(self.seg_last_active);
            let max_pause = if self.seg_confirmed {
                MIN_PAUSE_FRAMES
            } else {
                UNCONFIRMED_PAUSE_FRAMES
            };
            if pause >= max_pause as u64 {
                self.close_segment(out);
            }
        }
        self.recent_snr[slot] = if d.active { f32::INFINITY } else { d.snr_db };
    }

    /// Start of a segment whose first active frame is `first`: moved back over the run
    /// of frames just before it that stay above the edge threshold (a soft onset). The
    /// first frame back at the noise ends the run: a swell of babble a few frames before
    /// the voice starts is not its onset, however loud.
    fn onset(&self, first: u64) -> u64 {
        let mut start = first;
        for back in 1..=(ONSET_LOOKBACK_FRAMES as u64).min(first) {
            let k = first - back;
            let snr = self.recent_snr[(k % ONSET_LOOKBACK_FRAMES as u64) as usize];
            if snr == f32::INFINITY || self.edge_score(snr) < 0.0 {
                break;
            }
            start = k;
        }
        start
    }

    fn close_segment(&mut self, out: &mut TrackerOutput) {
        if let Some(start) = self.seg_start.take() {
            if self.seg_confirmed {
                out.segment_closed = Some(SegmentFrames {
                    start,
                    end: self.seg_tail_end.max(self.seg_last_active),
                });
            }
            self.seg_confirmed = false;
            self.seg_active_frames = 0;
        }
    }

    /// Hysteresis peak picker on the sonority contour: a peak counts when the level has fallen
    /// [`SYLLABLE_DIP_DB`] below it and it rose that much from the previous dip.
    fn syllable(&mut self, d: &FrameDecision, out: &mut TrackerOutput) {
        let level = d.sonority_db;
        if !self.syl_started {
            self.syl_started = true;
            self.syl_rising = false;
            self.syl_extreme_db = level;
            return;
        }
        if self.syl_rising {
            if level > self.syl_extreme_db {
                self.syl_extreme_db = level;
                self.syl_peak_frame = d.frame;
                self.syl_peak_voiced = d.clearly_voiced && d.active;
            } else if level < self.syl_extreme_db - SYLLABLE_DIP_DB {
                if self.syl_peak_voiced {
                    out.syllable = Some(self.syl_peak_frame);
                }
                self.syl_rising = false;
                self.syl_extreme_db = level;
            }
        } else if level < self.syl_extreme_db {
            self.syl_extreme_db = level;
        } else if level > self.syl_extreme_db + SYLLABLE_DIP_DB {
            self.syl_rising = true;
            self.syl_extreme_db = level;
            self.syl_peak_frame = d.frame;
            self.syl_peak_voiced = d.clearly_voiced && d.active;
        }
    }
}

/// Step of a noise-floor quantile tracker that has seen `frames` frames, dB: eight times
/// [`FLOOR_STEP_DB`] during the first [`FLOOR_FAST_FRAMES`], so short files get a floor
/// from their first pause.
fn floor_step_db(frames: u64) -> f32 {
    if frames <= FLOOR_FAST_FRAMES {
        FLOOR_STEP_DB * 8.0
    } else {
        FLOOR_STEP_DB
    }
}

/// One step of a quantile tracker at `q` (None before the first frame, which sets it):
/// up by `step × quantile` when `level` lies above it, down by `step × (1 − quantile)`
/// otherwise, so it settles where that share of the levels lies below it.
fn track_quantile(q: Option<f32>, level: f32, step: f32, quantile: f32) -> f32 {
    match q {
        None => level,
        Some(q) if level > q => q + step * quantile,
        Some(q) => q - step * (1.0 - quantile),
    }
}

/// The candidate of `yin` continuing a voiced neighbour at `f0_hz`: the most periodic one
/// within [`VOICING_EXTEND_MAX_STEP`] of it and below [`VOICING_EXTEND_MAX_CMNDF`]; 0 if
/// none.
fn continuation(yin: &YinFrame, f0_hz: f32) -> f32 {
    let lag = ANALYSIS_RATE_HZ as f32 / f0_hz;
    yin.candidates()
        .iter()
        .filter(|c| {
            c.cmndf < VOICING_EXTEND_MAX_CMNDF && (c.lag / lag).ln().abs() < VOICING_EXTEND_MAX_STEP
        })
        .min_by(|a, b| a.cmndf.total_cmp(&b.cmndf))
        .map_or(0.0, |c| ANALYSIS_RATE_HZ as f32 / c.lag)
}
