//! Streaming WAV reader with bounded memory, and a G.711 WAV writer.
//!
//! [`WavStream::open`] walks the RIFF chunks itself, validates the `fmt`
//! chunk against the limits below and checks the `data` chunk against the
//! real file length, so truncated files are reported before any audio is
//! read. Integer PCM and IEEE float samples are then decoded by
//! `hound::WavReader`; G.711 mu-law / A-law data (which hound does not
//! support) is decoded here through the tables in [`super::g711`].
//!
//! Limits: 1..=8 channels, 8000..=48000 Hz. A `data` chunk whose size is 0
//! or 0xFFFFFFFF (left so by streaming recorders) extends to the end of the
//! file. Memory use is bounded by the `BufReader` buffer and by what the
//! caller asks [`WavStream::read_frames`] for, whatever the file length.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Chain, Cursor, Read, Take, Write};
use std::path::{Path, PathBuf};

use super::g711;

/// Lowest accepted sample rate in Hz.
const MIN_SAMPLE_RATE: u32 = 8_000;
/// Highest accepted sample rate in Hz.
const MAX_SAMPLE_RATE: u32 = 48_000;
/// Highest accepted channel count.
const MAX_CHANNELS: u16 = 8;
/// Most samples `read_frames` reserves up front, whatever `max_frames` is.
const MAX_RESERVE_SAMPLES: usize = 1 << 16;
/// Bytes of the `fmt` chunk that are ever looked at (WAVE_FORMAT_EXTENSIBLE).
const FMT_EXTENSIBLE_LEN: u32 = 40;

const TAG_PCM: u16 = 0x0001;
const TAG_IEEE_FLOAT: u16 = 0x0003;
const TAG_ALAW: u16 = 0x0006;
const TAG_MULAW: u16 = 0x0007;
const TAG_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes 2..16 of every `KSDATAFORMAT_SUBTYPE_*` GUID that wraps a format
/// tag (`{0000xxxx-0000-0010-8000-00AA00389B71}` in little-endian layout).
const SUBTYPE_GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Sample encoding of a WAV file's audio data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Unsigned 8-bit integer PCM.
    Pcm8,
    /// Signed 16-bit integer PCM.
    Pcm16,
    /// Signed 24-bit integer PCM (3-byte container).
    Pcm24,
    /// Signed 32-bit integer PCM (4-byte container, including 24-in-32).
    Pcm32,
    /// 32-bit IEEE float PCM.
    Float32,
    /// G.711 mu-law, 8 bits per sample (format tag 7).
    MuLaw,
    /// G.711 A-law, 8 bits per sample (format tag 6).
    ALaw,
}

impl Encoding {
    /// Short lowercase name: "pcm8", "pcm16", "pcm24", "pcm32", "float32",
    /// "mulaw" or "alaw".
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Pcm8 => "pcm8",
            Encoding::Pcm16 => "pcm16",
            Encoding::Pcm24 => "pcm24",
            Encoding::Pcm32 => "pcm32",
            Encoding::Float32 => "float32",
            Encoding::MuLaw => "mulaw",
            Encoding::ALaw => "alaw",
        }
    }

    /// Bytes one sample of one channel occupies in the data chunk.
    fn container_bytes(self) -> u16 {
        match self {
            Encoding::Pcm8 | Encoding::MuLaw | Encoding::ALaw => 1,
            Encoding::Pcm16 => 2,
            Encoding::Pcm24 => 3,
            Encoding::Pcm32 | Encoding::Float32 => 4,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the header of a WAV file says about its audio.
#[derive(Debug, Clone, PartialEq)]
pub struct WavInfo {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels per frame (1..=8).
    pub channels: u16,
    /// Sample encoding of the data chunk.
    pub encoding: Encoding,
    /// Number of complete frames in the data chunk.
    pub frames: u64,
}

impl WavInfo {
    /// Duration in seconds (`frames / sample_rate`; 0 if the rate is 0).
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames as f64 / f64::from(self.sample_rate)
        }
    }
}

/// Why a WAV file could not be opened, read or written.
///
/// Every message begins with the file path.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The operating system reported an I/O error (its message is shown).
    #[error("{}: {}", .path.display(), .error)]
    Io {
        /// File concerned.
        path: PathBuf,
        /// The underlying error.
        error: io::Error,
    },
    /// The file does not start with a RIFF/WAVE header.
    #[error("{}: not a WAV file ({})", .path.display(), .detail)]
    NotWav {
        /// File concerned.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// A valid WAV file whose encoding, sample rate or channel count this
    /// reader does not handle.
    #[error("{}: unsupported {}", .path.display(), .detail)]
    Unsupported {
        /// File concerned.
        path: PathBuf,
        /// What is unsupported, e.g. "encoding: format tag 0x0055 (MPEG Layer 3)".
        detail: String,
    },
    /// The file ends before the sizes in its header say it should.
    #[error("{}: truncated: {}", .path.display(), .detail)]
    Truncated {
        /// File concerned.
        path: PathBuf,
        /// What was declared and where the file ends.
        detail: String,
    },
    /// The data chunk holds no complete frame.
    #[error("{}: empty: no audio frames", .path.display())]
    Empty {
        /// File concerned.
        path: PathBuf,
    },
    /// A float sample is NaN or infinite.
    #[error("{}: sample is NaN or infinite at frame {}", .path.display(), .frame)]
    NonFinite {
        /// File concerned.
        path: PathBuf,
        /// Zero-based index of the frame holding the sample.
        frame: u64,
    },
    /// The header declares sizes that cannot be right (zero channels,
    /// inconsistent block alignment, impossible bit depths...).
    #[error("{}: header declares absurd sizes ({})", .path.display(), .detail)]
    BadHeader {
        /// File concerned.
        path: PathBuf,
        /// The offending fields.
        detail: String,
    },
    /// The chunks are not laid out as a WAV file requires (no `fmt` chunk
    /// before `data`, two `fmt` chunks...).
    #[error("{}: malformed WAV: {}", .path.display(), .detail)]
    Malformed {
        /// File concerned.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl AudioError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            AudioError::Io { path, .. }
            | AudioError::NotWav { path, .. }
            | AudioError::Unsupported { path, .. }
            | AudioError::Truncated { path, .. }
            | AudioError::Empty { path }
            | AudioError::NonFinite { path, .. }
            | AudioError::BadHeader { path, .. }
            | AudioError::Malformed { path, .. } => path,
        }
    }
}

/// An [`AudioError`] before the path is attached.
#[derive(Debug)]
enum Problem {
    Io(io::Error),
    NotWav(String),
    Unsupported(String),
    Truncated(String),
    Empty,
    NonFinite(u64),
    BadHeader(String),
    Malformed(String),
}

impl From<io::Error> for Problem {
    fn from(error: io::Error) -> Self {
        Problem::Io(error)
    }
}

impl Problem {
    fn at(self, path: &Path) -> AudioError {
        let path = path.to_path_buf();
        match self {
            Problem::Io(error) => AudioError::Io { path, error },
            Problem::NotWav(detail) => AudioError::NotWav { path, detail },
            Problem::Unsupported(detail) => AudioError::Unsupported { path, detail },
            Problem::Truncated(detail) => AudioError::Truncated { path, detail },
            Problem::Empty => AudioError::Empty { path },
            Problem::NonFinite(frame) => AudioError::NonFinite { path, frame },
            Problem::BadHeader(detail) => AudioError::BadHeader { path, detail },
            Problem::Malformed(detail) => AudioError::Malformed { path, detail },
        }
    }
}

/// Validated contents of the `fmt` chunk.
#[derive(Debug, Clone, Copy)]
struct Format {
    encoding: Encoding,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
}

/// What the chunk walk found: the format and where the data starts.
#[derive(Debug)]
struct Layout {
    format: Format,
    /// Size field of the data chunk, as written.
    declared_size: u32,
    /// Bytes from the start of the data to the end of the file.
    available: u64,
}

/// Input handed to hound: a canonical 44-byte header, then the data chunk.
type HoundInput = Chain<Cursor<[u8; 44]>, Take<BufReader<File>>>;

/// Where decoded samples come from.
enum Source {
    /// Integer or float PCM, decoded by hound.
    Hound {
        reader: hound::WavReader<HoundInput>,
        /// `2^(bits - 1)` for integer PCM; `None` for float.
        int_scale: Option<f32>,
    },
    /// G.711, decoded block by block from the buffered file.
    G711 {
        reader: BufReader<File>,
        decode: fn(u8) -> i16,
    },
}

/// A WAV file opened for streaming: frames are decoded on demand, and the
/// memory held does not grow with the file length.
pub struct WavStream {
    path: PathBuf,
    info: WavInfo,
    frames_read: u64,
    source: Source,
}

impl fmt::Debug for WavStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WavStream")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("frames_read", &self.frames_read)
            .finish_non_exhaustive()
    }
}

impl WavStream {
    /// Opens and validates the header; reads no sample data yet.
    ///
    /// Fails with [`AudioError::Truncated`] if the data chunk declares more
    /// frames than the file holds, and with [`AudioError::Empty`] if it
    /// holds none.
    pub fn open(path: &Path) -> Result<WavStream, AudioError> {
        Self::open_inner(path).map_err(|problem| problem.at(path))
    }

    fn open_inner(path: &Path) -> Result<WavStream, Problem> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        let mut reader = BufReader::new(file);
        let layout = walk_chunks(&mut reader, file_len)?;
        let format = layout.format;
        let block_align = u64::from(format.block_align);

        let declared_frames = u64::from(layout.declared_size) / block_align;
        let available_frames = layout.available / block_align;
        let frames = if layout.declared_size == 0 || layout.declared_size == u32::MAX {
            available_frames
        } else if declared_frames > available_frames {
            return Err(Problem::Truncated(format!(
                "data chunk declares {declared_frames} frames but the file ends after {available_frames}"
            )));
        } else {
            declared_frames
        };
        if frames == 0 {
            return Err(Problem::Empty);
        }

        let info = WavInfo {
            sample_rate: format.sample_rate,
            channels: format.channels,
            encoding: format.encoding,
            frames,
        };
        // `reader` is positioned at the first byte of the data chunk.
        let source = match format.encoding {
            Encoding::MuLaw => Source::G711 {
                reader,
                decode: g711::mulaw_to_linear,
            },
            Encoding::ALaw => Source::G711 {
                reader,
                decode: g711::alaw_to_linear,
            },
            Encoding::Pcm8 | Encoding::Pcm16 | Encoding::Pcm24 | Encoding::Pcm32 => {
                let bits = 8 * u32::from(format.encoding.container_bytes());
                let scale = (1u64 << (bits - 1)) as f32;
                Source::Hound {
                    reader: hound_reader(reader, &format, frames, TAG_PCM)?,
                    int_scale: Some(scale),
                }
            }
            Encoding::Float32 => Source::Hound {
                reader: hound_reader(reader, &format, frames, TAG_IEEE_FLOAT)?,
                int_scale: None,
            },
        };
        Ok(WavStream {
            path: path.to_path_buf(),
            info,
            frames_read: 0,
            source,
        })
    }

    /// What the header says about the audio.
    pub fn info(&self) -> &WavInfo {
        &self.info
    }

    /// Clears `out`, then appends up to `max_frames` frames as interleaved
    /// f32 in [-1, 1].
    ///
    /// Returns the number of frames read; 0 means the end of the data (or
    /// `max_frames == 0`). Integer samples are divided by 2^(bits-1); float
    /// samples are clamped to [-1, 1], and a NaN or infinite one is an
    /// [`AudioError::NonFinite`] error. After an error the stream should not
    /// be read further.
    pub fn read_frames(
        &mut self,
        out: &mut Vec<f32>,
        max_frames: usize,
    ) -> Result<usize, AudioError> {
        out.clear();
        let remaining = self.info.frames.saturating_sub(self.frames_read);
        let wanted = u64::try_from(max_frames).unwrap_or(u64::MAX).min(remaining);
        // `wanted` is at most `max_frames`, so it fits in usize.
        let frames = usize::try_from(wanted).unwrap_or(max_frames);
        if frames == 0 {
            return Ok(0);
        }
        let channels = usize::from(self.info.channels);
        let samples = frames.saturating_mul(channels);
        out.reserve(samples.min(MAX_RESERVE_SAMPLES));
        let result = match &mut self.source {
            Source::Hound { reader, int_scale } => {
                read_hound(reader, *int_scale, out, samples, channels, self.frames_read)
            }
            Source::G711 { reader, decode } => read_g711(reader, *decode, out, samples),
        };
        let done_frames = (out.len() / channels) as u64;
        match result {
            Ok(()) if out.len() == samples => {
                self.frames_read += wanted;
                Ok(frames)
            }
            Ok(()) => Err(self.truncated_at(self.frames_read + done_frames)),
            Err(Problem::Io(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                Err(self.truncated_at(self.frames_read + done_frames))
            }
            Err(problem) => Err(problem.at(&self.path)),
        }
    }

    fn truncated_at(&self, frames: u64) -> AudioError {
        Problem::Truncated(format!(
            "data chunk declares {} frames but the file ends after {frames}",
            self.info.frames
        ))
        .at(&self.path)
    }
}

/// Reads `samples` samples through hound into `out`.
fn read_hound(
    reader: &mut hound::WavReader<HoundInput>,
    int_scale: Option<f32>,
    out: &mut Vec<f32>,
    samples: usize,
    channels: usize,
    first_frame: u64,
) -> Result<(), Problem> {
    match int_scale {
        Some(scale) => {
            for sample in reader.samples::<i32>().take(samples) {
                out.push(sample.map_err(hound_problem)? as f32 / scale);
            }
        }
        None => {
            for sample in reader.samples::<f32>().take(samples) {
                let value = sample.map_err(hound_problem)?;
                if !value.is_finite() {
                    return Err(Problem::NonFinite(
                        first_frame + (out.len() / channels) as u64,
                    ));
                }
                out.push(value.clamp(-1.0, 1.0));
            }
        }
    }
    Ok(())
}

/// Reads `samples` G.711 bytes from the buffered file into `out`.
fn read_g711(
    reader: &mut BufReader<File>,
    decode: fn(u8) -> i16,
    out: &mut Vec<f32>,
    samples: usize,
) -> Result<(), Problem> {
    let mut left = samples;
    while left > 0 {
        let block = reader.fill_buf()?;
        if block.is_empty() {
            return Err(Problem::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let take = block.len().min(left);
        out.extend(
            block
                .iter()
                .take(take)
                .map(|&b| f32::from(decode(b)) / 32768.0),
        );
        reader.consume(take);
        left -= take;
    }
    Ok(())
}

fn hound_problem(error: hound::Error) -> Problem {
    match error {
        hound::Error::IoError(error) => Problem::Io(error),
        other => Problem::Malformed(format!("sample decoder: {other}")),
    }
}

/// Wraps the data chunk in a canonical header for hound, so that hound
/// sees exactly the format validated here and the frame count computed
/// here (which covers streaming headers and trailing chunks).
fn hound_reader(
    reader: BufReader<File>,
    format: &Format,
    frames: u64,
    tag: u16,
) -> Result<hound::WavReader<HoundInput>, Problem> {
    let data_len = frames
        .checked_mul(u64::from(format.block_align))
        .and_then(|len| u32::try_from(len).ok())
        .ok_or_else(|| {
            Problem::Unsupported(format!(
                "size: {frames} frames of {} are more than 4 GiB",
                format.encoding
            ))
        })?;
    let bits = 8 * format.encoding.container_bytes();
    let byte_rate = format.sample_rate * u32::from(format.block_align);
    let mut header = [0u8; 44];
    let fields: [&[u8]; 13] = [
        b"RIFF",
        &data_len.saturating_add(36).to_le_bytes(),
        b"WAVE",
        b"fmt ",
        &16u32.to_le_bytes(),
        &tag.to_le_bytes(),
        &format.channels.to_le_bytes(),
        &format.sample_rate.to_le_bytes(),
        &byte_rate.to_le_bytes(),
        &format.block_align.to_le_bytes(),
        &bits.to_le_bytes(),
        b"data",
        &data_len.to_le_bytes(),
    ];
    let mut cursor = Cursor::new(&mut header[..]);
    for field in fields {
        cursor.write_all(field)?;
    }
    let input = Cursor::new(header).chain(reader.take(u64::from(data_len)));
    hound::WavReader::new(input).map_err(hound_problem)
}

/// Reads into `buf` until it is full or the input ends; returns the count.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn le_u16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// A chunk id for messages, with non-printable bytes shown as '?'.
fn show_id(id: &[u8]) -> String {
    id.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// Checks the RIFF/WAVE header and walks the chunks up to `data`, leaving
/// `reader` at the first data byte.
fn walk_chunks(reader: &mut BufReader<File>, file_len: u64) -> Result<Layout, Problem> {
    let mut riff = [0u8; 12];
    let got = read_up_to(reader, &mut riff)?;
    let magic = riff.get(..4).unwrap_or_default();
    let form = riff.get(8..12).unwrap_or_default();
    if got == 12 && form == b"WAVE" {
        match magic {
            b"RIFF" => {}
            b"RF64" => return Err(Problem::Unsupported("container: RF64 (64-bit WAV)".into())),
            b"RIFX" => return Err(Problem::Unsupported("container: RIFX (big-endian WAV)".into())),
            _ => return Err(Problem::NotWav("no RIFF/WAVE header".into())),
        }
    } else {
        return Err(Problem::NotWav(if got == 0 {
            "the file is empty".into()
        } else {
            "no RIFF/WAVE header".into()
        }));
    }

    let mut pos: u64 = 12;
    let mut format: Option<Format> = None;
    loop {
        let left = file_len.saturating_sub(pos);
        if left < 8 {
            let missing = if format.is_some() { "data" } else { "fmt" };
            return Err(Problem::Truncated(format!(
                "no {missing} chunk before the end of the file ({file_len} bytes)"
            )));
        }
        let mut head = [0u8; 8];
        reader.read_exact(&mut head).map_err(eof_in_header)?;
        let id = head.get(..4).unwrap_or_default();
        let size = le_u32(&head, 4);
        let body = pos + 8;
        let available = left - 8;
        if id == b"data" {
            let Some(format) = format else {
                return Err(Problem::Malformed(
                    "data chunk comes before the fmt chunk".into(),
                ));
            };
            return Ok(Layout {
                format,
                declared_size: size,
                available,
            });
        }
        if u64::from(size) > available {
            return Err(Problem::Truncated(format!(
                "'{}' chunk declares {size} bytes but the file ends after {available}",
                show_id(id)
            )));
        }
        let mut consumed: u64 = 0;
        if id == b"fmt " {
            if format.is_some() {
                return Err(Problem::Malformed("more than one fmt chunk".into()));
            }
            if size < 16 {
                return Err(Problem::BadHeader(format!(
                    "fmt chunk size={size}, minimum 16"
                )));
            }
            let want = size.min(FMT_EXTENSIBLE_LEN);
            let mut bytes = Vec::with_capacity(FMT_EXTENSIBLE_LEN as usize);
            reader.by_ref().take(u64::from(want)).read_to_end(&mut bytes)?;
            if bytes.len() < want as usize {
                return Err(eof_in_header(io::ErrorKind::UnexpectedEof.into()));
            }
            consumed = u64::from(want);
            format = Some(parse_fmt(&bytes, size)?);
        }
        // Chunks are padded to an even size.
        let next = body + u64::from(size) + u64::from(size & 1);
        let skip = next - body - consumed;
        reader.seek_relative(i64::try_from(skip).unwrap_or(i64::MAX))?;
        pos = next;
    }
}

fn eof_in_header(error: io::Error) -> Problem {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        Problem::Truncated("the file ends inside the header".into())
    } else {
        Problem::Io(error)
    }
}

/// Well-known names of format tags this reader does not decode.
fn tag_name(tag: u16) -> &'static str {
    match tag {
        0x0000 => "unknown",
        0x0002 => "Microsoft ADPCM",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer 3",
        _ => "not supported",
    }
}

/// Validates the first `min(chunk_size, 40)` bytes of a `fmt` chunk.
fn parse_fmt(bytes: &[u8], chunk_size: u32) -> Result<Format, Problem> {
    let raw_tag = le_u16(bytes, 0);
    let channels = le_u16(bytes, 2);
    let sample_rate = le_u32(bytes, 4);
    let block_align = le_u16(bytes, 12);
    let bits = le_u16(bytes, 14);

    if channels == 0 {
        return Err(Problem::BadHeader("channels=0".into()));
    }
    // (format tag, container bits, valid bits)
    let (tag, container_bits, valid_bits) = if raw_tag == TAG_EXTENSIBLE {
        if chunk_size < FMT_EXTENSIBLE_LEN {
            return Err(Problem::BadHeader(format!(
                "fmt chunk size={chunk_size}, WAVE_FORMAT_EXTENSIBLE needs 40"
            )));
        }
        let cb_size = le_u16(bytes, 16);
        if cb_size < 22 {
            return Err(Problem::BadHeader(format!(
                "cbSize={cb_size}, WAVE_FORMAT_EXTENSIBLE needs 22"
            )));
        }
        let valid = le_u16(bytes, 18);
        let guid = bytes.get(24..40).unwrap_or_default();
        let sub_tag = match guid.split_at_checked(2) {
            Some((head, tail)) if tail == SUBTYPE_GUID_TAIL => le_u16(head, 0),
            _ => {
                return Err(Problem::Unsupported(format!(
                    "encoding: WAVE_FORMAT_EXTENSIBLE subformat {}",
                    show_guid(guid)
                )));
            }
        };
        if !bits.is_multiple_of(8) {
            return Err(Problem::BadHeader(format!(
                "bits_per_sample={bits} is not a whole number of bytes"
            )));
        }
        let valid = if valid == 0 { bits } else { valid };
        if valid > bits {
            return Err(Problem::BadHeader(format!(
                "valid bits per sample={valid} exceeds bits_per_sample={bits}"
            )));
        }
        (sub_tag, bits, valid)
    } else {
        (raw_tag, bits.div_ceil(8) * 8, bits)
    };

    let encoding = match tag {
        TAG_PCM => match container_bits {
            _ if valid_bits == 0 => {
                return Err(Problem::BadHeader("bits_per_sample=0".into()));
            }
            8 => Encoding::Pcm8,
            16 => Encoding::Pcm16,
            24 => Encoding::Pcm24,
            32 => Encoding::Pcm32,
            40..=64 => {
                return Err(Problem::Unsupported(format!(
                    "encoding: {container_bits}-bit integer PCM"
                )));
            }
            _ => {
                return Err(Problem::BadHeader(format!(
                    "bits_per_sample={bits} for integer PCM"
                )));
            }
        },
        TAG_IEEE_FLOAT => match container_bits {
            32 => Encoding::Float32,
            64 => {
                return Err(Problem::Unsupported("encoding: 64-bit float PCM".into()));
            }
            _ => {
                return Err(Problem::BadHeader(format!(
                    "bits_per_sample={bits} for IEEE float"
                )));
            }
        },
        TAG_MULAW | TAG_ALAW => {
            let encoding = if tag == TAG_MULAW {
                Encoding::MuLaw
            } else {
                Encoding::ALaw
            };
            if container_bits != 8 {
                return Err(Problem::BadHeader(format!(
                    "bits_per_sample={bits} for {encoding}, expected 8"
                )));
            }
            encoding
        }
        other => {
            return Err(Problem::Unsupported(format!(
                "encoding: format tag 0x{other:04X} ({})",
                tag_name(other)
            )));
        }
    };

    if channels > MAX_CHANNELS {
        return Err(Problem::Unsupported(format!(
            "channel count: {channels} (at most {MAX_CHANNELS})"
        )));
    }
    if sample_rate == 0 {
        return Err(Problem::BadHeader("sample_rate=0".into()));
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(Problem::Unsupported(format!(
            "sample rate: {sample_rate} Hz (supported: {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)"
        )));
    }
    let sample_bytes = encoding.container_bytes();
    let expected_align = u32::from(channels) * u32::from(sample_bytes);
    if u32::from(block_align) != expected_align {
        return Err(Problem::BadHeader(format!(
            "block_align={block_align}, but channels={channels} x {sample_bytes} bytes = {expected_align}"
        )));
    }
    Ok(Format {
        encoding,
        channels,
        sample_rate,
        block_align,
    })
}

/// Formats a little-endian GUID as {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}.
fn show_guid(guid: &[u8]) -> String {
    let d1 = le_u32(guid, 0);
    let d2 = le_u16(guid, 4);
    let d3 = le_u16(guid, 6);
    let rest: String = guid
        .iter()
        .skip(8)
        .enumerate()
        .map(|(i, b)| {
            if i == 2 {
                format!("-{b:02X}")
            } else {
                format!("{b:02X}")
            }
        })
        .collect();
    format!("{{{d1:08X}-{d2:04X}-{d3:04X}-{rest}}}")
}

/// Writes a G.711 WAV file: format tag 7 (mu-law) or 6 (A-law), 8 bits per
/// sample, an 18-byte `fmt` chunk, a `fact` chunk with the frame count, and
/// the encoded `interleaved` samples, as telephony systems write them.
///
/// `law` must be [`Encoding::MuLaw`] or [`Encoding::ALaw`]; the rate and
/// channel limits of the reader apply.
pub fn write_g711(
    path: &Path,
    sample_rate: u32,
    channels: u16,
    law: Encoding,
    interleaved: &[i16],
) -> Result<(), AudioError> {
    write_g711_inner(path, sample_rate, channels, law, interleaved).map_err(|p| p.at(path))
}

fn write_g711_inner(
    path: &Path,
    sample_rate: u32,
    channels: u16,
    law: Encoding,
    interleaved: &[i16],
) -> Result<(), Problem> {
    let (tag, encode): (u16, fn(i16) -> u8) = match law {
        Encoding::MuLaw => (TAG_MULAW, g711::linear_to_mulaw),
        Encoding::ALaw => (TAG_ALAW, g711::linear_to_alaw),
        other => {
            return Err(Problem::Unsupported(format!(
                "encoding: cannot write {other} as G.711"
            )));
        }
    };
    if channels == 0 {
        return Err(Problem::BadHeader("channels=0".into()));
    }
    if channels > MAX_CHANNELS {
        return Err(Problem::Unsupported(format!(
            "channel count: {channels} (at most {MAX_CHANNELS})"
        )));
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(Problem::Unsupported(format!(
            "sample rate: {sample_rate} Hz (supported: {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)"
        )));
    }
    if !interleaved.len().is_multiple_of(usize::from(channels)) {
        return Err(Problem::BadHeader(format!(
            "{} samples is not a whole number of frames of channels={channels}",
            interleaved.len()
        )));
    }
    let frames = interleaved.len() / usize::from(channels);
    let data_len = u32::try_from(interleaved.len())
        .ok()
        .filter(|&len| len <= u32::MAX - 64)
        .ok_or_else(|| Problem::BadHeader(format!("data size={} bytes", interleaved.len())))?;
    let frames = u32::try_from(frames).unwrap_or(u32::MAX);
    let pad = data_len & 1;
    // "WAVE" + fmt (8 + 18) + fact (8 + 4) + data (8 + len + pad)
    let riff_len = 4 + 26 + 12 + 8 + data_len + pad;

    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"RIFF")?;
    out.write_all(&riff_len.to_le_bytes())?;
    out.write_all(b"WAVE")?;
    out.write_all(b"fmt ")?;
    out.write_all(&18u32.to_le_bytes())?;
    out.write_all(&tag.to_le_bytes())?;
    out.write_all(&channels.to_le_bytes())?;
    out.write_all(&sample_rate.to_le_bytes())?;
    out.write_all(&(sample_rate * u32::from(channels)).to_le_bytes())?;
    out.write_all(&channels.to_le_bytes())?; // block_align: one byte per channel
    out.write_all(&8u16.to_le_bytes())?; // bits per sample
    out.write_all(&0u16.to_le_bytes())?; // cbSize
    out.write_all(b"fact")?;
    out.write_all(&4u32.to_le_bytes())?;
    out.write_all(&frames.to_le_bytes())?;
    out.write_all(b"data")?;
    out.write_all(&data_len.to_le_bytes())?;
    let mut block = [0u8; 4096];
    for samples in interleaved.chunks(block.len()) {
        for (byte, &sample) in block.iter_mut().zip(samples) {
            *byte = encode(sample);
        }
        out.write_all(block.get(..samples.len()).unwrap_or_default())?;
    }
    if pad == 1 {
        out.write_all(&[0])?;
    }
    out.flush()?;
    Ok(())
}
