//! Sound output through cpal: playing a call ([`playback`]: the audio held for listening,
//! the transport, the render routine and the [`Player`](playback::Player)) and opening
//! devices with a short buffer ([`device`], shared with live capture).

pub mod device;
mod output;
pub mod playback;
