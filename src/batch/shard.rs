//! Deterministic shards of a batch (`score --shard I/N`) and the descriptor each shard
//! leaves in its output folder (`shard.json`), which `callcoach merge` reads.
//!
//! The N parts are balanced by audio length read from the WAV headers: the longest
//! files are placed first, each on the part with the least audio so far (ties go to the
//! lower part number). The same input gives the same parts on every machine. Rows with
//! the same path (a manifest may list a file twice) stay on one part, so the merged
//! output keeps their order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Input, Job};
use crate::audio::wav::WavStream;

/// Name of the descriptor a shard writes in its output folder.
pub const SHARD_FILE: &str = "shard.json";

/// Milliseconds of audio a file counts for when its header cannot be read (it becomes
/// an error row, which takes almost no time).
const UNREADABLE_FILE_MS: u64 = 1;

/// One part of N: `I/N` with `0 <= I < N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// Which part, from 0.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

/// Why a `--shard` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardSpecError {
    /// Not of the form `I/N`.
    #[error("expected I/N (for example 0/4), got '{0}'")]
    Form(String),
    /// N is 0 or I is not below N.
    #[error("shard {index}/{count}: the index must be 0 to {}", .count.saturating_sub(1))]
    Range {
        /// I.
        index: usize,
        /// N.
        count: usize,
    },
}

impl FromStr for ShardSpec {
    type Err = ShardSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let form = || ShardSpecError::Form(text.to_string());
        let (i, n) = text.trim().split_once('/').ok_or_else(form)?;
        let index: usize = i.trim().parse().map_err(|_| form())?;
        let count: usize = n.trim().parse().map_err(|_| form())?;
        if count == 0 {
            return Err(form());
        }
        if index >= count {
            return Err(ShardSpecError::Range { index, count });
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Audio length of an input from its header, in ms; a path that cannot be read counts
/// as [`UNREADABLE_FILE_MS`].
pub fn audio_ms(input: &Input) -> u64 {
    match input {
        Input::File(path) => WavStream::open(path).map_or(UNREADABLE_FILE_MS, |s| {
            let info = s.info();
            (info.frames.saturating_mul(1000) / u64::from(info.sample_rate.max(1)))
                .max(UNREADABLE_FILE_MS)
        }),
        Input::Bad { .. } => UNREADABLE_FILE_MS,
    }
}

/// The part of each of `keys.len()` rows: rows with equal keys form one group; groups
/// are placed longest first on the part with the least audio so far (ties: the lower
/// part; equal groups: the earlier one first).
pub fn assign<K: Ord>(keys: &[K], weights_ms: &[u64], count: usize) -> Vec<usize> {
    assert_eq!(keys.len(), weights_ms.len(), "one weight per row");
    let count = count.max(1);
    // Groups of equal keys, in order of first appearance.
    let mut group_of: BTreeMap<&K, usize> = BTreeMap::new();
    let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
    for (row, key) in keys.iter().enumerate() {
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push((0, Vec::new()));
            groups.len() - 1
        });
        groups[g].0 = groups[g].0.saturating_add(weights_ms[row]);
        groups[g].1.push(row);
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| (Reverse(groups[g].0), g));
    let mut loads: BinaryHeap<Reverse<(u64, usize)>> =
        (0..count).map(|part| Reverse((0, part))).collect();
    let mut part_of = vec![0; keys.len()];
    for g in order {
        let Some(Reverse((load, part))) = loads.pop() else {
            unreachable!("the heap holds `count` parts")
        };
        for &row in &groups[g].1 {
            part_of[row] = part;
        }
        loads.push(Reverse((load.saturating_add(groups[g].0), part)));
    }
    part_of
}

/// The jobs of part `spec` (in their order) with their indices in `jobs`, and the audio
/// length of that part and of all parts, in ms.
pub fn select(jobs: Vec<Job>, spec: ShardSpec) -> Selection {
    let weights: Vec<u64> = jobs.iter().map(|j| audio_ms(&j.input)).collect();
    let keys: Vec<&Path> = jobs.iter().map(|j| j.input.path()).collect();
    let parts = assign(&keys, &weights, spec.count);
    let mut shard_ms = 0;
    let mut indices = Vec::new();
    let mut selected = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        if parts[i] == spec.index {
            shard_ms += weights[i];
            indices.push(i);
            selected.push(job);
        }
    }
    Selection {
        jobs: selected,
        indices,
        shard_ms,
    }
}

/// What [`select`] picked.
#[derive(Debug)]
pub struct Selection {
    /// The part's jobs, in input order.
    pub jobs: Vec<Job>,
    /// Their indices in the whole input.
    pub indices: Vec<usize>,
    /// Audio in this part, ms (from the headers).
    pub shard_ms: u64,
}

/// 64-bit FNV-1a, a stable fingerprint (the same on every machine and build).
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    /// Adds `bytes`, then a separator, so `["ab", "c"]` and `["a", "bc"]` differ.
    pub fn add(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes.iter().chain(&[0xff, 0x00]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// The value as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// Fingerprint of the whole input of a sharded run: the manifest's bytes (empty without
/// one), then every row's path and call details, in order, so every shard of one run has
/// the same one.
pub fn inputs_fingerprint(jobs: &[Job], manifest: &[u8]) -> String {
    let mut f = Fingerprint::default();
    f.add(manifest);
    for job in jobs {
        f.add(job.input.path().as_os_str().as_encoded_bytes());
        let meta = &job.plan.meta;
        for field in [&meta.agent, &meta.team, &meta.call_start] {
            f.add(field.as_deref().unwrap_or("").as_bytes());
        }
        if let Input::Bad { message, .. } = &job.input {
            f.add(message.as_bytes());
        }
    }
    f.hex()
}

/// Fingerprint of how the rows are scored: each row's profile (the agent's keys merged
/// over the team's or the row's), agent channel, pitch baseline and whether it has a
/// voice print, and the agents file the prints come from.
pub fn settings_fingerprint(jobs: &[Job], agents_file: &[u8]) -> String {
    let mut f = Fingerprint::default();
    f.add(agents_file);
    // A profile is shared by many rows: describe each one once.
    let mut profiles: std::collections::HashMap<*const crate::config::Profile, String> =
        std::collections::HashMap::new();
    for job in jobs {
        let plan = &job.plan;
        let profile = profiles
            .entry(std::sync::Arc::as_ptr(&plan.profile))
            .or_insert_with(|| {
                let mut p = Fingerprint::default();
                p.add(format!("{:?}", plan.profile).as_bytes());
                p.hex()
            });
        f.add(profile.as_bytes());
        f.add(format!("{:?}", plan.channel).as_bytes());
        f.add(&plan.baseline_hz.map_or(0, f64::to_bits).to_le_bytes());
        f.add(&[u8::from(plan.print.is_some())]);
    }
    f.hex()
}

/// The descriptor a shard writes in its output folder: written when the shard starts
/// (`complete: false`) and again when it has written its last record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Which part, from 0.
    pub shard: usize,
    /// How many parts.
    pub of: usize,
    /// callcoach version that scored it.
    pub version: String,
    /// Fingerprint of the scoring settings: profile, agents file, channel and path
    /// options.
    pub settings: String,
    /// Fingerprint of the whole input (every row of every part).
    pub inputs: String,
    /// Rows in the whole input.
    pub input_rows: usize,
    /// Rows in this part.
    pub rows: usize,
    /// Audio in this part, s (from the headers).
    pub audio_s: f64,
    /// Whether the shard wrote its last record.
    pub complete: bool,
}

impl ShardInfo {
    /// Writes `DIR/shard.json` whole (a new file renamed over the old one).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let path = dir.join(SHARD_FILE);
        let tmp = dir.join(format!("{SHARD_FILE}.partial"));
        let mut text = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        text.push(b'\n');
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    }

    /// Reads `DIR/shard.json`.
    pub fn read(dir: &Path) -> Result<ShardInfo, ShardFileError> {
        let path = dir.join(SHARD_FILE);
        let text = match crate::regular_file::read_regular_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ShardFileError::Missing { dir: dir.into() });
            }
            Err(error) => return Err(ShardFileError::Read { path, error }),
        };
        serde_json::from_str(&text).map_err(|e| ShardFileError::Invalid {
            path,
            message: e.to_string(),
        })
    }
}

/// A shard folder whose descriptor cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ShardFileError {
    /// No `shard.json`.
    #[error(
        "{}: no {SHARD_FILE}: not a folder written by `callcoach score --shard I/N --out DIR`",
        .dir.display()
    )]
    Missing {
        /// The folder.
        dir: PathBuf,
    },
    /// It could not be read.
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        error: io::Error,
    },
    /// It is not a shard descriptor.
    #[error("{}: not a shard descriptor: {message}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_bad_ones_say_why() {
        assert_eq!(
            "2/4".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 4 })
        );
        assert_eq!(
            " 0 / 1 ".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 0, count: 1 })
        );
        assert_eq!(
            "4/4".parse::<ShardSpec>().unwrap_err().to_string(),
            "shard 4/4: the index must be 0 to 3"
        );
        for bad in ["", "1", "1/0", "a/4", "-1/4", "1/4/5"] {
            assert_eq!(
                bad.parse::<ShardSpec>().unwrap_err().to_string(),
                format!("expected I/N (for example 0/4), got '{bad}'"),
            );
        }
    }

    #[test]
    fn longest_first_on_the_least_loaded_part() {
        // 10, 9 and 8 take a part each; then 3 joins 8, 2 joins 9 and 1 joins 10, each
        // time the part with the least audio so far.
        let keys = ["a", "b", "c", "d", "e", "f"];
        let w = [1, 10, 2, 9, 3, 8];
        let parts = assign(&keys, &w, 3);
        assert_eq!(parts, vec![0, 0, 1, 1, 2, 2]);
        let mut loads = [0u64; 3];
        for (row, &p) in parts.iter().enumerate() {
            loads[p] += w[row];
        }
        assert_eq!(loads, [11, 11, 11]);
    }

    #[test]
    fn equal_keys_stay_together_and_more_parts_than_rows_leaves_some_empty() {
        let keys = ["x", "y", "x", "z"];
        let parts = assign(&keys, &[5, 5, 5, 5], 7);
        assert_eq!(parts[0], parts[2]);
        assert_eq!(parts, vec![0, 1, 0, 2]);
    }

    #[test]
    fn every_row_is_in_exactly_one_part_for_any_count() {
        let keys: Vec<usize> = (0..53).collect();
        let weights: Vec<u64> = (0..53).map(|i| (i * 7919 % 997) as u64 + 1).collect();
        for count in [1, 2, 3, 4, 7, 53, 60] {
            let parts = assign(&keys, &weights, count);
            assert!(parts.iter().all(|&p| p < count));
            let mut seen = vec![0; keys.len()];
            for part in 0..count {
                for (row, &p) in parts.iter().enumerate() {
                    if p == part {
                        seen[row] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "count {count}");
        }
    }

    #[test]
    fn a_skewed_set_is_balanced_by_audio_not_by_count() {
        // Three 1-hour calls among 300 calls of 2-8 minutes, in 8 parts.
        let mut weights: Vec<u64> = (0..300).map(|i| (120 + (i * 37) % 361) * 1000).collect();
        weights.extend([3_600_000; 3]);
        let keys: Vec<usize> = (0..weights.len()).collect();
        let parts = assign(&keys, &weights, 8);
        let mut loads = [0u64; 8];
        for (row, &p) in parts.iter().enumerate() {
            loads[p] += weights[row];
        }
        let mean = loads.iter().sum::<u64>() as f64 / 8.0;
        let max = *loads.iter().max().unwrap() as f64;
        assert!(max / mean <= 1.05, "slowest part {max} against mean {mean}");
    }

    #[test]
    fn fingerprints_are_stable_and_separate_fields() {
        let mut a = Fingerprint::default();
        a.add(b"ab").add(b"c");
        let mut b = Fingerprint::default();
        b.add(b"a").add(b"bc");
        assert_ne!(a.hex(), b.hex());
        let mut empty = Fingerprint::default();
        empty.add(b"");
        // FNV-1a 64 of the bytes ff 00.
        assert_eq!(empty.hex(), "0a99a607b6f60bea");
    }
}
