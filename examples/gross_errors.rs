//! Where the gross pitch errors of a labelled corpus lie (analysis aid):
//! `cargo run --release --example gross_errors -- CORPUS [GROUP...]`, e.g.
//! `... -- /work/shared/corpus/dev clean telephone clipped`. An argument naming a file
//! (`NAME.wav`) keeps only that file and prints every frame voiced in both.
//!
//! Runs the engine on every `pitch/*.wav` of CORPUS as `callcoach eval` does and compares
//! its F0 with the label frame by frame. For each frame voiced in both whose estimate is
//! more than 20 % off, it prints the estimate, the truth, their ratio, the frame's
//! distance from the start and end of its labelled voiced stretch, and the frame's pitch
//! candidates (F0 Hz / normalised difference / normalised cross-correlation, YIN's choice
//! first). A summary per condition group counts the errors by ratio and position.

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use callcoach::analysis::FrameOutput;
use callcoach::analysis::channel::{FrontEnd, Tracker};
use callcoach::analysis::settings::{ANALYSIS_RATE_HZ, HOP_S};
use callcoach::audio::wav::WavStream;
use callcoach::config::Profile;
use callcoach::dsp::yin::YinFrame;
use callcoach::eval::read_f0_csv;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};

/// Errors beyond this share of the true F0 are gross (as `callcoach eval` counts them).
const GROSS_ERROR: f64 = 0.2;
/// A frame this close (ms) to the start or end of its voiced stretch is at an edge.
const EDGE_MS: f64 = 50.0;

/// Condition group of a pitch file, as `callcoach eval` groups them.
fn group(label: &serde_json::Value) -> &'static str {
    let noise = label["noise"].as_str();
    if label["clipped"].as_bool() == Some(true) {
        "clipped"
    } else if noise.is_some_and(|n| n.starts_with("hum")) {
        "hum"
    } else if noise.is_some() {
        "noisy"
    } else if label["channel"].as_str() == Some("telephone") {
        "telephone"
    } else {
        "clean"
    }
}

/// The ratio class of an estimate over the truth.
fn ratio_class(ratio: f64) -> &'static str {
    let near = |r: f64| (ratio / r).ln().abs() < 0.1;
    if near(2.0) {
        "x2"
    } else if near(3.0) {
        "x3"
    } else if near(4.0) {
        "x4"
    } else if near(0.5) {
        "x1/2"
    } else if near(1.0 / 3.0) {
        "x1/3"
    } else if ratio > 1.0 {
        "up, other"
    } else {
        "down, other"
    }
}

/// The pitch candidates of every frame of the file, as the engine's front end measures
/// them (the tracker runs beside it so that the front end learns the noise as in the
/// engine).
fn candidates(path: &Path) -> anyhow::Result<Vec<YinFrame>> {
    let mut stream = WavStream::open(path)?;
    let rate = stream.info().sample_rate;
    let channels = usize::from(stream.info().channels);
    let mut front = FrontEnd::new(rate);
    let mut tracker = Tracker::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut measures = Vec::new();
    while stream.read_frames(&mut buf, 4096)? > 0 {
        for frame in buf.chunks_exact(channels) {
            front.push(frame[0], &mut |m| measures.push(m));
            for m in measures.drain(..) {
                out.push(m.yin);
                if tracker.step(&m, None).noise {
                    front.learn_noise();
                }
            }
        }
    }
    front.finish(&mut |m| out.push(m.yin));
    Ok(out)
}

fn describe(yin: Option<&YinFrame>) -> String {
    yin.map_or_else(String::new, |y| {
        y.candidates()
            .iter()
            .map(|c| {
                format!(
                    "{:.0}/{:.2}/{:.2}",
                    ANALYSIS_RATE_HZ as f32 / c.lag,
                    c.cmndf,
                    c.nccf
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Counts per group: (voiced in both, gross, by ratio class, by position).
#[derive(Default)]
struct Tally {
    both: usize,
    gross: usize,
    by_ratio: BTreeMap<&'static str, usize>,
    by_position: BTreeMap<&'static str, usize>,
    truth_in_candidates: usize,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(
        args.next()
            .context("usage: gross_errors CORPUS [GROUP...]")?,
    );
    let (files, groups): (Vec<String>, Vec<String>) = args.partition(|a| a.ends_with(".wav"));
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(corpus.join("pitch"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for wav in wavs {
        let label: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(wav.with_extension("json"))?)?;
        let g = group(&label);
        let name = wav.file_name().map(|n| n.to_string_lossy().into_owned());
        let every_frame = name.as_ref().is_some_and(|n| files.contains(n));
        if (!groups.is_empty() && !groups.iter().any(|x| x == g))
            || (!files.is_empty() && !every_frame)
        {
            continue;
        }
        let truth = read_f0_csv(&wav.with_extension("f0.csv"))?;
        let mut frames: Vec<FrameOutput> = Vec::new();
        analyze_file(
            &wav,
            &Profile::default(),
            &AnalyzeOptions {
                agent_channel: Some(0),
                one_voice: true,
                ..AnalyzeOptions::default()
            },
            Some(&mut |f: &[FrameOutput]| frames.extend_from_slice(f)),
        )?;
        let yin = candidates(&wav)?;
        let tally = tallies.entry(g).or_default();
        let mut lines = Vec::new();
        // Start and end time of each labelled voiced stretch.
        let step_s = truth.get(1).map_or(0.005, |r| r.0) - truth.first().map_or(0.0, |r| r.0);
        let mut stretch_start = vec![0.0; truth.len()];
        let mut stretch_end = vec![0.0; truth.len()];
        for i in 0..truth.len() {
            stretch_start[i] = if i > 0 && truth[i - 1].1 > 0.0 {
                stretch_start[i - 1]
            } else {
                truth[i].0
            };
        }
        for i in (0..truth.len()).rev() {
            stretch_end[i] = if i + 1 < truth.len() && truth[i + 1].1 > 0.0 {
                stretch_end[i + 1]
            } else {
                truth[i].0 + step_s
            };
        }
        for (i, &(t, f_true)) in truth.iter().enumerate() {
            let k = (t / HOP_S).round() as usize;
            let f_est = frames.get(k).map_or(0.0, |f| f64::from(f.agent_f0_hz));
            if f_true <= 0.0 || f_est <= 0.0 {
                continue;
            }
            tally.both += 1;
            let gross = (f_est - f_true).abs() > GROSS_ERROR * f_true;
            if !gross && !every_frame {
                continue;
            }
            if gross {
                tally.gross += 1;
            }
            let ratio = f_est / f_true;
            let from_onset_ms = 1000.0 * (t - stretch_start[i]);
            let to_offset_ms = 1000.0 * (stretch_end[i] - t);
            let position = if from_onset_ms < EDGE_MS && to_offset_ms < EDGE_MS {
                "short stretch"
            } else if from_onset_ms < EDGE_MS {
                "onset"
            } else if to_offset_ms < EDGE_MS {
                "offset"
            } else {
                "inside"
            };
            let cands = yin.get(k);
            let mark = if gross { "*" } else { " " };
            lines.push(format!(
                " {mark}t {t:.3} s  est {f_est:6.1}  true {f_true:6.1}  ratio {ratio:5.2}  \
                 onset +{from_onset_ms:4.0} ms  offset -{to_offset_ms:4.0} ms  {position:13}  [{}]",
                describe(cands)
            ));
            if !gross {
                continue;
            }
            *tally.by_ratio.entry(ratio_class(ratio)).or_default() += 1;
            *tally.by_position.entry(position).or_default() += 1;
            if cands.is_some_and(|y| {
                y.candidates().iter().any(|c| {
                    ((f64::from(ANALYSIS_RATE_HZ) / f64::from(c.lag)) / f_true - 1.0).abs()
                        <= GROSS_ERROR
                })
            }) {
                tally.truth_in_candidates += 1;
            }
        }
        if !lines.is_empty() {
            println!("{} ({g}): {} frames", name.unwrap_or_default(), lines.len());
            for line in lines {
                println!("{line}");
            }
        }
    }
    println!("\nsummary");
    for (g, t) in &tallies {
        println!(
            "{g}: {} of {} frames gross ({:.2} %); truth within 20 % of a candidate in {}",
            t.gross,
            t.both,
            100.0 * t.gross as f64 / t.both.max(1) as f64,
            t.truth_in_candidates
        );
        println!("  by ratio: {:?}", t.by_ratio);
        println!("  by position: {:?}", t.by_position);
    }
    Ok(())
}
