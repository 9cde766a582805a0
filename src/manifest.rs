//! Who and when a call is: its agent, team and start time, with the channel and profile
//! it is scored with. They come from a manifest (`score --manifest calls.csv`, one row
//! per call) or from the archive's folder layout (`--agent-from-path
//! '{agent}/{date}_{any}.wav'`).

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The columns a manifest may have; only `path` is required.
pub const MANIFEST_COLUMNS: [&str; 6] = [
    "path",
    "agent",
    "call_start",
    "agent_channel",
    "team",
    "profile",
];

/// The placeholders of a path pattern.
pub const PATTERN_FIELDS: [&str; 5] = ["agent", "team", "date", "time", "any"];

/// Who made a call and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMeta {
    /// Agent id.
    pub agent: Option<String>,
    /// Team.
    pub team: Option<String>,
    /// Start of the call: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` (local time) or
    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    pub call_start: Option<String>,
}

/// The channel a call's agent is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelChoice {
    /// This channel, 0-based.
    Given(usize),
    /// The channel whose voice matches the agent's print best.
    Auto,
}

impl fmt::Display for ChannelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelChoice::Given(c) => write!(f, "{c}"),
            ChannelChoice::Auto => f.write_str("auto"),
        }
    }
}

/// Reads `0`, `1`, ... or `auto`.
pub fn parse_channel(text: &str) -> Result<ChannelChoice, MetaError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("auto") {
        return Ok(ChannelChoice::Auto);
    }
    match text.parse::<usize>() {
        Ok(c) if c <= MAX_CHANNEL => Ok(ChannelChoice::Given(c)),
        _ => Err(MetaError::Channel(text.into())),
    }
}

/// The highest channel index accepted.
const MAX_CHANNEL: usize = 7;

/// Reads a call start time and writes it in one form: `2026-03-04`,
/// `2026-03-04T09:15:00` (no offset: local time as recorded) or `2026-03-04T08:15:00Z`
/// (an offset given: converted to UTC). Accepts RFC 3339 / ISO 8601 with `T` or a
/// space, and the compact `20260304`.
pub fn parse_call_start(text: &str) -> Result<String, MetaError> {
    let text = text.trim();
    let bad = || MetaError::CallStart(text.into());
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>()
        && text.len() > DATE_LEN
    {
        return Ok(dt.strftime("%Y-%m-%dT%H:%M:%S").to_string());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return Ok(date.to_string());
    }
    if text.len() == COMPACT_DATE_LEN
        && text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(date) = jiff::civil::Date::strptime("%Y%m%d", text)
    {
        return Ok(date.to_string());
    }
    Err(bad())
}

/// `YYYY-MM-DD`.
const DATE_LEN: usize = 10;
/// `YYYYMMDD`.
const COMPACT_DATE_LEN: usize = 8;

/// A time of day from a file name: `0915`, `091500`, `09-15`, `09-15-00`, `09:15:00`.
fn parse_time_of_day(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let separators_ok = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ':');
    if !separators_ok || !(digits.len() == 4 || digits.len() == 6) {
        return None;
    }
    let field = |i: usize| digits.get(i..i + 2).and_then(|d| d.parse::<u32>().ok());
    let (h, m) = (field(0)?, field(2)?);
    let s = if digits.len() == 6 { field(4)? } else { 0 };
    (h < 24 && m < 60 && s < 60).then(|| format!("{h:02}:{m:02}:{s:02}"))
}

/// A path pattern such as `{agent}/{date}_{any}.wav`, matched against the end of a
/// file's path: each `{field}` takes one or more characters within a path component.
#[derive(Debug, Clone)]
pub struct PathPattern {
    text: String,
    regex: regex::Regex,
}

impl PathPattern {
    /// Compiles `text`; an unknown or repeated placeholder is an error.
    pub fn new(text: &str) -> Result<Self, MetaError> {
        let mut re = String::from("(?:^|/)");
        let mut seen = HashSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            re.push_str(&regex::escape(&rest[..open]));
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| MetaError::Unclosed(text.into()))?;
            let name = &after[..close];
            if !PATTERN_FIELDS.contains(&name) {
                return Err(MetaError::UnknownField {
                    pattern: text.into(),
                    field: name.into(),
                });
            }
            if name != "any" && !seen.insert(name) {
                return Err(MetaError::RepeatedField {
                    pattern: text.into(),
                    field: name.into(),
                });
            }
            if name == "any" {
                re.push_str("[^/]*?");
            } else {
                re.push_str(&format!("(?P<{name}>[^/]+?)"));
            }
            rest = &after[close + 1..];
        }
        re.push_str(&regex::escape(rest));
        re.push('$');
        let regex = regex::Regex::new(&re).map_err(|error| MetaError::Regex {
            pattern: text.into(),
            error,
        })?;
        Ok(Self {
            text: text.to_string(),
            regex,
        })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// What the pattern says about `path`, or why it does not fit.
    pub fn meta(&self, path: &Path) -> Result<CallMeta, MetaError> {
        let shown = path.to_string_lossy().replace('\\', "/");
        let caps = self
            .regex
            .captures(&shown)
            .ok_or_else(|| MetaError::NoMatch {
                path: path.to_path_buf(),
                pattern: self.text.clone(),
            })?;
        let field = |name: &str| caps.name(name).map(|m| m.as_str().to_string());
        let call_start = match (field("date"), field("time")) {
            (Some(date), time) => {
                let date = parse_call_start(&date).map_err(|e| MetaError::InPath {
                    path: path.to_path_buf(),
                    error: Box::new(e),
                })?;
                match time {
                    Some(t) => Some(format!(
                        "{date}T{}",
                        parse_time_of_day(&t).ok_or_else(|| MetaError::TimeOfDay {
                            path: path.to_path_buf(),
                            text: t.clone(),
                        })?
                    )),
                    None => Some(date),
                }
            }
            (None, _) => None,
        };
        Ok(CallMeta {
            agent: field("agent"),
            team: field("team"),
            call_start,
        })
    }
}

/// What is wrong with a call's details: a manifest value, a path pattern, or what a
/// pattern read from a path.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// An agent channel that is neither a channel number nor `auto`.
    #[error("agent channel must be a channel number 0-{MAX_CHANNEL} or `auto`, got `{0}`")]
    Channel(String),
    /// A call start that is not a date or time.
    #[error(
        "call_start `{0}` is not a date or time (use e.g. 2026-03-04, \
         2026-03-04T09:15:00 or 2026-03-04T09:15:00+01:00)"
    )]
    CallStart(String),
    /// An agent id that cannot be stored.
    #[error("agent: {0}")]
    AgentId(crate::agents::store::IdError),
    /// A path pattern with a `{` and no `}`.
    #[error("path pattern `{0}`: `{{` without `}}`")]
    Unclosed(String),
    /// A path pattern with a placeholder it does not know.
    #[error(
        "path pattern `{pattern}`: unknown field `{{{field}}}` (known: {})",
        PATTERN_FIELDS.map(|f| format!("{{{f}}}")).join(", ")
    )]
    UnknownField {
        /// The pattern.
        pattern: String,
        /// The placeholder's name.
        field: String,
    },
    /// A path pattern with a placeholder given twice.
    #[error("path pattern `{pattern}`: `{{{field}}}` appears twice")]
    RepeatedField {
        /// The pattern.
        pattern: String,
        /// The placeholder's name.
        field: String,
    },
    /// A path pattern whose literal text makes no valid regular expression.
    #[error("path pattern `{pattern}`: {error}")]
    Regex {
        /// The pattern.
        pattern: String,
        /// What the regex crate said.
        error: regex::Error,
    },
    /// A path the pattern does not fit.
    #[error("{}: the path does not match --agent-from-path `{pattern}`", path.display())]
    NoMatch {
        /// The file.
        path: PathBuf,
        /// The pattern.
        pattern: String,
    },
    /// A value the pattern read from a path is wrong.
    #[error("{}: {error}", path.display())]
    InPath {
        /// The file.
        path: PathBuf,
        /// What is wrong with the value.
        error: Box<MetaError>,
    },
    /// A time read from a path that is not a time of day.
    #[error("{}: `{text}` is not a time of day (use e.g. 0915 or 09-15-00)", path.display())]
    TimeOfDay {
        /// The file.
        path: PathBuf,
        /// The text read.
        text: String,
    },
}

/// One row of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    /// Line of the manifest file, from 1 (the header is line 1).
    pub line: u64,
    /// The WAV file, resolved against the manifest's folder.
    pub path: PathBuf,
    /// Agent, team and start.
    pub meta: CallMeta,
    /// The agent channel, when the row gives one.
    pub agent_channel: Option<ChannelChoice>,
    /// The profile file, resolved against the manifest's folder.
    pub profile: Option<PathBuf>,
}

/// A manifest row that cannot be used: it becomes an error row naming the line.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    /// Line of the manifest file, from 1.
    pub line: u64,
    /// The row's path (as resolved), or the manifest's own path when the row has none.
    pub path: PathBuf,
    /// What is wrong, naming the manifest and the line.
    pub message: String,
}

/// A manifest that cannot be read at all (missing, no `path` column, unknown column).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ManifestError {
    /// The manifest.
    pub path: String,
    /// What is wrong.
    pub problem: String,
}

/// Reads a manifest: a CSV with a header naming some of [`MANIFEST_COLUMNS`] in any
/// order (`path` required). Relative paths are taken from the manifest's folder. Each
/// data row becomes a [`ManifestRow`], or a [`BadRow`] when a value is wrong.
pub fn read_manifest(path: &Path) -> Result<Vec<Result<ManifestRow, BadRow>>, ManifestError> {
    let fail = |problem: String| ManifestError {
        path: path.display().to_string(),
        problem,
    };
    let text = crate::regular_file::read_regular_to_string(path)
        .map_err(|e| fail(format!("cannot read manifest: {e}")))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| fail(format!("header: {e}")))?
        .clone();
    let mut column = [None; MANIFEST_COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let known = MANIFEST_COLUMNS
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                fail(format!(
                    "unknown column `{name}` (known: {})",
                    MANIFEST_COLUMNS.join(", ")
                ))
            })?;
        if column[known].replace(i).is_some() {
            return Err(fail(format!("column `{name}` appears twice")));
        }
    }
    if column[0].is_none() {
        return Err(fail(format!(
            "no `path` column (the header must name some of: {})",
            MANIFEST_COLUMNS.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for result in reader.records() {
        let (line, row) = match result {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                (line, parse_row(&record, &column, base, line))
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                (line, Err((None, format!("{e}"))))
            }
        };
        rows.push(row.map_err(|(row_path, problem)| BadRow {
            line,
            path: row_path.unwrap_or_else(|| path.to_path_buf()),
            message: format!("{}:{line}: {problem}", path.display()),
        }));
    }
    Ok(rows)
}

fn parse_row(
    record: &csv::StringRecord,
    column: &[Option<usize>; MANIFEST_COLUMNS.len()],
    base: &Path,
    line: u64,
) -> Result<ManifestRow, (Option<PathBuf>, String)> {
    let value = |i: usize| {
        column[i]
            .and_then(|c| record.get(c))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let path = value(0).ok_or((None, "the `path` value is empty".to_string()))?;
    let path = base.join(path);
    let with_path = |problem: MetaError| (Some(path.clone()), problem.to_string());
    parse_fields(&value, base, line, path.clone()).map_err(with_path)
}

fn parse_fields(
    value: &dyn Fn(usize) -> Option<String>,
    base: &Path,
    line: u64,
    path: PathBuf,
) -> Result<ManifestRow, MetaError> {
    let agent = value(1);
    if let Some(id) = &agent {
        crate::agents::store::check_id(id).map_err(MetaError::AgentId)?;
    }
    let call_start = value(2).map(|t| parse_call_start(&t)).transpose()?;
    let agent_channel = value(3).map(|c| parse_channel(&c)).transpose()?;
    Ok(ManifestRow {
        line,
        path,
        meta: CallMeta {
            agent,
            team: value(4),
            call_start,
        },
        agent_channel,
        profile: value(5).map(|p| base.join(p)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_starts_are_written_in_one_form() {
        let ok = |t: &str| parse_call_start(t).unwrap();
        assert_eq!(ok("2026-03-04"), "2026-03-04");
        assert_eq!(ok("20260304"), "2026-03-04");
        assert_eq!(ok("2026-03-04T09:15"), "2026-03-04T09:15:00");
        assert_eq!(ok("2026-03-04 09:15:30"), "2026-03-04T09:15:30");
        assert_eq!(ok("2026-03-04T09:15:00+01:00"), "2026-03-04T08:15:00Z");
        assert_eq!(ok("2026-03-04T09:15:00Z"), "2026-03-04T09:15:00Z");
        for bad in ["yesterday", "2026-13-01", "2026-02-30", "04/03/2026", ""] {
            let e = parse_call_start(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("`{bad}`")), "{e}");
        }
    }

    #[test]
    fn channels_are_numbers_or_auto() {
        assert_eq!(parse_channel("1").unwrap(), ChannelChoice::Given(1));
        assert_eq!(parse_channel("AUTO").unwrap(), ChannelChoice::Auto);
        assert!(
            parse_channel("left")
                .unwrap_err()
                .to_string()
                .contains("`left`")
        );
        assert!(parse_channel("8").is_err());
    }

    #[test]
    fn a_path_pattern_takes_agent_date_and_time_from_the_end_of_the_path() {
        let p = PathPattern::new("{team}/{agent}/{date}_{time}_{any}.wav").unwrap();
        let m = p
            .meta(Path::new(
                "/archive/sales/anna.berg/2026-03-04_0915_call_7.wav",
            ))
            .unwrap();
        assert_eq!(m.team.as_deref(), Some("sales"));
        assert_eq!(m.agent.as_deref(), Some("anna.berg"));
        assert_eq!(m.call_start.as_deref(), Some("2026-03-04T09:15:00"));
        let p = PathPattern::new("{agent}/{date}_{any}.wav").unwrap();
        let m = p.meta(Path::new("calls/bo/20260304_x_y.wav")).unwrap();
        assert_eq!(m.agent.as_deref(), Some("bo"));
        assert_eq!(m.team, None);
        assert_eq!(m.call_start.as_deref(), Some("2026-03-04"));
        let e = p.meta(Path::new("flat.wav")).unwrap_err().to_string();
        assert!(e.starts_with("flat.wav: the path does not match"), "{e}");
        let e = p
            .meta(Path::new("bo/notadate_x.wav"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`notadate`"), "{e}");
    }

    #[test]
    fn a_bad_pattern_is_refused_with_the_reason() {
        assert!(
            PathPattern::new("{who}/x.wav")
                .unwrap_err()
                .to_string()
                .contains("unknown field `{who}`")
        );
        assert!(
            PathPattern::new("{agent}/{agent}.wav")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(
            PathPattern::new("{agent/x.wav")
                .unwrap_err()
                .to_string()
                .contains("without")
        );
        // Literal regex characters are literal.
        let p = PathPattern::new("{agent}/(a).wav").unwrap();
        assert_eq!(
            p.meta(Path::new("x/(a).wav")).unwrap().agent.as_deref(),
            Some("x")
        );
        assert!(p.meta(Path::new("x/a.wav")).is_err());
    }

    #[test]
    fn manifest_rows_and_bad_rows_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("calls.csv");
        std::fs::write(
            &m,
            "path,agent,call_start,agent_channel,team,profile\n\
             a.wav,anna,2026-03-04T09:15:00,1,sales,p.toml\n\
             b.wav,,,,,\n\
             c.wav,bo,not-a-date,0,,\n\
             d.wav,bo,,left,,\n\
             ,bo,,,,\n",
        )
        .unwrap();
        let rows = read_manifest(&m).unwrap();
        assert_eq!(rows.len(), 5);
        let a = rows[0].as_ref().unwrap();
        assert_eq!(a.line, 2);
        assert_eq!(a.path, dir.path().join("a.wav"));
        assert_eq!(a.meta.agent.as_deref(), Some("anna"));
        assert_eq!(a.meta.team.as_deref(), Some("sales"));
        assert_eq!(a.meta.call_start.as_deref(), Some("2026-03-04T09:15:00"));
        assert_eq!(a.agent_channel, Some(ChannelChoice::Given(1)));
        assert_eq!(a.profile, Some(dir.path().join("p.toml")));
        let b = rows[1].as_ref().unwrap();
        assert_eq!(
            (b.meta.clone(), b.agent_channel, b.profile.clone()),
            (CallMeta::default(), None, None)
        );
        let shown = m.display().to_string();
        for (i, line, what) in [
            (2, 4, "not-a-date"),
            (3, 5, "`left`"),
            (4, 6, "`path` value is empty"),
        ] {
            let bad = rows[i].as_ref().unwrap_err();
            assert_eq!(bad.line, line);
            assert!(
                bad.message.starts_with(&format!("{shown}:{line}: ")),
                "{}",
                bad.message
            );
            assert!(bad.message.contains(what), "{}", bad.message);
        }
    }

    #[test]
    fn a_manifest_without_a_path_column_or_with_an_unknown_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m.csv");
        std::fs::write(&m, "file,agent\na.wav,x\n").unwrap();
        assert!(
            read_manifest(&m)
                .unwrap_err()
                .to_string()
                .contains("unknown column `file`")
        );
        std::fs::write(&m, "agent\nx\n").unwrap();
        assert!(
            read_manifest(&m)
                .unwrap_err()
                .to_string()
                .contains("no `path` column")
        );
        let missing = dir.path().join("none.csv");
        let e = read_manifest(&missing).unwrap_err().to_string();
        assert!(e.starts_with(&missing.display().to_string()), "{e}");
    }
}
