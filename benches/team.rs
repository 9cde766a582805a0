//! Speed of `callcoach team`: aggregating 100,000 call records. The records are real
//! ones (dev/c000 and dev/c003 as `callcoach score` writes them, segments and all) with
//! file, agent (40), team (4), start (13 weeks) and score varied, written once to
//! `target/team-bench/calls.jsonl` (about 0.5 GB). Budget: at most 10 s on one core.
//!
//! Run: `cargo bench --bench team`. Peak memory of the same aggregation from outside:
//! `/usr/bin/time -v target/release/callcoach team target/team-bench --out /tmp/team`.

#[path = "../tests/common/mod.rs"]
mod common;
use common::corpus;
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;

use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, score_one};
use callcoach::team::{TeamFilter, aggregate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Records in the synthetic `calls.jsonl`.
const RECORDS: usize = 100_000;

/// `target/team-bench/calls.jsonl`, written if it is not there yet.
fn synthetic_calls() -> PathBuf {
    let dir = common::root().join("target/team-bench");
    let path = dir.join("calls.jsonl");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
        return dir;
    }
    std::fs::create_dir_all(&dir).expect("mkdir");
    let templates: Vec<serde_json::Value> = ["dev/calls/c000.wav", "dev/calls/c003.wav"]
        .iter()
        .map(|f| {
            let record = score_one(
                &corpus(f),
                &Profile::default(),
                &AnalyzeOptions::default(),
                None,
            );
            serde_json::to_value(&record).expect("a record serialises")
        })
        .collect();
    let tmp = dir.join("calls.jsonl.partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("creates"));
    for i in 0..RECORDS {
        let mut r = templates[i % templates.len()].clone();
        r["file"] = format!("archive/agent{:02}/call{i:06}.wav", i % 40).into();
        r["agent_id"] = format!("agent{:02}", i % 40).into();
        r["team"] = format!("team{}", i % 4).into();
        r["call_start"] = format!("2026-{:02}-{:02}T10:00:00", 1 + (i / 7) % 3, 1 + i % 28).into();
        r["score"]["total"] = ((i * 37) % 101).into();
        serde_json::to_writer(&mut out, &r).expect("writes");
        out.write_all(b"\n").expect("writes");
    }
    out.flush().expect("flushes");
    drop(out);
    std::fs::rename(&tmp, &path).expect("renames");
    dir
}

fn team(c: &mut Criterion) {
    let dir = synthetic_calls();
    let mut group = c.benchmark_group("team");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("aggregate_100k_records", |b| {
        b.iter(|| {
            let view = aggregate(
                black_box(std::slice::from_ref(&dir)),
                &TeamFilter::default(),
            )
            .expect("aggregates");
            assert_eq!(view.records_read, RECORDS as u64);
            black_box(view)
        })
    });
    group.finish();
}

criterion_group!(benches, team);
criterion_main!(benches);
