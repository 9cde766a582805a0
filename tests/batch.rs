//! `callcoach score` end to end: outputs, bad files, exit codes, resume, pitch tracks;
//! in `faults`, `resume` and `mutation`: bad paths, output faults, interrupted runs and
//! mutated WAV files.

mod common;
#[path = "batch/faults.rs"]
mod faults;
#[path = "batch/mutation.rs"]
mod mutation;
#[path = "batch/resume.rs"]
mod resume;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use callcoach::batch::{CSV_HEADER, CallRecord};

fn corpus_call(name: &str) -> PathBuf {
    common::corpus("dev/calls").join(name)
}

use common::callcoach;

/// `callcoach ARGS` with no standard input.
fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callcoach"));
    cmd.args(args).stdin(Stdio::null());
    cmd
}

/// What a child printed and how it ended; fails the test if it runs past `limit` (a
/// hang), after killing it.
fn finish_within(mut child: Child, limit: Duration) -> Output {
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::Builder::new()
            .name("test-pipe-reader".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
            .expect("reader thread")
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("callcoach did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

/// Runs `cmd` with its output captured; it must end within 10 s.
fn run_within_10_s(cmd: &mut Command) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callcoach starts");
    finish_within(child, Duration::from_secs(10))
}

use common::stderr_text as stderr_of;

/// A short mono 16-bit WAV at 8 kHz: `ms` of a tone whose pitch depends on `seed`.
fn tiny_wav(path: &Path, seed: u32, ms: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    let f0_hz = 100.0 + f64::from(seed % 50) * 3.0;
    for i in 0..(8 * ms) {
        let t = f64::from(i) / 8000.0;
        let x = 8000.0 * (2.0 * std::f64::consts::PI * f0_hz * t).sin();
        w.write_sample(x as i16).expect("write sample");
    }
    w.finalize().expect("finish wav");
}

/// A folder of `n` tiny WAVs named `0000.wav`, `0001.wav`, ...
fn tiny_folder(root: &Path, n: u32) -> PathBuf {
    let dir = root.join("calls");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for i in 0..n {
        tiny_wav(&dir.join(format!("{i:04}.wav")), i, 100);
    }
    dir
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

use common::utf8 as s;

/// A folder with two good calls (one in a subfolder, upper-case extension) and four bad
/// files.
fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::copy(corpus_call("c001.wav"), root.join("a_good.wav")).expect("copy");
    std::fs::copy(corpus_call("c011.wav"), root.join("sub/b_good.WAV")).expect("copy");
    std::fs::write(root.join("c_text.wav"), b"this is not audio at all").expect("write");
    std::fs::write(root.join("d_empty.wav"), b"").expect("write");
    let good = std::fs::read(corpus_call("c001.wav")).expect("read");
    std::fs::write(root.join("e_truncated.wav"), &good[..good.len() / 2]).expect("write");
    std::fs::write(root.join("notes.txt"), b"ignored").expect("write");
    dir
}

fn records(out: &Path) -> Vec<CallRecord> {
    callcoach::batch::read_records(&out.join("calls.jsonl")).expect("calls.jsonl parses")
}

#[test]
fn scores_a_folder_reports_bad_files_and_exits_1() {
    let dir = archive();
    let out = dir.path().join("out");
    let result = callcoach(&[
        "score",
        s(dir.path()),
        "--out",
        s(&out),
        "--jobs",
        "2",
        "-q",
    ]);
    assert_eq!(
        result.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );

    let recs = records(&out);
    let names: Vec<String> = recs
        .iter()
        .map(|r| r.file.rsplit('/').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "a_good.wav",
            "c_text.wav",
            "d_empty.wav",
            "e_truncated.wav",
            "b_good.WAV"
        ],
        "sorted by path (sub/ after the top-level files)"
    );
    let status: Vec<&str> = recs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, ["ok", "error", "error", "error", "ok"]);
    let err = |i: usize| recs[i].error.clone().unwrap_or_default();
    assert!(
        err(1).contains("c_text.wav") && err(1).contains("not a WAV file"),
        "{}",
        err(1)
    );
    assert!(err(2).contains("d_empty.wav"), "{}", err(2));
    assert!(
        err(3).contains("e_truncated.wav") && err(3).contains("truncated"),
        "{}",
        err(3)
    );

    let good = recs[0].report.as_ref().expect("report");
    assert_eq!(recs[0].sample_rate, Some(8000));
    assert_eq!(recs[0].channels, Some(2));
    assert_eq!(recs[0].encoding.as_deref(), Some("pcm16"));
    assert_eq!(recs[4].encoding.as_deref(), Some("mulaw"));
    assert!(
        (good.duration_s - 60.84).abs() < 0.01,
        "{}",
        good.duration_s
    );
    assert_eq!(good.reply_gaps.len(), 4, "c001 has 4 labelled reply gaps");

    // summary.csv: header and one row per file, same order, parseable.
    let mut reader = csv::Reader::from_path(out.join("summary.csv")).expect("csv opens");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 5);
    let col = |name: &str| {
        CSV_HEADER
            .iter()
            .position(|h| *h == name)
            .expect("a column")
    };
    for (row, rec) in rows.iter().zip(&recs) {
        assert_eq!(&row[col("file")], rec.file);
        assert_eq!(&row[col("status")], rec.status);
        assert_eq!(
            row[col("score")].to_string(),
            rec.report
                .as_ref()
                .map(|r| r.score.total.to_string())
                .unwrap_or_default()
        );
    }
    assert_eq!(
        &rows[0][col("median_reply_gap_s")],
        callcoach::record::median_gap_s(good)
            .map(|g| format!("{g:.3}"))
            .unwrap_or_default()
    );
}

#[test]
fn json_has_the_public_field_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let result = callcoach(&["score", s(&corpus_call("c001.wav")), "--out", s(&out), "-q"]);
    assert_eq!(result.status.code(), Some(0));
    let text = std::fs::read_to_string(out.join("calls.jsonl")).expect("read");
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
    for key in [
        "file",
        "status",
        "duration_s",
        "sample_rate",
        "channels",
        "encoding",
        "layout",
        "agent",
        "customer",
        "segments",
        "turns",
        "reply_gaps",
        "overlaps",
        "long_silences",
        "longest_monologue_s",
        "score",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "talk_s",
        "voiced_s",
        "median_f0_hz",
        "band_hz",
        "frac_voiced_in_band",
        "syllables_per_s",
        "pace",
        "pace_changes",
        "pace_changes_per_45s",
    ] {
        assert!(v["agent"].get(key).is_some(), "missing agent.{key}");
    }
    assert_eq!(v["layout"], "stereo");
    assert_eq!(v["agent"]["band_hz"], serde_json::json!([100.0, 120.0]));
    let gap = &v["reply_gaps"][0];
    for key in ["customer_end", "agent_start", "gap_s", "verdict"] {
        assert!(gap.get(key).is_some(), "missing reply_gaps[].{key}");
    }
    assert!(v["score"]["total"].as_u64().is_some_and(|t| t <= 100));
}

#[test]
fn resume_skips_scored_files_and_repairs_a_torn_line() {
    let dir = archive();
    let out = dir.path().join("out");
    let first = callcoach(&["score", s(dir.path()), "--out", s(&out), "-q"]);
    assert_eq!(first.status.code(), Some(1));
    let complete = std::fs::read_to_string(out.join("calls.jsonl")).expect("read");
    // Simulate a run killed while writing: keep two lines and half of the third.
    let lines: Vec<&str> = complete.lines().collect();
    let torn = format!(
        "{}\n{}\n{}",
        lines[0],
        lines[1],
        &lines[2][..lines[2].len() / 2]
    );
    std::fs::write(out.join("calls.jsonl"), torn).expect("write");

    let second = callcoach(&["score", s(dir.path()), "--out", s(&out), "--resume"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("3 failed") || stderr.contains("scored"),
        "{stderr}"
    );
    assert!(stderr.contains("2 skipped"), "{stderr}");
    let after = std::fs::read_to_string(out.join("calls.jsonl")).expect("read");
    assert_eq!(
        after, complete,
        "resumed output equals an uninterrupted run"
    );
    let rows = std::fs::read_to_string(out.join("summary.csv")).expect("read");
    assert_eq!(rows.lines().count(), 6, "header + 5 rows:\n{rows}");
}

#[test]
fn pitch_track_has_one_row_per_10_ms_frame() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tracks = dir.path().join("tracks");
    let result = callcoach(&[
        "score",
        s(&corpus_call("c003.wav")),
        "--pitch-track",
        s(&tracks),
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(result.status.code(), Some(0));
    let v: serde_json::Value =
        serde_json::from_slice(&result.stdout).expect("one JSON object on stdout");
    assert_eq!(v["layout"], "mono");
    // The mono call is diarized: its two voices give reply gaps.
    assert_eq!(v["speakers_from"], "diarization");
    assert_eq!(v["reply_gaps_measured"], true);
    let text = std::fs::read_to_string(tracks.join("c003.agent.f0.csv")).expect("track");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("time_s,f0_hz,speech"));
    let rows: Vec<(f64, f64, bool)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 3, "three columns: {l}");
            let speech = match cells[2] {
                "0" => false,
                "1" => true,
                other => panic!("speech is 0 or 1, not {other}"),
            };
            (
                cells[0].parse().expect("time"),
                cells[1].parse().expect("f0"),
                speech,
            )
        })
        .collect();
    let duration = v["duration_s"].as_f64().expect("duration");
    assert_eq!(rows.len(), (duration / 0.01).ceil() as usize);
    for (i, (t, f, _)) in rows.iter().enumerate() {
        assert!((t - i as f64 * 0.01).abs() < 1e-6, "row {i}: {t}");
        assert!(*f == 0.0 || (55.0..=420.0).contains(f), "row {i}: {f} Hz");
    }
    // The track lists every voiced frame and marks the agent's speech (active, or inside
    // a confirmed segment): `voiced_s` counts exactly the voiced frames so marked, not
    // babble voiced in the pauses, which the track also holds.
    let voiced = rows.iter().filter(|r| r.1 > 0.0).count();
    let voiced_speech = rows.iter().filter(|r| r.1 > 0.0 && r.2).count();
    let voiced_s = v["agent"]["voiced_s"].as_f64().expect("voiced_s");
    assert!(
        (voiced_s - voiced_speech as f64 * 0.01).abs() < 0.0051,
        "voiced_s {voiced_s}, voiced speech frames {voiced_speech}"
    );
    assert!(
        voiced_speech < voiced,
        "{voiced_speech} of {voiced} voiced frames"
    );
}

#[test]
fn bad_arguments_and_unwritable_output_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let unwritable = callcoach(&["score", s(&corpus_call("c001.wav")), "--out", s(&file)]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("plain-file"));
    let bad_profile = dir.path().join("p.toml");
    std::fs::write(&bad_profile, "[pitch]\nband = [1, 2]\n").expect("write");
    let r = callcoach(&[
        "score",
        s(&corpus_call("c001.wav")),
        "--profile",
        s(&bad_profile),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("p.toml") && err.contains("band"), "{err}");
}

#[test]
fn profile_command_prints_the_defaults_and_a_custom_band_is_used() {
    let out = callcoach(&["profile"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("band_hz = [100.0, 120.0]"));
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("high.toml");
    std::fs::write(&p, "[pitch]\nband_hz = [180, 230]\n").expect("write");
    let r = callcoach(&[
        "score",
        s(&corpus_call("c001.wav")),
        "--profile",
        s(&p),
        "--format",
        "jsonl",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert_eq!(v["agent"]["band_hz"], serde_json::json!([180.0, 230.0]));
}
