//! The public output schema: one [`CallRecord`] per call, a line of `calls.jsonl` and a
//! row of `summary.csv`, and the one builder that makes it from the file and its analysis.
//! Batch scoring, the live app's recordings and `live --headless --report`, and the
//! review view all write and read records through this module.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::analysis::{CallReport, Rule};
use crate::audio::wav::{Encoding, WavInfo};

/// The outcome for one file. Field names are a public interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The file's path as found.
    pub file: String,
    /// The path's bytes in hex when they are not valid UTF-8 (`file` then shows them
    /// with U+FFFD): the key `--resume` matches such a file by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_bytes_hex: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    /// File size in bytes when scored (for `--resume`).
    pub file_size: u64,
    /// File modification time when scored, ns since the Unix epoch (for `--resume`).
    pub file_mtime_ns: u128,
    /// Sample rate of the file, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Channels in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    /// Sample encoding (`pcm16`, `mulaw`, `alaw`, `float32`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The agent's id (from a manifest, the path or the live app), null when unknown.
    /// (`agent` holds the agent's measures.)
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The agent's team, null when unknown.
    #[serde(default)]
    pub team: Option<String>,
    /// When the call started (`2026-03-04`, `2026-03-04T09:15:00` local or
    /// `2026-03-04T08:15:00Z` UTC), null when unknown.
    #[serde(default)]
    pub call_start: Option<String>,
    /// The channel analyzed as the agent's, for a file of two or more channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_channel: Option<usize>,
    /// The voice-print check of the agent channel: `ok`, `swapped?` or `undecided`
    /// (absent when the agent has no print or the file is mono); `notes` says more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_check: Option<String>,
    /// The analysis (absent on error).
    #[serde(flatten)]
    pub report: Option<CallReport>,
    /// What went wrong (absent when ok).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The file a record is about, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given.
    pub path: String,
    /// Size in bytes (0 when it cannot be read).
    pub size: u64,
    /// Modification time, ns since the Unix epoch (0 when unknown).
    pub mtime_ns: u128,
    /// The path's bytes in hex when it is not valid UTF-8 (see
    /// [`CallRecord::file_bytes_hex`]).
    pub bytes_hex: Option<String>,
}

impl SourceFile {
    /// Reads the size and modification time of `path`; zeros when it cannot be read.
    pub fn stat(path: &Path) -> Self {
        let (size, mtime_ns) = match std::fs::metadata(path) {
            Ok(m) => (
                m.len(),
                m.modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos()),
            ),
            Err(_) => (0, 0),
        };
        Self {
            path: path.display().to_string(),
            size,
            mtime_ns,
            bytes_hex: path_bytes_hex(path),
        }
    }

    /// A path that was not read (a bad path in a batch): size and time 0.
    pub fn unread(path: &Path) -> Self {
        Self {
            path: path.display().to_string(),
            size: 0,
            mtime_ns: 0,
            bytes_hex: path_bytes_hex(path),
        }
    }
}

/// The path's bytes in hex when it is not valid UTF-8, so that two such names never
/// collide once made lossy (see [`CallRecord::file_bytes_hex`]).
#[cfg(unix)]
pub fn path_bytes_hex(path: &Path) -> Option<String> {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    path.to_str().is_none().then(|| {
        let mut hex = String::new();
        for b in path.as_os_str().as_bytes() {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    })
}

/// The path's bytes in hex when it is not valid UTF-8 (never on this platform).
#[cfg(not(unix))]
pub fn path_bytes_hex(_path: &Path) -> Option<String> {
    None
}

/// The path a record is about: from `file_bytes_hex` when present, else `file`.
#[cfg(unix)]
pub fn record_path(file: &str, file_bytes_hex: Option<&str>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes: Option<Vec<u8>> = file_bytes_hex.and_then(|hex| {
        (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect()
    });
    match bytes {
        Some(bytes) => PathBuf::from(std::ffi::OsString::from_vec(bytes)),
        None => PathBuf::from(file),
    }
}

/// The path a record is about: `file`.
#[cfg(not(unix))]
pub fn record_path(file: &str, _file_bytes_hex: Option<&str>) -> PathBuf {
    PathBuf::from(file)
}

/// The audio format of a scored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFormat {
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Sample encoding.
    pub encoding: Encoding,
}

impl From<&WavInfo> for FileFormat {
    fn from(info: &WavInfo) -> Self {
        Self {
            sample_rate: info.sample_rate,
            channels: info.channels,
            encoding: info.encoding,
        }
    }
}

impl CallRecord {
    /// Sets who and when the call is.
    pub fn with_meta(mut self, meta: &crate::manifest::CallMeta) -> Self {
        self.agent_id = meta.agent.clone();
        self.team = meta.team.clone();
        self.call_start = meta.call_start.clone();
        self
    }

    /// The record of `file`: `ok` with its format and report, or `error` with the
    /// message (which names the file).
    pub fn new(file: SourceFile, outcome: Result<(FileFormat, CallReport), String>) -> Self {
        let mut record = Self {
            file: file.path,
            file_bytes_hex: file.bytes_hex,
            status: "ok".into(),
            file_size: file.size,
            file_mtime_ns: file.mtime_ns,
            sample_rate: None,
            channels: None,
            encoding: None,
            agent_id: None,
            team: None,
            call_start: None,
            agent_channel: None,
            channel_check: None,
            report: None,
            error: None,
        };
        match outcome {
            Ok((format, report)) => {
                record.sample_rate = Some(format.sample_rate);
                record.channels = Some(format.channels);
                record.encoding = Some(format.encoding.as_str().to_string());
                record.report = Some(report);
            }
            Err(message) => {
                record.status = "error".into();
                record.error = Some(message);
            }
        }
        record
    }
}

/// `summary.csv` header: one row per call, for people and spreadsheets. The order is
/// stable; new columns are added at the end.
pub const CSV_HEADER: [&str; CSV_COLUMNS] = [
    "agent",
    "team",
    "call_start",
    "file",
    "status",
    "layout",
    "duration_s",
    "score",
    "coverage",
    "pitch_deduction",
    "reply_gap_deduction",
    "pace_deduction",
    "overlaps_deduction",
    "long_silence_deduction",
    "monologue_deduction",
    "agent_talk_pct",
    "customer_talk_pct",
    "talk_listen_ratio",
    "median_reply_gap_s",
    "replies_in_window_pct",
    "overlaps",
    "long_silences",
    "longest_monologue_s",
    "median_pitch_hz",
    "in_band_pct",
    "pace_changes_per_45s",
    "speaker_switches_per_min",
    "dead_air_pct",
    "rules_not_scored",
    "channel_check",
    "error",
];

/// Columns of `summary.csv`.
pub const CSV_COLUMNS: usize = 31;

/// `x` with `decimals` decimals; empty when absent.
fn fixed(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

/// The JSON names of `rules`, separated by spaces.
pub fn rules_text(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(|rule| rule.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Median of the reply gaps, s, to the millisecond.
pub fn median_gap_s(report: &CallReport) -> Option<f64> {
    report
        .metrics
        .median_reply_gap_s
        .map(|m| (m * 1000.0).round() / 1000.0)
}

impl CallRecord {
    /// `ok`, `partial` (a score resting on less than the profile's minimum coverage)
    /// or `error`: the `status` column of `summary.csv`.
    pub fn status_label(&self) -> &str {
        match &self.report {
            Some(r) if r.score.partial => "partial",
            _ => &self.status,
        }
    }

    /// The `summary.csv` row: times to the millisecond, percentages to 0.1 %, points
    /// to 0.1, ratios and rates to 0.01 (the JSON keeps full precision).
    pub fn csv_row(&self) -> [String; CSV_COLUMNS] {
        let r = self.report.as_ref();
        let m = r.map(|r| &r.metrics);
        let deduction = |rule: Rule| {
            r.and_then(|r| {
                if r.score.rules_not_scored.contains(&rule) {
                    return None;
                }
                Some(
                    r.score
                        .deductions
                        .iter()
                        .filter(|d| d.rule == rule)
                        .fold(0.0, |sum, d| sum + d.points),
                )
            })
        };
        let text = |x: &Option<String>| x.clone().unwrap_or_default();
        [
            text(&self.agent_id),
            text(&self.team),
            text(&self.call_start),
            self.file.clone(),
            self.status_label().to_string(),
            r.map(|r| r.layout.to_string()).unwrap_or_default(),
            fixed(r.map(|r| r.duration_s), 3),
            r.map(|r| r.score.total.to_string()).unwrap_or_default(),
            fixed(r.map(|r| r.score.coverage), 3),
            fixed(deduction(Rule::ALL[0]), 1),
            fixed(deduction(Rule::ALL[1]), 1),
            fixed(deduction(Rule::ALL[2]), 1),
            fixed(deduction(Rule::ALL[3]), 1),
            fixed(deduction(Rule::ALL[4]), 1),
            fixed(deduction(Rule::ALL[5]), 1),
            fixed(m.map(|m| m.agent_talk_pct), 1),
            fixed(m.and_then(|m| m.customer_talk_pct), 1),
            fixed(m.and_then(|m| m.talk_listen_ratio), 2),
            fixed(m.and_then(|m| m.median_reply_gap_s), 3),
            fixed(m.and_then(|m| m.replies_in_window_pct), 1),
            r.map(|r| r.overlaps.to_string()).unwrap_or_default(),
            r.map(|r| r.long_silences.len().to_string())
                .unwrap_or_default(),
            fixed(r.map(|r| r.longest_monologue_s), 3),
            fixed(r.and_then(|r| r.agent.median_f0_hz), 1),
            fixed(
                r.and_then(|r| r.agent.frac_voiced_in_band)
                    .map(|f| f * 100.0),
                1,
            ),
            fixed(r.and_then(|r| r.agent.pace_changes_per_45s), 2),
            fixed(m.and_then(|m| m.speaker_switches_per_min), 2),
            fixed(m.map(|m| m.dead_air_pct), 1),
            r.map(|r| rules_text(&r.score.rules_not_scored))
                .unwrap_or_default(),
            text(&self.channel_check),
            self.error.clone().unwrap_or_default(),
        ]
    }
}
