//! The streaming analysis engine shared by batch scoring, the live app and the review
//! view. Pure code: fed samples, it returns frames, events and a [`CallReport`].

pub mod band;
pub mod call;
pub mod channel;
pub mod customer;
pub mod diarize;
pub mod metrics;
pub mod report;
pub mod rules;
pub mod score;
pub mod settings;

pub use call::{CallAnalyzer, ChannelMap, Event, FrameOutput, TimedEvent};
pub use report::*;
