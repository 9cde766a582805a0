//! One line of `calls.jsonl` and one row of `summary.csv`.

use serde::{Deserialize, Serialize};

use crate::analysis::{CallReport, Verdict};

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
    /// The analysis (absent on error).
    #[serde(flatten)]
    pub report: Option<CallReport>,
    /// What went wrong (absent when ok).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `summary.csv` header.
pub const CSV_HEADER: [&str; 12] = [
    "file",
    "status",
    "duration_s",
    "agent_talk_s",
    "median_f0_hz",
    "frac_voiced_in_band",
    "reply_gap_median_s",
    "frac_gaps_in_window",
    "overlaps",
    "pace_changes_per_45s",
    "score",
    "error",
];

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// Median of the reply gaps, s.
pub fn median_gap_s(report: &CallReport) -> Option<f64> {
    let mut gaps: Vec<f64> = report.reply_gaps.iter().map(|g| g.gap_s).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_by(f64::total_cmp);
    let n = gaps.len();
    let m = if n % 2 == 1 {
        gaps[n / 2]
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0
    };
    Some((m * 1000.0).round() / 1000.0)
}

impl CallRecord {
    /// The `summary.csv` row.
    pub fn csv_row(&self) -> [String; 12] {
        let r = self.report.as_ref();
        let gaps_in_window = r.and_then(|r| {
            (!r.reply_gaps.is_empty()).then(|| {
                let n = r
                    .reply_gaps
                    .iter()
                    .filter(|g| g.verdict == Verdict::InWindow)
                    .count();
                ((n as f64 / r.reply_gaps.len() as f64) * 1000.0).round() / 1000.0
            })
        });
        [
            self.file.clone(),
            self.status.clone(),
            opt(r.map(|r| r.duration_s)),
            opt(r.map(|r| r.agent.talk_s)),
            opt(r.and_then(|r| r.agent.median_f0_hz)),
            opt(r.and_then(|r| r.agent.frac_voiced_in_band)),
            opt(r.and_then(median_gap_s)),
            opt(gaps_in_window),
            r.map(|r| r.overlaps.to_string()).unwrap_or_default(),
            opt(r.and_then(|r| r.agent.pace_changes_per_45s)),
            r.map(|r| r.score.total.to_string()).unwrap_or_default(),
            self.error.clone().unwrap_or_default(),
        ]
    }
}
