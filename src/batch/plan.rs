//! What each call of a run is scored with: its agent, team and start, its profile (the
//! team's or the manifest row's, with the agent's own keys over it), its agent channel
//! (given, or found by the agent's voice print) and the agent's pitch baseline. And what
//! a scored call teaches the agents file with `--learn`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::agents::{AgentChannel, AgentStore, ChannelCheck, ChannelVerdict, VoicePrint};
use crate::config::{Profile, ProfileError};
use crate::file_analysis::{AnalyzeOptions, score_one};
use crate::manifest::{CallMeta, ChannelChoice};
use crate::record::CallRecord;

/// Why a call could not be planned; the message names the file and the key.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlanError {
    /// The row's profile file, or the agent's own profile keys, are wrong.
    #[error(transparent)]
    Profile(Arc<ProfileError>),
}

/// How one call is scored.
#[derive(Debug, Clone)]
pub struct CallPlan {
    /// Agent, team and start.
    pub meta: CallMeta,
    /// The agent channel asked for.
    pub channel: ChannelChoice,
    /// The profile (agent's keys over the team's or the row's).
    pub profile: Arc<Profile>,
    /// The agent's stored baseline, when it rests on enough speech, Hz.
    pub baseline_hz: Option<f64>,
    /// The agent's voice print, when enrolled.
    pub print: Option<Arc<VoicePrint>>,
    /// Make the prints of the file's channels even without an agent print (to learn).
    pub want_prints: bool,
}

/// Turns manifest rows, path patterns and command-line settings into [`CallPlan`]s,
/// loading each profile file and merging each agent's keys once.
pub struct Planner<'a> {
    team: Arc<Profile>,
    channel: Option<ChannelChoice>,
    agents: Option<&'a AgentStore>,
    learn: bool,
    files: HashMap<PathBuf, Result<Arc<Profile>, PlanError>>,
    merged: HashMap<(Option<PathBuf>, String), Result<Arc<Profile>, PlanError>>,
}

impl<'a> Planner<'a> {
    /// A planner for a run with the team profile `team`, the `--agent-channel` given
    /// (if any), the agents file (if any) and whether the run learns.
    pub fn new(
        team: Profile,
        channel: Option<ChannelChoice>,
        agents: Option<&'a AgentStore>,
        learn: bool,
    ) -> Self {
        Self {
            team: Arc::new(team),
            channel,
            agents,
            learn,
            files: HashMap::new(),
            merged: HashMap::new(),
        }
    }

    /// A plan with the team profile and no agent, carrying `meta`: for calls without an
    /// agent, and for error rows.
    pub fn fallback(&self, meta: CallMeta) -> CallPlan {
        CallPlan {
            meta,
            channel: self
                .channel
                .unwrap_or(ChannelChoice::Given(self.team.agent_channel)),
            profile: Arc::clone(&self.team),
            baseline_hz: None,
            print: None,
            want_prints: false,
        }
    }

    /// The plan of one call; an error (a profile that cannot be read, an agent's
    /// profile keys that are wrong) names the file and the key.
    pub fn plan(
        &mut self,
        meta: CallMeta,
        row_channel: Option<ChannelChoice>,
        row_profile: Option<&Path>,
    ) -> Result<CallPlan, PlanError> {
        let base = match row_profile {
            Some(p) => self
                .files
                .entry(p.to_path_buf())
                .or_insert_with(|| {
                    Profile::load(p)
                        .map(Arc::new)
                        .map_err(|e| PlanError::Profile(Arc::new(e)))
                })
                .clone()?,
            None => Arc::clone(&self.team),
        };
        let agent = meta
            .agent
            .as_deref()
            .and_then(|id| self.agents.and_then(|s| s.get(id).ok()));
        let agents_file = self.agents.map_or(Path::new(""), AgentStore::path);
        let profile = match agent.filter(|a| a.profile.is_some()) {
            Some(a) => self
                .merged
                .entry((row_profile.map(Path::to_path_buf), a.id.clone()))
                .or_insert_with(|| {
                    a.profile_over(&base, agents_file)
                        .map(Arc::new)
                        .map_err(|e| PlanError::Profile(Arc::new(e)))
                })
                .clone()?,
            None => base,
        };
        let channel = row_channel
            .or(self.channel)
            .unwrap_or(ChannelChoice::Given(profile.agent_channel));
        Ok(CallPlan {
            channel,
            baseline_hz: agent.and_then(|a| a.baseline).and_then(|b| b.usable_hz()),
            print: agent
                .and_then(|a| a.voice_print.as_ref())
                .map(|p| Arc::new(p.print.clone())),
            want_prints: self.learn && meta.agent.is_some(),
            profile,
            meta,
        })
    }
}

/// What a scored call teaches the agents file: the print of its agent channel.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The agent.
    pub agent: String,
    /// The channel the print was made from.
    pub channel: usize,
    /// Its print (with the median F0 that feeds the baseline).
    pub print: VoicePrint,
}

/// Scores one planned call: checks or picks its agent channel against the agent's
/// print when there is one, then runs the engine. Returns the record and, when the
/// plan asks for prints, the lesson for the agents file.
pub fn score_planned(
    path: &Path,
    plan: &CallPlan,
    options: &AnalyzeOptions,
    pitch_track: Option<&Path>,
) -> (CallRecord, Option<Lesson>) {
    let needs_prints =
        plan.print.is_some() || plan.want_prints || plan.channel == ChannelChoice::Auto;
    let mut notes = Vec::new();
    let mut check_label = None;
    let mut channel = match plan.channel {
        ChannelChoice::Given(c) => c,
        ChannelChoice::Auto => plan.profile.agent_channel,
    };
    let mut prints = None;
    if needs_prints {
        match crate::agents::channel_prints(path) {
            // A mono file has one channel: nothing to check or pick.
            Ok(p) if p.len() >= 2 => prints = Some(p),
            Ok(_) => {}
            // The engine's own pass reports an unreadable file.
            Err(_) => {}
        }
    }
    if let (Some(prints), Some(agent_print)) = (&prints, &plan.print) {
        let request = match plan.channel {
            ChannelChoice::Given(c) => AgentChannel::Given(c),
            ChannelChoice::Auto => AgentChannel::Auto { fallback: channel },
        };
        match ChannelCheck::from_prints(agent_print, prints, request) {
            Ok(check) => {
                channel = check.channel;
                check_label = Some(check.verdict.label().to_string());
                let note = check.note();
                notes.push(match (plan.channel, check.verdict) {
                    (ChannelChoice::Auto, ChannelVerdict::Matches) => {
                        format!("agent channel picked by voice print: {note}")
                    }
                    (_, ChannelVerdict::Swapped) => format!(
                        "agent channel swapped? {note}; score it with --agent-channel {} or \
                         auto",
                        check.best
                    ),
                    _ => format!("agent channel check: {note}"),
                });
            }
            Err(e) => notes.push(format!("agent channel check skipped: {e}")),
        }
    } else if plan.channel == ChannelChoice::Auto && prints.is_some() {
        notes.push(format!(
            "agent channel auto: {} has no voice print (enrol them with `callcoach agents \
             enroll`), so channel {channel} was used",
            plan.meta
                .agent
                .as_deref()
                .unwrap_or("the call's agent (none given)")
        ));
    }
    let options = AnalyzeOptions {
        agent_channel: Some(channel),
        agent_baseline_hz: plan.baseline_hz,
        agent_print: plan.print.clone(),
        ..options.clone()
    };
    let mut record = score_one(path, &plan.profile, &options, pitch_track).with_meta(&plan.meta);
    record.channel_check = check_label;
    if let Some(report) = record.report.as_mut() {
        if report.layout == crate::analysis::Layout::Stereo {
            record.agent_channel = Some(channel);
        }
        report.notes.extend(notes);
    }
    let lesson = match (&plan.meta.agent, prints, plan.want_prints) {
        (Some(agent), Some(mut prints), true) if record.report.is_some() => {
            (channel < prints.len()).then(|| Lesson {
                agent: agent.clone(),
                channel,
                print: prints.swap_remove(channel),
            })
        }
        _ => None,
    };
    (record, lesson)
}
