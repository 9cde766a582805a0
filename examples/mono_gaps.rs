//! Compares the reply gaps and agent pitch of the diarized mono calls of a labelled set
//! with their labels, gap by gap (tuning aid):
//! `cargo run --release --example mono_gaps -- SET_DIR [FRAMES_AROUND_S]`.
//!
//! The agent is enrolled from the agent channels of the set's stereo calls with the same
//! agent voice, as `callcoach eval` does. For every labelled gap it prints the labelled
//! and found customer end and agent start; with `FRAMES_AROUND_S`, it also prints the
//! frames that far around the labelled customer end (level, activity, F0, voice).

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use callcoach::agents::{VoicePrint, channel_prints};
use callcoach::analysis::FrameOutput;
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};

/// The corpus's band for the in-band share.
const LABEL_BAND_HZ: [f64; 2] = [100.0, 120.0];

fn label(path: &Path) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(
        path.with_extension("json"),
    )?)?)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let set = PathBuf::from(args.next().unwrap_or_default());
    let around_s: Option<f64> = args.next().and_then(|a| a.parse().ok());
    let mut calls: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(set.join("calls"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    for wav in wavs {
        let l = label(&wav)?;
        calls.push((wav, l));
    }
    let mut prints: Vec<(String, VoicePrint)> = Vec::new();
    for (wav, l) in &calls {
        if l["layout"] == "mono" {
            continue;
        }
        let (Some(agent), Some(channel)) = (
            l["voices"]["agent"].as_str(),
            l["channels"]["agent"].as_u64(),
        ) else {
            continue;
        };
        let Some(p) = channel_prints(wav)?.get(channel as usize).cloned() else {
            continue;
        };
        match prints.iter_mut().find(|(n, _)| n == agent) {
            Some((_, q)) => *q = q.merge(&p),
            None => prints.push((agent.to_string(), p)),
        }
    }
    let mut profile = Profile::default();
    profile.pitch.band_hz = LABEL_BAND_HZ;
    for (wav, l) in calls.iter().filter(|(_, l)| l["layout"] == "mono") {
        let agent = l["voices"]["agent"].as_str().unwrap_or_default();
        let print = prints
            .iter()
            .find(|(n, _)| n == agent)
            .map(|(_, p)| Arc::new(p.clone()));
        let mut frames: Vec<FrameOutput> = Vec::new();
        let analyzed = analyze_file(
            wav,
            &profile,
            &AnalyzeOptions {
                agent_channel: Some(0),
                agent_print: print,
                ..AnalyzeOptions::default()
            },
            Some(&mut |f: &[FrameOutput]| frames.extend_from_slice(f)),
        )?;
        let report = analyzed.report;
        // The first pass alone: the mixed channel's segments (the diarization's stretches)
        // and its activity.
        let mut mixed: Vec<FrameOutput> = Vec::new();
        let one = analyze_file(
            wav,
            &profile,
            &AnalyzeOptions {
                agent_channel: Some(0),
                one_voice: true,
                ..AnalyzeOptions::default()
            },
            Some(&mut |f: &[FrameOutput]| mixed.extend_from_slice(f)),
        )?
        .report;
        println!(
            "{}: in-band found {:?} label {} median F0 found {:?} label {}",
            wav.display(),
            report.agent.frac_voiced_in_band,
            l["agent"]["frac_voiced_in_100_120"],
            report.agent.median_f0_hz,
            l["agent"]["median_f0_hz"]
        );
        f0_attribution(wav, &frames)?;
        for g in l["reply_gaps"].as_array().into_iter().flatten() {
            let ce = g["customer_end"].as_f64().unwrap_or_default();
            let ast = g["agent_start"].as_f64().unwrap_or_default();
            let found = report.reply_gaps.iter().min_by(|a, b| {
                (a.agent_start - ast)
                    .abs()
                    .total_cmp(&(b.agent_start - ast).abs())
            });
            match found {
                Some(d) => println!(
                    "  gap label {ce:7.3}..{ast:7.3} ({:+.3})  found {:7.3}..{:7.3} ({:+.3})  end err {:+.3} start err {:+.3} gap err {:+.3}",
                    ast - ce,
                    d.customer_end,
                    d.agent_start,
                    d.gap_s,
                    d.customer_end - ce,
                    d.agent_start - ast,
                    d.gap_s - (ast - ce)
                ),
                None => println!("  gap label {ce:7.3}..{ast:7.3}  not found"),
            }
            if let Some(d) = found {
                // The mixed segment whose end is nearest the found customer end, and its
                // last active frame.
                if let Some(seg) = one.segments.iter().min_by(|a, b| {
                    (a.end - d.customer_end)
                        .abs()
                        .total_cmp(&(b.end - d.customer_end).abs())
                }) {
                    let last_active = mixed
                        .iter()
                        .filter(|f| f.agent_active && f.t_s <= seg.end && f.t_s >= seg.start)
                        .map(|f| f.t_s)
                        .fold(f64::NAN, f64::max);
                    println!(
                        "    first pass: segment end {:.3} (found end {:+.3}), last active frame {:.3} (label end {:+.3})",
                        seg.end,
                        d.customer_end - seg.end,
                        last_active,
                        ce - last_active
                    );
                }
            }
            if let Some(w) = around_s {
                for f in frames.iter().filter(|f| (f.t_s - ce).abs() <= w) {
                    let voice = match (f.agent_speech, f.customer_speech) {
                        (true, _) => "A",
                        (_, true) => "C",
                        _ => ".",
                    };
                    let active = f.agent_active || f.customer_active;
                    let f0 = f.agent_f0_hz.max(f.customer_f0_hz);
                    println!(
                        "    {:7.2} {:6.1} dB {} {:5.1} Hz {}",
                        f.t_s,
                        f.agent_level_db.max(f.customer_level_db),
                        if active { "act" } else { "   " },
                        f0,
                        voice
                    );
                }
            }
        }
    }
    Ok(())
}

/// Where the labelled agent's voiced frames went, by labelled F0 (below, inside, above
/// the band): to the agent with an F0 in the band / out of it / no F0, to the customer, to
/// nobody.
fn f0_attribution(wav: &Path, frames: &[FrameOutput]) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(wav.with_extension("agent_f0.csv"))?;
    // [label bin][agent in band, agent out of band, agent unvoiced, customer, nobody]
    let mut counts = [[0usize; 5]; 3];
    for line in text.lines().skip(1) {
        let mut parts = line.split(',');
        let (Some(t), Some(f)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (t, f): (f64, f64) = (t.trim().parse()?, f.trim().parse()?);
        if f <= 0.0 {
            continue;
        }
        let k = (t / 0.01).round() as usize;
        let Some(fr) = frames.get(k) else { continue };
        let bin = if f < LABEL_BAND_HZ[0] {
            0
        } else if f <= LABEL_BAND_HZ[1] {
            1
        } else {
            2
        };
        let found = f64::from(fr.agent_f0_hz);
        let col = if fr.agent_speech {
            if found <= 0.0 {
                2
            } else if (LABEL_BAND_HZ[0]..=LABEL_BAND_HZ[1]).contains(&found) {
                0
            } else {
                1
            }
        } else if fr.customer_speech {
            3
        } else {
            4
        };
        counts[bin][col] += 1;
        if col == 4 && std::env::var_os("NOBODY").is_some() {
            println!(
                "    nobody {t:.3} label {f:.1} found {found:.1} level {:.1}",
                fr.agent_level_db
            );
        }
    }
    for (name, row) in ["below", "in", "above"].iter().zip(&counts) {
        println!(
            "  label F0 {name:5}: agent in-band {:5} out {:5} unvoiced {:5} customer {:5} nobody {:5}",
            row[0], row[1], row[2], row[3], row[4]
        );
    }
    Ok(())
}
