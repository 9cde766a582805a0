//! Mutated WAV files from a fixed seed (header bytes, chunk sizes, truncations, missing
//! and duplicated chunks, absurd channels, rates and bits, NaN payloads) over several
//! encodings: no panic, no hang, one row each, and every error names its file.

use std::collections::BTreeSet;

use rand::{RngExt, SeedableRng};

use super::*;

const MUTANTS: usize = 2000;

/// One encoding of the seed files: format tag, bits per sample, and the subformat tag
/// when written as WAVE_FORMAT_EXTENSIBLE.
struct Encoding {
    tag: u16,
    bits: u16,
    extensible: bool,
}

const ENCODINGS: [Encoding; 9] = [
    Encoding {
        tag: 1,
        bits: 8,
        extensible: false,
    },
    Encoding {
        tag: 1,
        bits: 16,
        extensible: false,
    },
    Encoding {
        tag: 1,
        bits: 24,
        extensible: false,
    },
    Encoding {
        tag: 1,
        bits: 32,
        extensible: false,
    },
    Encoding {
        tag: 3,
        bits: 32,
        extensible: false,
    },
    Encoding {
        tag: 7,
        bits: 8,
        extensible: false,
    },
    Encoding {
        tag: 6,
        bits: 8,
        extensible: false,
    },
    Encoding {
        tag: 1,
        bits: 16,
        extensible: true,
    },
    Encoding {
        tag: 3,
        bits: 32,
        extensible: true,
    },
];

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn fmt_body(e: &Encoding, channels: u16, rate: u32) -> Vec<u8> {
    let block_align = channels * e.bits / 8;
    let mut b = Vec::new();
    b.extend_from_slice(&(if e.extensible { 0xFFFE } else { e.tag }).to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    b.extend_from_slice(&block_align.to_le_bytes());
    b.extend_from_slice(&e.bits.to_le_bytes());
    if e.extensible {
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&e.bits.to_le_bytes());
        b.extend_from_slice(&(if channels == 1 { 4u32 } else { 3 }).to_le_bytes());
        b.extend_from_slice(&e.tag.to_le_bytes());
        b.extend_from_slice(&[
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    } else if e.tag != 1 {
        b.extend_from_slice(&0u16.to_le_bytes());
    }
    b
}

/// 0.1 s of a tone in encoding `e`.
fn payload(e: &Encoding, channels: u16, rate: u32) -> Vec<u8> {
    let frames = rate / 10;
    let mut d = Vec::new();
    for i in 0..frames * u32::from(channels) {
        let x = 0.4 * (f64::from(i) * 0.05).sin();
        match (e.tag, e.bits) {
            (3, _) => d.extend_from_slice(&(x as f32).to_le_bytes()),
            (6 | 7, _) => d.push((x * 127.0 + 128.0) as u8),
            (_, 8) => d.push((x * 127.0 + 128.0) as u8),
            (_, 16) => d.extend_from_slice(&((x * 32767.0) as i16).to_le_bytes()),
            (_, 24) => d.extend_from_slice(&((x * 8_388_607.0) as i32).to_le_bytes()[..3]),
            _ => d.extend_from_slice(&((x * 2_147_483_647.0) as i32).to_le_bytes()),
        }
    }
    d
}

/// The chunks of a seed file; `fact` for the non-PCM encodings, as writers add it.
fn seed_chunks(e: &Encoding, channels: u16, rate: u32) -> Vec<Vec<u8>> {
    let data = payload(e, channels, rate);
    let frames = data.len() as u32 / u32::from(channels * e.bits / 8);
    let mut chunks = vec![chunk(b"fmt ", &fmt_body(e, channels, rate))];
    if e.tag != 1 {
        chunks.push(chunk(b"fact", &frames.to_le_bytes()));
    }
    chunks.push(chunk(b"data", &data));
    chunks
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(4 + body.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVE");
    f.extend_from_slice(&body);
    f
}

fn put_u16(bytes: &mut [u8], at: usize, v: u16) {
    if let Some(s) = bytes.get_mut(at..at + 2) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    if let Some(s) = bytes.get_mut(at..at + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// One mutant of a seed: one to three mutations drawn from `rng`.
fn mutant(rng: &mut rand::rngs::StdRng, e: &Encoding) -> Vec<u8> {
    let channels = if rng.random::<bool>() { 1 } else { 2 };
    let rate = [8000, 16000][rng.random_range(0..2)];
    let mut chunks = seed_chunks(e, channels, rate);
    // Chunk-level mutations first, then byte-level ones on the file.
    match rng.random_range(0..6) {
        0 => {
            chunks.remove(0);
        }
        1 => {
            let last = chunks.len() - 1;
            chunks.remove(last);
        }
        2 => {
            let fmt = chunks[0].clone();
            let at = rng.random_range(0..=chunks.len());
            chunks.insert(at, fmt);
        }
        3 => {
            let junk: Vec<u8> = (0..rng.random_range(0..9)).map(|_| rng.random()).collect();
            let at = rng.random_range(0..=chunks.len());
            chunks.insert(at, chunk(b"LIST", &junk));
        }
        4 => chunks.swap(0, 1),
        _ => {}
    }
    let mut f = riff(&chunks);
    // Offsets in the fmt chunk when it is first: 20 tag, 22 channels, 24 rate, 32 block
    // align, 34 bits; 16 its size, 4 the RIFF size.
    for _ in 0..rng.random_range(1..4) {
        match rng.random_range(0..9) {
            0 => {
                let at = rng.random_range(0..f.len().min(80));
                f[at] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let at = [4, 16, 40, 52, 56][rng.random_range(0..5)];
                let v = [
                    0,
                    1,
                    7,
                    0xFFFF_FFFF,
                    0x7FFF_FFFF,
                    f.len() as u32,
                    rng.random(),
                ][rng.random_range(0..7)];
                put_u32(&mut f, at, v);
            }
            2 => {
                let at = rng.random_range(0..f.len());
                f.truncate(at);
            }
            3 => put_u16(&mut f, 22, [0, 3, 9, 255, 0xFFFF][rng.random_range(0..5)]),
            4 => put_u32(
                &mut f,
                24,
                [0, 1, 7999, 48001, 96000, 0xFFFF_FFFF][rng.random_range(0..6)],
            ),
            5 => put_u16(
                &mut f,
                34,
                [0, 1, 7, 12, 20, 64, 0xFFFF][rng.random_range(0..7)],
            ),
            6 => put_u16(&mut f, 32, rng.random_range(0..20)),
            7 => {
                // NaN and infinite samples (or random bytes) in the payload.
                let start = f.len().saturating_sub(400);
                for _ in 0..rng.random_range(1..5) {
                    let at = rng.random_range(start..f.len().max(start + 1));
                    let v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][rng.random_range(0..3)];
                    let at = at - at % 4;
                    if let Some(s) = f.get_mut(at..at + 4) {
                        s.copy_from_slice(&v.to_le_bytes());
                    }
                }
            }
            _ => put_u16(&mut f, 20, rng.random()),
        }
    }
    f
}

#[test]
fn mutated_wavs_each_get_one_row_and_every_error_names_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mutants = dir.path().join("mutants");
    std::fs::create_dir_all(&mutants).expect("mkdir");
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let mut paths = BTreeSet::new();
    for i in 0..MUTANTS {
        let e = &ENCODINGS[i % ENCODINGS.len()];
        let path = mutants.join(format!("m{i:04}.wav"));
        std::fs::write(&path, mutant(&mut rng, e)).expect("write mutant");
        paths.insert(path.display().to_string());
    }
    let out = dir.path().join("out");
    let child = command(&["score", s(&mutants), "--out", s(&out), "--jobs", "2", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callcoach starts");
    let result = finish_within(child, Duration::from_secs(60));
    let stderr = stderr_of(&result);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let recs = records(&out);
    assert_eq!(recs.len(), MUTANTS, "one row per mutant");
    let files: BTreeSet<String> = recs.iter().map(|r| r.file.clone()).collect();
    assert_eq!(files, paths, "each mutant once");
    let mut kinds = BTreeSet::new();
    for r in &recs {
        match r.status.as_str() {
            "ok" => assert!(r.report.is_some() && r.error.is_none(), "{}", r.file),
            "error" => {
                let e = r.error.as_deref().unwrap_or("");
                let rest = e
                    .strip_prefix(&format!("{}: ", r.file))
                    .unwrap_or_else(|| panic!("{:?} does not start with its file", e));
                assert!(!rest.contains(&r.file), "the path once: {e}");
                kinds.insert(
                    rest.split([':', '('])
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                );
            }
            other => panic!("status {other}"),
        }
    }
    let ok = recs.iter().filter(|r| r.status == "ok").count();
    assert!(
        (100..MUTANTS - 100).contains(&ok),
        "{ok} of {MUTANTS} decoded"
    );
    for kind in [
        "not a WAV file",
        "unsupported encoding",
        "truncated",
        "header declares absurd sizes",
        "malformed WAV",
        "sample is NaN or infinite at frame",
    ] {
        assert!(
            kinds.iter().any(|k| k.starts_with(kind)),
            "no {kind:?} among {kinds:#?}"
        );
    }
}
