//! Helpers shared by the test binaries and the benches (each uses some of them).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use callcoach::audio::wav::WavStream;
use serde::de::DeserializeOwned;

/// The project's root folder (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared folder that sits beside the project (the labelled corpus, the virtual-audio
/// tool): `$CALLCOACH_SHARED` when set, else `../shared`.
pub fn shared() -> PathBuf {
    std::env::var_os("CALLCOACH_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from)
}

/// The bundled demo call, `assets/demo/demo_call.wav`.
pub fn demo_call() -> PathBuf {
    root().join("assets/demo/demo_call.wav")
}

/// A path inside the labelled corpus, e.g. `corpus("dev/calls/c011.wav")` or
/// `corpus("dev")`.
pub fn corpus(relative: &str) -> PathBuf {
    shared().join("corpus").join(relative)
}

/// `callcoach ARGS...` run with the built binary (no input): its exit and output.
pub fn callcoach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(args)
        .output()
        .expect("callcoach runs")
}

/// The calls of dev and then train (`corpus/{dev,train}/calls/*.wav`), sorted by path.
pub fn corpus_calls() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for set in ["dev", "train"] {
        let dir = corpus(&format!("{set}/calls"));
        let mut wavs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a folder entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "wav"))
            .collect();
        wavs.sort();
        all.extend(wavs);
    }
    all
}

/// A path as UTF-8 text, for command lines.
pub fn utf8(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// What a run printed on standard error.
pub fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `callcoach score --format jsonl --quiet ARGS...` run with the built binary, which must
/// succeed: its records from standard output, one per line, in order.
pub fn score_jsonl<T: DeserializeOwned>(
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
) -> Vec<T> {
    let out = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["score", "--format", "jsonl", "--quiet"])
        .args(args)
        .output()
        .expect("callcoach runs");
    assert!(
        out.status.success(),
        "callcoach score failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
        .collect()
}

/// A whole WAV file's interleaved samples, with its rate and channel count.
pub fn read_wav(path: &Path) -> (u32, usize, Vec<f32>) {
    let mut stream = WavStream::open(path).expect("the WAV opens");
    let info = stream.info().clone();
    let mut all = Vec::new();
    let mut block = Vec::new();
    while stream.read_frames(&mut block, 4096).expect("reads") > 0 {
        all.extend_from_slice(&block);
    }
    (info.sample_rate, usize::from(info.channels), all)
}

/// The label file (`X.json`) of the corpus file `wav` (`X.wav`).
pub fn read_label(wav: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(wav.with_extension("json")).expect("the label reads");
    serde_json::from_str(&text).expect("the label is JSON")
}

/// A call label's segments of `speaker` (`"agent"` or `"customer"`) as (start, end), s.
pub fn labelled_segments(label: &serde_json::Value, speaker: &str) -> Vec<(f64, f64)> {
    label["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter(|s| s["speaker"] == speaker)
        .map(|s| {
            (
                s["start"].as_f64().expect("start"),
                s["end"].as_f64().expect("end"),
            )
        })
        .collect()
}

/// A call label's reply gaps as (customer turn end, agent start), s.
pub fn labelled_reply_gaps(label: &serde_json::Value) -> Vec<(f64, f64)> {
    label["reply_gaps"]
        .as_array()
        .expect("reply_gaps")
        .iter()
        .map(|g| {
            (
                g["customer_end"].as_f64().expect("customer_end"),
                g["agent_start"].as_f64().expect("agent_start"),
            )
        })
        .collect()
}

/// Options of a live pipeline that plays `path` (the agent on `agent_channel` of a
/// stereo file) as fast as the analysis takes it, as one call, with the default profile,
/// recording into `record_dir` when given, keeping no cue log.
#[cfg(feature = "audio")]
pub fn demo_options(
    path: &Path,
    agent_channel: usize,
    record_dir: Option<PathBuf>,
) -> callcoach::live::pipeline::PipelineOptions {
    use callcoach::config::Profile;
    use callcoach::live::coach::BandSetting;
    use callcoach::live::demo::Pace;
    use callcoach::live::pipeline::{PipelineOptions, SourceChoice};
    use callcoach::live::session::CallMode;
    let profile = Profile::default();
    PipelineOptions {
        source: SourceChoice::Demo {
            path: path.to_path_buf(),
            pace: Pace::AsFastAsPossible,
            agent_channel,
        },
        band: BandSetting::from_profile(&profile),
        profile,
        record_dir,
        agent: None,
        calls: CallMode::WHOLE_STREAM,
        cue_log: false,
    }
}

/// What a live pipeline left once it had run to its end.
#[cfg(feature = "audio")]
pub struct LiveRun {
    /// The session's outcome.
    pub end: callcoach::live::session::SessionEnd,
    /// Every event it published, in order.
    pub events: Vec<callcoach::live::snapshot::PublishedEvent>,
    /// Its last snapshot.
    pub snapshot: callcoach::live::snapshot::LiveSnapshot,
}

/// Lets `p` run until its source has played out, then stops it. The wall-clock limit
/// (120 s) only keeps a broken build from hanging; nothing asserted depends on it.
#[cfg(feature = "audio")]
pub fn run_to_end(mut p: callcoach::live::pipeline::LivePipeline) -> LiveRun {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(120);
    while !p.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let end = p.stop().expect("session ends");
    LiveRun {
        end,
        events: p.session().events().try_iter().collect(),
        snapshot: p.session().snapshot(),
    }
}

/// Starts a live pipeline with `options` (no window to repaint) and runs it to its end.
#[cfg(feature = "audio")]
pub fn run_live(options: callcoach::live::pipeline::PipelineOptions) -> LiveRun {
    let p = callcoach::live::pipeline::LivePipeline::start(options, std::sync::Arc::new(|| {}))
        .expect("pipeline starts");
    run_to_end(p)
}

/// An in-memory eframe storage, for settings that must survive a restart.
#[cfg(feature = "gui")]
#[derive(Default)]
pub struct MemoryStorage(pub std::collections::HashMap<String, String>);

#[cfg(feature = "gui")]
impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}
