//! The calls of a folder as rows a coach can filter and sort: the model of the desktop
//! app's Calls page. A folder's rows come from its `calls.jsonl` (a `score --out` folder),
//! the JSON record beside each recording (the live app's), or, for a WAV without either,
//! from scoring it on a worker thread.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

use crate::analysis::Rule;
use crate::config::Profile;
use crate::file_analysis::{AnalyzeOptions, score_one};
use crate::record::CallRecord;

/// One call in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// The WAV file.
    pub file: PathBuf,
    /// Agent id.
    pub agent: Option<String>,
    /// Start of the call.
    pub call_start: Option<String>,
    /// Score (`None` for an error row).
    pub score: Option<u32>,
    /// Share of the rule weight measured.
    pub coverage: Option<f64>,
    /// Share of voiced agent time in band, %.
    pub in_band_pct: Option<f64>,
    /// Replies in the window, %.
    pub replies_in_window_pct: Option<f64>,
    /// Replies later than the window.
    pub late_replies: u32,
    /// Overlaps.
    pub overlaps: u32,
    /// Long silences.
    pub long_silences: u32,
    /// Points each rule took off, in [`Rule::ALL`] order (0 when none or not measured).
    pub deductions: [f64; Rule::ALL.len()],
    /// The error of a call that could not be scored.
    pub error: Option<String>,
}

impl CallRow {
    /// The row of a record.
    pub fn from_record(r: &CallRecord) -> Self {
        let report = r.report.as_ref();
        let mut deductions = [0.0; Rule::ALL.len()];
        if let Some(report) = report {
            for d in &report.score.deductions {
                if let Some(i) = Rule::ALL.iter().position(|rule| *rule == d.rule) {
                    deductions[i] += d.points;
                }
            }
        }
        Self {
            file: crate::record::record_path(&r.file, r.file_bytes_hex.as_deref()),
            agent: r.agent_id.clone(),
            call_start: r.call_start.clone(),
            score: report.map(|x| x.score.total),
            coverage: report.map(|x| x.score.coverage),
            in_band_pct: report.and_then(|x| x.agent.frac_voiced_in_band.map(|f| f * 100.0)),
            replies_in_window_pct: report.and_then(|x| x.metrics.replies_in_window_pct),
            late_replies: report.map_or(0, |x| {
                x.reply_gaps
                    .iter()
                    .filter(|g| g.verdict == crate::analysis::Verdict::Late)
                    .count() as u32
            }),
            overlaps: report.map_or(0, |x| x.overlaps),
            long_silences: report.map_or(0, |x| x.long_silences.len() as u32),
            deductions,
            error: r.error.clone(),
        }
    }
}

/// What the list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFilter {
    /// Only this agent (empty: all).
    pub agent: String,
    /// Only calls starting on or after this day (`YYYY-MM-DD`; empty: no bound).
    pub since: String,
    /// Only calls starting on or before this day.
    pub until: String,
    /// Only calls scoring below this.
    pub score_below: Option<u32>,
    /// Only calls where this rule took points off.
    pub failed_rule: Option<Rule>,
    /// Only calls with at least this many late replies.
    pub min_late_replies: Option<u32>,
}

impl CallFilter {
    /// Whether `row` is shown.
    pub fn keeps(&self, row: &CallRow) -> bool {
        let day = row.call_start.as_deref().and_then(|s| s.get(..10));
        let agent_ok = self.agent.is_empty() || row.agent.as_deref() == Some(self.agent.as_str());
        let since_ok = self.since.is_empty() || day.is_some_and(|d| d >= self.since.as_str());
        let until_ok = self.until.is_empty() || day.is_some_and(|d| d <= self.until.as_str());
        let score_ok = self
            .score_below
            .is_none_or(|x| row.score.is_some_and(|s| s < x));
        let rule_ok = self.failed_rule.is_none_or(|rule| {
            Rule::ALL
                .iter()
                .position(|r| *r == rule)
                .is_some_and(|i| row.deductions[i] > 0.0)
        });
        let late_ok = self.min_late_replies.is_none_or(|n| row.late_replies >= n);
        agent_ok && since_ok && until_ok && score_ok && rule_ok && late_ok
    }
}

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallColumn {
    /// File path.
    File,
    /// Agent.
    Agent,
    /// Start time.
    #[default]
    Start,
    /// Score.
    Score,
    /// Coverage.
    Coverage,
    /// In band.
    InBand,
    /// Replies in window.
    Replies,
    /// Late replies.
    Late,
    /// Overlaps.
    Overlaps,
    /// Long silences.
    Silences,
}

impl CallColumn {
    /// Every column, in the page's order, with its heading.
    pub const ALL: [(CallColumn, &'static str); 10] = [
        (CallColumn::Start, "start"),
        (CallColumn::Agent, "agent"),
        (CallColumn::Score, "score"),
        (CallColumn::Coverage, "coverage"),
        (CallColumn::InBand, "in band"),
        (CallColumn::Replies, "replies in window"),
        (CallColumn::Late, "late"),
        (CallColumn::Overlaps, "overlaps"),
        (CallColumn::Silences, "silences"),
        (CallColumn::File, "file"),
    ];

    fn compare(self, a: &CallRow, b: &CallRow) -> Ordering {
        let f = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        };
        match self {
            CallColumn::File => a.file.cmp(&b.file),
            CallColumn::Agent => a.agent.cmp(&b.agent),
            CallColumn::Start => a.call_start.cmp(&b.call_start),
            CallColumn::Score => a.score.cmp(&b.score),
            CallColumn::Coverage => f(a.coverage, b.coverage),
            CallColumn::InBand => f(a.in_band_pct, b.in_band_pct),
            CallColumn::Replies => f(a.replies_in_window_pct, b.replies_in_window_pct),
            CallColumn::Late => a.late_replies.cmp(&b.late_replies),
            CallColumn::Overlaps => a.overlaps.cmp(&b.overlaps),
            CallColumn::Silences => a.long_silences.cmp(&b.long_silences),
        }
    }
}

/// The indices of the rows `filter` keeps, sorted by `column` (ties by file).
pub fn visible(
    rows: &[CallRow],
    filter: &CallFilter,
    column: CallColumn,
    ascending: bool,
) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..rows.len())
        .filter(|&i| filter.keeps(&rows[i]))
        .collect();
    keep.sort_by(|&i, &j| {
        let o = column
            .compare(&rows[i], &rows[j])
            .then_with(|| rows[i].file.cmp(&rows[j].file));
        if ascending { o } else { o.reverse() }
    });
    keep
}

/// A running scan of a folder: the scoring of its WAVs that have no record.
#[derive(Debug)]
pub struct CallScan {
    rx: Receiver<CallRow>,
    /// Files to score (those without a record yet).
    pub to_score: usize,
    /// Files scored so far.
    pub scored: usize,
}

impl CallScan {
    /// Lists `dir`: returns the rows of its `calls.jsonl` and of the JSON beside each WAV
    /// at once, and the scan that scores the other WAVs (directly in `dir`) with
    /// `profile` on a worker thread, `on_each` called after each.
    pub fn start(
        dir: &Path,
        profile: Profile,
        on_each: impl Fn() + Send + 'static,
    ) -> std::io::Result<(Self, Vec<CallRow>)> {
        let mut rows = Vec::new();
        let mut known: HashSet<PathBuf> = HashSet::new();
        if let Ok(records) = crate::batch::read_records(&dir.join("calls.jsonl")) {
            for r in records {
                let row = CallRow::from_record(&r);
                known.insert(row.file.clone());
                rows.push(row);
            }
        }
        let mut todo = Vec::new();
        for wav in crate::review::recordings::list(dir)? {
            if known.contains(&wav) {
                continue;
            }
            let beside = crate::regular_file::read_regular_to_string(&wav.with_extension("json"))
                .ok()
                .and_then(|t| serde_json::from_str::<CallRecord>(&t).ok());
            match beside {
                Some(r) => rows.push(CallRow {
                    file: wav,
                    ..CallRow::from_record(&r)
                }),
                None => todo.push(wav),
            }
        }
        let to_score = todo.len();
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("calls-scan".into())
            .spawn(move || {
                for path in todo {
                    let r = score_one(&path, &profile, &AnalyzeOptions::default(), None);
                    if tx.send(CallRow::from_record(&r)).is_err() {
                        return;
                    }
                    on_each();
                }
            })?;
        let scan = Self {
            rx,
            to_score,
            scored: 0,
        };
        Ok((scan, rows))
    }

    /// Appends the rows scored since the last call to `rows`; says whether any came.
    pub fn poll(&mut self, rows: &mut Vec<CallRow>) -> bool {
        let before = rows.len();
        rows.extend(self.rx.try_iter());
        self.scored += rows.len() - before;
        rows.len() > before
    }
}
