//! Shard balance of `score --shard I/N` on a skewed archive: three 1-hour calls among
//! 144 short ones (the 36 corpus calls of dev and train, 0.5–2 min each, four times
//! over), in 4 shards. Each shard is
//! scored on one thread; the bench reports the time of each, and prints the slowest
//! shard against the mean for the audio-length split and for a split by file count.
//! Budget: the slowest shard within 15 % of the mean.
//!
//! The 1-hour calls (stereo 8 kHz PCM, a corpus call repeated) are written once to
//! `target/shard-bench/long/` (about 350 MB); the short ones are hard links to the
//! corpus. Run: `cargo bench --bench shards`.

#[path = "../tests/common/mod.rs"]
mod common;
use common::{corpus, corpus_calls};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use callcoach::batch::shard::{ShardSpec, select};
use callcoach::batch::{BatchOptions, Input, Job, discover, plain_jobs, run};
use callcoach::config::Profile;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Shards.
const N: usize = 4;

/// Copies of each corpus call among the short calls.
const SHORT_COPIES: usize = 4;

/// Long calls among the short ones, and their length, s.
const LONG_CALLS: usize = 3;
const LONG_CALL_S: u32 = 3600;

/// `target/shard-bench/long/`: the long calls, written if they are not there yet.
fn long_calls() -> PathBuf {
    let dir = common::root().join("target/shard-bench/long");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (rate, channels, source) = common::read_wav(&corpus("dev/calls/c000.wav"));
    for i in 0..LONG_CALLS {
        let path = dir.join(format!("long-{i}.wav"));
        if path.exists() {
            continue;
        }
        let spec = hound::WavSpec {
            channels: channels as u16,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let tmp = dir.join(format!("long-{i}.partial"));
        let mut w = hound::WavWriter::create(&tmp, spec).expect("creates");
        let samples = (LONG_CALL_S * rate) as usize * channels;
        for k in 0..samples {
            let x = source[(k + i * 8000 * channels) % source.len()];
            w.write_sample((x * 32767.0) as i16).expect("writes");
        }
        w.finalize().expect("finishes");
        std::fs::rename(&tmp, &path).expect("renames");
    }
    dir
}

/// `target/shard-bench/short/`: hard links to the corpus calls, [`SHORT_COPIES`] each.
fn short_calls() -> PathBuf {
    let dir = common::root().join("target/shard-bench/short");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for call in corpus_calls() {
        let set = call
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name);
        let name = format!(
            "{}-{}",
            set.expect("corpus/SET/calls/X.wav").to_string_lossy(),
            call.file_name().expect("a file").to_string_lossy()
        );
        for k in 0..SHORT_COPIES {
            let link = dir.join(format!("{k}-{name}"));
            if !link.exists() {
                std::fs::hard_link(&call, &link)
                    .or_else(|_| std::fs::copy(&call, &link).map(|_| ()))
                    .expect("links or copies");
            }
        }
    }
    dir
}

fn archive() -> Vec<Job> {
    let paths = vec![short_calls(), long_calls()];
    let inputs: Vec<Input> = discover(&paths);
    plain_jobs(inputs, &Profile::default())
}

fn score(jobs: &[Job], out: &Path) {
    let options = BatchOptions {
        out_dir: Some(out.to_path_buf()),
        pitch_track_dir: None,
        jobs: 1,
        resume: false,
        progress: false,
        pitch_track_names: None,
    };
    run(jobs, &options, |_| Ok(())).expect("scores");
}

/// Slowest part against the mean, each part scored once on one thread.
fn balance(parts: &[Vec<Job>], out: &Path) -> (f64, Vec<Duration>) {
    let times: Vec<Duration> = parts
        .iter()
        .map(|jobs| {
            let start = Instant::now();
            score(jobs, out);
            start.elapsed()
        })
        .collect();
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64;
    let max = times.iter().map(Duration::as_secs_f64).fold(0.0, f64::max);
    (max / mean, times)
}

fn shards(c: &mut Criterion) {
    let jobs = archive();
    let out = tempfile::tempdir().expect("tempdir");
    let by_audio: Vec<Vec<Job>> = (0..N)
        .map(|index| select(jobs.clone(), ShardSpec { index, count: N }).jobs)
        .collect();
    let by_count: Vec<Vec<Job>> = (0..N)
        .map(|part| jobs.iter().skip(part).step_by(N).cloned().collect())
        .collect();
    for (name, parts) in [("audio length", &by_audio), ("file count", &by_count)] {
        let (ratio, times) = balance(parts, out.path());
        println!(
            "split by {name}: slowest shard / mean = {ratio:.3} (shards: {})",
            times
                .iter()
                .map(|t| format!("{:.2} s", t.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut group = c.benchmark_group("shard");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (i, part) in by_audio.iter().enumerate() {
        group.bench_with_input(BenchmarkId::from_parameter(i), part, |b, part| {
            b.iter(|| score(part, out.path()));
        });
    }
    group.finish();
}

criterion_group!(benches, shards);
criterion_main!(benches);
