//! The cpal output stream of a [`Player`](super::playback::Player): the default output
//! device, opened with a short fixed buffer, whose callback runs
//! [`render`](super::playback::render).

use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use super::device::open_with_fixed_buffer;
use super::playback::{PlaybackAudio, PlaybackStatus, Transport, render};

/// An open output stream; sound stops when it is dropped.
pub type OutputStream = cpal::Stream;

/// Why there is no sound.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// No output device exists.
    #[error("no audio output device")]
    NoDevice,
    /// The device's default configuration cannot be read.
    #[error("output device has no usable format: {0}")]
    NoFormat(cpal::Error),
    /// The device's sample format is not one the renderer writes.
    #[error("output sample format {0} is not supported")]
    UnsupportedFormat(cpal::SampleFormat),
    /// The output stream cannot be built.
    #[error("cannot open the output stream: {0}")]
    Open(cpal::Error),
    /// The output stream cannot be started.
    #[error("cannot start the output stream: {0}")]
    Start(cpal::Error),
}

/// Opens the default output device and starts a stream that plays `audio` at the
/// transport's position; the error says why there is no sound.
pub fn open_stream(
    audio: &PlaybackAudio,
    transport: &Arc<Transport>,
) -> Result<(OutputStream, PlaybackStatus), OutputError> {
    let host = cpal::default_host();
    let device = host.default_output_device().ok_or(OutputError::NoDevice)?;
    let config = device
        .default_output_config()
        .map_err(OutputError::NoFormat)?;
    let name = device
        .description()
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "default output".into());
    let rate = config.sample_rate();
    let format = config.sample_format();
    let open = |stream_config: cpal::StreamConfig| match format {
        cpal::SampleFormat::F32 => build::<f32>(&device, stream_config, audio, transport),
        cpal::SampleFormat::I16 => build::<i16>(&device, stream_config, audio, transport),
        cpal::SampleFormat::U16 => build::<u16>(&device, stream_config, audio, transport),
        cpal::SampleFormat::I32 => build::<i32>(&device, stream_config, audio, transport),
        other => Err(OutputError::UnsupportedFormat(other)),
    };
    // A short fixed buffer, so that what is heard follows a seek, a pause or a speed
    // change at once (PulseAudio's null sink defaults to 2 s).
    let stream = open_with_fixed_buffer(
        config.config(),
        config.buffer_size(),
        OUTPUT_BUFFER_MS,
        open,
    )?;
    stream.play().map_err(OutputError::Start)?;
    Ok((stream, PlaybackStatus::On { device: name, rate }))
}

/// Output buffer asked of the device, ms.
const OUTPUT_BUFFER_MS: u32 = 40;

/// Output frames rendered per callback chunk (a stack buffer: no allocation).
const CHUNK: usize = 512;

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    audio: &PlaybackAudio,
    transport: &Arc<Transport>,
) -> Result<cpal::Stream, OutputError>
where
    T: cpal::SizedSample + cpal::FromSample<f32>,
{
    let channels = usize::from(config.channels).max(1);
    let rate = config.sample_rate;
    let audio = audio.clone();
    let transport = Arc::clone(transport);
    let mut buf = [0.0f32; CHUNK * 8];
    let per_chunk = (CHUNK * 8 / channels) * channels;
    device
        .build_output_stream::<T, _, _>(
            config,
            move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
                // When the device will play this callback's first frame.
                let stamp = info.timestamp();
                let latency = stamp.playback.saturating_duration_since(stamp.callback);
                for (k, out) in data.chunks_mut(per_chunk).enumerate() {
                    let tmp = &mut buf[..out.len()];
                    let start = render(&transport, &audio, tmp, channels, rate);
                    if k == 0
                        && let Some(start) = start
                    {
                        transport.mark_heard(start, latency);
                    }
                    for (o, v) in out.iter_mut().zip(tmp.iter()) {
                        *o = T::from_sample(*v);
                    }
                }
            },
            |_e| {},
            None,
        )
        .map_err(OutputError::Open)
}
