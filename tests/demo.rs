//! The bundled demo call (`assets/demo/demo_call.wav`) against its exact placement labels
//! (`assets/demo/demo_call.json`): the run command must show the gaps as designed.

mod common;
use common::root;

use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};

#[test]
fn demo_call_gaps_match_their_labels() {
    let dir = root().join("assets/demo");
    let label: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo_call.json")).expect("labels"))
            .expect("json");
    let analyzed = analyze_file(
        &dir.join("demo_call.wav"),
        &Profile::default(),
        &AnalyzeOptions::default(),
        None,
    )
    .expect("demo call analyzes");
    let gaps = &analyzed.report.reply_gaps;
    let truth = label["reply_gaps"].as_array().expect("reply_gaps");
    assert_eq!(gaps.len(), truth.len(), "{gaps:?}");
    for (found, want) in gaps.iter().zip(truth) {
        let want_gap = want["gap_s"].as_f64().expect("gap_s");
        let want_start = want["agent_start"].as_f64().expect("agent_start");
        assert!(
            (found.gap_s - want_gap).abs() <= 0.05,
            "{found:?} vs {want}"
        );
        assert!(
            (found.agent_start - want_start).abs() <= 0.03,
            "{found:?} vs {want}"
        );
    }
    assert_eq!(analyzed.info.encoding.as_str(), "mulaw");
    assert_eq!(analyzed.report.long_silences.len(), 1);
}
