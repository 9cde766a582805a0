//! Speed of a mono call's analysis with diarization: the engine's pass over the one
//! channel with the cepstra of its speech, then the two-voice split and the replay.
//! Budget: a mono 8 kHz call at >= 800 s of audio per CPU-second on one core.
//!
//! Run: `cargo bench --bench mono`. Times are the process's CPU time (`measure`), so
//! the throughput, printed as elements/s where one element is one second of audio, is
//! seconds of audio per CPU-second.

#[path = "../tests/common/mod.rs"]
mod common;
use common::{corpus, read_wav};
use std::hint::black_box;

use callcoach::analysis::{CallAnalyzer, ChannelMap};
use callcoach::config::Profile;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
mod measure;
use measure::{CpuTime, cpu_criterion};

fn mono(c: &mut Criterion<CpuTime>) {
    let mut group = c.benchmark_group("mono");
    group.sample_size(10);
    // dev c003: 8 kHz PCM mono, 65.6 s; dev c008: 8 kHz mu-law mono, 79.6 s.
    for name in ["c003.wav", "c008.wav"] {
        let (rate, channels, samples) = read_wav(&corpus("dev/calls").join(name));
        let seconds = samples.len() as f64 / channels as f64 / f64::from(rate);
        group.throughput(Throughput::Elements(seconds.round() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let map = ChannelMap::new(channels, 0).expect("map");
                let mut analyzer =
                    CallAnalyzer::new(rate, map, Profile::default()).with_diarization(None);
                analyzer.push_interleaved(black_box(&samples));
                black_box(analyzer.finish())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = cpu_criterion();
    targets = mono
}
criterion_main!(benches);
