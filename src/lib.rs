//! callcoach: measures the voice codes of call-centre coaching (pitch band, reply gaps,
//! pace changes, talk time) from call audio. One engine ([`analysis`]) serves the batch
//! scorer, the live app and the review view.

pub mod agents;
pub mod analysis;
pub mod audio;
pub mod batch;
pub mod config;
pub mod dsp;
pub mod eval;
pub mod gui;
pub mod live;
pub mod pipeline;
pub mod review;
pub mod text;
