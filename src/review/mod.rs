//! The coaches' review of a recorded call, without any drawing: the loading job (analysis
//! through [`crate::file_analysis::analyse_file`] and audio decoding on named worker threads,
//! with progress and cancel), the waveform pyramid, the per-frame lane data, the event
//! list, the coach's notes (`FILE.coach.json`), the HTML and CSV report, and playback
//! through cpal. The view in [`crate::gui::review_view`] only draws what these hold.

pub mod events;
pub mod export;
pub mod lanes;
pub mod load;
pub mod notes;
pub mod playback;
pub mod recordings;
pub mod waveform;

pub use events::{EventKind, ReviewEvent, SortKey};
pub use load::{LoadJob, LoadedCall};
pub use notes::Note;
