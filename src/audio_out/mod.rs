//! Sound output: playing a call ([`playback`]: the audio held for listening, the
//! transport, the render routine and the [`Player`](playback::Player)) and, with the
//! `audio` feature, the cpal output stream and the device helper shared with live capture
//! (`device`). Without the feature every player is silent and says why.

#[cfg(feature = "audio")]
pub mod device;
#[cfg(feature = "audio")]
mod output;
pub mod playback;

pub use output::OutputError;

/// Without the `audio` feature no output stream exists.
#[cfg(not(feature = "audio"))]
mod output {
    use std::sync::Arc;

    use super::playback::{PlaybackAudio, PlaybackStatus, Transport};

    /// An output stream; none can be made.
    pub enum OutputStream {}

    /// Why there is no sound.
    #[derive(Debug, thiserror::Error)]
    pub enum OutputError {
        /// callcoach was built without sound devices.
        #[error("callcoach was built without the audio feature")]
        NoAudioFeature,
    }

    /// Always fails: callcoach was built without sound devices.
    pub fn open_stream(
        _audio: &PlaybackAudio,
        _transport: &Arc<Transport>,
    ) -> Result<(OutputStream, PlaybackStatus), OutputError> {
        Err(OutputError::NoAudioFeature)
    }
}
