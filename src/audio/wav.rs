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
//! [`find_data_chunk`] gives the same walk to writers that patch a header.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Chain, Cursor, Read, Seek, SeekFrom, Write};
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
type HoundInput = Chain<Cursor<[u8; 44]>, DataReader>;

/// The data chunk, limited to its expected length. Unlike `Take`, a file
/// that ends early yields an `UnexpectedEof` error rather than a short read,
/// so truncation is recognisable behind hound (which reports short reads as
/// a generic error).
struct DataReader {
    inner: BufReader<File>,
    left: u64,
}

impl Read for DataReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = usize::try_from(self.left).unwrap_or(usize::MAX);
        let Some(buf) = buf.get_mut(..limit.min(buf.len())) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

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
    /// 16-bit little-endian PCM, the common case, decoded block by block
    /// from the buffered file (hound reads one sample per call).
    Pcm16 { reader: BufReader<File> },
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
        let file = crate::regular_file::open_regular(path)?;
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
            Encoding::Pcm16 => Source::Pcm16 { reader },
            Encoding::Pcm8 | Encoding::Pcm24 | Encoding::Pcm32 => {
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
            Source::Pcm16 { reader } => read_pcm16(reader, out, samples),
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

/// Bytes decoded per step of [`read_pcm16`]: 2048 samples.
const PCM16_BLOCK_BYTES: usize = 4096;

/// Reads `samples` 16-bit little-endian samples from the buffered file into
/// `out`, scaled by 1/32768 as hound's integer path is.
fn read_pcm16(
    reader: &mut BufReader<File>,
    out: &mut Vec<f32>,
    samples: usize,
) -> Result<(), Problem> {
    let mut block = [0u8; PCM16_BLOCK_BYTES];
    let mut left = samples;
    while left > 0 {
        let want = (left * 2).min(PCM16_BLOCK_BYTES);
        let got = read_up_to(reader, &mut block[..want])?;
        out.extend(
            block[..got]
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0),
        );
        if got < want {
            return Err(Problem::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        left -= want / 2;
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
    let input = Cursor::new(header).chain(DataReader {
        inner: reader,
        left: u64::from(data_len),
    });
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

/// Where the samples of a WAV file lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataChunk {
    /// Offset of the first byte of the data chunk's body in the file (its size field is
    /// the 4 bytes before), bytes.
    pub data_offset: u64,
    /// The data chunk's size field, as written, bytes.
    pub declared_size: u32,
    /// Bytes from `data_offset` to the end of the file.
    pub available: u64,
    /// Bytes per frame.
    pub block_align: u16,
}

/// Checks the header of the WAV file open in `file` and finds its data chunk, by the
/// same chunk walk and `fmt` validation as [`WavStream::open`]; `path` names the file
/// in errors. Reads from the start of the file and leaves its position unspecified.
pub fn find_data_chunk(file: &mut File, path: &Path) -> Result<DataChunk, AudioError> {
    let mut find = || -> Result<DataChunk, Problem> {
        let file_len = file.metadata()?.len();
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::new(&mut *file);
        let layout = walk_chunks(&mut reader, file_len)?;
        Ok(DataChunk {
            data_offset: reader.stream_position()?,
            declared_size: layout.declared_size,
            available: layout.available,
            block_align: layout.format.block_align,
        })
    };
    find().map_err(|problem| problem.at(path))
}

/// Checks the RIFF/WAVE header and walks the chunks up to `data`, leaving
/// `reader` at the first data byte.
fn walk_chunks<R: Read + Seek>(
    reader: &mut BufReader<R>,
    file_len: u64,
) -> Result<Layout, Problem> {
    let mut riff = [0u8; 12];
    let got = read_up_to(reader, &mut riff)?;
    let magic = riff.get(..4).unwrap_or_default();
    let form = riff.get(8..12).unwrap_or_default();
    if got == 12 && form == b"WAVE" {
        match magic {
            b"RIFF" => {}
            b"RF64" => return Err(Problem::Unsupported("container: RF64 (64-bit WAV)".into())),
            b"RIFX" => {
                return Err(Problem::Unsupported(
                    "container: RIFX (big-endian WAV)".into(),
                ));
            }
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
                return Err(if fmt_follows(reader, body, size, file_len)? {
                    Problem::Malformed("data chunk comes before the fmt chunk".into())
                } else {
                    Problem::Malformed("no fmt chunk".into())
                });
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
            reader
                .by_ref()
                .take(u64::from(want))
                .read_to_end(&mut bytes)?;
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

/// Whether a `fmt` chunk follows the data chunk whose body starts at `body` (the reader
/// is there). A data size of 0 or 0xFFFFFFFF runs to the end of the file.
fn fmt_follows<R: Read + Seek>(
    reader: &mut BufReader<R>,
    body: u64,
    size: u32,
    file_len: u64,
) -> Result<bool, Problem> {
    if size == 0 || size == u32::MAX {
        return Ok(false);
    }
    let mut pos = body + u64::from(size) + u64::from(size & 1);
    let mut at = body;
    while pos + 8 <= file_len {
        reader.seek_relative(i64::try_from(pos - at).unwrap_or(i64::MAX))?;
        let mut head = [0u8; 8];
        reader.read_exact(&mut head)?;
        if head.get(..4) == Some(b"fmt ".as_slice()) {
            return Ok(true);
        }
        let size = le_u32(&head, 4);
        at = pos + 8;
        pos = at + u64::from(size) + u64::from(size & 1);
    }
    Ok(false)
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
        _ => "unrecognized",
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
        (sub_tag, u32::from(bits), valid)
    } else {
        (raw_tag, u32::from(bits).div_ceil(8) * 8, bits)
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

/// Whether `path` names a WAV file by its extension, in any case (`call.WAV` too): the
/// rule folder scans (batch, eval, review, recorder repair, file browser) share.
pub fn has_wav_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn wav_extension_in_any_case() {
        assert!(has_wav_extension(Path::new("x.Wav")) && has_wav_extension(Path::new("a/b.WAV")));
        assert!(!has_wav_extension(Path::new("wav")) && !has_wav_extension(Path::new("x.wav.txt")));
    }

    // ---------- fixture helpers ----------

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn spec(channels: u16, rate: u32, bits: u16, float: bool) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: if float {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        }
    }

    fn write_ints(path: &Path, spec: hound::WavSpec, samples: &[i32]) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &s in samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
    }

    fn write_floats(path: &Path, spec: hound::WavSpec, samples: &[f32]) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &s in samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
    }

    /// A `fmt` chunk body: the 16-byte WAVEFORMAT fields plus `extra`.
    fn fmt_body(
        tag: u16,
        channels: u16,
        rate: u32,
        align: u16,
        bits: u16,
        extra: &[u8],
    ) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        b.extend_from_slice(&align.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b.extend_from_slice(extra);
        b
    }

    /// The 24 extension bytes of WAVE_FORMAT_EXTENSIBLE (cbSize included).
    fn extensible_ext(valid_bits: u16, sub_tag: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&valid_bits.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&sub_tag.to_le_bytes());
        b.extend_from_slice(&SUBTYPE_GUID_TAIL);
        b
    }

    /// A RIFF/WAVE file from chunks, adding pad bytes after odd chunks.
    fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&(body.len() as u32).to_le_bytes());
        file.extend_from_slice(&body);
        file
    }

    fn read_all_chunked(path: &Path, chunk: usize) -> (WavInfo, Vec<f32>) {
        let mut stream = WavStream::open(path).unwrap();
        let info = stream.info().clone();
        let channels = usize::from(info.channels);
        let mut all = Vec::new();
        let mut buf = Vec::new();
        loop {
            let n = stream.read_frames(&mut buf, chunk).unwrap();
            assert_eq!(buf.len(), n * channels);
            assert!(n <= chunk);
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf);
        }
        assert_eq!(all.len() as u64, info.frames * info.channels as u64);
        (info, all)
    }

    fn read_all(path: &Path) -> (WavInfo, Vec<f32>) {
        read_all_chunked(path, 4096)
    }

    /// Opens and reads to the end, returning the first error.
    fn try_read_all(path: &Path) -> Result<Vec<f32>, AudioError> {
        let mut stream = WavStream::open(path)?;
        let mut all = Vec::new();
        let mut buf = Vec::new();
        while stream.read_frames(&mut buf, 333)? > 0 {
            all.extend_from_slice(&buf);
        }
        Ok(all)
    }

    fn find(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    }

    fn assert_msg(err: &AudioError, path: &Path, needle: &str) {
        let msg = err.to_string();
        let prefix = format!("{}: ", path.display());
        assert!(
            msg.starts_with(&prefix),
            "message {msg:?} lacks path prefix"
        );
        assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
        assert_eq!(err.path(), path);
    }

    fn ramp16(n: usize) -> Vec<i32> {
        (0..n)
            .map(|i| ((i as i32 * 2731) % 65536) - 32768)
            .collect()
    }

    fn sine16(n: usize, rate: f64) -> Vec<i16> {
        (0..n)
            .map(|i| {
                (30000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / rate).sin()) as i16
            })
            .collect()
    }

    /// Small deterministic PRNG (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    // ---------- decoding each encoding ----------

    #[test]
    fn pcm16_mono_exact_values() {
        let d = dir();
        let p = d.path().join("pcm16.wav");
        let samples = ramp16(1000);
        write_ints(&p, spec(1, 8000, 16, false), &samples);
        let (info, got) = read_all(&p);
        assert_eq!(
            info,
            WavInfo {
                sample_rate: 8000,
                channels: 1,
                encoding: Encoding::Pcm16,
                frames: 1000
            }
        );
        assert!((info.duration_s() - 0.125).abs() < 1e-12);
        let want: Vec<f32> = samples.iter().map(|&s| s as f32 / 32768.0).collect();
        assert_eq!(got, want);
        assert!(got.iter().all(|v| (-1.0..=1.0).contains(v)));
    }

    #[test]
    fn pcm8_exact_values() {
        let d = dir();
        let p = d.path().join("pcm8.wav");
        let samples: Vec<i32> = (-128..128).collect();
        write_ints(&p, spec(1, 11025, 8, false), &samples);
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Pcm8);
        assert_eq!(info.frames, 256);
        let want: Vec<f32> = samples.iter().map(|&s| s as f32 / 128.0).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn pcm24_exact_values() {
        let d = dir();
        let p = d.path().join("pcm24.wav");
        let samples: Vec<i32> = (0..500)
            .map(|i| (i * 33_331) % (1 << 23) - (1 << 22))
            .chain([-(1 << 23), (1 << 23) - 1])
            .collect();
        write_ints(&p, spec(1, 16000, 24, false), &samples);
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Pcm24);
        let want: Vec<f32> = samples.iter().map(|&s| s as f32 / 8_388_608.0).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn pcm32_exact_values() {
        let d = dir();
        let p = d.path().join("pcm32.wav");
        let samples = vec![
            i32::MIN,
            -1_000_000_000,
            -1,
            0,
            1,
            65_536,
            1_000_000_000,
            i32::MAX,
        ];
        write_ints(&p, spec(1, 48000, 32, false), &samples);
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Pcm32);
        let want: Vec<f32> = samples
            .iter()
            .map(|&s| s as f32 / 2_147_483_648.0)
            .collect();
        assert_eq!(got, want);
        assert_eq!(got[0], -1.0);
        assert!(got.iter().all(|v| (-1.0..=1.0).contains(v)));
    }

    #[test]
    fn float32_exact_values_and_clamping() {
        let d = dir();
        let p = d.path().join("f32.wav");
        let samples = vec![0.0f32, 0.5, -0.25, 1.0, -1.0, 1e-7, 1.5, -3.0];
        // hound writes float as WAVE_FORMAT_EXTENSIBLE with the float subformat.
        write_floats(&p, spec(1, 44100, 32, true), &samples);
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Float32);
        assert_eq!(got, vec![0.0, 0.5, -0.25, 1.0, -1.0, 1e-7, 1.0, -1.0]);
    }

    #[test]
    fn plain_float_tag_3_with_16_and_18_byte_fmt() {
        let d = dir();
        let values = [0.125f32, -0.75, 0.0, 0.999];
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        for extra in [&[][..], &[0, 0][..]] {
            let p = d.path().join(format!("float{}.wav", extra.len()));
            let fmt = fmt_body(3, 2, 22050, 8, 32, extra);
            fs::write(&p, riff(&[(b"fmt ", &fmt), (b"data", &data)])).unwrap();
            let (info, got) = read_all(&p);
            assert_eq!(info.encoding, Encoding::Float32);
            assert_eq!(info.channels, 2);
            assert_eq!(info.frames, 2);
            assert_eq!(got, values);
        }
    }

    #[test]
    fn extensible_pcm16_three_channels() {
        let d = dir();
        let p = d.path().join("ext16.wav");
        // hound switches to WAVE_FORMAT_EXTENSIBLE for more than two channels.
        let samples: Vec<i32> = (0..300).map(|i| (i % 3) * 1000 + i / 3).collect();
        write_ints(&p, spec(3, 8000, 16, false), &samples);
        let bytes = fs::read(&p).unwrap();
        assert_eq!(&bytes[20..22], &0xFFFEu16.to_le_bytes());
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Pcm16);
        assert_eq!(info.channels, 3);
        assert_eq!(info.frames, 100);
        let want: Vec<f32> = samples.iter().map(|&s| s as f32 / 32768.0).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn extensible_24_in_32_is_left_justified() {
        let d = dir();
        let p = d.path().join("ext24in32.wav");
        let values: [i32; 4] = [-(1 << 23), -1, 1, (1 << 23) - 1];
        let data: Vec<u8> = values.iter().flat_map(|v| (v << 8).to_le_bytes()).collect();
        let fmt = fmt_body(0xFFFE, 1, 48000, 4, 32, &extensible_ext(24, 1));
        fs::write(&p, riff(&[(b"fmt ", &fmt), (b"data", &data)])).unwrap();
        let (info, got) = read_all(&p);
        assert_eq!(info.encoding, Encoding::Pcm32);
        let want: Vec<f32> = values.iter().map(|&v| v as f32 / 8_388_608.0).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn g711_files_decode_to_table_values() {
        let d = dir();
        let sine = sine16(2000, 8000.0);
        for (law, decode, encode) in [
            (
                Encoding::MuLaw,
                g711::mulaw_to_linear as fn(u8) -> i16,
                g711::linear_to_mulaw as fn(i16) -> u8,
            ),
            (Encoding::ALaw, g711::alaw_to_linear, g711::linear_to_alaw),
        ] {
            let p = d.path().join(format!("{law}.wav"));
            write_g711(&p, 8000, 1, law, &sine).unwrap();
            let bytes = fs::read(&p).unwrap();
            let tag = if law == Encoding::MuLaw { 7u16 } else { 6 };
            assert_eq!(&bytes[20..22], &tag.to_le_bytes());
            let fact = find(&bytes, b"fact");
            assert_eq!(&bytes[fact + 4..fact + 12], &[4, 0, 0, 0, 0xD0, 0x07, 0, 0]);
            let (info, got) = read_all(&p);
            assert_eq!(
                info,
                WavInfo {
                    sample_rate: 8000,
                    channels: 1,
                    encoding: law,
                    frames: 2000
                }
            );
            assert_eq!(
                law.as_str(),
                if law == Encoding::MuLaw {
                    "mulaw"
                } else {
                    "alaw"
                }
            );
            let want: Vec<f32> = sine
                .iter()
                .map(|&s| f32::from(decode(encode(s))) / 32768.0)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn g711_every_code_decodes() {
        let d = dir();
        let data: Vec<u8> = (0..=255u8).collect();
        for (tag, decode) in [
            (7u16, g711::mulaw_to_linear as fn(u8) -> i16),
            (6, g711::alaw_to_linear),
        ] {
            let p = d.path().join(format!("codes{tag}.wav"));
            let fmt = fmt_body(tag, 1, 8000, 1, 8, &[0, 0]);
            fs::write(
                &p,
                riff(&[
                    (b"fmt ", &fmt),
                    (b"fact", &256u32.to_le_bytes()),
                    (b"data", &data),
                ]),
            )
            .unwrap();
            let (_, got) = read_all(&p);
            let want: Vec<f32> = data
                .iter()
                .map(|&b| f32::from(decode(b)) / 32768.0)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn extensible_g711_subformats() {
        let d = dir();
        let data: Vec<u8> = vec![0x00, 0x55, 0xD5, 0xFF, 0x80, 0x2A];
        for (sub, encoding, decode) in [
            (
                7u16,
                Encoding::MuLaw,
                g711::mulaw_to_linear as fn(u8) -> i16,
            ),
            (6, Encoding::ALaw, g711::alaw_to_linear),
        ] {
            let p = d.path().join(format!("ext{sub}.wav"));
            let fmt = fmt_body(0xFFFE, 2, 8000, 2, 8, &extensible_ext(8, sub));
            fs::write(
                &p,
                riff(&[
                    (b"fmt ", &fmt),
                    (b"fact", &3u32.to_le_bytes()),
                    (b"data", &data),
                ]),
            )
            .unwrap();
            let (info, got) = read_all(&p);
            assert_eq!(info.encoding, encoding);
            assert_eq!(info.frames, 3);
            let want: Vec<f32> = data
                .iter()
                .map(|&b| f32::from(decode(b)) / 32768.0)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn stereo_interleaving_is_preserved() {
        let d = dir();
        let left: Vec<i16> = (0..500).map(|i| i * 60).collect();
        let interleaved: Vec<i16> = left.iter().flat_map(|&l| [l, -l - 1]).collect();
        let p16 = d.path().join("st16.wav");
        let ints: Vec<i32> = interleaved.iter().map(|&s| i32::from(s)).collect();
        write_ints(&p16, spec(2, 8000, 16, false), &ints);
        let (info, got) = read_all(&p16);
        assert_eq!((info.channels, info.frames), (2, 500));
        for (i, frame) in got.chunks(2).enumerate() {
            assert_eq!(frame[0], f32::from(left[i]) / 32768.0);
            assert_eq!(frame[1], f32::from(-left[i] - 1) / 32768.0);
        }
        let pmu = d.path().join("stmu.wav");
        write_g711(&pmu, 8000, 2, Encoding::MuLaw, &interleaved).unwrap();
        let (info, got) = read_all(&pmu);
        assert_eq!((info.channels, info.frames), (2, 500));
        for (i, frame) in got.chunks(2).enumerate() {
            assert!(
                frame[0] >= 0.0 && frame[1] < 0.0 || i == 0,
                "frame {i}: {frame:?}"
            );
            let l = g711::mulaw_to_linear(g711::linear_to_mulaw(left[i]));
            let r = g711::mulaw_to_linear(g711::linear_to_mulaw(-left[i] - 1));
            assert_eq!(frame, [f32::from(l) / 32768.0, f32::from(r) / 32768.0]);
        }
    }

    #[test]
    fn chunk_sizes_give_identical_samples() {
        let d = dir();
        let sine = sine16(5003, 8000.0);
        let ints: Vec<i32> = sine.iter().map(|&s| i32::from(s)).collect();
        let floats: Vec<f32> = sine.iter().map(|&s| f32::from(s) / 40000.0).collect();
        let mut files = Vec::new();
        let p = d.path().join("c16.wav");
        write_ints(&p, spec(2, 8000, 16, false), &ints[..5002]);
        files.push(p);
        let p = d.path().join("c24.wav");
        write_ints(&p, spec(1, 8000, 24, false), &ints);
        files.push(p);
        let p = d.path().join("cf.wav");
        write_floats(&p, spec(1, 8000, 32, true), &floats);
        files.push(p);
        let p = d.path().join("cmu.wav");
        write_g711(&p, 8000, 1, Encoding::MuLaw, &sine).unwrap();
        files.push(p);
        let p = d.path().join("ca.wav");
        write_g711(&p, 8000, 2, Encoding::ALaw, &sine[..5002]).unwrap();
        files.push(p);
        for p in &files {
            let (_, reference) = read_all_chunked(p, 4096);
            assert!(!reference.is_empty());
            for chunk in [1, 7, 4096, usize::MAX] {
                let (_, got) = read_all_chunked(p, chunk);
                assert_eq!(got, reference, "{} with chunk {chunk}", p.display());
            }
        }
    }

    #[test]
    fn read_frames_clears_out_and_zero_max_reads_nothing() {
        let d = dir();
        let p = d.path().join("z.wav");
        write_ints(&p, spec(1, 8000, 16, false), &[1, 2, 3]);
        let mut s = WavStream::open(&p).unwrap();
        let mut out = vec![9.0; 10];
        assert_eq!(s.read_frames(&mut out, 0).unwrap(), 0);
        assert!(out.is_empty());
        assert_eq!(s.read_frames(&mut out, 2).unwrap(), 2);
        assert_eq!(out, [1.0 / 32768.0, 2.0 / 32768.0]);
        assert_eq!(s.read_frames(&mut out, 2).unwrap(), 1);
        assert_eq!(s.read_frames(&mut out, 2).unwrap(), 0);
        assert!(out.is_empty());
        assert_eq!(s.read_frames(&mut out, 2).unwrap(), 0);
        assert!(format!("{s:?}").contains("frames_read: 3"));
    }

    // ---------- header layouts ----------

    #[test]
    fn streaming_header_reads_to_end_of_file() {
        let d = dir();
        let sine = sine16(3001, 8000.0);
        let ints: Vec<i32> = sine.iter().map(|&s| i32::from(s)).collect();
        let p16 = d.path().join("s16.wav");
        write_ints(&p16, spec(1, 8000, 16, false), &ints);
        let pmu = d.path().join("smu.wav");
        write_g711(&pmu, 8000, 1, Encoding::MuLaw, &sine).unwrap();
        for p in [&p16, &pmu] {
            let (_, reference) = read_all(p);
            let original = fs::read(p).unwrap();
            for size in [u32::MAX, 0] {
                let mut bytes = original.clone();
                let at = find(&bytes, b"data") + 4;
                bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
                bytes[4..8].copy_from_slice(&size.to_le_bytes());
                // A recorder killed mid-write: the pad byte (if any) is missing.
                let data_end = at + 4 + reference.len() * if p == &p16 { 2 } else { 1 };
                bytes.truncate(data_end);
                let sp = d.path().join("streaming.wav");
                fs::write(&sp, &bytes).unwrap();
                let (info, got) = read_all(&sp);
                assert_eq!(info.frames, 3001);
                assert_eq!(got, reference);
                // A partial trailing frame is dropped.
                bytes.push(0x42);
                fs::write(&sp, &bytes).unwrap();
                let (info, got) = read_all(&sp);
                let extra = if p == &p16 { 0 } else { 1 };
                assert_eq!(info.frames, 3001 + extra);
                assert_eq!(&got[..reference.len()], &reference[..]);
            }
        }
        // Streaming stereo 16-bit with 3 stray bytes: one frame dropped.
        let ps = d.path().join("st.wav");
        write_ints(&ps, spec(2, 8000, 16, false), &ints[..3000]);
        let mut bytes = fs::read(&ps).unwrap();
        let at = find(&bytes, b"data") + 4;
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&[1, 2, 3]);
        fs::write(&ps, &bytes).unwrap();
        let (info, _) = read_all(&ps);
        assert_eq!(info.frames, 1500);
    }

    #[test]
    fn odd_chunks_with_pad_bytes_and_trailing_chunks() {
        let d = dir();
        let pcm: Vec<u8> = [100i16, -200, 300]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let fmt = fmt_body(1, 1, 8000, 2, 16, &[]);
        let p = d.path().join("odd.wav");
        // Odd chunk before fmt, odd chunk between fmt and data, chunk after data.
        fs::write(
            &p,
            riff(&[
                (b"junk", b"abc"),
                (b"fmt ", &fmt),
                (b"LIST", b"INFOx"),
                (b"data", &pcm),
                (b"LIST", b"trailing-metadata"),
            ]),
        )
        .unwrap();
        let (info, got) = read_all(&p);
        assert_eq!(info.frames, 3);
        assert_eq!(got, [100.0 / 32768.0, -200.0 / 32768.0, 300.0 / 32768.0]);

        // G.711 with an odd-length data chunk, odd LIST before it and a 20-byte fmt.
        let mu = [0x80u8, 0x00, 0xFF];
        let fmt = fmt_body(7, 1, 8000, 1, 8, &[2, 0, 0xAA, 0xBB]);
        let p = d.path().join("oddmu.wav");
        fs::write(
            &p,
            riff(&[
                (b"fmt ", &fmt),
                (b"fact", &3u32.to_le_bytes()),
                (b"LIST", b"x"),
                (b"data", &mu),
                (b"id3 ", b"tag"),
            ]),
        )
        .unwrap();
        let (info, got) = read_all(&p);
        assert_eq!(info.frames, 3);
        assert_eq!(got, [32124.0 / 32768.0, -32124.0 / 32768.0, 0.0]);
    }

    // ---------- errors ----------

    #[test]
    fn missing_file_is_io_error_with_os_message() {
        let d = dir();
        let p = d.path().join("nope.wav");
        let err = WavStream::open(&p).unwrap_err();
        assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
        assert_msg(&err, &p, "No such file or directory");
        let err = WavStream::open(d.path()).unwrap_err();
        assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
    }

    #[test]
    fn non_riff_is_not_wav() {
        let d = dir();
        for (name, bytes) in [
            ("text.wav", &b"hello, this is not audio at all"[..]),
            ("empty.wav", &b""[..]),
            ("short.wav", &b"RIFF"[..]),
            ("avi.wav", &b"RIFF\x10\0\0\0AVI LIST\0\0\0\0"[..]),
        ] {
            let p = d.path().join(name);
            fs::write(&p, bytes).unwrap();
            let err = WavStream::open(&p).unwrap_err();
            assert!(matches!(err, AudioError::NotWav { .. }), "{name}: {err:?}");
            assert_msg(&err, &p, "not a WAV file");
        }
        let p = d.path().join("text.wav");
        let err = WavStream::open(&p).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a WAV file (no RIFF/WAVE header)", p.display())
        );
    }

    #[test]
    fn unsupported_encodings_rates_and_channels() {
        let d = dir();
        let data = [0u8; 64];
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "mp3",
                fmt_body(0x55, 1, 8000, 1, 0, &[0, 0]),
                "unsupported encoding: format tag 0x0055 (MPEG Layer 3)",
            ),
            (
                "adpcm",
                fmt_body(0x02, 1, 8000, 256, 4, &[0, 0]),
                "format tag 0x0002 (Microsoft ADPCM)",
            ),
            ("float64", fmt_body(3, 1, 8000, 8, 64, &[]), "64-bit float"),
            (
                "rate96k",
                fmt_body(1, 1, 96000, 2, 16, &[]),
                "unsupported sample rate: 96000 Hz",
            ),
            ("rate4k", fmt_body(7, 1, 4000, 1, 8, &[0, 0]), "4000 Hz"),
            ("rate48001", fmt_body(1, 1, 48001, 2, 16, &[]), "48001 Hz"),
            (
                "channels9",
                fmt_body(1, 9, 8000, 18, 16, &[]),
                "channel count: 9",
            ),
            (
                "guid",
                {
                    let mut ext = extensible_ext(16, 1);
                    ext[12] = 0x99; // corrupt the GUID tail
                    fmt_body(0xFFFE, 1, 8000, 2, 16, &ext)
                },
                "encoding: WAVE_FORMAT_EXTENSIBLE subformat {00000001-0099-0010-8000-00AA00389B71}",
            ),
            (
                "tag_unknown",
                fmt_body(0x1234, 1, 8000, 2, 16, &[]),
                "format tag 0x1234 (unrecognized)",
            ),
            (
                "pcm48",
                fmt_body(1, 1, 8000, 6, 48, &[]),
                "48-bit integer PCM",
            ),
            (
                "extmp3",
                fmt_body(0xFFFE, 1, 8000, 2, 16, &extensible_ext(16, 0x55)),
                "format tag 0x0055",
            ),
        ];
        for (name, fmt, needle) in cases {
            let p = d.path().join(format!("{name}.wav"));
            fs::write(&p, riff(&[(b"fmt ", &fmt), (b"data", &data)])).unwrap();
            let err = WavStream::open(&p).unwrap_err();
            assert!(
                matches!(err, AudioError::Unsupported { .. }),
                "{name}: {err:?}"
            );
            assert_msg(&err, &p, needle);
        }
        // Both rate limits are inclusive.
        for rate in [8000, 48000] {
            let p = d.path().join(format!("ok{rate}.wav"));
            fs::write(
                &p,
                riff(&[
                    (b"fmt ", &fmt_body(1, 1, rate, 2, 16, &[])),
                    (b"data", &data),
                ]),
            )
            .unwrap();
            assert_eq!(WavStream::open(&p).unwrap().info().sample_rate, rate);
        }
    }

    #[test]
    fn data_larger_than_file_is_truncated() {
        let d = dir();
        let p = d.path().join("trunc.wav");
        write_ints(&p, spec(1, 8000, 16, false), &ramp16(41230));
        let mut bytes = fs::read(&p).unwrap();
        let at = find(&bytes, b"data") + 4;
        bytes[at..at + 4].copy_from_slice(&160_000u32.to_le_bytes());
        fs::write(&p, &bytes).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: truncated: data chunk declares 80000 frames but the file ends after 41230",
                p.display()
            )
        );
        // The same for G.711.
        let pmu = d.path().join("trunc_mu.wav");
        write_g711(&pmu, 8000, 2, Encoding::ALaw, &[0; 200]).unwrap();
        let mut bytes = fs::read(&pmu).unwrap();
        bytes.truncate(bytes.len() - 51);
        fs::write(&pmu, &bytes).unwrap();
        let err = WavStream::open(&pmu).unwrap_err();
        assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
        assert_msg(
            &err,
            &pmu,
            "data chunk declares 100 frames but the file ends after 74",
        );
    }

    #[test]
    fn file_shrinking_after_open_is_truncated_not_a_panic() {
        let d = dir();
        let sine = sine16(100_000, 8000.0);
        let ints: Vec<i32> = sine.iter().map(|&s| i32::from(s)).collect();
        let p16 = d.path().join("shrink16.wav");
        write_ints(&p16, spec(1, 8000, 16, false), &ints);
        let pmu = d.path().join("shrinkmu.wav");
        write_g711(&pmu, 8000, 1, Encoding::MuLaw, &sine).unwrap();
        for p in [&p16, &pmu] {
            let mut s = WavStream::open(p).unwrap();
            let data_start = find(&fs::read(p).unwrap(), b"data") as u64 + 8;
            let bytes_per_frame = if p == &p16 { 2 } else { 1 };
            fs::OpenOptions::new()
                .write(true)
                .open(p)
                .unwrap()
                .set_len(data_start + 50_000 * bytes_per_frame)
                .unwrap();
            let mut out = Vec::new();
            let err = loop {
                match s.read_frames(&mut out, 1000) {
                    Ok(0) => panic!("no error"),
                    Ok(_) => {}
                    Err(e) => break e,
                }
            };
            assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
            assert_msg(
                &err,
                p,
                "data chunk declares 100000 frames but the file ends after 50000",
            );
        }
    }

    #[test]
    fn no_frames_is_empty() {
        let d = dir();
        let p = d.path().join("empty16.wav");
        write_ints(&p, spec(1, 8000, 16, false), &[]);
        let err = WavStream::open(&p).unwrap_err();
        assert!(matches!(err, AudioError::Empty { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("{}: empty: no audio frames", p.display())
        );
        let pmu = d.path().join("emptymu.wav");
        write_g711(&pmu, 8000, 1, Encoding::MuLaw, &[]).unwrap();
        let err = WavStream::open(&pmu).unwrap_err();
        assert!(matches!(err, AudioError::Empty { .. }), "{err:?}");
        assert_msg(&err, &pmu, "empty: no audio frames");
        // One byte of 16-bit audio is not a frame.
        let p1 = d.path().join("onebyte.wav");
        fs::write(
            &p1,
            riff(&[
                (b"fmt ", &fmt_body(1, 1, 8000, 2, 16, &[])),
                (b"data", &[7]),
            ]),
        )
        .unwrap();
        assert!(matches!(
            WavStream::open(&p1),
            Err(AudioError::Empty { .. })
        ));
    }

    #[test]
    fn nan_and_infinity_are_non_finite_with_frame_index() {
        let d = dir();
        for (bad, frame) in [
            (f32::NAN, 1234u64),
            (f32::INFINITY, 0),
            (f32::NEG_INFINITY, 2999),
        ] {
            let p = d.path().join("nan.wav");
            let mut samples = vec![0.25f32; 6000];
            samples[frame as usize * 2 + 1] = bad; // right channel
            write_floats(&p, spec(2, 8000, 32, true), &samples);
            let mut s = WavStream::open(&p).unwrap();
            let mut out = Vec::new();
            let err = loop {
                match s.read_frames(&mut out, 100) {
                    Ok(0) => panic!("no error for {bad}"),
                    Ok(_) => {}
                    Err(e) => break e,
                }
            };
            match &err {
                AudioError::NonFinite { frame: f, .. } => assert_eq!(*f, frame),
                other => panic!("{other:?}"),
            }
            assert_msg(
                &err,
                &p,
                &format!("sample is NaN or infinite at frame {frame}"),
            );
        }
    }

    #[test]
    fn absurd_headers_are_bad_header() {
        let d = dir();
        let data = [0u8; 64];
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "ch0",
                fmt_body(1, 0, 8000, 2, 16, &[]),
                "header declares absurd sizes (channels=0)",
            ),
            ("align", fmt_body(1, 2, 8000, 2, 16, &[]), "block_align=2"),
            (
                "align_mu",
                fmt_body(7, 1, 8000, 2, 8, &[0, 0]),
                "block_align=2",
            ),
            (
                "bits0",
                fmt_body(1, 1, 8000, 2, 0, &[]),
                "bits_per_sample=0",
            ),
            (
                "bits_mu16",
                fmt_body(7, 1, 8000, 2, 16, &[0, 0]),
                "bits_per_sample=16 for mulaw",
            ),
            (
                "float16",
                fmt_body(3, 1, 8000, 2, 16, &[]),
                "bits_per_sample=16 for IEEE float",
            ),
            ("rate0", fmt_body(1, 1, 0, 2, 16, &[]), "sample_rate=0"),
            (
                "short_fmt",
                fmt_body(1, 1, 8000, 2, 16, &[])[..12].to_vec(),
                "fmt chunk size=12",
            ),
            (
                "ext_short",
                fmt_body(0xFFFE, 1, 8000, 2, 16, &[0, 0]),
                "WAVE_FORMAT_EXTENSIBLE needs 40",
            ),
            (
                "ext_valid",
                fmt_body(0xFFFE, 1, 8000, 2, 16, &extensible_ext(20, 1)),
                "valid bits",
            ),
        ];
        for (name, fmt, needle) in cases {
            let p = d.path().join(format!("{name}.wav"));
            fs::write(&p, riff(&[(b"fmt ", &fmt), (b"data", &data)])).unwrap();
            let err = WavStream::open(&p).unwrap_err();
            assert!(
                matches!(err, AudioError::BadHeader { .. }),
                "{name}: {err:?}"
            );
            assert_msg(&err, &p, needle);
        }
    }

    #[test]
    fn misordered_chunks_are_malformed_or_truncated() {
        let d = dir();
        let fmt = fmt_body(1, 1, 8000, 2, 16, &[]);
        let p = d.path().join("order.wav");
        fs::write(&p, riff(&[(b"data", &[0; 8]), (b"fmt ", &fmt)])).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert!(matches!(err, AudioError::Malformed { .. }), "{err:?}");
        assert_msg(&err, &p, "data chunk comes before the fmt chunk");
        fs::write(&p, riff(&[(b"LIST", &[0; 4]), (b"data", &[0; 8])])).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert_msg(&err, &p, "malformed WAV: no fmt chunk");
        fs::write(&p, riff(&[(b"data", &[0; 8]), (b"LIST", &[0; 3])])).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert_msg(&err, &p, "malformed WAV: no fmt chunk");
        fs::write(
            &p,
            riff(&[(b"fmt ", &fmt), (b"fmt ", &fmt), (b"data", &[0; 8])]),
        )
        .unwrap();
        assert!(matches!(
            WavStream::open(&p),
            Err(AudioError::Malformed { .. })
        ));
        fs::write(&p, riff(&[(b"fmt ", &fmt)])).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
        assert_msg(&err, &p, "no data chunk");
        let mut bytes = riff(&[(b"fmt ", &fmt), (b"LIST", &[0; 10])]);
        bytes.truncate(bytes.len() - 3);
        fs::write(&p, bytes).unwrap();
        let err = WavStream::open(&p).unwrap_err();
        assert_msg(
            &err,
            &p,
            "'LIST' chunk declares 10 bytes but the file ends after 7",
        );
    }

    #[test]
    fn write_g711_rejects_bad_arguments() {
        let d = dir();
        let p = d.path().join("w.wav");
        let err = write_g711(&p, 8000, 1, Encoding::Pcm16, &[0]).unwrap_err();
        assert!(matches!(err, AudioError::Unsupported { .. }), "{err:?}");
        assert_msg(&err, &p, "pcm16");
        let err = write_g711(&p, 8000, 0, Encoding::MuLaw, &[0]).unwrap_err();
        assert!(matches!(err, AudioError::BadHeader { .. }), "{err:?}");
        let err = write_g711(&p, 8000, 2, Encoding::MuLaw, &[0, 1, 2]).unwrap_err();
        assert!(matches!(err, AudioError::BadHeader { .. }), "{err:?}");
        let err = write_g711(&p, 96000, 1, Encoding::ALaw, &[0]).unwrap_err();
        assert!(matches!(err, AudioError::Unsupported { .. }), "{err:?}");
        let err = write_g711(
            &d.path().join("no/such/dir.wav"),
            8000,
            1,
            Encoding::ALaw,
            &[0],
        )
        .unwrap_err();
        assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
    }

    #[test]
    fn encoding_names_and_duration() {
        let names: Vec<&str> = [
            Encoding::Pcm8,
            Encoding::Pcm16,
            Encoding::Pcm24,
            Encoding::Pcm32,
            Encoding::Float32,
            Encoding::MuLaw,
            Encoding::ALaw,
        ]
        .iter()
        .map(Encoding::as_str)
        .collect();
        assert_eq!(
            names,
            [
                "pcm8", "pcm16", "pcm24", "pcm32", "float32", "mulaw", "alaw"
            ]
        );
        assert_eq!(Encoding::MuLaw.to_string(), "mulaw");
        let info = WavInfo {
            sample_rate: 8000,
            channels: 2,
            encoding: Encoding::ALaw,
            frames: 12000,
        };
        assert_eq!(info.duration_s(), 1.5);
    }

    // ---------- robustness ----------

    #[test]
    fn every_truncation_of_valid_files_errors_cleanly() {
        let d = dir();
        let mut sources = Vec::new();
        let p = d.path().join("v16.wav");
        write_ints(&p, spec(2, 8000, 16, false), &ramp16(40));
        sources.push(p);
        let p = d.path().join("vf.wav");
        write_floats(&p, spec(1, 8000, 32, true), &[0.5; 15]);
        sources.push(p);
        let p = d.path().join("v24.wav");
        write_ints(&p, spec(1, 8000, 24, false), &[5; 9]);
        sources.push(p);
        let p = d.path().join("vmu.wav");
        write_g711(&p, 8000, 1, Encoding::MuLaw, &sine16(33, 8000.0)).unwrap();
        sources.push(p);
        let cut = d.path().join("cut.wav");
        for src in &sources {
            let full = fs::read(src).unwrap();
            let (_, reference) = read_all(src);
            let data_start = find(&full, b"data") + 8;
            let data_len =
                u32::from_le_bytes(full[data_start - 4..data_start].try_into().unwrap()) as usize;
            for len in 0..=full.len() {
                fs::write(&cut, &full[..len]).unwrap();
                let result = try_read_all(&cut);
                if len < 12 {
                    assert!(
                        matches!(result, Err(AudioError::NotWav { .. })),
                        "len {len}: {result:?}"
                    );
                } else if len < data_start + data_len {
                    assert!(
                        matches!(result, Err(AudioError::Truncated { .. })),
                        "len {len}: {result:?}"
                    );
                } else {
                    assert_eq!(result.unwrap(), reference, "len {len}");
                }
            }
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let d = dir();
        let p = d.path().join("garbage.wav");
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        let ids: [&[u8; 4]; 6] = [b"fmt ", b"data", b"fact", b"LIST", b"junk", b"\0\0\0\0"];
        for round in 0..3000 {
            let mut bytes = Vec::new();
            match round % 3 {
                0 => {
                    let len = rng.below(200);
                    bytes.extend((0..len).map(|_| rng.next() as u8));
                }
                1 => {
                    // Plausible chunk structure with random fields.
                    bytes.extend_from_slice(b"RIFF\xFF\xFF\xFF\xFFWAVE");
                    for _ in 0..rng.below(5) {
                        bytes.extend_from_slice(ids[rng.below(6) as usize]);
                        let size = match rng.below(4) {
                            0 => u32::MAX,
                            1 => rng.below(64) as u32,
                            2 => 16,
                            _ => rng.next() as u32,
                        };
                        bytes.extend_from_slice(&size.to_le_bytes());
                        let body = rng.below(48);
                        bytes.extend((0..body).map(|_| rng.next() as u8));
                    }
                }
                _ => {
                    // A valid header with a few bytes flipped.
                    let tag = [1u16, 3, 6, 7, 0xFFFE][rng.below(5) as usize];
                    let ext = extensible_ext(
                        rng.below(40) as u16,
                        [1u16, 3, 6, 7][rng.below(4) as usize],
                    );
                    let fmt = fmt_body(
                        tag,
                        1 + rng.below(3) as u16,
                        8000,
                        2,
                        16,
                        if tag == 0xFFFE { &ext } else { &[] },
                    );
                    let data: Vec<u8> = (0..rng.below(100)).map(|_| rng.next() as u8).collect();
                    bytes = riff(&[(b"fmt ", &fmt), (b"data", &data)]);
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len() as u64) as usize;
                        bytes[at] = rng.next() as u8;
                    }
                }
            }
            fs::write(&p, &bytes).unwrap();
            if let Err(e) = try_read_all(&p) {
                assert!(e.to_string().starts_with(&p.display().to_string()));
            }
        }
    }
}
