//! Calls and recordings of the live app: a stream with two calls and 20 s of silence
//! between them becomes two recordings with two records, each scoring like its own call;
//! the data directory follows HOME, XDG_DATA_HOME and CALLCOACH_DATA_DIR; an unfinished
//! recording is repaired and scored at the next start; a headset-only recording says so.

mod common;
use common::{corpus, demo_call, demo_options, read_label, read_wav, run_live, utf8};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use callcoach::analysis::CallReport;
use callcoach::audio::wav::WavStream;
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use callcoach::live::coach::BandSetting;
use callcoach::live::recorder::Recorder;
use callcoach::live::session::{
    CallMode, HEADSET_ONLY_NOTE, InputLayout, PREROLL_S, Session, SessionConfig, shared_status,
};
use callcoach::live::snapshot::{RecordingStatus, SourceState, SourceStatus};
use callcoach::live::{FlowCounters, f32_to_i16, hand_over};
use callcoach::record::CallRecord;

const RATE: u32 = 8000;
const GAP_S: f64 = 20.0;

fn batch(path: &Path) -> CallReport {
    analyze_file(path, &Profile::default(), &AnalyzeOptions::default(), None)
        .expect("batch analysis")
        .report
}

fn write_pcm16(path: &Path, channels: u16, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("fixture created");
    for &s in samples {
        w.write_sample(s).expect("fixture written");
    }
    w.finalize().expect("fixture finished");
}

/// Two dev calls (8 kHz stereo, agent on 0) with `GAP_S` of digital silence between
/// them, as 16-bit PCM; returns the file and where the second call starts, s.
fn two_calls(dir: &Path) -> (PathBuf, [PathBuf; 2], f64) {
    let calls = [corpus("dev/calls/c001.wav"), corpus("dev/calls/c011.wav")];
    let mut all: Vec<i16> = Vec::new();
    let mut second_at = 0.0;
    for (i, call) in calls.iter().enumerate() {
        let (rate, channels, samples) = read_wav(call);
        assert_eq!((rate, channels), (RATE, 2), "{}", call.display());
        if i == 1 {
            all.extend(std::iter::repeat_n(
                0,
                (GAP_S * f64::from(RATE)) as usize * 2,
            ));
            second_at = all.len() as f64 / 2.0 / f64::from(RATE);
        }
        all.extend(samples.iter().map(|&x| f32_to_i16(x)));
    }
    let path = dir.join("two_calls.wav");
    write_pcm16(&path, 2, &all);
    (path, calls, second_at)
}

/// Where the labelled speech of a corpus call starts and ends, s.
fn speech_span(call: &Path) -> (f64, f64) {
    let label = read_label(call);
    let segments = label["segments"].as_array().expect("segments");
    let at = |v: &serde_json::Value, k: &str| v[k].as_f64().expect("a time");
    let start = segments
        .iter()
        .map(|s| at(s, "start"))
        .fold(f64::MAX, f64::min);
    let end = segments.iter().map(|s| at(s, "end")).fold(0.0, f64::max);
    (start, end)
}

fn duration_s(wav: &Path) -> f64 {
    let info = WavStream::open(wav)
        .expect("recording opens")
        .info()
        .clone();
    info.frames as f64 / f64::from(info.sample_rate)
}

#[test]
fn two_calls_with_20_s_of_silence_between_them_give_two_recordings_and_two_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, calls, second_at) = two_calls(dir.path());
    let rec = dir.path().join("rec");
    let report = dir.path().join("calls.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["live", "--headless", "--fast", "--auto-calls", "--demo"])
        .arg(&file)
        .arg("--record")
        .arg(&rec)
        .arg("--report")
        .arg(&report)
        .arg("--events")
        .arg(dir.path().join("events.jsonl"))
        .output()
        .expect("callcoach runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("callcoach: 2 calls"), "{stderr}");
    let records: Vec<CallRecord> = std::fs::read_to_string(&report)
        .expect("report")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record per line"))
        .collect();
    assert_eq!(records.len(), 2, "one record per call");
    let mut in_dir: Vec<PathBuf> = std::fs::read_dir(&rec)
        .expect("recordings")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    in_dir.sort();
    let mut wavs: Vec<PathBuf> = records.iter().map(|r| PathBuf::from(&r.file)).collect();
    let mut listed = wavs.clone();
    listed.sort();
    assert_eq!(
        in_dir, listed,
        "one recording per call, each with its record"
    );
    wavs.dedup();
    assert_eq!(wavs.len(), 2);
    // Every gap of both calls was published as an event, the last call's too, each
    // with the number of its call.
    let events: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .expect("events")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect();
    let call_of = |e: &serde_json::Value| e["call"].as_u64().expect("a call number");
    let gap_calls: Vec<u64> = events
        .iter()
        .filter(|e| e["kind"] == "reply_gap")
        .map(call_of)
        .collect();
    assert_eq!(gap_calls, [1, 1, 1, 1, 2, 2, 2, 2, 2]);
    let mut calls_in_order: Vec<u64> = events.iter().map(call_of).collect();
    calls_in_order.dedup();
    assert_eq!(
        calls_in_order,
        [1, 2],
        "the first call's events, then the second's"
    );
    let gap_events = gap_calls.len();
    let gaps: usize = records
        .iter()
        .map(|r| r.report.as_ref().map_or(0, |r| r.reply_gaps.len()))
        .sum();
    assert_eq!(gap_events, gaps);
    assert_eq!(gaps, 9, "4 gaps in the first call, 5 in the second");
    let default_silence_s = Profile::default().talk.call_end_silence_s;
    for (i, ((record, wav), call)) in records.iter().zip(&wavs).zip(&calls).enumerate() {
        // The JSON beside the recording is the same record, and the call scores the
        // same from its recording as live.
        let beside: CallRecord = serde_json::from_str(
            &std::fs::read_to_string(wav.with_extension("json")).expect("json beside"),
        )
        .expect("parses");
        assert_eq!(beside.report, record.report, "call {i}");
        let live = record.report.as_ref().expect("scored");
        assert_eq!(
            &batch(wav),
            live,
            "call {i}: the recording scores like the live call"
        );
        // Each recording is its own call: it starts at most the pre-roll before the
        // call's first speech, and holds no speech of the other call.
        let (speech_start, speech_end) = speech_span(call);
        let start_s = if i == 0 {
            0.0
        } else {
            // The second recording runs to the end of the stream.
            let total = duration_s(&file);
            total - duration_s(wav)
        };
        let onset = if i == 0 { 0.0 } else { second_at } + speech_start;
        assert!(
            start_s <= (onset - PREROLL_S + 0.5).max(0.0)
                && start_s >= (onset - PREROLL_S - 0.1).max(0.0),
            "call {i} starts at {start_s:.2} s, speech at {onset:.2} s"
        );
        if i == 0 {
            // Ended after the profile's silence on both sides, well before call 2.
            let len = duration_s(wav);
            assert!(
                len >= speech_end + default_silence_s
                    && len <= speech_end + default_silence_s + 1.0,
                "call 0 lasts {len:.2} s; speech ends at {speech_end:.2} s"
            );
        }
        // The same reply gaps as the corpus call scored alone, at the same places.
        let alone = batch(call);
        let shift = if i == 0 { 0.0 } else { second_at } - start_s;
        assert_eq!(live.reply_gaps.len(), alone.reply_gaps.len(), "call {i}");
        for (got, want) in live.reply_gaps.iter().zip(&alone.reply_gaps) {
            assert!(
                (got.agent_start - (want.agent_start + shift)).abs() <= 0.05,
                "call {i}: gap at {:.2} s, alone at {:.2} s",
                got.agent_start,
                want.agent_start + shift
            );
            assert_eq!(got.verdict, want.verdict, "call {i}");
        }
    }
}

/// Prints the data-directory paths when run as a child with `CALLCOACH_PRINT_PATHS`
/// (in its own environment: no process-wide variable is changed in this process).
fn print_paths_if_child() -> bool {
    if std::env::var_os("CALLCOACH_PRINT_PATHS").is_none() {
        return false;
    }
    let show = |name: &str, p: Option<PathBuf>| {
        println!(
            "\n@path {name}={}",
            p.map_or("-".into(), |p| p.display().to_string())
        )
    };
    show("data", callcoach::paths::data_dir().ok());
    show("recordings", callcoach::paths::recordings_dir().ok());
    show("settings", callcoach::paths::settings_file().ok());
    show("agents", callcoach::agents::AgentStore::default_path().ok());
    show("demo", callcoach::paths::bundled_demo());
    true
}

/// The paths a child test process reports with `env` set (and the data-directory
/// variables not given removed), started in `cwd`.
fn child_paths(env: &[(&str, &Path)], cwd: &Path) -> std::collections::BTreeMap<String, String> {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "--exact",
        "the_data_directory_follows_home_xdg_and_the_override",
        "--nocapture",
        "--test-threads=1",
    ])
    .current_dir(cwd)
    .env("CALLCOACH_PRINT_PATHS", "1")
    .env_remove("XDG_DATA_HOME")
    .env_remove("CALLCOACH_DATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child test runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("@path "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_data_directory_follows_home_xdg_and_the_override() {
    if print_paths_if_child() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let p = child_paths(&[("HOME", &home)], &elsewhere);
    let data = home.join(".local/share/callcoach");
    assert_eq!(p["data"], utf8(&data));
    assert_eq!(p["recordings"], utf8(&data.join("recordings")));
    assert_eq!(p["settings"], utf8(&data.join("settings.ron")));
    assert_eq!(p["agents"], utf8(&data.join("agents.toml")));
    // Started from an unrelated folder, the bundled demo is still found.
    assert_eq!(p["demo"], utf8(&demo_call()));
    let xdg = tmp.path().join("xdg");
    let p = child_paths(&[("HOME", &home), ("XDG_DATA_HOME", &xdg)], &elsewhere);
    assert_eq!(p["recordings"], utf8(&xdg.join("callcoach/recordings")));
    assert_eq!(p["agents"], utf8(&xdg.join("callcoach/agents.toml")));
    let own = tmp.path().join("own");
    let p = child_paths(
        &[
            ("HOME", &home),
            ("XDG_DATA_HOME", &xdg),
            ("CALLCOACH_DATA_DIR", &own),
        ],
        &elsewhere,
    );
    assert_eq!(p["data"], utf8(&own));
    assert_eq!(p["recordings"], utf8(&own.join("recordings")));
    assert_eq!(p["settings"], utf8(&own.join("settings.ron")));
}

#[test]
fn an_unfinished_recording_is_repaired_and_scored_at_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, _, demo) = read_wav(&demo_call());
    let pcm: Vec<i16> = demo.iter().map(|&x| f32_to_i16(x)).collect();
    let ten_s = 10 * RATE as usize * 2;
    // Killed between header updates: the header says 4 s, the data runs to 10 s.
    let killed = dir.path().join("call-20261122-090000.wav");
    {
        let mut rec = Recorder::create(&killed, RATE, 2).expect("create");
        rec.write(&pcm[..4 * RATE as usize * 2]).expect("write");
        rec.finish().expect("finish");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&killed)
            .expect("open");
        let tail: Vec<u8> = pcm[4 * RATE as usize * 2..ten_s]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        std::io::Write::write_all(&mut f, &tail).expect("append");
    }
    // Killed after the header was right but before the score was written.
    let unscored = dir.path().join("call-20261122-100000.wav");
    write_pcm16(&unscored, 2, &pcm[..ten_s]);
    // A file that is not one of the app's recordings is left alone.
    let other = dir.path().join("interview.wav");
    write_pcm16(&other, 2, &pcm[..RATE as usize * 2]);
    assert_eq!(duration_s(&killed), 4.0);

    let end = run_live(demo_options(
        &demo_call(),
        0,
        Some(dir.path().to_path_buf()),
    ))
    .end;
    assert_eq!(end.repaired, vec![killed.clone(), unscored.clone()]);
    assert!(matches!(end.recording, RecordingStatus::Saved { .. }));
    assert_eq!(duration_s(&killed), 10.0, "every frame on disk is readable");
    for wav in [&killed, &unscored] {
        let record: CallRecord = serde_json::from_str(
            &std::fs::read_to_string(wav.with_extension("json")).expect("scored"),
        )
        .expect("a score record");
        assert_eq!(record.status, "ok");
        let report = record.report.expect("report");
        assert_eq!(report.duration_s, 10.0);
        assert_eq!(report, batch(wav), "{}", wav.display());
    }
    assert!(!other.with_extension("json").exists());
}

#[test]
fn a_headset_only_recording_says_it_holds_the_agent_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, _, demo) = read_wav(&demo_call());
    // The agent's channel alone, as a headset gives it.
    let mic: Vec<i16> = demo.iter().step_by(2).map(|&x| f32_to_i16(x)).collect();
    let (tx, rx) = crossbeam_channel::bounded(64);
    let counters = FlowCounters::new();
    let status = shared_status(SourceStatus {
        label: "USB Headset".into(),
        sample_rate: RATE,
        channels: 1,
        has_customer: false,
        state: SourceState::Running,
    });
    let profile = Profile::default();
    let session = Session::start(
        SessionConfig {
            band: BandSetting::from_profile(&profile),
            profile,
            layout: InputLayout::Single {
                sample_rate: RATE,
                channels: 1,
                agent_channel: 0,
            },
            record_dir: Some(dir.path().to_path_buf()),
            label: "USB Headset".into(),
            agent: None,
            calls: CallMode::WHOLE_STREAM,
            headset_only: true,
            cue_log: false,
        },
        rx,
        Arc::clone(&counters),
        status,
        Arc::new(|| {}),
    )
    .expect("starts");
    for chunk in mic.chunks(80) {
        hand_over(
            chunk,
            1,
            0,
            Instant::now(),
            &counters,
            |s| s,
            |b| tx.send(b).is_ok(),
        );
    }
    drop(tx);
    let end = session.join().expect("ends");
    let RecordingStatus::Saved { json, .. } = &end.recording else {
        panic!("not saved: {:?}", end.recording);
    };
    let record: CallRecord =
        serde_json::from_str(&std::fs::read_to_string(json).expect("json")).expect("parses");
    let notes = &record.report.expect("report").notes;
    assert_eq!(notes.first().map(String::as_str), Some(HEADSET_ONLY_NOTE));
    assert!(
        notes.iter().all(|n| !n.contains("share one channel")),
        "{notes:?}"
    );
}
