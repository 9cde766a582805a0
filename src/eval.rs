//! `callcoach eval`: accuracy of the engine on a labelled corpus in the format of
//! `corpus/FORMAT.md` (pitch files with exact F0 tracks, two-party calls with exact
//! segments, turns, reply gaps and pace).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::agents::{VoicePrint, channel_prints};
use crate::analysis::settings::HOP_S;
use crate::analysis::{CallReport, FrameOutput, Verdict};
use crate::audio::wav::has_wav_extension;
use crate::config::Profile;
use crate::file_analysis::{AnalyzeError, AnalyzeOptions, analyze_file};
use crate::regular_file::read_regular_to_string;

/// The band the corpus labels use for `frac_voiced_in_100_120`.
const LABEL_BAND_HZ: [f64; 2] = [100.0, 120.0];
/// Why a corpus cannot be evaluated: each names the file or folder and the problem.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder of the corpus cannot be read.
    #[error("{}: cannot read", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A folder of the corpus cannot be listed.
    #[error("{}", path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A label file is not the JSON the corpus format describes.
    #[error("{}: bad label file", path.display())]
    Label {
        /// The label file.
        path: PathBuf,
        /// What the JSON parser found.
        #[source]
        source: serde_json::Error,
    },
    /// A row of an F0 track has fewer than two fields.
    #[error("{}:{line}: expected time_s,f0_hz", path.display())]
    F0Row {
        /// The track.
        path: PathBuf,
        /// The row's line number, from 1.
        line: usize,
    },
    /// A field of an F0 track is not a number.
    #[error("{}:{line}", path.display())]
    F0Value {
        /// The track.
        path: PathBuf,
        /// The row's line number, from 1.
        line: usize,
        /// What the number parser found.
        #[source]
        source: std::num::ParseFloatError,
    },
    /// The corpus path is not a folder.
    #[error(
        "{}: not a corpus folder (expected a folder with pitch/ and calls/ inside)",
        path.display()
    )]
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
    /// The corpus holds no labelled file.
    #[error(
        "{}: no labelled files (expected pitch/*.wav and calls/*.wav, each with its .json label)",
        path.display()
    )]
    Empty {
        /// The corpus folder.
        path: PathBuf,
    },
    /// A corpus file cannot be analyzed.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// The voice prints of a corpus call cannot be made.
    #[error("{}: cannot make its voice prints: {problem}", path.display())]
    Prints {
        /// The call.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
}

type Result<T, E = EvalError> = std::result::Result<T, E>;

/// A detected reply gap matches a true one when both ends are this close, s.
const GAP_MATCH_S: f64 = 0.5;
/// A detected pace change matches a true one this close, s.
const PACE_CHANGE_MATCH_S: f64 = 2.0;
/// Pitch errors above this share of the true F0 are gross.
const GROSS_ERROR: f64 = 0.2;

#[derive(Debug, Deserialize)]
struct PitchLabel {
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    clipped: bool,
    #[serde(default)]
    noise: Option<String>,
    #[serde(default)]
    median_f0_hz: Option<f64>,
    #[serde(default)]
    frac_voiced_in_100_120: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct GapLabel {
    customer_end: f64,
    agent_start: f64,
    gap_s: f64,
}

#[derive(Debug, Deserialize)]
struct PaceLabel {
    start: f64,
    end: f64,
    syllables_per_s: f64,
}

#[derive(Debug, Deserialize)]
struct PaceChangeLabel {
    t: f64,
}

#[derive(Debug, Deserialize)]
struct AgentLabel {
    #[serde(default)]
    median_f0_hz: Option<f64>,
    #[serde(default)]
    frac_voiced_in_100_120: Option<f64>,
    #[serde(default)]
    pace: Vec<PaceLabel>,
    #[serde(default)]
    pace_changes: Vec<PaceChangeLabel>,
}

#[derive(Debug, Deserialize)]
struct Channels {
    agent: usize,
}

#[derive(Debug, Deserialize)]
struct SegmentLabel {
    speaker: String,
    start: f64,
    end: f64,
}

#[derive(Debug, Deserialize)]
struct VoicesLabel {
    agent: String,
}

#[derive(Debug, Deserialize)]
struct CallLabel {
    kind: String,
    layout: String,
    #[serde(default)]
    channels: Option<Channels>,
    #[serde(default)]
    segments: Vec<SegmentLabel>,
    #[serde(default)]
    reply_gaps: Vec<GapLabel>,
    agent: AgentLabel,
    #[serde(default)]
    voices: Option<VoicesLabel>,
}

/// Condition group of a pitch file, as in `corpus/PEERS.md`: what the channel did to
/// the voice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// Wideband, no noise.
    #[default]
    Clean,
    /// Band-limited to 300–3400 Hz (PCM16 or G.711), no noise.
    Telephone,
    /// Babble or pink noise.
    Noisy,
    /// Mains hum with its harmonics.
    Hum,
    /// Hard-clipped telephone speech.
    Clipped,
}

impl Condition {
    /// Every group, in the order `eval` prints them.
    pub const ALL: [Condition; 5] = [
        Condition::Clean,
        Condition::Telephone,
        Condition::Noisy,
        Condition::Hum,
        Condition::Clipped,
    ];

    /// The group's name in `corpus/PEERS.md`.
    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Telephone => "telephone/G.711",
            Condition::Noisy => "noisy",
            Condition::Hum => "hum",
            Condition::Clipped => "clipped",
        }
    }

    fn of(label: &PitchLabel) -> Self {
        let noise = label.noise.as_deref();
        if label.clipped {
            Condition::Clipped
        } else if noise.is_some_and(|n| n.starts_with("hum")) {
            Condition::Hum
        } else if noise.is_some() {
            Condition::Noisy
        } else if label.channel.as_deref() == Some("telephone") {
            Condition::Telephone
        } else {
            Condition::Clean
        }
    }
}

/// Errors of one pitch file.
#[derive(Debug, Clone, Default)]
pub struct PitchFileResult {
    /// File name.
    pub name: String,
    /// Condition group.
    pub condition: Condition,
    /// Label frames voiced in both.
    pub both_voiced: usize,
    /// Of those, gross errors.
    pub gross: usize,
    /// Cents error of the non-gross frames.
    pub cents: Vec<f64>,
    /// Label frames.
    pub frames: usize,
    /// Voicing decisions that differ.
    pub voicing_errors: usize,
    /// Label-unvoiced frames.
    pub unvoiced_frames: usize,
    /// Label-unvoiced frames the engine called voiced.
    pub unvoiced_called_voiced: usize,
    /// Whether the file has mains hum.
    pub hum: bool,
    /// |median F0 error| as a share of the true median.
    pub median_f0_error: Option<f64>,
    /// |in-band fraction error| in percentage points.
    pub in_band_error_pp: Option<f64>,
}

/// Results of one call.
#[derive(Debug, Clone, Default)]
pub struct CallResult {
    /// File name.
    pub name: String,
    /// Whether it is a mono mix.
    pub mono: bool,
    /// True reply gaps.
    pub true_gaps: usize,
    /// Detected reply gaps.
    pub detected_gaps: usize,
    /// Matched pairs' gap errors, s.
    pub gap_errors_s: Vec<f64>,
    /// True gaps whose detected verdict matches the true verdict.
    pub verdicts_right: usize,
    /// Pace errors per true agent turn, share of the true rate.
    pub pace_errors: Vec<f64>,
    /// True pace changes, detected ones, and matches.
    pub pace_changes: (usize, usize, usize),
    /// |median F0 error| as a share of the true median.
    pub median_f0_error: Option<f64>,
    /// |in-band fraction error| in percentage points.
    pub in_band_error_pp: Option<f64>,
    /// Mono calls: how the diarization did.
    pub mono_result: Option<MonoCallResult>,
}

/// How the diarization of one mono call compares with its labels.
#[derive(Debug, Clone, Default)]
pub struct MonoCallResult {
    /// Labelled frames with exactly one speaker (10 ms each).
    pub speech_frames: usize,
    /// Of those, frames given to the labelled speaker.
    pub attributed_right: usize,
    /// Of those, frames given to nobody (not found as speech).
    pub unattributed: usize,
    /// Agent median F0 reported less the label's, Hz.
    pub median_f0_error_hz: Option<f64>,
    /// The agent's voice (with the agent enrolled from the corpus's other calls) got
    /// most of the agent's labelled frames.
    pub agent_right_by_print: bool,
    /// The same, when the agent is found by rule (no print).
    pub agent_right_by_rule: bool,
    /// The diarization's confidence (None when it found fewer than two voices).
    pub confidence: Option<f64>,
    /// Voices found.
    pub voices_found: String,
}

/// Everything `eval` measured.
#[derive(Debug, Clone, Default)]
pub struct EvalResult {
    /// Per pitch file.
    pub pitch: Vec<PitchFileResult>,
    /// Per call.
    pub calls: Vec<CallResult>,
}

/// Aggregated metrics.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Gross pitch error, % of frames voiced in both.
    pub gpe_pct: f64,
    /// Mean absolute fine error, cents.
    pub fine_cents: f64,
    /// Voicing decision error, % of all frames.
    pub vde_pct: f64,
    /// Median over files of the median-F0 error, %.
    pub median_f0_error_pct: f64,
    /// In-band fraction error, pp: median and p90 over pitch files and stereo calls.
    pub in_band_error_pp: (f64, f64),
    /// Label-unvoiced frames of hum files reported as voiced, %.
    pub hum_pause_voiced_pct: f64,
    /// Reply-gap recall and precision over stereo calls, %.
    pub gap_recall_pct: f64,
    /// Reply-gap precision, %.
    pub gap_precision_pct: f64,
    /// Gap error p50 and p95, ms.
    pub gap_error_ms: (f64, f64),
    /// Verdicts right of all true gaps in stereo calls, %.
    pub verdict_pct: f64,
    /// Median agent pace error, %.
    pub pace_error_pct: f64,
    /// Pace-change F1.
    pub pace_change_f1: f64,
    /// True gaps in mono calls, which are not measured by design.
    pub mono_gaps: usize,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (rank - lo as f64)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = read_corpus_file(path)?;
    serde_json::from_str(&text).map_err(|source| EvalError::Label {
        path: path.to_path_buf(),
        source,
    })
}

fn read_corpus_file(path: &Path) -> Result<String> {
    read_regular_to_string(path).map_err(|source| EvalError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn wavs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let list = |source| EvalError::List {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(list)? {
        let path = entry.map_err(list)?.path();
        if has_wav_extension(&path) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a corpus F0 track (`X.f0.csv`: header `time_s,f0_hz`, 0 where unvoiced).
pub fn read_f0_csv(path: &Path) -> Result<Vec<(f64, f64)>> {
    let text = read_corpus_file(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let mut parts = line.split(',');
        let (Some(t), Some(f)) = (parts.next(), parts.next()) else {
            return Err(EvalError::F0Row {
                path: path.to_path_buf(),
                line: i + 1,
            });
        };
        let number = |field: &str| {
            field
                .trim()
                .parse::<f64>()
                .map_err(|source| EvalError::F0Value {
                    path: path.to_path_buf(),
                    line: i + 1,
                    source,
                })
        };
        rows.push((number(t)?, number(f)?));
    }
    Ok(rows)
}

fn analyze(
    path: &Path,
    agent_channel: usize,
    lead_silence_s: f64,
    agent_print: Option<Arc<VoicePrint>>,
    one_voice: bool,
) -> Result<(CallReport, Vec<FrameOutput>)> {
    let mut frames = Vec::new();
    let mut profile = Profile::default();
    profile.pitch.band_hz = LABEL_BAND_HZ;
    let options = AnalyzeOptions {
        agent_channel: Some(agent_channel),
        lead_silence_s,
        agent_print,
        one_voice,
        ..AnalyzeOptions::default()
    };
    let analyzed = analyze_file(
        path,
        &profile,
        &options,
        Some(&mut |f: &[FrameOutput]| frames.extend_from_slice(f)),
    )?;
    Ok((analyzed.report, frames))
}

/// Compares a frame track with label rows; the track is `shift_s` later than the label.
pub fn compare_pitch(
    result: &mut PitchFileResult,
    frames: &[FrameOutput],
    truth: &[(f64, f64)],
    shift_s: f64,
) {
    for &(t, f_true) in truth {
        let k = ((t + shift_s) / HOP_S).round() as usize;
        let f_est = frames.get(k).map_or(0.0, |f| f64::from(f.agent_f0_hz));
        result.frames += 1;
        let (v_true, v_est) = (f_true > 0.0, f_est > 0.0);
        if v_true != v_est {
            result.voicing_errors += 1;
        }
        if !v_true {
            result.unvoiced_frames += 1;
            if v_est {
                result.unvoiced_called_voiced += 1;
            }
        }
        if v_true && v_est {
            result.both_voiced += 1;
            if (f_est - f_true).abs() > GROSS_ERROR * f_true {
                result.gross += 1;
            } else {
                result.cents.push((1200.0 * (f_est / f_true).log2()).abs());
            }
        }
    }
}

/// Runs the engine on every labelled file under `corpus` (`pitch/` and `calls/`).
pub fn evaluate(corpus: &Path) -> Result<EvalResult> {
    evaluate_after_silence(corpus, 0.0)
}

/// [`evaluate`] with `lead_silence_s` of digital silence fed before every file (the
/// labels are compared `lead_silence_s` later): how results depend on how a stream starts.
///
/// A corpus that is not a folder, or holds no labelled file, is an error.
pub fn evaluate_after_silence(corpus: &Path, lead_silence_s: f64) -> Result<EvalResult> {
    let meta = std::fs::metadata(corpus).map_err(|source| EvalError::Read {
        path: corpus.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(EvalError::NotAFolder {
            path: corpus.to_path_buf(),
        });
    }
    let mut result = EvalResult::default();
    for wav in wavs_in(&corpus.join("pitch"))? {
        let label: PitchLabel = read_json(&wav.with_extension("json"))?;
        if label.kind != "pitch" {
            continue;
        }
        let truth = read_f0_csv(&wav.with_extension("f0.csv"))?;
        let (report, frames) = analyze(&wav, 0, lead_silence_s, None, true)?;
        let mut r = PitchFileResult {
            name: file_name(&wav),
            hum: label.noise.as_deref().is_some_and(|n| n.starts_with("hum")),
            condition: Condition::of(&label),
            ..Default::default()
        };
        compare_pitch(&mut r, &frames, &truth, lead_silence_s);
        r.median_f0_error = relative_error(report.agent.median_f0_hz, label.median_f0_hz);
        r.in_band_error_pp = pp_error(
            report.agent.frac_voiced_in_band,
            label.frac_voiced_in_100_120,
        );
        result.pitch.push(r);
    }
    let mut calls = Vec::new();
    for wav in wavs_in(&corpus.join("calls"))? {
        let label: CallLabel = read_json(&wav.with_extension("json"))?;
        if label.kind == "call" {
            calls.push((wav, label));
        }
    }
    let prints = enrolled_prints(&calls)?;
    for (wav, label) in &calls {
        let agent_channel = label.channels.as_ref().map_or(0, |c| c.agent);
        if label.layout != "mono" {
            let (mut report, _) = analyze(wav, agent_channel, lead_silence_s, None, false)?;
            shift_compared_times(&mut report, -lead_silence_s);
            result.calls.push(compare_call(wav, label, &report));
            continue;
        }
        let print = label
            .voices
            .as_ref()
            .and_then(|v| prints.iter().find(|(name, _)| *name == v.agent))
            .map(|(_, p)| Arc::new(p.clone()));
        let (mut report, frames) = analyze(wav, 0, lead_silence_s, print, false)?;
        let (_, rule_frames) = analyze(wav, 0, lead_silence_s, None, false)?;
        shift_compared_times(&mut report, -lead_silence_s);
        let mut r = compare_call(wav, label, &report);
        let mono = compare_speakers(label, &report, &frames, &rule_frames, lead_silence_s);
        r.mono_result = Some(mono);
        result.calls.push(r);
    }
    if result.pitch.is_empty() && result.calls.is_empty() {
        return Err(EvalError::Empty {
            path: corpus.to_path_buf(),
        });
    }
    Ok(result)
}

/// Frames from `frames` and labelled segments: (labelled single-speaker frames, given to
/// the labelled speaker, given to nobody, the agent's voice got most agent frames).
fn attribution(
    label: &CallLabel,
    frames: &[FrameOutput],
    shift_s: f64,
) -> (usize, usize, usize, bool) {
    let (mut total, mut right, mut nobody) = (0, 0, 0);
    let (mut agent_to_agent, mut agent_to_customer) = (0usize, 0usize);
    for f in frames {
        let t = f.t_s - shift_s;
        let speaking = |who: &str| {
            label
                .segments
                .iter()
                .any(|s| s.speaker == who && s.start <= t && t < s.end)
        };
        let (agent, customer) = (speaking("agent"), speaking("customer"));
        if agent == customer {
            continue;
        }
        total += 1;
        if !f.agent_speech && !f.customer_speech {
            nobody += 1;
        } else if (agent && f.agent_speech) || (customer && f.customer_speech) {
            right += 1;
        }
        if agent {
            if f.agent_speech {
                agent_to_agent += 1;
            } else if f.customer_speech {
                agent_to_customer += 1;
            }
        }
    }
    (total, right, nobody, agent_to_agent > agent_to_customer)
}

/// How a mono call's diarization compares with its labels: `frames` with the agent
/// enrolled, `rule_frames` without.
fn compare_speakers(
    label: &CallLabel,
    report: &CallReport,
    frames: &[FrameOutput],
    rule_frames: &[FrameOutput],
    shift_s: f64,
) -> MonoCallResult {
    let (total, right, nobody, by_print) = attribution(label, frames, shift_s);
    let (_, _, _, by_rule) = attribution(label, rule_frames, shift_s);
    MonoCallResult {
        speech_frames: total,
        attributed_right: right,
        unattributed: nobody,
        median_f0_error_hz: report
            .agent
            .median_f0_hz
            .zip(label.agent.median_f0_hz)
            .map(|(e, t)| e - t),
        agent_right_by_print: by_print,
        agent_right_by_rule: by_rule,
        confidence: report.diarization_confidence,
        voices_found: report
            .voices_found
            .map(|v| {
                serde_json::to_string(&v)
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_string()
            })
            .unwrap_or_default(),
    }
}

/// The voice print of every agent voice of the mono calls, enrolled from the agent
/// channels of the stereo calls where that voice is the agent: the agent's print from
/// other calls, as `callcoach agents enroll` would make it.
fn enrolled_prints(calls: &[(PathBuf, CallLabel)]) -> Result<Vec<(String, VoicePrint)>> {
    let mut out: Vec<(String, VoicePrint)> = Vec::new();
    let wanted: Vec<&str> = calls
        .iter()
        .filter(|(_, l)| l.layout == "mono")
        .filter_map(|(_, l)| l.voices.as_ref().map(|v| v.agent.as_str()))
        .collect();
    for (wav, label) in calls {
        let (Some(voices), Some(channels)) = (&label.voices, &label.channels) else {
            continue;
        };
        if label.layout == "mono" || !wanted.contains(&voices.agent.as_str()) {
            continue;
        }
        let prints = channel_prints(wav).map_err(|e| EvalError::Prints {
            path: wav.clone(),
            problem: e.to_string(),
        })?;
        let Some(print) = prints.get(channels.agent) else {
            continue;
        };
        match out.iter_mut().find(|(name, _)| *name == voices.agent) {
            Some((_, p)) => *p = p.merge(print),
            None => out.push((voices.agent.clone(), print.clone())),
        }
    }
    Ok(out)
}

/// Moves the times [`compare_call`] compares (reply gaps, pace spans, pace changes) by
/// `by_s`.
fn shift_compared_times(report: &mut CallReport, by_s: f64) {
    for g in &mut report.reply_gaps {
        g.customer_end += by_s;
        g.agent_start += by_s;
    }
    for p in &mut report.agent.pace {
        p.start += by_s;
        p.end += by_s;
    }
    for c in &mut report.agent.pace_changes {
        c.t += by_s;
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn relative_error(est: Option<f64>, truth: Option<f64>) -> Option<f64> {
    match (est, truth) {
        (Some(e), Some(t)) if t > 0.0 => Some((e - t).abs() / t),
        (None, Some(_)) => Some(1.0),
        _ => None,
    }
}

fn pp_error(est: Option<f64>, truth: Option<f64>) -> Option<f64> {
    truth.map(|t| (est.unwrap_or(0.0) - t).abs() * 100.0)
}

fn compare_call(wav: &Path, label: &CallLabel, report: &CallReport) -> CallResult {
    let window = Profile::default().reply.window_s;
    let mut r = CallResult {
        name: file_name(wav),
        mono: label.layout == "mono",
        true_gaps: label.reply_gaps.len(),
        detected_gaps: report.reply_gaps.len(),
        median_f0_error: relative_error(report.agent.median_f0_hz, label.agent.median_f0_hz),
        in_band_error_pp: pp_error(
            report.agent.frac_voiced_in_band,
            label.agent.frac_voiced_in_100_120,
        ),
        ..Default::default()
    };
    // Reply gaps: greedy one-to-one matching by closeness.
    let mut used = vec![false; report.reply_gaps.len()];
    for g in &label.reply_gaps {
        let best = report
            .reply_gaps
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                !used[*i]
                    && (d.customer_end - g.customer_end).abs() <= GAP_MATCH_S
                    && (d.agent_start - g.agent_start).abs() <= GAP_MATCH_S
            })
            .min_by(|a, b| {
                let da = (a.1.agent_start - g.agent_start).abs();
                let db = (b.1.agent_start - g.agent_start).abs();
                da.total_cmp(&db)
            });
        if let Some((i, d)) = best {
            used[i] = true;
            r.gap_errors_s.push((d.gap_s - g.gap_s).abs());
            if d.verdict == Verdict::classify(g.gap_s, window) {
                r.verdicts_right += 1;
            }
        }
    }
    // Pace per true agent turn: the detected span overlapping it most.
    for p in &label.agent.pace {
        let best = report
            .agent
            .pace
            .iter()
            .map(|d| (d, (d.end.min(p.end) - d.start.max(p.start)).max(0.0)))
            .filter(|(_, overlap)| *overlap > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let err = best.map_or(1.0, |(d, _)| {
            (d.syllables_per_s - p.syllables_per_s).abs() / p.syllables_per_s
        });
        r.pace_errors.push(err);
    }
    let mut used = vec![false; report.agent.pace_changes.len()];
    let mut matched = 0;
    for c in &label.agent.pace_changes {
        if let Some(i) = report
            .agent
            .pace_changes
            .iter()
            .enumerate()
            .position(|(i, d)| !used[i] && (d.t - c.t).abs() <= PACE_CHANGE_MATCH_S)
        {
            used[i] = true;
            matched += 1;
        }
    }
    r.pace_changes = (
        label.agent.pace_changes.len(),
        report.agent.pace_changes.len(),
        matched,
    );
    r
}

impl EvalResult {
    /// Aggregates the per-file results.
    pub fn summary(&self) -> Summary {
        let sum = |f: &dyn Fn(&PitchFileResult) -> usize| self.pitch.iter().map(f).sum::<usize>();
        let both = sum(&|p| p.both_voiced).max(1);
        let frames = sum(&|p| p.frames).max(1);
        let cents: Vec<f64> = self.pitch.iter().flat_map(|p| p.cents.clone()).collect();
        let hum_unvoiced: usize = self
            .pitch
            .iter()
            .filter(|p| p.hum)
            .map(|p| p.unvoiced_frames)
            .sum();
        let hum_false: usize = self
            .pitch
            .iter()
            .filter(|p| p.hum)
            .map(|p| p.unvoiced_called_voiced)
            .sum();
        let stereo: Vec<&CallResult> = self.calls.iter().filter(|c| !c.mono).collect();
        let true_gaps: usize = stereo.iter().map(|c| c.true_gaps).sum();
        let detected: usize = stereo.iter().map(|c| c.detected_gaps).sum();
        let matched: usize = stereo.iter().map(|c| c.gap_errors_s.len()).sum();
        let gap_errors_ms: Vec<f64> = stereo
            .iter()
            .flat_map(|c| c.gap_errors_s.iter().map(|e| e * 1000.0))
            .collect();
        let right: usize = stereo.iter().map(|c| c.verdicts_right).sum();
        let pace: Vec<f64> = stereo
            .iter()
            .flat_map(|c| c.pace_errors.iter().map(|e| e * 100.0))
            .collect();
        let (t, d, m) = stereo.iter().fold((0, 0, 0), |acc, c| {
            (
                acc.0 + c.pace_changes.0,
                acc.1 + c.pace_changes.1,
                acc.2 + c.pace_changes.2,
            )
        });
        let f1 = if t + d == 0 {
            1.0
        } else {
            2.0 * m as f64 / (t + d) as f64
        };
        let median_errors: Vec<f64> = self
            .pitch
            .iter()
            .filter_map(|p| p.median_f0_error)
            .chain(stereo.iter().filter_map(|c| c.median_f0_error))
            .map(|e| e * 100.0)
            .collect();
        let band_errors: Vec<f64> = self
            .pitch
            .iter()
            .filter_map(|p| p.in_band_error_pp)
            .chain(stereo.iter().filter_map(|c| c.in_band_error_pp))
            .collect();
        Summary {
            gpe_pct: 100.0 * sum(&|p| p.gross) as f64 / both as f64,
            fine_cents: cents.iter().sum::<f64>() / cents.len().max(1) as f64,
            vde_pct: 100.0 * sum(&|p| p.voicing_errors) as f64 / frames as f64,
            median_f0_error_pct: percentile(&median_errors, 50.0),
            in_band_error_pp: (
                percentile(&band_errors, 50.0),
                percentile(&band_errors, 90.0),
            ),
            hum_pause_voiced_pct: 100.0 * hum_false as f64 / hum_unvoiced.max(1) as f64,
            gap_recall_pct: 100.0 * matched as f64 / true_gaps.max(1) as f64,
            gap_precision_pct: 100.0 * matched as f64 / detected.max(1) as f64,
            gap_error_ms: (
                percentile(&gap_errors_ms, 50.0),
                percentile(&gap_errors_ms, 95.0),
            ),
            verdict_pct: 100.0 * right as f64 / true_gaps.max(1) as f64,
            pace_error_pct: percentile(&pace, 50.0),
            pace_change_f1: f1,
            mono_gaps: self
                .calls
                .iter()
                .filter(|c| c.mono)
                .map(|c| c.true_gaps)
                .sum(),
        }
    }
}

/// Pitch metrics over one condition group's files.
#[derive(Debug, Clone, Default)]
pub struct GroupSummary {
    /// Files in the group.
    pub files: usize,
    /// Gross pitch error, % of frames voiced in both.
    pub gpe_pct: f64,
    /// Mean absolute fine error, cents.
    pub fine_cents: f64,
    /// Voicing decision error, % of all frames.
    pub vde_pct: f64,
    /// Label-voiced frames reported unvoiced, % of label-voiced frames.
    pub missed_pct: f64,
    /// Label-unvoiced frames reported voiced, % of label-unvoiced frames.
    pub false_voiced_pct: f64,
    /// Median over files of the median-F0 error, %.
    pub median_f0_error_pct: f64,
    /// In-band fraction error over the group's files, pp: median and p90.
    pub in_band_error_pp: (f64, f64),
}

/// Metrics over the calls of one layout (stereo or mono).
#[derive(Debug, Clone, Default)]
pub struct LayoutSummary {
    /// Calls.
    pub calls: usize,
    /// Median over calls of the agent's median-F0 error, %.
    pub median_f0_error_pct: f64,
    /// In-band fraction error over calls, pp: median and p90.
    pub in_band_error_pp: (f64, f64),
    /// Median agent pace error, %.
    pub pace_error_pct: f64,
    /// Pace-change F1.
    pub pace_change_f1: f64,
}

impl EvalResult {
    /// Pitch metrics of the files of `condition` (None when it has no file).
    pub fn group(&self, condition: Condition) -> Option<GroupSummary> {
        let files: Vec<&PitchFileResult> = self
            .pitch
            .iter()
            .filter(|p| p.condition == condition)
            .collect();
        if files.is_empty() {
            return None;
        }
        let sum = |f: &dyn Fn(&PitchFileResult) -> usize| files.iter().map(|p| f(p)).sum::<usize>();
        let frames = sum(&|p| p.frames);
        let unvoiced = sum(&|p| p.unvoiced_frames);
        let false_voiced = sum(&|p| p.unvoiced_called_voiced);
        let missed = sum(&|p| p.voicing_errors) - false_voiced;
        let cents: Vec<f64> = files.iter().flat_map(|p| p.cents.iter().copied()).collect();
        let median_errors: Vec<f64> = files
            .iter()
            .filter_map(|p| p.median_f0_error)
            .map(|e| e * 100.0)
            .collect();
        let band_errors: Vec<f64> = files.iter().filter_map(|p| p.in_band_error_pp).collect();
        Some(GroupSummary {
            files: files.len(),
            gpe_pct: 100.0 * sum(&|p| p.gross) as f64 / sum(&|p| p.both_voiced).max(1) as f64,
            fine_cents: cents.iter().sum::<f64>() / cents.len().max(1) as f64,
            vde_pct: 100.0 * sum(&|p| p.voicing_errors) as f64 / frames.max(1) as f64,
            missed_pct: 100.0 * missed as f64 / (frames - unvoiced).max(1) as f64,
            false_voiced_pct: 100.0 * false_voiced as f64 / unvoiced.max(1) as f64,
            median_f0_error_pct: percentile(&median_errors, 50.0),
            in_band_error_pp: (
                percentile(&band_errors, 50.0),
                percentile(&band_errors, 90.0),
            ),
        })
    }

    /// Metrics of the mono (`mono` true) or stereo calls (None when there is none).
    pub fn layout(&self, mono: bool) -> Option<LayoutSummary> {
        let calls: Vec<&CallResult> = self.calls.iter().filter(|c| c.mono == mono).collect();
        if calls.is_empty() {
            return None;
        }
        let median_errors: Vec<f64> = calls
            .iter()
            .filter_map(|c| c.median_f0_error)
            .map(|e| e * 100.0)
            .collect();
        let band_errors: Vec<f64> = calls.iter().filter_map(|c| c.in_band_error_pp).collect();
        let pace: Vec<f64> = calls
            .iter()
            .flat_map(|c| c.pace_errors.iter().map(|e| e * 100.0))
            .collect();
        let (t, d, m) = calls.iter().fold((0, 0, 0), |acc, c| {
            (
                acc.0 + c.pace_changes.0,
                acc.1 + c.pace_changes.1,
                acc.2 + c.pace_changes.2,
            )
        });
        Some(LayoutSummary {
            calls: calls.len(),
            median_f0_error_pct: percentile(&median_errors, 50.0),
            in_band_error_pp: (
                percentile(&band_errors, 50.0),
                percentile(&band_errors, 90.0),
            ),
            pace_error_pct: percentile(&pace, 50.0),
            pace_change_f1: if t + d == 0 {
                1.0
            } else {
                2.0 * m as f64 / (t + d) as f64
            },
        })
    }

    /// The per-group and per-layout lines `callcoach eval` prints after its table.
    pub fn breakdown(&self) -> String {
        let mut out = format!(
            "{:<16} {:>5} {:>6} {:>6} {:>6} {:>8} {:>8} {:>9} {:>15}\n",
            "pitch condition",
            "files",
            "GPE %",
            "cents",
            "VDE %",
            "missed %",
            "false %",
            "medF0 %",
            "in-band pp p50/p90"
        );
        for condition in Condition::ALL {
            if let Some(g) = self.group(condition) {
                out.push_str(&format!(
                    "{:<16} {:>5} {:>6.2} {:>6.1} {:>6.2} {:>8.2} {:>8.2} {:>9.2} {:>7.2} / {:.2}\n",
                    condition.name(),
                    g.files,
                    g.gpe_pct,
                    g.fine_cents,
                    g.vde_pct,
                    g.missed_pct,
                    g.false_voiced_pct,
                    g.median_f0_error_pct,
                    g.in_band_error_pp.0,
                    g.in_band_error_pp.1
                ));
            }
        }
        out.push_str(&format!(
            "{:<16} {:>5} {:>9} {:>18} {:>12} {:>9}\n",
            "calls (agent)", "calls", "medF0 %", "in-band pp p50/p90", "pace err %", "change F1"
        ));
        for (name, mono) in [("stereo", false), ("mono", true)] {
            if let Some(l) = self.layout(mono) {
                out.push_str(&format!(
                    "{:<16} {:>5} {:>9.2} {:>9.2} / {:<6.2} {:>12.1} {:>9.2}\n",
                    name,
                    l.calls,
                    l.median_f0_error_pct,
                    l.in_band_error_pp.0,
                    l.in_band_error_pp.1,
                    l.pace_error_pct,
                    l.pace_change_f1
                ));
            }
        }
        out
    }
}

impl Summary {
    /// The table `callcoach eval` prints.
    pub fn table(&self, result: &EvalResult) -> String {
        let stereo = result.calls.iter().filter(|c| !c.mono).count();
        let rows = [
            ("pitch GPE %", format!("{:.2}", self.gpe_pct)),
            (
                "pitch fine error (cents, mean)",
                format!("{:.1}", self.fine_cents),
            ),
            ("VDE %", format!("{:.2}", self.vde_pct)),
            (
                "median-F0 error %, median",
                format!("{:.2}", self.median_f0_error_pct),
            ),
            (
                "in-band fraction error pp, median / p90",
                format!(
                    "{:.2} / {:.2}",
                    self.in_band_error_pp.0, self.in_band_error_pp.1
                ),
            ),
            (
                "hum-file pauses reported voiced %",
                format!("{:.2}", self.hum_pause_voiced_pct),
            ),
            (
                "reply-gap recall / precision %",
                format!("{:.1} / {:.1}", self.gap_recall_pct, self.gap_precision_pct),
            ),
            (
                "reply-gap error ms, p50 / p95",
                format!("{:.0} / {:.0}", self.gap_error_ms.0, self.gap_error_ms.1),
            ),
            (
                "verdict right, of all true gaps %",
                format!("{:.1}", self.verdict_pct),
            ),
            (
                "agent pace error %, median",
                format!("{:.1}", self.pace_error_pct),
            ),
            ("pace-change F1", format!("{:.2}", self.pace_change_f1)),
        ];
        let mut out = format!(
            "callcoach eval: {} pitch files, {} calls ({} stereo)\n",
            result.pitch.len(),
            result.calls.len(),
            stereo
        );
        out.push_str(&format!("{:<42} {}\n", "metric", "value"));
        for (name, value) in rows {
            out.push_str(&format!("{name:<42} {value}\n"));
        }
        if self.mono_gaps > 0 {
            out.push_str(&format!(
                "note: reply-gap, verdict and pace rows cover stereo calls; the {} reply gaps \
                 of mono calls are measured after diarization, in the mono section\n",
                self.mono_gaps
            ));
        }
        out
    }
}

/// Metrics over the mono calls: how well diarization tells the voices apart.
#[derive(Debug, Clone, Default)]
pub struct MonoSummary {
    /// Mono calls.
    pub calls: usize,
    /// Labelled single-speaker frames given to the labelled speaker, %.
    pub attribution_pct: f64,
    /// Labelled single-speaker frames given to nobody, %.
    pub unattributed_pct: f64,
    /// Reply-gap recall, %.
    pub gap_recall_pct: f64,
    /// Reply-gap precision, %.
    pub gap_precision_pct: f64,
    /// Gap error p50 and p95, ms.
    pub gap_error_ms: (f64, f64),
    /// Verdicts right of all true gaps, %.
    pub verdict_pct: f64,
    /// Calls whose agent median F0 is within 5 Hz of the label's.
    pub median_f0_within_5_hz: usize,
    /// Calls whose in-band share is within 5 pp of the label's.
    pub in_band_within_5_pp: usize,
    /// Calls whose agent voice is right with the agent's print enrolled from other calls.
    pub agent_right_by_print: usize,
    /// Calls whose agent voice is right by rule (no print).
    pub agent_right_by_rule: usize,
}

/// Median-F0 and in-band tolerances of the mono rows, Hz and pp.
const MONO_F0_TOLERANCE_HZ: f64 = 5.0;
const MONO_IN_BAND_TOLERANCE_PP: f64 = 5.0;

impl EvalResult {
    /// Metrics of the mono calls (None when there is none).
    pub fn mono(&self) -> Option<MonoSummary> {
        let calls: Vec<(&CallResult, &MonoCallResult)> = self
            .calls
            .iter()
            .filter_map(|c| c.mono_result.as_ref().map(|m| (c, m)))
            .collect();
        if calls.is_empty() {
            return None;
        }
        let frames: usize = calls.iter().map(|(_, m)| m.speech_frames).sum();
        let right: usize = calls.iter().map(|(_, m)| m.attributed_right).sum();
        let nobody: usize = calls.iter().map(|(_, m)| m.unattributed).sum();
        let true_gaps: usize = calls.iter().map(|(c, _)| c.true_gaps).sum();
        let detected: usize = calls.iter().map(|(c, _)| c.detected_gaps).sum();
        let matched: usize = calls.iter().map(|(c, _)| c.gap_errors_s.len()).sum();
        let errors_ms: Vec<f64> = calls
            .iter()
            .flat_map(|(c, _)| c.gap_errors_s.iter().map(|e| e * 1000.0))
            .collect();
        let verdicts: usize = calls.iter().map(|(c, _)| c.verdicts_right).sum();
        Some(MonoSummary {
            calls: calls.len(),
            attribution_pct: 100.0 * right as f64 / frames.max(1) as f64,
            unattributed_pct: 100.0 * nobody as f64 / frames.max(1) as f64,
            gap_recall_pct: 100.0 * matched as f64 / true_gaps.max(1) as f64,
            gap_precision_pct: 100.0 * matched as f64 / detected.max(1) as f64,
            gap_error_ms: (percentile(&errors_ms, 50.0), percentile(&errors_ms, 95.0)),
            verdict_pct: 100.0 * verdicts as f64 / true_gaps.max(1) as f64,
            median_f0_within_5_hz: calls
                .iter()
                .filter(|(_, m)| {
                    m.median_f0_error_hz
                        .is_some_and(|e| e.abs() <= MONO_F0_TOLERANCE_HZ)
                })
                .count(),
            in_band_within_5_pp: calls
                .iter()
                .filter(|(c, _)| {
                    c.in_band_error_pp
                        .is_some_and(|e| e <= MONO_IN_BAND_TOLERANCE_PP)
                })
                .count(),
            agent_right_by_print: calls.iter().filter(|(_, m)| m.agent_right_by_print).count(),
            agent_right_by_rule: calls.iter().filter(|(_, m)| m.agent_right_by_rule).count(),
        })
    }

    /// The mono section `callcoach eval` prints last: the diarized mono calls' metrics
    /// and one line per call (empty without mono calls).
    pub fn mono_section(&self) -> String {
        let Some(m) = self.mono() else {
            return String::new();
        };
        let rows = [
            (
                "speaker attribution, % of labelled speech frames",
                format!(
                    "{:.1} (unattributed {:.1})",
                    m.attribution_pct, m.unattributed_pct
                ),
            ),
            (
                "reply-gap recall / precision %",
                format!("{:.1} / {:.1}", m.gap_recall_pct, m.gap_precision_pct),
            ),
            (
                "reply-gap error ms, p50 / p95",
                format!("{:.0} / {:.0}", m.gap_error_ms.0, m.gap_error_ms.1),
            ),
            (
                "verdict right, of all true gaps %",
                format!("{:.1}", m.verdict_pct),
            ),
            (
                "agent median F0 within 5 Hz, calls",
                format!("{} of {}", m.median_f0_within_5_hz, m.calls),
            ),
            (
                "agent in-band share within 5 pp, calls",
                format!("{} of {}", m.in_band_within_5_pp, m.calls),
            ),
            (
                "agent voice right: by print / by rule",
                format!(
                    "{} of {} / {} of {}",
                    m.agent_right_by_print, m.calls, m.agent_right_by_rule, m.calls
                ),
            ),
        ];
        let mut out = format!(
            "mono calls: {} (diarized; agent enrolled from the stereo calls)\n",
            m.calls
        );
        for (name, value) in rows {
            out.push_str(&format!("{name:<50} {value}\n"));
        }
        for c in &self.calls {
            let Some(r) = &c.mono_result else {
                continue;
            };
            out.push_str(&format!(
                "{}: voices {} confidence {} attribution {:.1}% gaps true {} detected {} matched {} \
                 verdicts {} median-F0 err {:+.1} Hz in-band err {:.1} pp agent right print {} rule {}\n",
                c.name,
                r.voices_found,
                r.confidence.map_or("-".to_string(), |x| format!("{x:.2}")),
                100.0 * r.attributed_right as f64 / r.speech_frames.max(1) as f64,
                c.true_gaps,
                c.detected_gaps,
                c.gap_errors_s.len(),
                c.verdicts_right,
                r.median_f0_error_hz.unwrap_or(f64::NAN),
                c.in_band_error_pp.unwrap_or(f64::NAN),
                if r.agent_right_by_print { "yes" } else { "no" },
                if r.agent_right_by_rule { "yes" } else { "no" },
            ));
        }
        out
    }
}
