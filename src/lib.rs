//! callcoach: measures the voice codes of call-centre coaching (pitch band, reply gaps,
//! pace changes, talk time) from call audio. One engine ([`analysis`]) serves the batch
//! scorer, the live app and the review view.
//!
//! Features: `gui` (default) builds the window (`gui`) and implies `audio`,
//! which builds the sound devices (live capture, playback). Without them the crate is the
//! engine, batch scoring, evaluation and the review data, with no window or audio stack.

// Every public item is documented, and the library reports through its return values
// and callbacks: only the binary writes to the terminal.
#![warn(missing_docs, clippy::print_stdout, clippy::print_stderr)]

pub mod agents;
pub mod analysis;
pub mod audio;
pub mod audio_out;
pub mod batch;
pub mod config;
pub mod dsp;
pub mod eval;
pub mod file_analysis;
#[cfg(feature = "gui")]
pub mod gui;
#[cfg(feature = "audio")]
pub mod live;
pub mod manifest;
pub mod palette;
pub mod paths;
pub mod record;
pub mod regular_file;
pub mod review;
pub mod team;
pub mod text;
