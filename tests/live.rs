//! The live pipeline: streaming equals batch (reports and events equal `callcoach score`
//! on the same audio), recordings that score the same and stay readable after `kill -9`,
//! a failing disk, and a device lost and recovered mid-call.

mod common;
use common::{
    corpus, demo_call, demo_options, labelled_segments, read_label, read_wav, run_live, score_jsonl,
};
use std::ffi::OsStr;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use callcoach::analysis::CallReport;
use callcoach::audio::wav::WavStream;
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use callcoach::live::capture::{CaptureSpec, Fault, InputBackend};
use callcoach::live::coach::BandSetting;
use callcoach::live::pipeline::{LivePipeline, PipelineOptions, SourceChoice};
use callcoach::live::recorder::{Recorder, repair};
use callcoach::live::session::{CallMode, InputLayout, SessionEnd};
use callcoach::live::snapshot::{EventRecord, PublishedEvent, RecordingStatus, SourceState};
use callcoach::live::{Block, FlowCounters, f32_to_i16, hand_over};
use callcoach::record::CallRecord;
use crossbeam_channel::Sender;

/// A dev-corpus call and its agent's channel, from its label.
fn corpus_call(name: &str) -> (PathBuf, usize) {
    let wav = corpus(&format!("dev/calls/{name}.wav"));
    let agent = read_label(&wav)["channels"]["agent"].as_u64().unwrap_or(0) as usize;
    (wav, agent)
}

fn options(source: SourceChoice, record_dir: Option<PathBuf>) -> PipelineOptions {
    let profile = Profile::default();
    PipelineOptions {
        band: BandSetting::Hz(profile.pitch.band_hz),
        profile,
        source,
        record_dir,
        agent: None,
        calls: CallMode::WHOLE_STREAM,
        cue_log: false,
    }
}

fn run_demo(
    path: &Path,
    agent_channel: usize,
    record: Option<PathBuf>,
) -> (SessionEnd, Vec<PublishedEvent>) {
    let run = run_live(demo_options(path, agent_channel, record));
    (run.end, run.events)
}

/// Batch analysis of `path` as the live pipeline analyzes it: a mono call as one voice
/// (live does not diarize a mixed input).
fn batch(path: &Path, agent_channel: usize) -> CallReport {
    analyze_file(
        path,
        &Profile::default(),
        &AnalyzeOptions {
            agent_channel: Some(agent_channel),
            one_voice: true,
            ..AnalyzeOptions::default()
        },
        None,
    )
    .expect("batch analysis")
    .report
}

/// The events of a live run carry exactly the report's gaps, overlaps and silences, all
/// of call 1.
fn assert_events_match(events: &[PublishedEvent], report: &CallReport, what: &str) {
    assert!(events.iter().all(|e| e.call == 1), "{what}: one call");
    let mut gaps: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::ReplyGap(g) => Some(g),
            _ => None,
        })
        .collect();
    gaps.sort_by(|a, b| a.agent_start.total_cmp(&b.agent_start));
    assert_eq!(gaps, report.reply_gaps, "{what}: reply-gap events");
    let overlaps = events
        .iter()
        .filter(|e| matches!(e.event, EventRecord::Overlap { .. }))
        .count();
    assert_eq!(overlaps as u32, report.overlaps, "{what}: overlap events");
    let silences: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::LongSilence(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(
        silences, report.long_silences,
        "{what}: long-silence events"
    );
    let mut segments: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::SpeechEnded(s) => Some(s),
            _ => None,
        })
        .collect();
    segments.sort_by(|a, b| a.start.total_cmp(&b.start));
    assert_eq!(segments, report.segments, "{what}: segment events");
    let pace: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::AgentTurnEnded(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(pace, report.agent.pace, "{what}: agent-turn pace events");
    let changes: Vec<_> = events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::PaceChange(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes, report.agent.pace_changes,
        "{what}: pace-change events"
    );
    // Stream times never run backwards and never precede what they describe.
    for w in events.windows(2) {
        assert!(w[0].stream_s <= w[1].stream_s, "{what}: event order");
    }
    for e in events {
        if let EventRecord::ReplyGap(g) = e.event {
            assert!(
                e.stream_s >= g.agent_start,
                "{what}: gap decided before it began"
            );
        }
    }
}

#[test]
fn live_equals_batch_on_real_calls() {
    let mut files = vec![(demo_call(), 0)];
    // From the corpus: a mono PCM mix, a 16 kHz PCM call, a PCM call with the agent on
    // channel 1, an A-law call (the demo call is mu-law).
    for name in ["c003", "c004", "c006", "c007"] {
        files.push(corpus_call(name));
    }
    let mut gaps_seen = 0;
    for (path, agent) in files {
        let what = path.display().to_string();
        let (end, events) = run_demo(&path, agent, None);
        let want = batch(&path, agent);
        assert_eq!(end.report, want, "{what}: live report differs from batch");
        assert_events_match(&events, &want, &what);
        assert_eq!(end.dropped_blocks, 0, "{what}: dropped blocks");
        gaps_seen += want.reply_gaps.len();
    }
    assert!(
        gaps_seen >= 20,
        "the files hold real reply gaps ({gaps_seen})"
    );
}

#[test]
fn recording_scores_like_the_live_call_and_its_json_is_a_score_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, agent) = corpus_call("c011");
    let (end, _) = run_demo(&path, agent, Some(dir.path().to_path_buf()));
    let RecordingStatus::Saved { wav, json } = &end.recording else {
        panic!("recording not saved: {:?}", end.recording);
    };
    let source = WavStream::open(&path).expect("source").info().clone();
    let recorded = WavStream::open(wav)
        .expect("recording opens")
        .info()
        .clone();
    assert_eq!(recorded.frames, source.frames, "every frame recorded");
    assert_eq!(recorded.channels, source.channels);
    assert_eq!(recorded.sample_rate, source.sample_rate);
    assert_eq!(
        batch(wav, agent),
        end.report,
        "score of the recording = live"
    );
    let record: CallRecord =
        serde_json::from_str(&std::fs::read_to_string(json).expect("json")).expect("parses");
    assert_eq!(record.status, "ok");
    assert_eq!(record.file, wav.display().to_string());
    assert_eq!(record.report.as_ref(), Some(&end.report));
    assert_eq!(record.encoding.as_deref(), Some("pcm16"));
}

#[test]
fn an_unwritable_recording_folder_is_reported_and_coaching_goes_on() {
    let (end, _) = run_demo(
        &demo_call(),
        0,
        Some(PathBuf::from("/proc/callcoach-cannot")),
    );
    match &end.recording {
        RecordingStatus::Failed { message, .. } => {
            assert!(message.contains("/proc/callcoach-cannot"), "{message}")
        }
        other => panic!("expected a failed recording, got {other:?}"),
    }
    assert_eq!(end.report, batch(&demo_call(), 0));
}

/// A writer that fails like a full disk after `room` bytes.
struct FullDisk {
    data: io::Cursor<Vec<u8>>,
    room: u64,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.data.position() + buf.len() as u64 > self.room {
            return Err(io::Error::from_raw_os_error(28));
        }
        self.data.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for FullDisk {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.data.seek(pos)
    }
}

#[test]
fn a_full_disk_stops_the_recording_with_a_clear_error() {
    let sink = FullDisk {
        data: io::Cursor::new(Vec::new()),
        room: 64 * 1024,
    };
    let path = Path::new("recordings/call-x.wav");
    let mut rec = Recorder::with_sink(path, Box::new(sink), 8000, 2).expect("header fits");
    let block = [100i16; 1600];
    let mut error = None;
    for _ in 0..100 {
        if let Err(e) = rec.write(&block) {
            error = Some(e);
            break;
        }
    }
    let e = error.expect("the disk fills up");
    let text = e.to_string();
    assert!(
        text.starts_with("recordings/call-x.wav: recording stopped"),
        "{text}"
    );
    assert!(text.contains("No space left on device"), "{text}");
    // Later writes are ignored, not errors: the call goes on.
    assert!(rec.write(&block).is_ok());
}

#[test]
fn a_recording_killed_with_sigkill_stays_readable_and_is_repaired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["live", "--headless", "--speed", "4", "--demo"])
        .arg(demo_call())
        .arg("--record")
        .arg(dir.path())
        .arg("--events")
        .arg(dir.path().join("events.jsonl"))
        .spawn()
        .expect("callcoach starts");
    // Killed mid-call, once the recording's header holds 4 s of audio.
    let readable_frames = |wav: &Path| WavStream::open(wav).map_or(0, |s| s.info().frames);
    let deadline = Instant::now() + Duration::from_secs(60);
    let wav = loop {
        let wav = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "wav"));
        if let Some(wav) = wav
            && readable_frames(&wav) >= 4 * 8000
        {
            break wav;
        }
        assert!(Instant::now() < deadline, "no recording holds 4 s of audio");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        child.try_wait().expect("child status").is_none(),
        "the call was still running when killed"
    );
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let source_info = WavStream::open(&demo_call()).expect("demo").info().clone();
    let (_, _, before) = read_wav(&wav);
    let seconds = before.len() as f64 / 2.0 / 8000.0;
    assert!(seconds >= 4.0, "{seconds:.2} s readable after kill -9");
    repair(&wav).expect("repair runs");
    let (_, _, after) = read_wav(&wav);
    assert!(after.len() >= before.len());
    // What is there is the call itself, sample for sample.
    let mut src = WavStream::open(&demo_call()).expect("demo");
    let mut want = Vec::new();
    src.read_frames(&mut want, after.len() / 2).expect("reads");
    assert_eq!(after, want, "recorded samples equal the source");
    assert!(
        (after.len() as u64 / 2) < source_info.frames,
        "killed mid-call"
    );
}

/// Test input backend: plays the demo call in 10 ms blocks at 8× real time; its first
/// stream dies after 1 s of audio (like an unplugged headset), the next two reopen
/// attempts fail, the third succeeds.
struct Scripted {
    samples: Arc<Vec<i16>>,
    position: Arc<AtomicUsize>,
    opens: Arc<AtomicUsize>,
}

struct ScriptedHandle {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ScriptedHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl InputBackend for Scripted {
    type Handle = ScriptedHandle;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn open(
        &mut self,
        _spec: &CaptureSpec,
        _want: Option<InputLayout>,
        blocks: &Sender<Block>,
        counters: &Arc<FlowCounters>,
        faults: &Sender<Fault>,
    ) -> Result<(ScriptedHandle, InputLayout, String), Self::Error> {
        let n = self.opens.fetch_add(1, Ordering::SeqCst);
        if n == 1 || n == 2 {
            return Err("no such device".into());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, samples, position) = (
            Arc::clone(&stop),
            Arc::clone(&self.samples),
            Arc::clone(&self.position),
        );
        let (tx, counters, faults) = (blocks.clone(), Arc::clone(counters), faults.clone());
        let thread = std::thread::Builder::new()
            .name("scripted-input".into())
            .spawn(move || {
                let mut produced = 0;
                while !stop2.load(Ordering::Relaxed) {
                    let at = position.fetch_add(160, Ordering::SeqCst);
                    if at >= samples.len() {
                        break;
                    }
                    let chunk = &samples[at..(at + 160).min(samples.len())];
                    hand_over(
                        chunk,
                        2,
                        0,
                        Instant::now(),
                        &counters,
                        |s| s,
                        |b| tx.send(b).is_ok(),
                    );
                    produced += 1;
                    if n == 0 && produced == 100 {
                        let _ = faults.send(Fault {
                            source: 0,
                            fatal: true,
                            message: "The requested device is no longer available".into(),
                        });
                        return;
                    }
                    std::thread::sleep(Duration::from_micros(1250));
                }
            })
            .map_err(|e| format!("cannot start the scripted input: {e}"))?;
        Ok((
            ScriptedHandle {
                stop,
                thread: Some(thread),
            },
            InputLayout::Single {
                sample_rate: 8000,
                channels: 2,
                agent_channel: 0,
            },
            "Scripted headset".into(),
        ))
    }
}

#[test]
fn a_lost_device_is_reported_and_capture_resumes_when_it_returns() {
    let samples = Arc::new(
        read_wav(&demo_call())
            .2
            .into_iter()
            .map(f32_to_i16)
            .collect::<Vec<_>>(),
    );
    let backend = Scripted {
        samples: Arc::clone(&samples),
        position: Arc::new(AtomicUsize::new(0)),
        opens: Arc::new(AtomicUsize::new(0)),
    };
    let opens = Arc::clone(&backend.opens);
    let mut p = LivePipeline::start_with(
        options(
            SourceChoice::Capture(CaptureSpec::Single {
                device: Some("Scripted headset".into()),
                agent_channel: 0,
            }),
            None,
        ),
        backend,
        Arc::new(|| {}),
    )
    .expect("starts");
    // Stream time only grows; the wall-clock limit only keeps a broken build from hanging.
    let deadline = Instant::now() + Duration::from_secs(120);
    while p.session().snapshot().gauges.now_s < 60.0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let end = p.stop().expect("ends");
    // Every state the source went through, from the session's log of state changes.
    let changes = p.session().source_changes();
    assert_eq!(
        changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        (0..changes.len() as u64).collect::<Vec<_>>(),
        "no change left out: {changes:?}"
    );
    let lost = "input lost: The requested device is no longer available; waiting for it to return";
    assert_eq!(
        changes.into_iter().map(|c| c.state).collect::<Vec<_>>(),
        vec![
            SourceState::Starting,
            SourceState::Running,
            SourceState::Lost {
                message: lost.into()
            },
            SourceState::Lost {
                message: format!("{lost} (last try: no such device)")
            },
            SourceState::Running,
            SourceState::Ended,
        ],
        "lost, two failed reopens, back, ended at stop"
    );
    assert_eq!(
        opens.load(Ordering::SeqCst),
        4,
        "open, 2 failed retries, reopen"
    );
    // Nothing captured was lost: the analysis saw every sample the device delivered.
    assert!(end.audio_s >= 60.0, "{}", end.audio_s);
    assert_eq!(end.dropped_blocks, 0);
    assert!(!end.report.reply_gaps.is_empty());
}

/// Plays `path` through `live --headless --fast` with `extra` options, its events and its
/// report in `dir` (the report as `dir/name`), and returns the report.
fn headless_report(path: &Path, extra: &[&OsStr], dir: &Path, name: &str) -> CallRecord {
    let report = dir.join(name);
    let status = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["live", "--headless", "--fast", "--no-record", "--demo"])
        .arg(path)
        .args(extra)
        .arg("--events")
        .arg(dir.join("events.jsonl"))
        .arg("--report")
        .arg(&report)
        .status()
        .expect("runs");
    assert!(status.success());
    serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("report json")
}

/// `--band-semitones -1,2`, as documented (a negative first value), sets the live band
/// and the report's band as the same keys in a profile do.
#[test]
fn the_band_semitones_option_takes_a_negative_low_end_and_reaches_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = corpus("dev/calls/c009.wav");
    let run = |extra: &[&OsStr], name: &str| {
        headless_report(&path, extra, dir.path(), name)
            .report
            .expect("scored")
    };
    let profile = dir.path().join("relative.toml");
    std::fs::write(&profile, "[pitch]\nband_semitones = [-1.0, 2.0]\n").expect("writes");
    let by_option = run(
        &[OsStr::new("--band-semitones"), OsStr::new("-1,2")],
        "option.json",
    );
    let by_profile = run(
        &[OsStr::new("--profile"), profile.as_os_str()],
        "profile.json",
    );
    assert_eq!(by_option.agent.band_semitones, Some([-1.0, 2.0]));
    let base = by_option.agent.baseline_hz.expect("a baseline");
    let [lo, hi] = by_option.agent.band_hz;
    assert!(
        (lo - base * 2f64.powf(-1.0 / 12.0)).abs() < 0.15,
        "{lo} {base}"
    );
    assert!(
        (hi - base * 2f64.powf(2.0 / 12.0)).abs() < 0.15,
        "{hi} {base}"
    );
    assert_eq!(by_option, by_profile);
}

#[test]
fn a_semitone_band_in_the_profile_is_the_live_band_and_the_score_s_band() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("relative.toml");
    std::fs::write(&profile, "[pitch]\nband_semitones = [-3.0, 0.0]\n").expect("writes");
    let path = corpus("dev/calls/c009.wav");
    let live = headless_report(
        &path,
        &[OsStr::new("--profile"), profile.as_os_str()],
        dir.path(),
        "report.json",
    );
    let scored: Vec<CallRecord> = score_jsonl([
        OsStr::new("--profile"),
        profile.as_os_str(),
        path.as_os_str(),
    ]);
    let agent = &live.report.as_ref().expect("scored").agent;
    assert_eq!(agent.band_semitones, Some([-3.0, 0.0]));
    let base = agent.baseline_hz.expect("a baseline");
    assert!((180.0..240.0).contains(&base), "{base}");
    // The live call's band is the one `score` finds for the same audio and profile.
    assert_eq!(live.report, scored[0].report);
    // ... and the live gauge's band (the coach) rests on the same semitones.
    let band = callcoach::live::coach::BandSetting::from_profile(
        &callcoach::config::Profile::load(&profile).expect("profile"),
    );
    assert_eq!(
        band,
        callcoach::live::coach::BandSetting::Semitones([-3.0, 0.0])
    );
}

#[test]
fn a_live_call_of_a_chosen_agent_uses_their_band_and_baseline_and_teaches_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let agents = dir.path().join("agents.toml");
    // Enrol the voice of dev/c000's agent from three other calls where it is the agent.
    for call in [
        "train/calls/c000.wav",
        "train/calls/c012.wav",
        "train/calls/c018.wav",
    ] {
        let status = Command::new(env!("CARGO_BIN_EXE_callcoach"))
            .args(["agents", "--agents"])
            .arg(&agents)
            .args(["enroll", "anna"])
            .arg(corpus(call))
            .status()
            .expect("runs");
        assert!(status.success());
    }
    let mut text = std::fs::read_to_string(&agents).expect("written");
    text.push_str("\n[agents.anna.profile]\npitch = { band_semitones = [-3.0, 0.0] }\n");
    std::fs::write(&agents, &text).expect("writes");
    let stored: toml::Table = toml::from_str(&text).expect("TOML");
    let baseline = |t: &toml::Table, key: &str| {
        t["agents"]["anna"]["baseline"][key]
            .as_float()
            .expect("a number")
    };
    let (f0, speech) = (
        baseline(&stored, "median_f0_hz"),
        baseline(&stored, "speech_s"),
    );
    assert!(
        speech >= 60.0,
        "enough speech for a stored baseline: {speech}"
    );
    let report_path = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args([
            "live",
            "--headless",
            "--fast",
            "--agent",
            "anna",
            "--agents",
        ])
        .arg(&agents)
        .arg("--demo")
        .arg(corpus("dev/calls/c000.wav"))
        .arg("--events")
        .arg(dir.path().join("events.jsonl"))
        .arg("--report")
        .arg(&report_path)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: CallRecord =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report"))
            .expect("report json");
    assert_eq!(record.agent_id.as_deref(), Some("anna"));
    let agent = &record.report.as_ref().expect("scored").agent;
    assert_eq!(agent.band_semitones, Some([-3.0, 0.0]));
    assert_eq!(
        serde_json::to_value(agent.baseline_from).expect("serialises"),
        "agent"
    );
    assert_eq!(agent.baseline_hz, Some((f0 * 10.0).round() / 10.0));
    // The finished call was added to the agent's baseline.
    let after: toml::Table =
        toml::from_str(&std::fs::read_to_string(&agents).expect("reads")).expect("TOML");
    assert!(baseline(&after, "speech_s") > speech + 10.0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("anna: learned from"));
    // An unknown agent is refused before anything starts, naming the file.
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["live", "--headless", "--fast", "--agent", "zed", "--agents"])
        .arg(&agents)
        .arg("--demo")
        .arg(corpus("dev/calls/c000.wav"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("zed") && e.contains(&agents.display().to_string()),
        "{e}"
    );
}

#[test]
fn headless_events_and_report_match_score() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.jsonl");
    let report_path = dir.path().join("report.json");
    let (path, agent) = corpus_call("c011");
    let status = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["live", "--headless", "--fast", "--agent-channel"])
        .arg(agent.to_string())
        .arg("--demo")
        .arg(&path)
        .arg("--events")
        .arg(&events)
        .arg("--report")
        .arg(&report_path)
        .status()
        .expect("runs");
    assert!(status.success());
    let records: Vec<CallRecord> = score_jsonl([
        OsStr::new("--agent-channel"),
        OsStr::new(&agent.to_string()),
        path.as_os_str(),
    ]);
    assert_eq!(records.len(), 1, "one record");
    let record = records[0].clone();
    // The headless report is `score`'s record of the same file, field for field.
    let headless: CallRecord =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report"))
            .expect("report json");
    assert_eq!(headless.file, record.file);
    assert_eq!(headless.status, "ok");
    assert_eq!(headless.status, record.status);
    let meta = std::fs::metadata(&path).expect("stat");
    assert_eq!(headless.file_size, meta.len());
    assert_eq!(headless.file_size, record.file_size);
    assert_eq!(headless.file_mtime_ns, record.file_mtime_ns);
    assert!(headless.file_mtime_ns > 0);
    let info = WavStream::open(&path).expect("opens").info().clone();
    assert_eq!(headless.sample_rate, Some(info.sample_rate));
    assert_eq!(headless.sample_rate, record.sample_rate);
    assert_eq!(headless.channels, Some(info.channels));
    assert_eq!(headless.channels, record.channels);
    assert_eq!(headless.encoding.as_deref(), Some(info.encoding.as_str()));
    assert_eq!(headless.encoding, record.encoding);
    assert_eq!(headless.error, None);
    assert_eq!(headless.report, record.report);
    assert_eq!(headless, record);
    let report = record.report.expect("scored");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .expect("events")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let now_ms = callcoach::live::session::unix_ms(std::time::SystemTime::now());
    for l in &lines {
        assert!(l["stream_s"].as_f64().is_some(), "{l}");
        let wall = l["published_unix_ms"].as_f64().expect("wall time");
        assert!(wall <= now_ms && wall > now_ms - 600_000.0, "{l}");
        assert!(l["kind"].as_str().is_some(), "{l}");
    }
    let gaps: Vec<f64> = lines
        .iter()
        .filter(|l| l["kind"] == "reply_gap")
        .map(|l| l["gap_s"].as_f64().expect("gap_s"))
        .collect();
    let want: Vec<f64> = report.reply_gaps.iter().map(|g| g.gap_s).collect();
    assert_eq!(gaps, want);
    let verdicts: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "reply_gap")
        .map(|l| l["verdict"].as_str().expect("verdict"))
        .collect();
    let want_verdicts: Vec<&str> = report
        .reply_gaps
        .iter()
        .map(|g| g.verdict.as_str())
        .collect();
    assert_eq!(verdicts, want_verdicts);
}

#[test]
fn an_unfinished_recording_of_an_earlier_run_is_repaired_when_recording_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("call-20261122-090000.wav");
    // A recording whose header says 8000 frames but whose data runs to 16000 (the
    // process was killed between header updates).
    {
        let mut rec = Recorder::create(&old, 8000, 1).expect("create");
        rec.write(&[7i16; 8000]).expect("write");
        rec.finish().expect("finish");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&old)
            .expect("open");
        f.write_all(&vec![0u8; 16000]).expect("append");
    }
    assert_eq!(WavStream::open(&old).expect("opens").info().frames, 8000);
    let (end, _) = run_demo(&demo_call(), 0, Some(dir.path().to_path_buf()));
    assert_eq!(end.repaired, vec![old.clone()]);
    assert_eq!(WavStream::open(&old).expect("opens").info().frames, 16000);
    assert!(matches!(end.recording, RecordingStatus::Saved { .. }));
}

#[test]
fn a_headset_plus_customer_side_pair_scores_like_the_stereo_call() {
    use callcoach::live::session::{Session, SessionConfig, shared_status};
    use callcoach::live::snapshot::SourceStatus;
    // The two parties of a corpus call arrive as two mono inputs, in blocks of
    // different sizes (two devices with their own callbacks).
    let (path, agent) = corpus_call("c007");
    let (rate, _, all) = read_wav(&path);
    let (mic, cust): (Vec<i16>, Vec<i16>) = all
        .chunks_exact(2)
        .map(|f| (f32_to_i16(f[agent]), f32_to_i16(f[1 - agent])))
        .unzip();
    let (tx, rx) = crossbeam_channel::bounded(64);
    let counters = FlowCounters::new();
    let status = shared_status(SourceStatus {
        label: "pair".into(),
        sample_rate: rate,
        channels: 2,
        has_customer: true,
        state: SourceState::Running,
    });
    let profile = Profile::default();
    let session = Session::start(
        SessionConfig {
            band: BandSetting::Hz(profile.pitch.band_hz),
            profile,
            layout: InputLayout::Pair {
                sample_rate: rate,
                mic_channels: 1,
                customer_channels: 1,
            },
            record_dir: None,
            label: "pair".into(),
            agent: None,
            calls: CallMode::WHOLE_STREAM,
            headset_only: false,
            cue_log: false,
        },
        rx,
        Arc::clone(&counters),
        status,
        Arc::new(|| {}),
    )
    .expect("starts");
    // Both devices run at the same rate, each with its own callback size.
    let (mut i, mut j) = (0, 0);
    while i < mic.len() || j < cust.len() {
        if (i <= j && i < mic.len()) || j >= cust.len() {
            let a = (i + 80).min(mic.len());
            hand_over(
                &mic[i..a],
                1,
                0,
                Instant::now(),
                &counters,
                |x| x,
                |b| tx.send(b).is_ok(),
            );
            i = a;
        } else {
            let b = (j + 133).min(cust.len());
            hand_over(
                &cust[j..b],
                1,
                1,
                Instant::now(),
                &counters,
                |x| x,
                |b| tx.send(b).is_ok(),
            );
            j = b;
        }
    }
    drop(tx);
    let end = session.join().expect("ends");
    assert_eq!(end.report, batch(&path, agent), "pair = stereo call");
    assert!(end.report.reply_gaps.len() >= 5);
}

#[test]
fn a_relative_band_is_set_from_the_agents_own_baseline() {
    use callcoach::analysis::FrameOutput;
    use callcoach::live::coach::{BASELINE_VOICED_FRAMES, Coach, PitchState};
    let mut coach = Coach::new(
        Profile::default(),
        BandSetting::Semitones([-1.0, 2.0]),
        true,
    );
    let frame = |t: usize, f0: f32| FrameOutput {
        t_s: t as f64 * 0.01,
        agent_f0_hz: f0,
        agent_level_db: -20.0,
        agent_active: true,
        agent_speech: true,
        customer_f0_hz: 0.0,
        customer_level_db: -120.0,
        customer_active: false,
        customer_speech: false,
    };
    let first: Vec<_> = (0..BASELINE_VOICED_FRAMES - 1)
        .map(|t| frame(t, 200.0))
        .collect();
    coach.on_frames(&first);
    let g = coach.gauges();
    assert_eq!(g.pitch.state, PitchState::Measuring);
    assert!(g.pitch.band_hz.is_none());
    coach.on_frames(&[frame(BASELINE_VOICED_FRAMES, 200.0)]);
    let [lo, hi] = coach.band_hz().expect("band set");
    assert!((lo - 200.0 * 2f64.powf(-1.0 / 12.0)).abs() < 1e-9, "{lo}");
    assert!((hi - 200.0 * 2f64.powf(2.0 / 12.0)).abs() < 1e-9, "{hi}");
    // 2 s of voiced speech at 230 Hz: above a band of 188.8–224.5 Hz.
    let high: Vec<_> = (0..200).map(|t| frame(4000 + t, 230.0)).collect();
    coach.on_frames(&high);
    assert_eq!(coach.gauges().pitch.state, PitchState::High);
    let back: Vec<_> = (0..200).map(|t| frame(4200 + t, 210.0)).collect();
    coach.on_frames(&back);
    assert_eq!(coach.gauges().pitch.state, PitchState::InBand);
}

/// On a call with the customer's echo in the agent's channel, the pitch needle rests
/// while the agent is silent and shows their pitch while they speak. The coach is fed
/// as the live session feeds it: 10 ms blocks, decided frames, events, stream time.
#[test]
fn the_needle_shows_no_pitch_while_the_agent_is_silent_on_an_echo_call() {
    use callcoach::analysis::{CallAnalyzer, ChannelMap};
    use callcoach::live::coach::{Coach, PITCH_HOLD_S};
    let (path, agent) = corpus_call("c011");
    let label = read_label(&path);
    assert!(
        label["conditions"]["echo_db"]
            .as_f64()
            .expect("an echo call")
            > -30.0,
        "the call carries far-end echo"
    );
    let agent_speech: Vec<(f64, f64)> = labelled_segments(&label, "agent");
    let overlaps = |a: f64, b: f64| agent_speech.iter().any(|&(s, e)| s < b && e > a);
    let (rate, channels, samples) = read_wav(&path);
    let profile = Profile::default();
    let map = ChannelMap::new(channels, agent).expect("a stereo map");
    let mut analyzer = CallAnalyzer::new(rate, map, profile.clone())
        .with_frame_output()
        .with_events();
    let mut coach = Coach::new(
        profile.clone(),
        BandSetting::Hz(profile.pitch.band_hz),
        true,
    );
    let (mut frames, mut events) = (Vec::new(), Vec::new());
    let (mut silent, mut shown_silent, mut speaking, mut shown_speaking) = (0, 0, 0, 0);
    for block in samples.chunks(rate as usize / 100 * channels) {
        analyzer.push_interleaved(block);
        analyzer.drain_frames(&mut frames);
        analyzer.drain_events(&mut events);
        coach.on_frames(&frames);
        for e in events.drain(..) {
            coach.on_event(&e);
        }
        coach.set_now(analyzer.stream_time_s());
        let Some(t) = frames.last().map(|f| f.t_s) else {
            continue;
        };
        frames.clear();
        let shown = coach.gauges().pitch.f0_hz.is_some();
        if !overlaps(t - PITCH_HOLD_S - 0.3, t + 0.3) {
            // No labelled agent speech near: only echo and noise in the agent's channel.
            silent += 1;
            shown_silent += usize::from(shown);
        } else if agent_speech
            .iter()
            .any(|&(s, e)| s + 0.3 < t && t < e - 0.3)
        {
            speaking += 1;
            shown_speaking += usize::from(shown);
        }
    }
    assert!(silent > 1500, "{silent} checks while the agent is silent");
    assert_eq!(
        shown_silent, 0,
        "the needle showed a pitch in {shown_silent} of {silent} silent checks"
    );
    assert!(
        shown_speaking as f64 >= 0.9 * speaking as f64,
        "the needle showed the agent's pitch in {shown_speaking} of {speaking} checks of speech"
    );
}
