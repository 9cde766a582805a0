//! Two-speaker diarization of a mono call: which of two voices speaks in each 10 ms frame
//! of a single mixed channel. Pure code, like the rest of the engine.
//!
//! The engine's own pass over the channel gives, per frame, the activity decision, F0,
//! level and the mel cepstra of the spectral envelope ([`MonoFrame`]), and the stretches
//! of speech. From those:
//! 1. Speech is cut into blocks of about a second; the blocks are split into two groups
//!    by k-means on their mean cepstra, level and median log-F0 (standardised).
//! 2. Each group gets a model: a diagonal Gaussian mixture of its frames' cepstra and
//!    level, and a Gaussian of its voiced frames' log-F0 ([`model`]).
//! 3. A Viterbi pass over each stretch of speech ([`viterbi`]) labels every frame with a
//!    voice: a change of voice inside continuous speech costs much more than one across
//!    a pause, and a voice holds the floor for at least [`MIN_RUN_FRAMES`] after a change
//!    inside speech, so turns are not chopped. Models and labels are re-estimated
//!    [`ROUNDS`] times.
//! 4. A change of voice inside a stretch is moved to the pause next to it, if any: the
//!    reply gap is the silence between the voices.
//!
//! Memory: the frames are kept for the whole call ([`MonoFrame`] is 36 bytes per 10 ms,
//! 130 MB for ten hours); the models train on at most [`MAX_TRAIN_FRAMES`] frames each;
//! the Viterbi pass keeps one bit per frame and voice of the longest stretch of speech.

mod model;
mod viterbi;

use crate::agents::VoicePrint;
use crate::agents::cepstrum::CEPSTRA;

use model::{Gmm, LogF0Model};

/// Scale of the cepstra stored in a [`MonoFrame`] (units per cepstral unit).
pub const CEPSTRA_SCALE: f32 = 256.0;
/// Power iterations for the principal axis of the blocks.
const PRINCIPAL_AXIS_ITERATIONS: usize = 50;
/// k-means iterations at most.
const KMEANS_ITERATIONS: usize = 20;
/// Frames of a block for the first split, about 1 s.
pub const BLOCK_FRAMES: usize = 100;
/// A stretch's last block is merged with the one before when shorter than this.
pub const MIN_BLOCK_FRAMES: usize = 40;
/// After a change of voice inside continuous speech, the new voice holds the floor for
/// at least this many frames (0.3 s).
pub const MIN_RUN_FRAMES: usize = 30;
/// Cost of a change of voice inside continuous speech, nats.
pub const SWITCH_IN_SPEECH_COST: f32 = 12.0;
/// Cost of a change of voice across a pause (between two stretches of speech), nats.
pub const SWITCH_AT_PAUSE_COST: f32 = 1.0;
/// Weight of each frame's log-likelihood ratio in the Viterbi pass: neighbouring frames
/// overlap (25 ms windows every 10 ms), so their evidence is not independent.
pub const FRAME_EVIDENCE_WEIGHT: f32 = 0.2;
/// Weight of a frame's log-likelihood ratio in its posterior for the separation measure
/// (see [`Diarization::confidence`]).
pub const SEPARATION_EVIDENCE_WEIGHT: f32 = 0.5;
/// Estimation rounds: models from labels, labels from models.
pub const ROUNDS: usize = 3;
/// Gaussians per voice model.
pub const MIXTURE_COMPONENTS: usize = 6;
/// EM iterations per model fit.
pub const EM_ITERATIONS: usize = 5;
/// Frames a model trains on at most (evenly spaced over the voice's frames).
pub const MAX_TRAIN_FRAMES: usize = 6000;
/// A change of voice inside a stretch moves to a pause (inactive frames) at most this
/// many frames away.
pub const PAUSE_SNAP_FRAMES: usize = 25;
/// The call holds one voice when the frames' evidence separates the two groups less than
/// this (see [`Diarization::confidence`]). On the corpus one voice split in two gives
/// 0.32–0.48 (single channels of its calls), two voices 0.44–0.65 (its mono calls): the
/// ranges overlap, and the threshold favours finding two voices ...
pub const ONE_VOICE_MAX_SEPARATION: f64 = 0.43;
/// ... or when the smaller group holds less than this share of the speech.
pub const ONE_VOICE_MAX_MINOR_SHARE: f64 = 0.05;
/// Speech needed before two voices are looked for, s: with less, neither voice has
/// enough frames for a model of its own, and a short recording of one voice (a prompt, a
/// test file) would be split into two.
pub const MIN_SPEECH_S: f64 = 8.0;
/// Confidence given to the agent rule (the voice that opens the call is the agent's):
/// a convention of inbound calls, not a measurement.
pub const OPENER_RULE_CONFIDENCE: f64 = 0.5;

/// What the engine's pass measured on one frame of a mono call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonoFrame {
    /// F0, Hz; 0 when unvoiced.
    pub f0_hz: f32,
    /// Level, dBFS.
    pub level_db: f32,
    /// Mel cepstra c1..=c12 times [`CEPSTRA_SCALE`] (zeros without [`MonoFrame::CEPSTRA`]).
    pub cepstra: [i16; CEPSTRA],
    /// [`MonoFrame::ACTIVE`], [`MonoFrame::CEPSTRA`], [`MonoFrame::SYLLABLE`].
    pub flags: u8,
}

impl MonoFrame {
    /// The activity decision said speech.
    pub const ACTIVE: u8 = 1;
    /// The cepstra were computed.
    pub const CEPSTRA: u8 = 2;
    /// A syllable nucleus peaks here.
    pub const SYLLABLE: u8 = 4;

    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Stores `c` (scaled and clamped to i16).
    pub fn set_cepstra(&mut self, c: &[f32; CEPSTRA]) {
        for (q, &x) in self.cepstra.iter_mut().zip(c) {
            *q = (x * CEPSTRA_SCALE)
                .round()
                .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
        }
        self.flags |= Self::CEPSTRA;
    }

    /// The stored cepstra, in cepstral units.
    pub fn cepstra_f32(&self) -> [f32; CEPSTRA] {
        self.cepstra.map(|q| f32::from(q) / CEPSTRA_SCALE)
    }
}

/// Who a frame is given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Voice {
    /// Nobody (not speech).
    #[default]
    None,
    /// The agent.
    Agent,
    /// The other voice.
    Customer,
}

/// How many voices the call was found to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicesFound {
    /// Two voices: agent and customer.
    Two,
    /// One voice only (or too little speech to find two).
    One,
    /// No speech at all.
    None,
}

/// How the agent's voice was told from the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentIdentifiedBy {
    /// The enrolled agent's voice print.
    VoicePrint,
    /// The rule: the voice that opens the call.
    Rule,
}

/// The outcome of diarizing one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Diarization {
    /// The voice of each frame.
    pub labels: Vec<Voice>,
    /// How many voices were found.
    pub voices: VoicesFound,
    /// How clearly the two voices are told apart, 0–1: twice the mean, over speech frames,
    /// of the posterior of the likelier voice given the frame's own evidence, less one
    /// (0: the frames cannot tell the voices apart; 1: every frame clearly can).
    pub confidence: f64,
    /// How the agent was identified (with two voices).
    pub agent_identified_by: Option<AgentIdentifiedBy>,
    /// How sure that identification is, 0–1.
    pub agent_confidence: Option<f64>,
    /// Distance of the two voices' prints (Bhattacharyya), when two groups were formed.
    pub voice_distance: Option<f64>,
    /// Distances of the agent's print to the agent's and the other voice's group.
    pub print_distances: Option<(f64, f64)>,
}

/// A stretch of speech `[start, end]` in frames (inclusive), as the engine's segmenter
/// found it.
pub type Stretch = (u64, u64);

/// Diarizes `frames` whose speech lies in `stretches` (sorted, not overlapping). With
/// `agent_print`, the voice closer to it is the agent's; else the voice that speaks
/// first.
pub fn diarize(
    frames: &[MonoFrame],
    stretches: &[Stretch],
    agent_print: Option<&VoicePrint>,
) -> Diarization {
    let mut labels = vec![Voice::None; frames.len()];
    let stretches: Vec<(usize, usize)> = stretches
        .iter()
        .filter_map(|&(s, e)| {
            let (s, e) = (s as usize, e as usize);
            (s <= e && e < frames.len()).then_some((s, e))
        })
        .collect();
    let speech_frames: usize = stretches.iter().map(|(s, e)| e - s + 1).sum();
    let one_voice = |labels: &mut Vec<Voice>, voices| {
        for &(s, e) in &stretches {
            labels[s..=e].fill(Voice::Agent);
        }
        Diarization {
            labels: std::mem::take(labels),
            voices,
            confidence: 1.0,
            agent_identified_by: None,
            agent_confidence: None,
            voice_distance: None,
            print_distances: None,
        }
    };
    if speech_frames == 0 {
        return one_voice(&mut labels, VoicesFound::None);
    }
    if (speech_frames as f64) * crate::analysis::settings::HOP_S < MIN_SPEECH_S {
        return one_voice(&mut labels, VoicesFound::One);
    }
    let norm = Normaliser::new(frames, &stretches);
    // 1. Blocks, split in two.
    let blocks = blocks(&stretches);
    let block_features: Vec<Vec<f32>> = blocks
        .iter()
        .map(|&(s, e)| norm.block_features(&frames[s..=e]))
        .collect();
    let groups = two_means(&block_features);
    // 2-3. Models and Viterbi labels, re-estimated.
    let mut side = vec![0u8; frames.len()];
    for (&(s, e), &g) in blocks.iter().zip(&groups) {
        side[s..=e].fill(g);
    }
    let mut llr = vec![0.0f32; frames.len()];
    for _ in 0..ROUNDS {
        let models = [0u8, 1].map(|g| VoiceModel::fit(frames, &stretches, &side, g, &norm));
        for &(s, e) in &stretches {
            for k in s..=e {
                llr[k] = models[0].log_likelihood(&frames[k], &norm)
                    - models[1].log_likelihood(&frames[k], &norm);
            }
        }
        viterbi::label(&llr, &stretches, &mut side);
    }
    let share0 = stretches
        .iter()
        .flat_map(|&(s, e)| s..=e)
        .filter(|&k| side[k] == 0)
        .count() as f64
        / speech_frames as f64;
    let prints = [0u8, 1].map(|g| group_print(frames, &stretches, &side, g));
    let distance = prints[0].distance(&prints[1]);
    let confidence = separation(&llr, &stretches);
    if confidence < ONE_VOICE_MAX_SEPARATION || share0.min(1.0 - share0) < ONE_VOICE_MAX_MINOR_SHARE
    {
        let mut d = one_voice(&mut labels, VoicesFound::One);
        d.voice_distance = Some(distance);
        d.confidence = confidence;
        return d;
    }
    // 4. Changes inside a stretch move to the pause beside them.
    let mut voice_of = snap_to_pauses(frames, &stretches, &side);
    // Which group is the agent's.
    let (agent_group, by, agent_confidence, print_distances) = match agent_print {
        Some(print) => {
            let d0 = print.distance(&prints[0]);
            let d1 = print.distance(&prints[1]);
            let agent = if d0 <= d1 { 0 } else { 1 };
            let (near, far) = if agent == 0 { (d0, d1) } else { (d1, d0) };
            // Closer by a margin as large as the voices' own distance: sure.
            let confidence = ((far - near) / distance.max(1e-9)).clamp(0.0, 1.0);
            (
                agent,
                AgentIdentifiedBy::VoicePrint,
                0.5 + 0.5 * confidence,
                Some((near, far)),
            )
        }
        None => {
            let opener = stretches
                .iter()
                .flat_map(|&(s, e)| s..=e)
                .find_map(|k| voice_of[k])
                .unwrap_or(0);
            (
                opener,
                AgentIdentifiedBy::Rule,
                OPENER_RULE_CONFIDENCE,
                None,
            )
        }
    };
    for (label, v) in labels.iter_mut().zip(voice_of.iter_mut()) {
        *label = match v.take() {
            Some(g) if g == agent_group => Voice::Agent,
            Some(_) => Voice::Customer,
            None => Voice::None,
        };
    }
    Diarization {
        labels,
        voices: VoicesFound::Two,
        confidence,
        agent_identified_by: Some(by),
        agent_confidence: Some(agent_confidence),
        voice_distance: Some(distance),
        print_distances,
    }
}

/// Per-dimension mean and spread of the speech frames' features, to standardise them.
#[derive(Debug, Clone)]
struct Normaliser {
    mean: [f32; FEATURES],
    inv_std: [f32; FEATURES],
    log_f0_mean: f32,
    log_f0_inv_std: f32,
}

/// Model features per frame: the cepstra and the level.
pub(crate) const FEATURES: usize = CEPSTRA + 1;

impl Normaliser {
    fn new(frames: &[MonoFrame], stretches: &[(usize, usize)]) -> Self {
        let mut n = 0.0f64;
        let mut sum = [0.0f64; FEATURES];
        let mut sum_sq = [0.0f64; FEATURES];
        let (mut nf, mut sf, mut qf) = (0.0f64, 0.0f64, 0.0f64);
        for &(s, e) in stretches {
            for f in &frames[s..=e] {
                if let Some(x) = raw_features(f) {
                    n += 1.0;
                    for ((a, b), &v) in sum.iter_mut().zip(&mut sum_sq).zip(&x) {
                        *a += f64::from(v);
                        *b += f64::from(v) * f64::from(v);
                    }
                }
                if f.f0_hz > 0.0 {
                    let l = f64::from(f.f0_hz.ln());
                    nf += 1.0;
                    sf += l;
                    qf += l * l;
                }
            }
        }
        let mut mean = [0.0; FEATURES];
        let mut inv_std = [1.0; FEATURES];
        if n > 1.0 {
            for i in 0..FEATURES {
                let m = sum[i] / n;
                let var = (sum_sq[i] / n - m * m).max(1e-6);
                mean[i] = m as f32;
                inv_std[i] = (1.0 / var.sqrt()) as f32;
            }
        }
        let (log_f0_mean, log_f0_inv_std) = if nf > 1.0 {
            let m = sf / nf;
            let var = (qf / nf - m * m).max(1e-4);
            (m as f32, (1.0 / var.sqrt()) as f32)
        } else {
            (0.0, 1.0)
        };
        Self {
            mean,
            inv_std,
            log_f0_mean,
            log_f0_inv_std,
        }
    }

    /// Standardised model features of a frame with cepstra.
    fn features(&self, f: &MonoFrame) -> Option<[f32; FEATURES]> {
        let mut x = raw_features(f)?;
        for ((v, m), s) in x.iter_mut().zip(&self.mean).zip(&self.inv_std) {
            *v = (*v - m) * s;
        }
        Some(x)
    }

    /// Standardised log-F0 of a voiced frame.
    fn log_f0(&self, f: &MonoFrame) -> Option<f32> {
        (f.f0_hz > 0.0).then(|| (f.f0_hz.ln() - self.log_f0_mean) * self.log_f0_inv_std)
    }

    /// A block's mean features and median log-F0 (0, the call's mean, when it has too
    /// few voiced frames).
    fn block_features(&self, frames: &[MonoFrame]) -> Vec<f32> {
        let mut sum = [0.0f32; FEATURES];
        let mut n = 0.0f32;
        let mut f0s = Vec::new();
        for f in frames {
            if let Some(x) = self.features(f) {
                for (a, v) in sum.iter_mut().zip(&x) {
                    *a += v;
                }
                n += 1.0;
            }
            f0s.extend(self.log_f0(f));
        }
        let mut out: Vec<f32> = sum.iter().map(|s| s / n.max(1.0)).collect();
        let f0 = if f0s.len() >= 10 {
            crate::analysis::band::median_f32(&mut f0s).unwrap_or(0.0)
        } else {
            0.0
        };
        out.push(f0);
        out
    }
}

/// Cepstra and level of a frame whose cepstra were computed.
fn raw_features(f: &MonoFrame) -> Option<[f32; FEATURES]> {
    if !f.has(MonoFrame::CEPSTRA) {
        return None;
    }
    let mut x = [0.0; FEATURES];
    x[..CEPSTRA].copy_from_slice(&f.cepstra_f32());
    x[CEPSTRA] = f.level_db;
    Some(x)
}

/// Blocks of about [`BLOCK_FRAMES`] covering each stretch.
fn blocks(stretches: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for &(s, e) in stretches {
        let len = e - s + 1;
        let count = (len / BLOCK_FRAMES).max(1);
        let count = if len % BLOCK_FRAMES >= MIN_BLOCK_FRAMES && len > BLOCK_FRAMES {
            count + 1
        } else {
            count
        };
        for i in 0..count {
            let a = s + len * i / count;
            let b = s + len * (i + 1) / count - 1;
            out.push((a, b));
        }
    }
    out
}

/// Splits `points` into two groups by k-means, started from the split of the points
/// along their principal axis (each side of the mean). Returns 0 or 1 per point.
fn two_means(points: &[Vec<f32>]) -> Vec<u8> {
    let dims = points.first().map_or(0, Vec::len);
    let n = points.len().max(1) as f32;
    let dist =
        |a: &[f32], b: &[f32]| -> f32 { a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum() };
    let mut mean = vec![0.0f32; dims];
    for p in points {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += v / n;
        }
    }
    // Principal axis by power iteration on the covariance.
    let mut cov = vec![0.0f32; dims * dims];
    for p in points {
        for i in 0..dims {
            for j in 0..dims {
                cov[i * dims + j] += (p[i] - mean[i]) * (p[j] - mean[j]) / n;
            }
        }
    }
    let mut axis = vec![1.0f32; dims];
    for _ in 0..PRINCIPAL_AXIS_ITERATIONS {
        let mut next = vec![0.0f32; dims];
        for (i, v) in next.iter_mut().enumerate() {
            *v = (0..dims).map(|j| cov[i * dims + j] * axis[j]).sum();
        }
        let norm = next.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm <= f32::EPSILON {
            break;
        }
        axis = next.iter().map(|v| v / norm).collect();
    }
    let mut groups: Vec<u8> = points
        .iter()
        .map(|p| {
            let proj: f32 = p
                .iter()
                .zip(&mean)
                .zip(&axis)
                .map(|((x, m), a)| (x - m) * a)
                .sum();
            u8::from(proj > 0.0)
        })
        .collect();
    let mut centres = [mean.clone(), mean];
    for _ in 0..KMEANS_ITERATIONS {
        for (c, centre) in centres.iter_mut().enumerate() {
            let mut sum = vec![0.0f32; dims];
            let mut count = 0.0f32;
            for (p, _) in points
                .iter()
                .zip(&groups)
                .filter(|(_, g)| usize::from(**g) == c)
            {
                for (s, v) in sum.iter_mut().zip(p) {
                    *s += v;
                }
                count += 1.0;
            }
            if count > 0.0 {
                *centre = sum.iter().map(|s| s / count).collect();
            }
        }
        let mut changed = false;
        for (g, p) in groups.iter_mut().zip(points) {
            let new = u8::from(dist(p, &centres[1]) < dist(p, &centres[0]));
            changed |= new != *g;
            *g = new;
        }
        if !changed {
            break;
        }
    }
    groups
}

/// One voice's model: a mixture over its frames' features and a Gaussian of its log-F0.
#[derive(Debug, Clone)]
struct VoiceModel {
    gmm: Gmm,
    f0: LogF0Model,
}

impl VoiceModel {
    fn fit(
        frames: &[MonoFrame],
        stretches: &[(usize, usize)],
        side: &[u8],
        group: u8,
        norm: &Normaliser,
    ) -> Self {
        let members: Vec<usize> = stretches
            .iter()
            .flat_map(|&(s, e)| s..=e)
            .filter(|&k| side[k] == group)
            .collect();
        let step = members.len().div_ceil(MAX_TRAIN_FRAMES).max(1);
        let data: Vec<[f32; FEATURES]> = members
            .iter()
            .step_by(step)
            .filter_map(|&k| norm.features(&frames[k]))
            .collect();
        let f0s: Vec<f32> = members
            .iter()
            .filter_map(|&k| norm.log_f0(&frames[k]))
            .collect();
        Self {
            gmm: Gmm::fit(&data, MIXTURE_COMPONENTS, EM_ITERATIONS),
            f0: LogF0Model::fit(&f0s),
        }
    }

    fn log_likelihood(&self, f: &MonoFrame, norm: &Normaliser) -> f32 {
        let mut ll = 0.0;
        if let Some(x) = norm.features(f) {
            ll += self.gmm.log_likelihood(&x);
        }
        if let Some(l) = norm.log_f0(f) {
            ll += self.f0.log_likelihood(l);
        }
        ll
    }
}

/// The voice print (cepstral Gaussian) of a group's active frames.
fn group_print(
    frames: &[MonoFrame],
    stretches: &[(usize, usize)],
    side: &[u8],
    group: u8,
) -> VoicePrint {
    let mut n = 0.0f64;
    let mut sum = [0.0f64; CEPSTRA];
    let mut sum_sq = [0.0f64; CEPSTRA];
    let mut f0s = Vec::new();
    for k in stretches.iter().flat_map(|&(s, e)| s..=e) {
        let f = &frames[k];
        if side[k] != group || !f.has(MonoFrame::ACTIVE) {
            continue;
        }
        if f.f0_hz > 0.0 {
            f0s.push(f.f0_hz);
        }
        if !f.has(MonoFrame::CEPSTRA) {
            continue;
        }
        n += 1.0;
        for ((a, b), x) in sum.iter_mut().zip(&mut sum_sq).zip(f.cepstra_f32()) {
            *a += f64::from(x);
            *b += f64::from(x) * f64::from(x);
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / n.max(1.0)).collect();
    let var = sum_sq
        .iter()
        .zip(&mean)
        .map(|(q, m)| (q / n.max(1.0) - m * m).max(crate::agents::voiceprint::MIN_VARIANCE))
        .collect();
    let voiced = f0s.len();
    VoicePrint {
        features: crate::agents::voiceprint::FEATURES.to_string(),
        speech_s: n * crate::analysis::settings::HOP_S,
        mean,
        var,
        median_f0_hz: crate::analysis::band::median_f32(&mut f0s).map(f64::from),
        voiced_s: voiced as f64 * crate::analysis::settings::HOP_S,
    }
}

/// The voice of each frame (`None` outside speech and in the pause a change moved to).
fn snap_to_pauses(
    frames: &[MonoFrame],
    stretches: &[(usize, usize)],
    side: &[u8],
) -> Vec<Option<u8>> {
    let mut out = vec![None; frames.len()];
    for &(s, e) in stretches {
        for k in s..=e {
            out[k] = Some(side[k]);
        }
        // Every change of voice inside the stretch.
        for k in s + 1..=e {
            if side[k] == side[k - 1] {
                continue;
            }
            // The inactive run nearest the change, within reach.
            let lo = k.saturating_sub(PAUSE_SNAP_FRAMES).max(s + 1);
            let hi = (k + PAUSE_SNAP_FRAMES).min(e);
            let mut best: Option<(usize, usize, usize)> = None;
            let mut j = lo;
            while j <= hi {
                if frames[j].has(MonoFrame::ACTIVE) {
                    j += 1;
                    continue;
                }
                let start = j;
                while j <= e && !frames[j].has(MonoFrame::ACTIVE) {
                    j += 1;
                }
                let end = j - 1;
                let distance = if k < start {
                    start - k
                } else if k > end + 1 {
                    k - end - 1
                } else {
                    0
                };
                if best.is_none_or(|b| distance < b.2) {
                    best = Some((start, end, distance));
                }
            }
            if let Some((start, end, _)) = best {
                let (before, after) = (side[k - 1], side[k]);
                out[start..=end].fill(None);
                if start > k {
                    out[k..start].fill(Some(before));
                }
                if end + 1 < k {
                    out[end + 1..k].fill(Some(after));
                }
            }
        }
    }
    out
}

/// How clearly the frames' own evidence tells the two voices apart (see
/// [`Diarization::confidence`]). Two halves of one voice give little; two voices, much.
fn separation(llr: &[f32], stretches: &[(usize, usize)]) -> f64 {
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for &(s, e) in stretches {
        for &x in &llr[s..=e] {
            if x == 0.0 {
                continue;
            }
            let w = f64::from(SEPARATION_EVIDENCE_WEIGHT * x.abs());
            sum += 1.0 / (1.0 + (-w).exp());
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    (2.0 * sum / n as f64 - 1.0).clamp(0.0, 1.0)
}
