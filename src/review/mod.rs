//! The coaches' review of a recorded call, without any drawing: the loading job (analysis
//! through [`crate::file_analysis::analyze_file`] and audio decoding on named worker
//! threads, with progress and cancel, filling the waveform pyramid and the
//! [`crate::audio_out`] playback buffer), the per-frame lane data, the event list, the
//! coach's notes (`FILE.coach.json`) and the HTML and CSV report. The view in
//! `gui::review_view` only draws what these hold and plays the call.

pub mod events;
pub mod export;
pub mod lanes;
pub mod load;
pub mod notes;
pub mod recordings;
pub mod waveform;

pub use events::{EventKind, ReviewEvent, SortKey};
pub use load::{LoadJob, LoadedCall};
pub use notes::Note;
