//! Capture through cpal: the device list, opening one input (stereo tap or headset) or a
//! pair (headset + customer-side monitor), and a supervisor thread that reports a device
//! that fails or disappears and reopens it when it returns.
//!
//! The data callback only converts samples and offers them to the bounded queue
//! ([`super::hand_over`]); it never allocates, locks, logs or blocks. Dropped blocks are
//! counted in [`FlowCounters`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::session::{InputLayout, SharedStatus};
use super::snapshot::SourceState;
use super::{
    Block, CaptureError, DEVICE_BUFFER_MS, FlowCounters, LiveError, StoppableThread, hand_over,
};
use crate::audio_out::device::open_with_fixed_buffer;

/// How often a lost device is looked for again.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);
/// A running input that delivers no callback for this long is taken as lost.
pub const STALL_AFTER: Duration = Duration::from_secs(2);

/// An input device as listed for the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Audio host (ALSA, PulseAudio, ...).
    pub host: String,
    /// Name shown to the user (and matched by `--device`).
    pub name: String,
    /// Channels of its default input configuration.
    pub channels: u16,
    /// Sample rate of its default input configuration, Hz.
    pub sample_rate: u32,
    /// Supported rate ranges, Hz.
    pub rates: Vec<[u32; 2]>,
    /// Whether it is the host's default input.
    pub is_default: bool,
    /// Whether it looks like a monitor/loopback of an output (a customer-side source).
    pub is_monitor: bool,
}

/// Which inputs to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSpec {
    /// One input: a stereo tap (agent and customer on separate channels) or a headset
    /// alone (reply gaps then need the customer side). `None`: the default input.
    Single {
        /// Device name (or part of it).
        device: Option<String>,
        /// The agent's channel of a stereo input.
        agent_channel: usize,
    },
    /// The headset plus a customer-side input (e.g. "Monitor of …" the softphone's output).
    Pair {
        /// Headset device (`None`: default input).
        mic: Option<String>,
        /// Customer-side device.
        customer: String,
    },
}

/// Something went wrong with a running input.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Which input (0 main, 1 customer side).
    pub source: u8,
    /// Whether the stream is gone (device lost) rather than a passing glitch (xrun).
    pub fatal: bool,
    /// What the backend said.
    pub message: String,
}

/// Opens inputs. The real one is cpal; tests use a scripted one.
pub trait InputBackend: Send + 'static {
    /// Keeps the opened streams alive; dropping it stops them.
    type Handle: Send;
    /// Why the inputs could not be opened.
    type Error: Into<Box<dyn std::error::Error + Send + Sync>>;

    /// Opens `spec`. With `want`, the layout must be exactly that (a reopened device
    /// must match the call already running). Returns the handle, the layout and a label.
    fn open(
        &mut self,
        spec: &CaptureSpec,
        want: Option<InputLayout>,
        blocks: &Sender<Block>,
        counters: &Arc<FlowCounters>,
        faults: &Sender<Fault>,
    ) -> Result<(Self::Handle, InputLayout, String), Self::Error>;
}

/// The cpal backend.
#[derive(Debug, Default)]
pub struct CpalBackend;

fn host_devices() -> Vec<(cpal::HostId, cpal::Device, bool)> {
    let mut out = Vec::new();
    for id in cpal::available_hosts() {
        let Ok(host) = cpal::host_from_id(id) else {
            continue;
        };
        let default_name = host
            .default_input_device()
            .and_then(|d| d.description().ok())
            .map(|d| d.name().to_string());
        if let Ok(devices) = host.input_devices() {
            for d in devices {
                let is_default = d
                    .description()
                    .ok()
                    .is_some_and(|desc| Some(desc.name()) == default_name.as_deref());
                out.push((id, d, is_default));
            }
        }
    }
    out
}

/// Every input device of every available host, defaults first.
pub fn list_input_devices() -> Vec<DeviceInfo> {
    let mut list: Vec<DeviceInfo> = host_devices()
        .into_iter()
        .filter_map(|(host, d, is_default)| {
            let name = d.description().ok()?.name().to_string();
            let config = d.default_input_config().ok()?;
            let rates = d
                .supported_input_configs()
                .map(|c| {
                    c.map(|r| [r.min_sample_rate(), r.max_sample_rate()])
                        .collect()
                })
                .unwrap_or_default();
            let lower = name.to_lowercase();
            Some(DeviceInfo {
                host: host.name().to_string(),
                is_monitor: lower.contains("monitor") || lower.contains("loopback"),
                name,
                channels: config.channels(),
                sample_rate: config.sample_rate(),
                rates,
                is_default,
            })
        })
        .collect();
    list.sort_by_key(|d| (!d.is_default, d.is_monitor));
    list.dedup_by(|a, b| a.host == b.host && a.name == b.name);
    list
}

/// The device called `name` (exactly, else the first whose name contains it, any case),
/// or the default input.
fn find_device(name: Option<&str>) -> Result<cpal::Device, CaptureError> {
    let Some(name) = name else {
        return cpal::default_host()
            .default_input_device()
            .ok_or(CaptureError::NoDefaultInput);
    };
    let devices = host_devices();
    let named = |d: &cpal::Device| d.description().ok().map(|x| x.name().to_string());
    if let Some((_, d, _)) = devices
        .iter()
        .find(|(_, d, _)| named(d).as_deref() == Some(name))
    {
        return Ok(d.clone());
    }
    let lower = name.to_lowercase();
    devices
        .iter()
        .find(|(_, d, _)| named(d).is_some_and(|n| n.to_lowercase().contains(&lower)))
        .map(|(_, d, _)| d.clone())
        .ok_or_else(|| CaptureError::NoSuchInput(name.into()))
}

fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|x| x.name().to_string())
        .unwrap_or_else(|_| "input".into())
}

/// Opens one input stream, at `rate` (and `channels`) when given.
fn open_stream(
    device: &cpal::Device,
    source: u8,
    want_rate: Option<u32>,
    want_channels: Option<u16>,
    blocks: &Sender<Block>,
    counters: &Arc<FlowCounters>,
    faults: &Sender<Fault>,
) -> Result<(cpal::Stream, u32, u16), CaptureError> {
    let name = device_name(device);
    let default = device
        .default_input_config()
        .map_err(|error| CaptureError::Config {
            device: name.clone(),
            error,
        })?;
    let mut config = default.config();
    let mut format = default.sample_format();
    if want_rate.is_some() || want_channels.is_some() {
        let rate = want_rate.unwrap_or(config.sample_rate);
        let channels = want_channels.unwrap_or(config.channels);
        let found = device
            .supported_input_configs()
            .map_err(|error| CaptureError::Config {
                device: name.clone(),
                error,
            })?
            .filter(|r| r.channels() == channels)
            .find_map(|r| r.try_with_sample_rate(rate))
            .ok_or_else(|| CaptureError::Layout {
                device: name.clone(),
                channels,
                rate_hz: rate,
            })?;
        config = found.config();
        format = found.sample_format();
    }
    let build = |config: cpal::StreamConfig| -> Result<cpal::Stream, cpal::Error> {
        match format {
            SampleFormat::F32 => {
                build_input::<f32>(device, config, source, blocks, counters, faults)
            }
            SampleFormat::I16 => {
                build_input::<i16>(device, config, source, blocks, counters, faults)
            }
            SampleFormat::I32 => {
                build_input::<i32>(device, config, source, blocks, counters, faults)
            }
            SampleFormat::U16 => {
                build_input::<u16>(device, config, source, blocks, counters, faults)
            }
            SampleFormat::I8 => build_input::<i8>(device, config, source, blocks, counters, faults),
            SampleFormat::U8 => build_input::<u8>(device, config, source, blocks, counters, faults),
            SampleFormat::F64 => {
                build_input::<f64>(device, config, source, blocks, counters, faults)
            }
            other => Err(cpal::Error::with_message(
                cpal::ErrorKind::UnsupportedConfig,
                format!("sample format {other:?}"),
            )),
        }
    };
    let stream = open_with_fixed_buffer(config, default.buffer_size(), DEVICE_BUFFER_MS, build)
        .map_err(|error| CaptureError::Open {
            device: name.clone(),
            error,
        })?;
    stream.play().map_err(|error| CaptureError::Start {
        device: name,
        error,
    })?;
    Ok((stream, config.sample_rate, config.channels))
}

fn build_input<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    source: u8,
    blocks: &Sender<Block>,
    counters: &Arc<FlowCounters>,
    faults: &Sender<Fault>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    i16: FromSample<T>,
{
    let channels = usize::from(config.channels);
    let tx = blocks.clone();
    let counters = Arc::clone(counters);
    let faults = faults.clone();
    device.build_input_stream(
        config,
        move |data: &[T], _info: &cpal::InputCallbackInfo| {
            hand_over(
                data,
                channels,
                source,
                Instant::now(),
                &counters,
                |x: T| x.to_sample::<i16>(),
                |b| tx.try_send(b).is_ok(),
            );
        },
        move |err: cpal::Error| {
            let fatal = !matches!(err.kind(), cpal::ErrorKind::Xrun);
            let _ = faults.send(Fault {
                source,
                fatal,
                message: err.to_string(),
            });
        },
        None,
    )
}

impl InputBackend for CpalBackend {
    type Handle = Vec<cpal::Stream>;
    type Error = CaptureError;

    fn open(
        &mut self,
        spec: &CaptureSpec,
        want: Option<InputLayout>,
        blocks: &Sender<Block>,
        counters: &Arc<FlowCounters>,
        faults: &Sender<Fault>,
    ) -> Result<(Self::Handle, InputLayout, String), CaptureError> {
        match spec {
            CaptureSpec::Single {
                device,
                agent_channel,
            } => {
                let d = find_device(device.as_deref())?;
                let (rate, channels) = match want {
                    Some(w) => (Some(w.sample_rate()), Some(w.channels())),
                    None => (None, None),
                };
                let (stream, sample_rate, channels) =
                    open_stream(&d, 0, rate, channels, blocks, counters, faults)?;
                let layout = InputLayout::Single {
                    sample_rate,
                    channels,
                    agent_channel: if channels > 1 { *agent_channel } else { 0 },
                };
                Ok((vec![stream], layout, device_name(&d)))
            }
            CaptureSpec::Pair { mic, customer } => {
                let m = find_device(mic.as_deref())?;
                let c = find_device(Some(customer))?;
                let (want_rate, want_mic, want_cust) = match want {
                    Some(InputLayout::Pair {
                        sample_rate,
                        mic_channels,
                        customer_channels,
                    }) => (
                        Some(sample_rate),
                        Some(mic_channels),
                        Some(customer_channels),
                    ),
                    _ => (None, None, None),
                };
                let (s1, rate, mic_channels) =
                    open_stream(&m, 0, want_rate, want_mic, blocks, counters, faults)?;
                let (s2, _, customer_channels) =
                    open_stream(&c, 1, Some(rate), want_cust, blocks, counters, faults)?;
                let layout = InputLayout::Pair {
                    sample_rate: rate,
                    mic_channels,
                    customer_channels,
                };
                Ok((
                    vec![s1, s2],
                    layout,
                    format!("{} + {}", device_name(&m), device_name(&c)),
                ))
            }
        }
    }
}

/// A running capture: its supervisor thread keeps the inputs open and reopens them
/// after a loss. Dropping it stops capture (and so ends the session fed by it).
pub struct Capture {
    worker: StoppableThread,
}

impl Capture {
    /// Opens `spec` with `backend` and starts supervising it. Blocks go to `blocks`;
    /// the status is kept in `status`. Returns the layout the session must analyze.
    pub fn start<B: InputBackend>(
        mut backend: B,
        spec: CaptureSpec,
        blocks: Sender<Block>,
        counters: Arc<FlowCounters>,
        status: SharedStatus,
    ) -> Result<(Self, InputLayout), LiveError> {
        let (fault_tx, fault_rx) = crossbeam_channel::unbounded();
        let (handle, layout, label) = backend
            .open(&spec, None, &blocks, &counters, &fault_tx)
            .map_err(|e| LiveError::Input(e.into()))?;
        {
            let mut s = super::session::lock_status(&status);
            s.label = label;
            s.sample_rate = layout.sample_rate();
            s.channels = layout.channels();
            s.has_customer = layout.channels() > 1;
            s.state = SourceState::Running;
        }
        let worker = StoppableThread::spawn("callcoach-capture", move |stop| {
            let supervisor = Supervisor {
                backend,
                spec,
                layout,
                blocks,
                counters,
                status,
                faults: fault_rx,
                fault_tx,
                stop,
            };
            supervisor.run(handle);
        })?;
        Ok((Self { worker }, layout))
    }

    /// Stops capture.
    pub fn stop(&mut self) {
        self.worker.stop();
    }
}

struct Supervisor<B: InputBackend> {
    backend: B,
    spec: CaptureSpec,
    layout: InputLayout,
    blocks: Sender<Block>,
    counters: Arc<FlowCounters>,
    status: SharedStatus,
    faults: Receiver<Fault>,
    fault_tx: Sender<Fault>,
    stop: Arc<AtomicBool>,
}

impl<B: InputBackend> Supervisor<B> {
    fn set_state(&self, state: SourceState) {
        super::session::lock_status(&self.status).state = state;
    }

    fn run(mut self, first: B::Handle) {
        let mut handle = Some(first);
        let mut last_callbacks = self.counters.callbacks.load(Ordering::Relaxed);
        let mut last_progress = Instant::now();
        let mut next_retry = Instant::now();
        // Why the input was lost, shown until it is back.
        let mut lost = String::new();
        while !self.stop.load(Ordering::Relaxed) {
            if handle.is_some() {
                let mut reason = None;
                match self.faults.recv_timeout(Duration::from_millis(100)) {
                    Ok(f) if f.fatal => {
                        let which = if f.source == 1 {
                            "customer-side input"
                        } else {
                            "input"
                        };
                        reason = Some(format!(
                            "{which} lost: {}; waiting for it to return",
                            f.message
                        ));
                    }
                    Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                let callbacks = self.counters.callbacks.load(Ordering::Relaxed);
                if callbacks != last_callbacks {
                    last_callbacks = callbacks;
                    last_progress = Instant::now();
                } else if reason.is_none() && last_progress.elapsed() >= STALL_AFTER {
                    reason = Some(format!(
                        "no audio from the input for {} s; reopening it",
                        STALL_AFTER.as_secs()
                    ));
                }
                if let Some(reason) = reason {
                    handle = None;
                    self.set_state(SourceState::Lost {
                        message: reason.clone(),
                    });
                    lost = reason;
                    next_retry = Instant::now() + RETRY_EVERY;
                }
            } else {
                std::thread::sleep(Duration::from_millis(100));
                if Instant::now() < next_retry {
                    continue;
                }
                next_retry = Instant::now() + RETRY_EVERY;
                // Faults of the old streams are stale now.
                while self.faults.try_recv().is_ok() {}
                match self.backend.open(
                    &self.spec,
                    Some(self.layout),
                    &self.blocks,
                    &self.counters,
                    &self.fault_tx,
                ) {
                    Ok((h, _, label)) => {
                        handle = Some(h);
                        last_progress = Instant::now();
                        let mut s = super::session::lock_status(&self.status);
                        s.label = label;
                        s.state = SourceState::Running;
                    }
                    Err(e) => {
                        let e: Box<dyn std::error::Error + Send + Sync> = e.into();
                        self.set_state(SourceState::Lost {
                            message: format!("{lost} (last try: {e})"),
                        });
                    }
                }
            }
        }
        drop(handle);
    }
}
