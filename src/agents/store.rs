//! The agents file: who the agents are, their profile overrides, their pitch baseline and
//! their voice print, kept as TOML in the platform's data directory (or a file the caller
//! names).
//!
//! A file that does not parse is never overwritten: opening it fails with an error naming
//! the file and the key, and so does saving over it. Before each write the file on disk
//! is copied to `agents.toml.bak`; the new contents go to a temporary file in the same
//! directory that is then renamed over the old one, so a crash mid-write leaves either
//! the old file or the new one.
//!
//! ```toml
//! [agents.anna]
//! name = "Anna Berg"
//!
//! [agents.anna.profile]          # any profile keys; the team profile fills the rest
//! pitch = { band_semitones = [-1.0, 2.0] }
//!
//! [agents.anna.baseline]
//! median_f0_hz = 201.3
//! speech_s = 84.2
//!
//! [agents.anna.voice_print]
//! channel = 1                    # the channel of the recordings it was made from
//! features = "mfcc-c1-c12-mel20-300-3400hz"
//! speech_s = 84.2
//! mean = [...]                   # 12 values
//! var = [...]                    # 12 values
//! median_f0_hz = 201.3
//! voiced_s = 51.0
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::voiceprint::VoicePrint;
use crate::config::{Profile, ProfileError};

/// File name of the agents file inside callcoach's data directory.
pub const AGENTS_FILE_NAME: &str = "agents.toml";
/// Name of callcoach's directory inside the platform's data directory.
pub const DATA_DIR_NAME: &str = crate::paths::DATA_DIR_NAME;
/// Longest agent id, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// A problem with the agents file, naming the file and, where there is one, the key.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The platform has no data directory (no home directory).
    #[error(
        "no data directory for the agents file (set CALLCOACH_DATA_DIR, XDG_DATA_HOME or HOME, or name a file with --agents)"
    )]
    NoDataDir,
    /// The file could not be read.
    #[error("{path}: cannot read the agents file: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// OS error.
        source: io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a value of the wrong type. It
    /// is left as it is.
    #[error("{path}: broken agents file, left unchanged: {message}")]
    Parse {
        /// File.
        path: PathBuf,
        /// The parser's message, which names the key and the line.
        message: String,
    },
    /// A value is outside what it may be.
    #[error("{path}: `{key}` {problem}")]
    Invalid {
        /// File.
        path: PathBuf,
        /// Dotted key, e.g. `agents.anna.voice_print.var`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No agent has this id.
    #[error("{path}: no agent `{id}` (known: {known})")]
    UnknownAgent {
        /// File.
        path: PathBuf,
        /// The id asked for.
        id: String,
        /// The ids there are, comma-separated, or `none`.
        known: String,
    },
    /// The file could not be written (or its backup made); the file is as it was.
    #[error("{path}: cannot write the agents file: {source}")]
    Write {
        /// File that could not be written.
        path: PathBuf,
        /// OS error.
        source: io::Error,
    },
}

/// A stored baseline is used once it rests on this much of the agent's speech, s;
/// before that a relative band rests on each call's own first voiced speech.
pub const MIN_BASELINE_SPEECH_S: f64 = 60.0;

/// An agent's pitch baseline: the median F0 of their own speech.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Median F0 of the agent's voiced speech, Hz.
    pub median_f0_hz: f64,
    /// Speech the median rests on, s.
    pub speech_s: f64,
}

impl Baseline {
    /// The baseline F0 once it rests on [`MIN_BASELINE_SPEECH_S`] of speech, Hz.
    pub fn usable_hz(&self) -> Option<f64> {
        (self.speech_s >= MIN_BASELINE_SPEECH_S).then_some(self.median_f0_hz)
    }

    /// Adds the median of more speech: the result is the speech-weighted geometric mean
    /// of the two medians (the frames themselves are not kept).
    pub fn add(&mut self, median_f0_hz: f64, speech_s: f64) {
        let total = self.speech_s + speech_s;
        if total <= 0.0 || !(median_f0_hz.is_finite() && median_f0_hz > 0.0) {
            return;
        }
        let w = self.speech_s / total;
        self.median_f0_hz = (w * self.median_f0_hz.ln() + (1.0 - w) * median_f0_hz.ln()).exp();
        self.speech_s = total;
    }
}

/// An agent's voice print and the channel of the recordings it was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredVoicePrint", into = "StoredVoicePrint")]
pub struct AgentVoicePrint {
    /// Channel (0-based) the agent was on in the recordings the print was made from; the
    /// latest enrolment's.
    pub channel: usize,
    /// The print.
    pub print: VoicePrint,
}

/// On-disk form of [`AgentVoicePrint`]: one flat table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredVoicePrint {
    channel: usize,
    features: String,
    speech_s: f64,
    mean: Vec<f64>,
    var: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    median_f0_hz: Option<f64>,
    voiced_s: f64,
}

impl From<StoredVoicePrint> for AgentVoicePrint {
    fn from(s: StoredVoicePrint) -> Self {
        AgentVoicePrint {
            channel: s.channel,
            print: VoicePrint {
                features: s.features,
                speech_s: s.speech_s,
                mean: s.mean,
                var: s.var,
                median_f0_hz: s.median_f0_hz,
                voiced_s: s.voiced_s,
            },
        }
    }
}

impl From<AgentVoicePrint> for StoredVoicePrint {
    fn from(a: AgentVoicePrint) -> Self {
        StoredVoicePrint {
            channel: a.channel,
            features: a.print.features,
            speech_s: a.print.speech_s,
            mean: a.print.mean,
            var: a.print.var,
            median_f0_hz: a.print.median_f0_hz,
            voiced_s: a.print.voiced_s,
        }
    }
}

/// One agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Id, unique in the file: the key of the agent's table.
    pub id: String,
    /// Name shown to people.
    pub name: String,
    /// Profile keys of the agent's own (any profile key, as in a profile TOML); the team
    /// profile gives the others.
    pub profile: Option<toml::Table>,
    /// Pitch baseline, once learned.
    pub baseline: Option<Baseline>,
    /// Voice print, once enrolled.
    pub voice_print: Option<AgentVoicePrint>,
}

impl Agent {
    /// A new agent with no profile, baseline or print.
    pub fn new(id: &str, name: &str) -> Agent {
        Agent {
            id: id.to_string(),
            name: name.to_string(),
            profile: None,
            baseline: None,
            voice_print: None,
        }
    }

    /// The agent's profile: `team` with their own keys over it, checked as a profile file
    /// is; a wrong key is an error naming `agents_file`, the agent's table and the key.
    pub fn profile_over(
        &self,
        team: &Profile,
        agents_file: &Path,
    ) -> Result<Profile, ProfileError> {
        match &self.profile {
            Some(overrides) => team.with_overrides(
                overrides,
                &format!("{} [agents.{}.profile]", agents_file.display(), self.id),
            ),
            None => Ok(team.clone()),
        }
    }

    /// Adds a recording of the agent on `channel`: its print is merged into the agent's
    /// print (the channel recorded is this one), and its median F0 into the baseline.
    pub fn learn(&mut self, print: &VoicePrint, channel: usize) {
        let merged = match &self.voice_print {
            Some(old) if old.print.speech_s > 0.0 => old.print.merge(print),
            _ => print.clone(),
        };
        self.voice_print = Some(AgentVoicePrint {
            channel,
            print: merged,
        });
        if let Some(f0) = print.median_f0_hz {
            match &mut self.baseline {
                Some(b) => b.add(f0, print.speech_s),
                None => {
                    self.baseline = Some(Baseline {
                        median_f0_hz: f0,
                        speech_s: print.speech_s,
                    })
                }
            }
        }
    }
}

/// On-disk form of an agent: its id is the table's key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredAgent {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<toml::Table>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<Baseline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    voice_print: Option<AgentVoicePrint>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredFile {
    #[serde(default)]
    agents: BTreeMap<String, StoredAgent>,
}

/// Says what is wrong with an agent id, if anything: it must be 1 to [`MAX_ID_CHARS`]
/// characters without control characters or leading or trailing spaces.
pub fn check_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(IdError::TooLong);
    }
    if id.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter);
    }
    if id.trim() != id {
        return Err(IdError::OuterSpace);
    }
    Ok(())
}

/// What is wrong with an agent id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is empty.
    #[error("an agent id must not be empty")]
    Empty,
    /// The id has more than [`MAX_ID_CHARS`] characters.
    #[error("an agent id has at most {MAX_ID_CHARS} characters")]
    TooLong,
    /// The id holds a control character.
    #[error("an agent id must not hold control characters")]
    ControlCharacter,
    /// The id starts or ends with a space.
    #[error("an agent id must not start or end with a space")]
    OuterSpace,
}

/// The agents file, loaded and validated. Changes are kept in memory until
/// [`AgentStore::save`].
#[derive(Debug, Clone)]
pub struct AgentStore {
    path: PathBuf,
    agents: BTreeMap<String, Agent>,
}

impl AgentStore {
    /// The agents file in callcoach's data directory ([`crate::paths::data_dir`]):
    /// `$XDG_DATA_HOME/callcoach/agents.toml` (by default
    /// `~/.local/share/callcoach/agents.toml`) on Linux, the Application Support or
    /// AppData directory elsewhere, or inside `$CALLCOACH_DATA_DIR`.
    pub fn default_path() -> Result<PathBuf, StoreError> {
        crate::paths::data_dir()
            .map(|d| d.join(AGENTS_FILE_NAME))
            .map_err(|_| StoreError::NoDataDir)
    }

    /// Opens the agents file at `path`; a file that does not exist yet is an empty store
    /// (created on [`AgentStore::save`]).
    pub fn open(path: &Path) -> Result<AgentStore, StoreError> {
        let text = match crate::regular_file::read_regular_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(StoreError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let agents = parse(path, &text)?;
        Ok(AgentStore {
            path: path.to_path_buf(),
            agents,
        })
    }

    /// The file the store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The agents, sorted by id.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values()
    }

    /// The agent with this id.
    pub fn get(&self, id: &str) -> Result<&Agent, StoreError> {
        self.agents.get(id).ok_or_else(|| self.unknown(id))
    }

    /// The agent with this id, to change.
    pub fn get_mut(&mut self, id: &str) -> Result<&mut Agent, StoreError> {
        let unknown = self.unknown(id);
        self.agents.get_mut(id).ok_or(unknown)
    }

    /// The agent with this id, added with `name` (the id if empty) if not there yet.
    pub fn get_or_add(&mut self, id: &str, name: &str) -> Result<&mut Agent, StoreError> {
        check_id(id).map_err(|p| self.invalid(format!("agents.{id}"), p.to_string()))?;
        let name = if name.is_empty() { id } else { name };
        Ok(self
            .agents
            .entry(id.to_string())
            .or_insert_with(|| Agent::new(id, name)))
    }

    /// Adds `agent`, replacing one with the same id; returns the one replaced.
    pub fn insert(&mut self, agent: Agent) -> Result<Option<Agent>, StoreError> {
        check_id(&agent.id)
            .map_err(|p| self.invalid(format!("agents.{}", agent.id), p.to_string()))?;
        if let Some(vp) = &agent.voice_print {
            vp.print.validate().map_err(|p| {
                self.invalid(format!("agents.{}.voice_print", agent.id), p.to_string())
            })?;
        }
        Ok(self.agents.insert(agent.id.clone(), agent))
    }

    /// Removes the agent with this id and returns it.
    pub fn remove(&mut self, id: &str) -> Result<Agent, StoreError> {
        let unknown = self.unknown(id);
        self.agents.remove(id).ok_or(unknown)
    }

    /// The store as TOML, agents sorted by id.
    pub fn to_toml(&self) -> String {
        let file = StoredFile {
            agents: self
                .agents
                .iter()
                .map(|(id, a)| {
                    (
                        id.clone(),
                        StoredAgent {
                            name: a.name.clone(),
                            profile: a.profile.clone(),
                            baseline: a.baseline,
                            voice_print: a.voice_print.clone(),
                        },
                    )
                })
                .collect(),
        };
        // Serialising plain tables, strings and finite numbers cannot fail.
        toml::to_string(&file).unwrap_or_default()
    }

    /// Writes the store to its file. A file there that does not parse is left as it is
    /// ([`StoreError::Parse`]); otherwise it is first copied to `agents.toml.bak`, then
    /// replaced atomically (temporary file and rename). Creates the directory if needed.
    pub fn save(&self) -> Result<(), StoreError> {
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Write { path, source }
        };
        match crate::regular_file::read_regular_to_string(&self.path) {
            Ok(text) => {
                parse(&self.path, &text)?;
                let backup = backup_path(&self.path);
                fs::copy(&self.path, &backup).map_err(write_err(&backup))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        let tmp = temp_path(&self.path);
        let written = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(self.to_toml().as_bytes())?;
            file.sync_all()
        })();
        if let Err(source) = written {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::Write { path: tmp, source });
        }
        fs::rename(&tmp, &self.path).map_err(|source| {
            let _ = fs::remove_file(&tmp);
            StoreError::Write {
                path: self.path.clone(),
                source,
            }
        })
    }

    fn unknown(&self, id: &str) -> StoreError {
        let known: Vec<&str> = self.agents.keys().map(String::as_str).collect();
        StoreError::UnknownAgent {
            path: self.path.clone(),
            id: id.to_string(),
            known: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        }
    }

    fn invalid(&self, key: String, problem: String) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            key,
            problem,
        }
    }
}

/// `agents.toml` -> `agents.toml.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// A temporary file beside `path`, unique to this process.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

fn parse(path: &Path, text: &str) -> Result<BTreeMap<String, Agent>, StoreError> {
    let file: StoredFile = toml::from_str(text).map_err(|e| StoreError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let invalid = |key: String, problem: String| StoreError::Invalid {
        path: path.to_path_buf(),
        key,
        problem,
    };
    let mut agents = BTreeMap::new();
    for (id, stored) in file.agents {
        check_id(&id).map_err(|p| invalid(format!("agents.{id}"), p.to_string()))?;
        if let Some(b) = &stored.baseline {
            if !(b.median_f0_hz.is_finite() && b.median_f0_hz > 0.0) {
                return Err(invalid(
                    format!("agents.{id}.baseline.median_f0_hz"),
                    format!("must be a positive number of Hz, not {}", b.median_f0_hz),
                ));
            }
            if !(b.speech_s.is_finite() && b.speech_s >= 0.0) {
                return Err(invalid(
                    format!("agents.{id}.baseline.speech_s"),
                    format!("must be a number of seconds >= 0, not {}", b.speech_s),
                ));
            }
        }
        if let Some(vp) = &stored.voice_print {
            vp.print
                .validate()
                .map_err(|p| invalid(format!("agents.{id}.voice_print"), p.to_string()))?;
        }
        agents.insert(
            id.clone(),
            Agent {
                id,
                name: stored.name,
                profile: stored.profile,
                baseline: stored.baseline,
                voice_print: stored.voice_print,
            },
        );
    }
    Ok(agents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::cepstrum::CEPSTRA;
    use crate::agents::voiceprint::FEATURES;

    fn print(mean: f64, f0: f64, speech_s: f64) -> VoicePrint {
        VoicePrint {
            features: FEATURES.into(),
            speech_s,
            mean: (0..CEPSTRA).map(|i| mean + i as f64 * 0.25).collect(),
            var: vec![1.5; CEPSTRA],
            median_f0_hz: Some(f0),
            voiced_s: speech_s * 0.6,
        }
    }

    fn anna() -> Agent {
        let mut a = Agent::new("anna", "Anna Berg");
        let mut profile = toml::Table::new();
        profile.insert(
            "pitch".into(),
            toml::Value::Table(
                [(
                    "band_semitones".to_string(),
                    toml::Value::Array(vec![toml::Value::Float(-1.0), toml::Value::Float(2.0)]),
                )]
                .into_iter()
                .collect(),
            ),
        );
        a.profile = Some(profile);
        a.learn(&print(-3.0, 201.5, 84.25), 1);
        a
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(AGENTS_FILE_NAME);
        let mut store = AgentStore::open(&path).unwrap();
        assert_eq!(store.agents().count(), 0);
        store.insert(anna()).unwrap();
        store.get_or_add("bo", "").unwrap();
        store.save().unwrap();

        let again = AgentStore::open(&path).unwrap();
        let ids: Vec<&str> = again.agents().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["anna", "bo"]);
        assert_eq!(again.get("anna").unwrap(), &anna());
        let bo = again.get("bo").unwrap();
        assert_eq!(bo.name, "bo");
        assert_eq!((bo.baseline, &bo.voice_print), (None, &None));
        let a = again.get("anna").unwrap();
        assert_eq!(
            a.baseline,
            Some(Baseline {
                median_f0_hz: 201.5,
                speech_s: 84.25
            })
        );
        assert_eq!(a.voice_print.as_ref().unwrap().channel, 1);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("[agents.anna.voice_print]"), "{text}");
        assert!(text.contains("band_semitones = [-1.0, 2.0]"), "{text}");
    }

    #[test]
    fn learning_merges_prints_and_baselines() {
        let mut a = Agent::new("anna", "Anna");
        a.learn(&print(0.0, 100.0, 30.0), 0);
        a.learn(&print(0.0, 200.0, 10.0), 1);
        let b = a.baseline.unwrap();
        assert_eq!(b.speech_s, 40.0);
        // Speech-weighted geometric mean: 100^0.75 * 200^0.25.
        assert!((b.median_f0_hz - 100.0 * 2f64.powf(0.25)).abs() < 1e-9);
        let vp = a.voice_print.unwrap();
        assert_eq!((vp.channel, vp.print.speech_s), (1, 40.0));
    }

    #[test]
    fn a_backup_is_made_before_each_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AGENTS_FILE_NAME);
        let mut store = AgentStore::open(&path).unwrap();
        store.insert(anna()).unwrap();
        store.save().unwrap();
        // Nothing to back up the first time.
        assert!(!backup_path(&path).exists());
        let first = fs::read_to_string(&path).unwrap();
        store.remove("anna").unwrap();
        store.save().unwrap();
        assert_eq!(fs::read_to_string(backup_path(&path)).unwrap(), first);
        assert_eq!(fs::read_to_string(&path).unwrap(), "[agents]\n");
        assert_eq!(backup_path(&path).file_name().unwrap(), "agents.toml.bak");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_broken_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AGENTS_FILE_NAME);
        let broken = "[agents.anna]\nname = \"Anna\"\nbaseline = { median_f0_hz = \"high\" }\n";
        fs::write(&path, broken).unwrap();
        let err = AgentStore::open(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Parse { .. }), "{msg}");
        assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        assert!(msg.contains("median_f0_hz"), "{msg}");

        // A store opened before the file broke must not write over it either.
        let other = dir.path().join("other.toml");
        let mut store = AgentStore::open(&other).unwrap();
        store.insert(anna()).unwrap();
        let store = AgentStore {
            path: path.clone(),
            ..store
        };
        assert!(matches!(store.save(), Err(StoreError::Parse { .. })));
        assert_eq!(fs::read_to_string(&path).unwrap(), broken);
        assert!(!backup_path(&path).exists());
    }

    #[test]
    fn bad_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AGENTS_FILE_NAME);
        fs::write(
            &path,
            "[agents.anna]\nname = \"Anna\"\n[agents.anna.baseline]\nmedian_f0_hz = -5.0\nspeech_s = 3.0\n",
        )
        .unwrap();
        let msg = AgentStore::open(&path).unwrap_err().to_string();
        assert_eq!(
            msg,
            format!(
                "{}: `agents.anna.baseline.median_f0_hz` must be a positive number of Hz, not -5",
                path.display()
            )
        );
        let mut store = AgentStore::open(&dir.path().join("x.toml")).unwrap();
        let mut a = anna();
        a.voice_print.as_mut().unwrap().print.var.truncate(3);
        let msg = store.insert(a).unwrap_err().to_string();
        assert!(
            msg.ends_with("`agents.anna.voice_print` needs 12 means and variances, has 12 and 3"),
            "{msg}"
        );
        let msg = store.get_or_add(" anna", "").unwrap_err().to_string();
        assert!(msg.ends_with("must not start or end with a space"), "{msg}");
    }

    #[test]
    fn unknown_agent_names_the_file_and_the_known_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AGENTS_FILE_NAME);
        let mut store = AgentStore::open(&path).unwrap();
        assert_eq!(
            store.get("zoe").unwrap_err().to_string(),
            format!("{}: no agent `zoe` (known: none)", path.display())
        );
        store.insert(anna()).unwrap();
        store.get_or_add("bo", "Bo").unwrap();
        let err = store.remove("zoe").unwrap_err();
        assert!(matches!(err, StoreError::UnknownAgent { ref id, .. } if id == "zoe"));
        assert_eq!(
            err.to_string(),
            format!("{}: no agent `zoe` (known: anna, bo)", path.display())
        );
        assert!(store.get_mut("zoe").is_err());
        assert_eq!(store.remove("bo").unwrap().name, "Bo");
    }

    #[test]
    fn the_default_file_lives_in_the_data_directory() {
        let path = AgentStore::default_path().unwrap();
        assert!(
            path.ends_with("callcoach/agents.toml"),
            "{}",
            path.display()
        );
    }
}
