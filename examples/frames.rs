//! Prints the engine's per-frame output for a WAV file (tuning aid):
//! `cargo run --release --example frames -- FILE [AGENT_CHANNEL]`.

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::path::PathBuf;

use callcoach::analysis::FrameOutput;
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_default());
    let agent_channel = args.next().and_then(|a| a.parse().ok());
    let mut frames = Vec::new();
    analyze_file(
        &path,
        &Profile::default(),
        &AnalyzeOptions {
            agent_channel,
            ..AnalyzeOptions::default()
        },
        Some(&mut |f: &[FrameOutput]| frames.extend_from_slice(f)),
    )?;
    println!("t_s,agent_level_db,agent_active,agent_f0_hz,customer_level_db,customer_active");
    for f in frames {
        println!(
            "{:.2},{:.1},{},{:.1},{:.1},{}",
            f.t_s,
            f.agent_level_db,
            u8::from(f.agent_active),
            f.agent_f0_hz,
            f.customer_level_db,
            u8::from(f.customer_active)
        );
    }
    Ok(())
}
