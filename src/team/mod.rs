//! `callcoach team`: results across many calls, per agent and per team, from the
//! `calls.jsonl` of one or more scoring runs. The input is streamed twice: the first pass
//! finds, for each call (file, size and modification time), its newest record; the second
//! aggregates those. Memory grows by a few dozen bytes per distinct call, not with the
//! records' size.

pub mod calls;
pub mod html;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The group of records without an agent id.
pub const UNKNOWN: &str = "unknown";
/// Worst calls kept per agent.
pub const WORST_CALLS: usize = 5;
/// Reply-gap histogram: bins of this width, s ...
pub const GAP_BIN_S: f64 = 0.25;
/// ... from this gap (earlier ones count in the first bin) ...
pub const GAP_MIN_S: f64 = -1.0;
/// ... to this one (later ones count in the last bin).
pub const GAP_MAX_S: f64 = 5.0;
/// Bins of the reply-gap histogram.
pub const GAP_BINS: usize = 24;
/// Seconds in an hour.
const S_PER_HOUR: f64 = 3600.0;

/// What to aggregate.
#[derive(Debug, Clone, Default)]
pub struct TeamFilter {
    /// Calls starting on or after this date (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// Calls starting on or before this date.
    pub until: Option<String>,
    /// Only this agent.
    pub agent: Option<String>,
    /// Only this team.
    pub team: Option<String>,
}

/// Why a team view could not be made; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// An input could not be read.
    #[error("{}: {problem}", .path.display())]
    Input {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// The fields of a call record the team view reads (the rest is skipped).
#[derive(Debug, Deserialize)]
struct Record {
    file: String,
    status: String,
    #[serde(default)]
    file_size: u64,
    #[serde(default)]
    file_mtime_ns: u128,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    call_start: Option<String>,
    #[serde(default)]
    duration_s: Option<f64>,
    #[serde(default)]
    agent: Option<AgentPart>,
    #[serde(default)]
    reply_gaps: Vec<GapPart>,
    #[serde(default)]
    overlaps: u32,
    #[serde(default)]
    long_silences: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    metrics: Option<MetricsPart>,
    #[serde(default)]
    score: Option<ScorePart>,
}

#[derive(Debug, Deserialize)]
struct AgentPart {
    #[serde(default)]
    frac_voiced_in_band: Option<f64>,
    #[serde(default)]
    pace_changes_per_45s: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct GapPart {
    gap_s: f64,
    verdict: String,
}

#[derive(Debug, Deserialize)]
struct MetricsPart {
    #[serde(default)]
    talk_listen_ratio: Option<f64>,
    #[serde(default)]
    speaker_switches_per_min: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ScorePart {
    total: u32,
    #[serde(default)]
    partial: bool,
}

/// A call worth listening to first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorstCall {
    /// The WAV file.
    pub file: String,
    /// Its score.
    pub score: u32,
    /// When it started.
    pub call_start: Option<String>,
}

/// One week of an agent's fully measured calls (ISO week of `call_start`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Week {
    /// Calls.
    pub calls: u32,
    /// Mean score.
    pub mean_score: f64,
    /// Mean share of voiced time in band, %.
    pub in_band_pct: Option<f64>,
    /// Replies in the window, % of the week's replies.
    pub replies_in_window_pct: Option<f64>,
    /// Mean pace changes per 45 s.
    pub pace_changes_per_45s: Option<f64>,
}

/// The aggregates of a group of calls (an agent, a team, everyone). Rates are over the
/// fully measured calls; partial calls and errors are counted apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Aggregate {
    /// Fully measured calls.
    pub calls: u32,
    /// Calls marked partial (too little of the score measured).
    pub partial_calls: u32,
    /// Calls that could not be scored.
    pub error_calls: u32,
    /// Hours of fully measured calls.
    pub hours: f64,
    /// Mean score.
    pub mean_score: Option<f64>,
    /// Median score (the mean of the middle two for an even count).
    pub median_score: Option<f64>,
    /// Mean share of the agent's voiced time in band, %.
    pub in_band_pct: Option<f64>,
    /// Replies in the window, % of all replies.
    pub replies_in_window_pct: Option<f64>,
    /// Mean pace changes per 45 s of agent talk.
    pub pace_changes_per_45s: Option<f64>,
    /// Overlaps per call.
    pub overlaps_per_call: Option<f64>,
    /// Long silences per hour.
    pub long_silences_per_hour: Option<f64>,
    /// Mean agent-to-customer talk ratio.
    pub talk_listen_ratio: Option<f64>,
    /// Mean speaker switches per minute (interactivity).
    pub speaker_switches_per_min: Option<f64>,
    /// Reply gaps per bin of [`GAP_BIN_S`] from [`GAP_MIN_S`].
    pub reply_gap_histogram: Vec<u32>,
}

/// An agent's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentResult {
    /// Agent id (`unknown` for records without one).
    pub agent: String,
    /// Their team (the latest seen), if any.
    pub team: Option<String>,
    /// Their aggregates.
    pub totals: Aggregate,
    /// Per ISO week (`2026-W10`), in order.
    pub weeks: BTreeMap<String, Week>,
    /// Their lowest-scoring fully measured calls, lowest first.
    pub worst_calls: Vec<WorstCall>,
}

/// Everything `team` writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamView {
    /// All calls kept.
    pub totals: Aggregate,
    /// Per team (`unknown` for calls without one).
    pub teams: BTreeMap<String, Aggregate>,
    /// Per agent, by id.
    pub agents: Vec<AgentResult>,
    /// Records read, in all inputs.
    pub records_read: u64,
    /// Records left out because a newer record of the same call was read.
    pub duplicates: u64,
    /// Lines that are not call records (torn, foreign), skipped.
    pub skipped_lines: u64,
    /// Records left out by the filters.
    pub filtered_out: u64,
    /// The `calls.jsonl` files read.
    pub inputs: Vec<String>,
}

/// Running sums of an [`Aggregate`].
#[derive(Debug, Clone, Default)]
struct Sums {
    calls: u32,
    partial: u32,
    errors: u32,
    seconds: f64,
    scores: Vec<u8>,
    in_band: Mean,
    gaps: u64,
    gaps_in_window: u64,
    pace: Mean,
    overlaps: u64,
    long_silences: u64,
    ratio: Mean,
    switches: Mean,
    histogram: [u32; GAP_BINS],
}

#[derive(Debug, Clone, Copy, Default)]
struct Mean {
    sum: f64,
    n: u64,
}

impl Mean {
    fn add(&mut self, x: Option<f64>) {
        if let Some(x) = x.filter(|x| x.is_finite()) {
            self.sum += x;
            self.n += 1;
        }
    }

    fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

impl Sums {
    fn add(&mut self, r: &Record) {
        let Some(score) = r.score.as_ref().filter(|_| r.status == "ok") else {
            self.errors += 1;
            return;
        };
        if score.partial {
            self.partial += 1;
            return;
        }
        self.calls += 1;
        self.seconds += r.duration_s.unwrap_or(0.0);
        self.scores.push(score.total.min(100) as u8);
        if let Some(a) = &r.agent {
            self.in_band.add(a.frac_voiced_in_band.map(|f| f * 100.0));
            self.pace.add(a.pace_changes_per_45s);
        }
        for g in &r.reply_gaps {
            self.gaps += 1;
            if g.verdict == "in_window" {
                self.gaps_in_window += 1;
            }
            let bin = ((g.gap_s - GAP_MIN_S) / GAP_BIN_S).floor();
            let bin = (bin.max(0.0) as usize).min(GAP_BINS - 1);
            self.histogram[bin] += 1;
        }
        self.overlaps += u64::from(r.overlaps);
        self.long_silences += r.long_silences.len() as u64;
        if let Some(m) = &r.metrics {
            self.ratio.add(m.talk_listen_ratio);
            self.switches.add(m.speaker_switches_per_min);
        }
    }

    fn aggregate(&self) -> Aggregate {
        let calls = f64::from(self.calls);
        let hours = self.seconds / S_PER_HOUR;
        let mut scores = self.scores.clone();
        scores.sort_unstable();
        let median = match scores.len() {
            0 => None,
            n if n % 2 == 1 => Some(f64::from(scores[n / 2])),
            n => Some((f64::from(scores[n / 2 - 1]) + f64::from(scores[n / 2])) / 2.0),
        };
        Aggregate {
            calls: self.calls,
            partial_calls: self.partial,
            error_calls: self.errors,
            hours,
            mean_score: (self.calls > 0)
                .then(|| scores.iter().map(|&s| f64::from(s)).sum::<f64>() / calls),
            median_score: median,
            in_band_pct: self.in_band.get(),
            replies_in_window_pct: (self.gaps > 0)
                .then(|| 100.0 * self.gaps_in_window as f64 / self.gaps as f64),
            pace_changes_per_45s: self.pace.get(),
            overlaps_per_call: (self.calls > 0).then(|| self.overlaps as f64 / calls),
            long_silences_per_hour: (hours > 0.0).then(|| self.long_silences as f64 / hours),
            talk_listen_ratio: self.ratio.get(),
            speaker_switches_per_min: self.switches.get(),
            reply_gap_histogram: self.histogram.to_vec(),
        }
    }
}

#[derive(Debug, Default)]
struct AgentSums {
    team: Option<String>,
    sums: Sums,
    weeks: BTreeMap<String, Sums>,
    worst: Vec<WorstCall>,
}

/// The `calls.jsonl` of `input`: the file itself, or `calls.jsonl` in the folder.
fn jsonl_of(input: &Path) -> Result<PathBuf, TeamError> {
    let path = if input.is_dir() {
        input.join("calls.jsonl")
    } else {
        input.to_path_buf()
    };
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(TeamError::Input {
            path,
            problem: "not a regular file".into(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(TeamError::Input {
            path: input.to_path_buf(),
            problem: "no calls.jsonl here (write one with `callcoach score --out DIR`)".into(),
        }),
        Err(e) => Err(TeamError::Input {
            path,
            problem: e.to_string(),
        }),
    }
}

/// A call's identity: its file, size and modification time, hashed to 128 bits.
fn call_key(r: &Record) -> u128 {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        r.file.hash(&mut h);
        r.file_size.hash(&mut h);
        r.file_mtime_ns.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// Calls `each(input index, line number, record)` for every call record of `files`, and
/// returns the number of lines that are not call records.
fn stream(files: &[PathBuf], mut each: impl FnMut(usize, u64, Record)) -> Result<u64, TeamError> {
    let mut skipped = 0;
    let mut line = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let file = crate::regular_file::open_regular(path).map_err(|e| TeamError::Input {
            path: path.clone(),
            problem: e.to_string(),
        })?;
        let mut reader = BufReader::new(file);
        let mut n = 0u64;
        loop {
            line.clear();
            let read = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| TeamError::Input {
                    path: path.clone(),
                    problem: e.to_string(),
                })?;
            if read == 0 {
                break;
            }
            n += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Record>(&line) {
                Ok(r) => each(i, n, r),
                Err(_) => skipped += 1,
            }
        }
    }
    Ok(skipped)
}

/// The ISO week of a `call_start` (`2026-03-04...` → `2026-W10`).
pub fn iso_week(call_start: &str) -> Option<String> {
    let date: jiff::civil::Date = call_start.get(..10)?.parse().ok()?;
    let week = date.iso_week_date();
    Some(format!("{}-W{:02}", week.year(), week.week()))
}

impl TeamFilter {
    fn keeps(&self, r: &Record, agent: &str, team: &str) -> bool {
        let day = r.call_start.as_deref().and_then(|s| s.get(..10));
        let date_ok = |bound: &Option<String>, after: bool| match (bound, day) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(b), Some(d)) => {
                if after {
                    d >= b.as_str()
                } else {
                    d <= b.as_str()
                }
            }
        };
        date_ok(&self.since, true)
            && date_ok(&self.until, false)
            && self.agent.as_deref().is_none_or(|a| a == agent)
            && self.team.as_deref().is_none_or(|t| t == team)
    }
}

/// Aggregates the calls of `inputs` (folders holding `calls.jsonl`, or such files). A
/// call scored in several runs counts once, by its newest record: inputs are taken in
/// order of their modification time, and later lines win.
pub fn aggregate(inputs: &[PathBuf], filter: &TeamFilter) -> Result<TeamView, TeamError> {
    let mut files = inputs
        .iter()
        .map(|i| jsonl_of(i))
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_by_key(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
    // Pass 1: the newest record of each call.
    let mut newest: HashMap<u128, (usize, u64)> = HashMap::new();
    let mut records_read = 0u64;
    stream(&files, |i, n, r| {
        records_read += 1;
        newest.insert(call_key(&r), (i, n));
    })?;
    // Pass 2: aggregate those.
    let mut total = Sums::default();
    let mut teams: BTreeMap<String, Sums> = BTreeMap::new();
    let mut agents: BTreeMap<String, AgentSums> = BTreeMap::new();
    let mut filtered_out = 0u64;
    let skipped_lines = stream(&files, |i, n, r| {
        if newest.get(&call_key(&r)) != Some(&(i, n)) {
            return;
        }
        let agent = r.agent_id.clone().unwrap_or_else(|| UNKNOWN.into());
        let team = r.team.clone().unwrap_or_else(|| UNKNOWN.into());
        if !filter.keeps(&r, &agent, &team) {
            filtered_out += 1;
            return;
        }
        total.add(&r);
        teams.entry(team).or_default().add(&r);
        let a = agents.entry(agent).or_default();
        if r.team.is_some() {
            a.team = r.team.clone();
        }
        a.sums.add(&r);
        let full = r.status == "ok" && r.score.as_ref().is_some_and(|s| !s.partial);
        if full {
            if let Some(week) = r.call_start.as_deref().and_then(iso_week) {
                a.weeks.entry(week).or_default().add(&r);
            }
            let score = r.score.as_ref().map_or(0, |s| s.total);
            a.worst.push(WorstCall {
                file: r.file.clone(),
                score,
                call_start: r.call_start.clone(),
            });
            a.worst
                .sort_by(|x, y| x.score.cmp(&y.score).then_with(|| x.file.cmp(&y.file)));
            a.worst.truncate(WORST_CALLS);
        }
    })?;
    let duplicates = records_read - newest.len() as u64;
    Ok(TeamView {
        totals: total.aggregate(),
        teams: teams
            .iter()
            .map(|(t, s)| (t.clone(), s.aggregate()))
            .collect(),
        agents: agents
            .into_iter()
            .map(|(agent, a)| AgentResult {
                agent,
                team: a.team,
                totals: a.sums.aggregate(),
                weeks: a
                    .weeks
                    .iter()
                    .map(|(w, s)| {
                        let g = s.aggregate();
                        (
                            w.clone(),
                            Week {
                                calls: g.calls,
                                mean_score: g.mean_score.unwrap_or(0.0),
                                in_band_pct: g.in_band_pct,
                                replies_in_window_pct: g.replies_in_window_pct,
                                pace_changes_per_45s: g.pace_changes_per_45s,
                            },
                        )
                    })
                    .collect(),
                worst_calls: a.worst,
            })
            .collect(),
        records_read,
        duplicates,
        skipped_lines,
        filtered_out,
        inputs: files.iter().map(|f| f.display().to_string()).collect(),
    })
}

/// `agents.csv` header.
pub const AGENTS_CSV_HEADER: [&str; 17] = [
    "agent",
    "team",
    "calls",
    "partial_calls",
    "error_calls",
    "hours",
    "mean_score",
    "median_score",
    "in_band_pct",
    "replies_in_window_pct",
    "pace_changes_per_45s",
    "overlaps_per_call",
    "long_silences_per_hour",
    "talk_listen_ratio",
    "speaker_switches_per_min",
    "worst_call",
    "worst_score",
];

/// `agents.csv`: one row per agent.
pub fn agents_csv(view: &TeamView) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(AGENTS_CSV_HEADER)?;
    let f = |x: Option<f64>, d: usize| x.map(|v| format!("{v:.d$}")).unwrap_or_default();
    for a in &view.agents {
        let t = &a.totals;
        let worst = a.worst_calls.first();
        w.write_record([
            a.agent.clone(),
            a.team.clone().unwrap_or_default(),
            t.calls.to_string(),
            t.partial_calls.to_string(),
            t.error_calls.to_string(),
            format!("{:.3}", t.hours),
            f(t.mean_score, 1),
            f(t.median_score, 1),
            f(t.in_band_pct, 1),
            f(t.replies_in_window_pct, 1),
            f(t.pace_changes_per_45s, 2),
            f(t.overlaps_per_call, 2),
            f(t.long_silences_per_hour, 2),
            f(t.talk_listen_ratio, 2),
            f(t.speaker_switches_per_min, 2),
            worst.map(|w| w.file.clone()).unwrap_or_default(),
            worst.map(|w| w.score.to_string()).unwrap_or_default(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
