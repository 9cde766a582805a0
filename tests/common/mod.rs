//! Helpers shared by the test binaries (each uses some of them).
#![allow(dead_code)]

use std::path::Path;

use callcoach::audio::wav::WavStream;

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
