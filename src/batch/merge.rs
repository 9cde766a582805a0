//! `callcoach merge`: one `calls.jsonl` and `summary.csv` from the output folders of
//! `score --shard I/N`, the same bytes a single run over the whole input writes.
//!
//! Each shard's `calls.jsonl` is in path order, so the merge streams them side by side
//! and keeps memory flat whatever the number of records. Shards of different runs
//! (another version, settings or input) are refused; a missing or unfinished shard
//! stops the merge unless the caller accepts a partial result, which `merge.json` then
//! records.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::shard::{SHARD_FILE, ShardFileError, ShardInfo};
use super::{BatchError, CSV_HEADER, CallRecord, output_error, sync_outputs};
use crate::record::record_path;
use crate::regular_file::open_regular;

/// Name of the merge's own descriptor in the output folder.
pub const MERGE_FILE: &str = "merge.json";

/// Why a merge did not run.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No folder was given.
    #[error("no shard folders given")]
    NoShards,
    /// A folder's `shard.json` is missing or unreadable.
    #[error(transparent)]
    Shard(#[from] ShardFileError),
    /// Two shards come from different runs.
    #[error(
        "{}: scored with a different {what} than {}: {found} (there: {expected}); \
         re-run it with the same version, settings and input",
        .dir.display(), .first.display()
    )]
    Differs {
        /// The shard that differs.
        dir: PathBuf,
        /// The first shard given.
        first: PathBuf,
        /// What differs.
        what: &'static str,
        /// Its value in `dir`.
        found: String,
        /// Its value in `first`.
        expected: String,
    },
    /// Shards are missing or did not finish.
    #[error("{}; merge what there is with --allow-partial", describe_gaps(.of, .missing, .unfinished))]
    Incomplete {
        /// N.
        of: usize,
        /// Parts no folder holds.
        missing: Vec<usize>,
        /// Parts whose folder did not finish, with the folder.
        unfinished: Vec<(usize, PathBuf)>,
    },
    /// A record line of a shard cannot be read.
    #[error("{}:{line}: not a call record: {message}", .path.display())]
    BadRecord {
        /// The shard's `calls.jsonl`.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// Reading a shard or writing the output failed.
    #[error(transparent)]
    Io(#[from] BatchError),
}

fn describe_gaps(of: &usize, missing: &[usize], unfinished: &[(usize, PathBuf)]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        parts.push(format!(
            "shard{} {} of {of} missing (no folder given holds {})",
            if missing.len() == 1 { "" } else { "s" },
            list.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
        ));
    }
    for (index, dir) in unfinished {
        parts.push(format!(
            "shard {index}/{of} in {} did not finish: run it again with --resume",
            dir.display()
        ));
    }
    parts.join("; ")
}

/// Settings of a merge.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Output folder for `calls.jsonl`, `summary.csv` and `merge.json`.
    pub out_dir: PathBuf,
    /// Merge even when shards are missing or unfinished (`merge.json` says so).
    pub allow_partial: bool,
}

/// What a merge did; also written as `merge.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MergeOutcome {
    /// N.
    pub of: usize,
    /// callcoach version of the shards.
    pub version: String,
    /// Settings fingerprint of the shards.
    pub settings: String,
    /// Input fingerprint of the shards.
    pub inputs: String,
    /// Parts merged, each with its folder.
    pub merged: Vec<MergedShard>,
    /// Parts no folder held.
    pub missing: Vec<usize>,
    /// Parts merged although they did not finish.
    pub unfinished: Vec<usize>,
    /// Whether parts are missing or unfinished.
    pub partial: bool,
    /// Records written.
    pub records: u64,
    /// Folders left out because another folder held the same part.
    pub left_out: Vec<PathBuf>,
}

/// A part that was merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedShard {
    /// Which part.
    pub shard: usize,
    /// Its folder.
    pub dir: PathBuf,
}

/// One shard's `calls.jsonl`, read a record at a time.
struct Stream {
    path: PathBuf,
    reader: BufReader<File>,
    line_no: u64,
    /// A torn last line is expected only from an unfinished shard.
    finished: bool,
}

/// A record read from a stream: its path key, its bytes and its `summary.csv` row.
struct Item {
    key: PathBuf,
    line: Vec<u8>,
    record: CallRecord,
}

impl Stream {
    fn next(&mut self) -> Result<Option<Item>, MergeError> {
        let mut line = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut line)
            .map_err(|e| output_error(&self.path, "cannot read")(e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if line.last() != Some(&b'\n') {
            if self.finished {
                return Err(MergeError::BadRecord {
                    path: self.path.clone(),
                    line: self.line_no,
                    message: "the last line is cut short".into(),
                });
            }
            return Ok(None);
        }
        let record: CallRecord =
            serde_json::from_slice(&line).map_err(|e| MergeError::BadRecord {
                path: self.path.clone(),
                line: self.line_no,
                message: e.to_string(),
            })?;
        Ok(Some(Item {
            key: record_path(&record.file, record.file_bytes_hex.as_deref()),
            line,
            record,
        }))
    }
}

/// A shard folder and its descriptor.
type Shard = (PathBuf, ShardInfo);

/// The shard folders to merge, one per part: a folder given twice counts once; of two
/// folders holding the same part, a finished one wins over an unfinished one, then the
/// one whose `shard.json` was written last.
fn choose(dirs: &[PathBuf]) -> Result<(Vec<Shard>, Vec<PathBuf>), MergeError> {
    let mut seen = HashSet::new();
    let mut shards: Vec<Shard> = Vec::new();
    for dir in dirs {
        let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        if seen.insert(real) {
            shards.push((dir.clone(), ShardInfo::read(dir)?));
        }
    }
    let Some((first_dir, first)) = shards.first().cloned() else {
        return Err(MergeError::NoShards);
    };
    for (dir, info) in &shards {
        let checks: [(&'static str, String, String); 4] = [
            (
                "number of shards",
                info.of.to_string(),
                first.of.to_string(),
            ),
            (
                "callcoach version",
                info.version.clone(),
                first.version.clone(),
            ),
            (
                "input (input fingerprint)",
                info.inputs.clone(),
                first.inputs.clone(),
            ),
            (
                "profile or options (settings fingerprint)",
                info.settings.clone(),
                first.settings.clone(),
            ),
        ];
        for (what, found, expected) in checks {
            if found != expected {
                return Err(MergeError::Differs {
                    dir: dir.clone(),
                    first: first_dir.clone(),
                    what,
                    found,
                    expected,
                });
            }
        }
    }
    let written = |dir: &Path| {
        std::fs::metadata(dir.join(SHARD_FILE))
            .and_then(|m| m.modified())
            .ok()
    };
    let mut by_part: BTreeMap<usize, Vec<Shard>> = BTreeMap::new();
    for shard in shards {
        by_part.entry(shard.1.shard).or_default().push(shard);
    }
    let mut chosen = Vec::new();
    let mut left_out = Vec::new();
    for (_, mut candidates) in by_part {
        candidates.sort_by_key(|(dir, info)| (info.complete, written(dir)));
        let best = candidates.pop().expect("each part has a folder");
        left_out.extend(candidates.into_iter().map(|(dir, _)| dir));
        chosen.push(best);
    }
    Ok((chosen, left_out))
}

/// Merges the shard folders `dirs` into `options.out_dir`.
pub fn merge(dirs: &[PathBuf], options: &MergeOptions) -> Result<MergeOutcome, MergeError> {
    let (chosen, left_out) = choose(dirs)?;
    let first = &chosen[0].1;
    let of = first.of;
    let present: HashSet<usize> = chosen.iter().map(|(_, i)| i.shard).collect();
    let missing: Vec<usize> = (0..of).filter(|i| !present.contains(i)).collect();
    let unfinished: Vec<(usize, PathBuf)> = chosen
        .iter()
        .filter(|(_, i)| !i.complete)
        .map(|(d, i)| (i.shard, d.clone()))
        .collect();
    if (!missing.is_empty() || !unfinished.is_empty()) && !options.allow_partial {
        return Err(MergeError::Incomplete {
            of,
            missing,
            unfinished,
        });
    }
    let mut outcome = MergeOutcome {
        of,
        version: first.version.clone(),
        settings: first.settings.clone(),
        inputs: first.inputs.clone(),
        merged: chosen
            .iter()
            .map(|(dir, i)| MergedShard {
                shard: i.shard,
                dir: dir.clone(),
            })
            .collect(),
        partial: !missing.is_empty() || !unfinished.is_empty(),
        missing,
        unfinished: unfinished.iter().map(|(i, _)| *i).collect(),
        records: 0,
        left_out,
    };

    let mut streams = Vec::new();
    for (dir, info) in &chosen {
        let path = dir.join("calls.jsonl");
        let file = match open_regular(&path) {
            Ok(file) => file,
            // An unfinished shard may not have started writing.
            Err(e) if e.kind() == io::ErrorKind::NotFound && !info.complete => continue,
            Err(e) => return Err(output_error(&path, "cannot read")(e).into()),
        };
        streams.push(Stream {
            path,
            reader: BufReader::new(file),
            line_no: 0,
            finished: info.complete,
        });
    }

    let dir = &options.out_dir;
    std::fs::create_dir_all(dir).map_err(output_error(dir, "cannot create output folder"))?;
    let jsonl_path = dir.join("calls.jsonl");
    let csv_path = dir.join("summary.csv");
    let jsonl_tmp = dir.join("calls.jsonl.partial");
    let csv_tmp = dir.join("summary.csv.partial");
    let written = write_merged(&mut streams, &jsonl_tmp, &csv_tmp, &jsonl_path, &csv_path);
    let records = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&jsonl_tmp);
            let _ = std::fs::remove_file(&csv_tmp);
            return Err(e);
        }
    };
    outcome.records = records;
    let write_csv = output_error(&csv_path, "cannot write");
    let write_jsonl = output_error(&jsonl_path, "cannot write");
    std::fs::rename(&jsonl_tmp, &jsonl_path).map_err(write_jsonl)?;
    std::fs::rename(&csv_tmp, &csv_path).map_err(write_csv)?;
    let merge_path = dir.join(MERGE_FILE);
    let mut text = serde_json::to_vec_pretty(&outcome)
        .map_err(|e| output_error(&merge_path, "cannot write")(e.into()))?;
    text.push(b'\n');
    std::fs::write(&merge_path, text).map_err(output_error(&merge_path, "cannot write"))?;
    Ok(outcome)
}

/// Writes the records of `streams` in path order into the two temporary files; returns
/// how many.
fn write_merged(
    streams: &mut [Stream],
    jsonl_tmp: &Path,
    csv_tmp: &Path,
    jsonl_path: &Path,
    csv_path: &Path,
) -> Result<u64, MergeError> {
    let write_jsonl = output_error(jsonl_path, "cannot write");
    let write_csv = output_error(csv_path, "cannot write");
    let mut jsonl = BufWriter::new(File::create(jsonl_tmp).map_err(&write_jsonl)?);
    let mut csv = csv::Writer::from_writer(File::create(csv_tmp).map_err(&write_csv)?);
    csv.write_record(CSV_HEADER)
        .map_err(|e| write_csv(e.into()))?;
    // The head record of each stream; the heap orders them by path, then by stream.
    let mut heads: Vec<Option<Item>> = Vec::with_capacity(streams.len());
    let mut heap = BinaryHeap::new();
    for (s, stream) in streams.iter_mut().enumerate() {
        let item = stream.next()?;
        if let Some(item) = &item {
            heap.push(Reverse((item.key.clone(), s)));
        }
        heads.push(item);
    }
    let mut records = 0u64;
    while let Some(Reverse((_, s))) = heap.pop() {
        let item = heads[s].take().expect("a stream in the heap has a head");
        jsonl.write_all(&item.line).map_err(&write_jsonl)?;
        csv.write_record(item.record.csv_row())
            .map_err(|e| write_csv(e.into()))?;
        records += 1;
        if let Some(next) = streams[s].next()? {
            heap.push(Reverse((next.key.clone(), s)));
            heads[s] = Some(next);
        }
    }
    sync_outputs(jsonl, csv, &write_jsonl, &write_csv)?;
    Ok(records)
}
