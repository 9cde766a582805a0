//! `callcoach agents list | enroll | forget`: the agents file seen and changed from the
//! command line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::band::relative_band;
use crate::config::Profile;

use super::check::{CheckError, channel_prints};
use super::store::{Agent, AgentStore, MIN_BASELINE_SPEECH_S, StoreError};

/// Why enrolling failed; the message names the file or the key.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// The agents file.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A recording could not be read.
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The channel asked for is not in a recording.
    #[error("{}: has {channels} channel(s); there is no channel {channel}", .path.display())]
    NoSuchChannel {
        /// The recording.
        path: PathBuf,
        /// The channel asked for.
        channel: usize,
        /// Channels in the file.
        channels: usize,
    },
    /// A recording holds no speech on the agent's channel.
    #[error("{}: no speech on channel {channel}", .path.display())]
    NoSpeech {
        /// The recording.
        path: PathBuf,
        /// The channel.
        channel: usize,
    },
}

/// Adds the speech of `files` on `channel` to the agent `id` (added with `name` if new):
/// to their voice print and their pitch baseline. Either every file is added or none.
pub fn enroll(
    store: &mut AgentStore,
    id: &str,
    name: &str,
    files: &[PathBuf],
    channel: usize,
) -> Result<(), EnrollError> {
    let mut prints = Vec::with_capacity(files.len());
    for path in files {
        let mut channels = channel_prints(path)?;
        if channel >= channels.len() {
            return Err(EnrollError::NoSuchChannel {
                path: path.clone(),
                channel,
                channels: channels.len(),
            });
        }
        let print = channels.swap_remove(channel);
        if print.speech_s <= 0.0 {
            return Err(EnrollError::NoSpeech {
                path: path.clone(),
                channel,
            });
        }
        prints.push(print);
    }
    let agent = store.get_or_add(id, name)?;
    for print in &prints {
        agent.learn(print, channel);
    }
    Ok(())
}

/// The pitch band of `agent` in words: `100-120 Hz`, or `-1.0..+2.0 st` with the Hz it
/// gives on the agent's baseline once that rests on enough speech.
pub fn band_text(agent: &Agent, team: &Profile, origin: &Path) -> String {
    let profile = match agent.profile_over(team, origin) {
        Ok(p) => p,
        Err(e) => return format!("error: {e}"),
    };
    match profile.pitch.band_semitones {
        None => {
            let [lo, hi] = profile.pitch.band_hz;
            format!("{lo:.0}-{hi:.0} Hz")
        }
        Some(st) => {
            let relative = format!("{:+.1}..{:+.1} st", st[0], st[1]);
            match agent.baseline.and_then(|b| b.usable_hz()) {
                Some(base) => {
                    let [lo, hi] = relative_band(base, st);
                    format!("{relative} ({lo:.0}-{hi:.0} Hz)")
                }
                _ => format!("{relative} (from each call's first 30 s)"),
            }
        }
    }
}

/// The `agents list` table: id, name, band, baseline, its speech seconds, voice print.
pub fn list(store: &AgentStore, team: &Profile) -> String {
    let mut rows = vec![[
        "id".to_string(),
        "name".to_string(),
        "band".to_string(),
        "baseline".to_string(),
        "speech".to_string(),
        "voice print".to_string(),
    ]];
    for agent in store.agents() {
        let (baseline, speech) = match agent.baseline {
            Some(b) => {
                let enough = if b.speech_s >= MIN_BASELINE_SPEECH_S {
                    ""
                } else {
                    " (not yet used)"
                };
                (
                    format!("{:.1} Hz{enough}", b.median_f0_hz),
                    format!("{:.1} s", b.speech_s),
                )
            }
            None => ("-".to_string(), "0.0 s".to_string()),
        };
        let print = match &agent.voice_print {
            Some(p) => format!("yes (channel {}, {:.1} s)", p.channel, p.print.speech_s),
            None => "no".to_string(),
        };
        rows.push([
            agent.id.clone(),
            agent.name.clone(),
            band_text(agent, team, store.path()),
            baseline,
            speech,
            print,
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if store.agents().next().is_none() {
        let _ = writeln!(
            out,
            "(no agents yet in {}; add one with `callcoach agents enroll AGENT FILE...`)",
            store.path().display()
        );
    }
    out
}
