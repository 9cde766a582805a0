//! Writes the review report of a call without opening the window:
//! `cargo run --release --example review_report -- FILE.wav` writes `FILE.report.html`
//! and `FILE.events.csv` beside it, with the notes in `FILE.coach.json` if any.

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::path::PathBuf;

use callcoach::config::Profile;
use callcoach::review::load::{LoadJob, LoadRequest};
use callcoach::review::{events, export, notes};

fn main() -> anyhow::Result<()> {
    let path = PathBuf::from(std::env::args().nth(1).unwrap_or_default());
    let profile = Profile::default();
    let call = LoadJob::start(
        LoadRequest {
            path: path.clone(),
            profile: profile.clone(),
            agent_channel: None,
        },
        || {},
    )?
    .wait()?;
    let notes = notes::load(&path)?;
    let events = events::collect(&call.report, &profile, &notes);
    let html = export::html_report(&call, &profile, &notes, &events);
    export::write_html(&export::html_path(&path), &html)?;
    export::write_csv(&export::csv_path(&path), &events)?;
    println!(
        "wrote {} and {}",
        export::html_path(&path).display(),
        export::csv_path(&path).display()
    );
    Ok(())
}
