//! Opening cpal streams with a short, fixed device buffer.

/// Opens a stream with `open`, asking for a fixed buffer of `ms` milliseconds at the
/// config's rate (clamped to the range the device reports), so that what is captured or
/// heard follows at once (a sound server's default buffer can hold seconds); a device
/// that refuses the fixed buffer is opened again with its default one.
pub fn open_with_fixed_buffer<E>(
    mut config: cpal::StreamConfig,
    supported: &cpal::SupportedBufferSize,
    ms: u32,
    open: impl Fn(cpal::StreamConfig) -> Result<cpal::Stream, E>,
) -> Result<cpal::Stream, E> {
    let frames = config.sample_rate * ms / 1000;
    config.buffer_size = match supported {
        cpal::SupportedBufferSize::Range { min, max } => {
            cpal::BufferSize::Fixed(frames.clamp(*min, *max))
        }
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Fixed(frames),
    };
    open(config).or_else(|_| {
        config.buffer_size = cpal::BufferSize::Default;
        open(config)
    })
}
