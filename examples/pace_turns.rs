//! Prints, for every labelled agent turn of a corpus's stereo calls, the true and the
//! detected syllables and speech time (tuning aid for the syllable-nucleus detector):
//! `cargo run --release --example pace_turns -- CORPUS`.
//!
//! The detected turn is the one overlapping the labelled turn most, as `callcoach eval`
//! matches them. Columns: call, agent voice, agent band, codec, agent SNR dB, echo dB,
//! tempo, design level, true syllables, detected syllables, true speech s, detected
//! speech s, detected rate / true rate.

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::path::{Path, PathBuf};

use anyhow::Context;
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use serde_json::Value;

fn main() -> anyhow::Result<()> {
    let corpus = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: pace_turns CORPUS")?,
    );
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(corpus.join("calls"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    wavs.sort();
    println!(
        "call\tvoice\tband\tcodec\tsnr_db\techo_db\ttempo\tlevel\tsyl\tdet_syl\tspeech_s\tdet_speech_s\trate_ratio"
    );
    for wav in wavs {
        print_call(&wav)?;
    }
    Ok(())
}

fn print_call(wav: &Path) -> anyhow::Result<()> {
    let label: Value = serde_json::from_str(&std::fs::read_to_string(wav.with_extension("json"))?)?;
    if label["layout"] != "stereo" {
        return Ok(());
    }
    let agent_channel = label["channels"]["agent"].as_u64().unwrap_or(0) as usize;
    let report = analyze_file(
        wav,
        &Profile::default(),
        &AnalyzeOptions {
            agent_channel: Some(agent_channel),
            ..AnalyzeOptions::default()
        },
        None,
    )?
    .report;
    let name = wav.file_stem().unwrap_or_default().to_string_lossy();
    let c = &label["conditions"];
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    for turn in label["agent"]["pace"].as_array().into_iter().flatten() {
        let (start, end) = (num(&turn["start"]), num(&turn["end"]));
        let detected = report
            .agent
            .pace
            .iter()
            .map(|d| (d, d.end.min(end) - d.start.max(start)))
            .filter(|(_, overlap)| *overlap > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(d, _)| d);
        let (det_syl, det_speech, ratio) = detected.map_or((0, 0.0, 0.0), |d| {
            (
                d.syllables,
                d.speech_s,
                d.syllables_per_s / num(&turn["syllables_per_s"]),
            )
        });
        println!(
            "{name}\t{}\t{}\t{}\t{}\t{}\t{:.3}\t{}\t{}\t{det_syl}\t{:.3}\t{det_speech:.3}\t{ratio:.3}",
            label["voices"]["agent"].as_str().unwrap_or("?"),
            c["agent_band"].as_str().unwrap_or("?"),
            c["codec"].as_str().unwrap_or("?"),
            c["agent_snr_db"],
            c["echo_db"],
            num(&turn["tempo"]),
            turn["design_level"],
            turn["syllables"],
            num(&turn["speech_s"]),
        );
    }
    Ok(())
}
