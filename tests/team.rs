//! `callcoach team`: aggregates checked by hand on a small fixture, the page's contents,
//! and the corpus scored with its recurring voices named as agents.

use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime};

use callcoach::team::{TeamFilter, aggregate};

mod common;
use common::{callcoach, utf8 as text};

/// A record with the fields the team view reads.
#[allow(clippy::too_many_arguments)]
fn record(
    file: &str,
    agent: Option<&str>,
    team: Option<&str>,
    start: &str,
    duration_s: f64,
    score: u32,
    partial: bool,
    in_band: f64,
    pace: f64,
    gaps: &[(f64, &str)],
    overlaps: u32,
    long_silences: usize,
    ratio: f64,
    switches: f64,
) -> String {
    let gaps: Vec<String> = gaps
        .iter()
        .map(|(g, v)| {
            format!(r#"{{"customer_end":1.0,"agent_start":2.0,"gap_s":{g},"verdict":"{v}"}}"#)
        })
        .collect();
    let silences = vec![r#"{"start":1.0,"end":7.0}"#; long_silences].join(",");
    let opt = |x: Option<&str>| x.map_or("null".to_string(), |s| format!("\"{s}\""));
    format!(
        r#"{{"file":"{file}","status":"ok","file_size":100,"file_mtime_ns":5,"agent_id":{},"team":{},"call_start":"{start}","duration_s":{duration_s},"layout":"stereo","agent":{{"talk_s":10.0,"frac_voiced_in_band":{in_band},"pace_changes_per_45s":{pace}}},"segments":[],"reply_gaps":[{}],"overlaps":{overlaps},"long_silences":[{silences}],"metrics":{{"agent_talk_pct":30.0,"talk_listen_ratio":{ratio},"speaker_switches_per_min":{switches},"dead_air_pct":10.0}},"score":{{"total":{score},"coverage":1.0,"partial":{partial},"rules_not_scored":[],"deductions":[],"not_scored":[]}},"notes":[]}}"#,
        opt(agent),
        opt(team),
        gaps.join(",")
    )
}

/// Two runs: the older scored a2.wav once (score 10); the newer holds every call.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let old = dir.join("run1");
    let new = dir.join("run2");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::create_dir_all(&new).expect("mkdir");
    let a = Some("anna");
    let t1 = Some("north");
    let old_a2 = record(
        "calls/a2.wav",
        a,
        t1,
        "2026-03-10T09:00:00",
        120.0,
        10,
        false,
        0.1,
        0.0,
        &[],
        5,
        0,
        9.0,
        1.0,
    );
    std::fs::write(old.join("calls.jsonl"), old_a2 + "\n").expect("writes");
    let lines = [
        record(
            "calls/a1.wav", a, t1, "2026-03-02T09:00:00", 60.0, 80, false, 0.5, 3.0,
            &[(1.0, "in_window"), (2.0, "late")], 1, 1, 1.0, 6.0,
        ),
        record(
            "calls/a2.wav", a, t1, "2026-03-10T09:00:00", 120.0, 60, false, 0.3, 1.0,
            &[(0.9, "in_window")], 0, 0, 2.0, 4.0,
        ),
        record(
            "calls/a3.wav", a, t1, "2026-03-04T09:00:00", 50.0, 90, true, 0.9, 0.0, &[], 0, 0,
            1.0, 1.0,
        ),
        record(
            "calls/b1.wav", Some("bo"), Some("south"), "2026-03-17", 30.0, 70, false, 0.8, 4.0,
            &[(0.5, "early")], 2, 0, 0.5, 10.0,
        ),
        r#"{"file":"calls/b2.wav","status":"error","file_size":0,"file_mtime_ns":0,"agent_id":"bo","team":"south","call_start":"2026-03-18","error":"calls/b2.wav: not a WAV file"}"#.to_string(),
        record(
            "calls/u1.wav", None, None, "2026-03-03", 60.0, 50, false, 0.6, 2.0, &[], 0, 0, 1.0,
            2.0,
        ),
        r#"{"file":"calls/torn.wav","status":"ok","dur"#.to_string(),
        r#"{"hello":"a line from something else"}"#.to_string(),
    ];
    std::fs::write(new.join("calls.jsonl"), lines.join("\n") + "\n").expect("writes");
    // The first run is the older one.
    let old_file = std::fs::File::options()
        .write(true)
        .open(old.join("calls.jsonl"))
        .expect("opens");
    old_file
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .expect("sets mtime");
    (old, new)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn aggregates_equal_a_hand_computation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = fixture(dir.path());
    // Given newest first: the order of the arguments does not matter, the files' age does.
    let view = aggregate(&[new, old], &TeamFilter::default()).expect("aggregates");
    assert_eq!(view.records_read, 7);
    assert_eq!(view.duplicates, 1);
    assert_eq!(view.skipped_lines, 2);
    let names: Vec<&str> = view.agents.iter().map(|a| a.agent.as_str()).collect();
    assert_eq!(names, ["anna", "bo", "unknown"]);
    let anna = &view.agents[0].totals;
    assert_eq!(
        (anna.calls, anna.partial_calls, anna.error_calls),
        (2, 1, 0)
    );
    assert!((anna.hours - 180.0 / 3600.0).abs() < 1e-12);
    assert!(
        close(anna.mean_score, 70.0),
        "the newer a2 record (60) counts, not 10"
    );
    assert!(close(anna.median_score, 70.0));
    assert!(close(anna.in_band_pct, 40.0));
    assert!(close(anna.replies_in_window_pct, 200.0 / 3.0));
    assert!(close(anna.pace_changes_per_45s, 2.0));
    assert!(close(anna.overlaps_per_call, 0.5));
    assert!(close(anna.long_silences_per_hour, 20.0));
    assert!(close(anna.talk_listen_ratio, 1.5));
    assert!(close(anna.speaker_switches_per_min, 5.0));
    // Bins of 0.25 s from -1 s: 0.9 s is in 0.75-1.0 (index 7), 1.0 s in 1.0-1.25
    // (index 8), 2.0 s in 2.0-2.25 (index 12).
    let mut hist = vec![0; 24];
    hist[7] = 1;
    hist[8] = 1;
    hist[12] = 1;
    assert_eq!(anna.reply_gap_histogram, hist);
    let weeks: Vec<(&str, u32, f64)> = view.agents[0]
        .weeks
        .iter()
        .map(|(w, k)| (w.as_str(), k.calls, k.mean_score))
        .collect();
    assert_eq!(weeks, [("2026-W10", 1, 80.0), ("2026-W11", 1, 60.0)]);
    let worst: Vec<(&str, u32)> = view.agents[0]
        .worst_calls
        .iter()
        .map(|w| (w.file.as_str(), w.score))
        .collect();
    assert_eq!(worst, [("calls/a2.wav", 60), ("calls/a1.wav", 80)]);
    let bo = &view.agents[1].totals;
    assert_eq!((bo.calls, bo.error_calls), (1, 1));
    assert!(close(bo.replies_in_window_pct, 0.0));
    assert!(close(bo.overlaps_per_call, 2.0));
    assert_eq!(view.agents[1].team.as_deref(), Some("south"));
    let t = &view.totals;
    assert_eq!((t.calls, t.partial_calls, t.error_calls), (4, 1, 1));
    assert!(close(t.mean_score, 65.0));
    assert!(close(t.median_score, 65.0));
    assert!(close(t.replies_in_window_pct, 50.0));
    let teams: Vec<(&str, u32)> = view
        .teams
        .iter()
        .map(|(n, a)| (n.as_str(), a.calls))
        .collect();
    assert_eq!(teams, [("north", 2), ("south", 1), ("unknown", 1)]);
}

#[test]
fn filters_keep_the_calls_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = fixture(dir.path());
    let inputs = [old, new];
    let by_agent = aggregate(
        &inputs,
        &TeamFilter {
            agent: Some("anna".into()),
            ..TeamFilter::default()
        },
    )
    .expect("aggregates");
    assert_eq!(by_agent.agents.len(), 1);
    assert_eq!(by_agent.totals.calls, 2);
    assert_eq!(by_agent.filtered_out, 3);
    let dated = aggregate(
        &inputs,
        &TeamFilter {
            since: Some("2026-03-09".into()),
            until: Some("2026-03-17".into()),
            ..TeamFilter::default()
        },
    )
    .expect("aggregates");
    // a2 (03-10) and b1 (03-17); a1, a3, u1 are earlier, b2 later.
    assert_eq!(dated.totals.calls, 2);
    assert!(close(dated.totals.mean_score, 65.0));
    let team = aggregate(
        &inputs,
        &TeamFilter {
            team: Some("south".into()),
            ..TeamFilter::default()
        },
    )
    .expect("aggregates");
    assert_eq!(
        (
            team.totals.calls,
            team.totals.error_calls,
            team.agents.len()
        ),
        (1, 1, 1)
    );
}

#[test]
fn the_page_holds_every_agent_the_totals_and_a_review_command_per_worst_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = fixture(dir.path());
    let out = dir.path().join("team");
    let run = callcoach(&["team", text(&old), text(&new), "--out", text(&out)]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = std::fs::read_to_string(out.join("team.html")).expect("written");
    for id in ["agent-anna", "agent-bo", "agent-unknown"] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(html.contains(
        "4 fully measured calls, 0.07 hours, mean score 65.0; 1 partial-coverage calls and 1 errors counted apart."
    ));
    assert!(html.contains("7 records read"));
    assert!(html.contains("1 older duplicates"));
    assert!(html.contains("2 lines that are not call records skipped"));
    for file in [
        "calls/a2.wav",
        "calls/a1.wav",
        "calls/b1.wav",
        "calls/u1.wav",
    ] {
        assert!(
            html.contains(&format!("<code>callcoach review &#39;{file}&#39;</code>")),
            "{file}"
        );
    }
    assert!(!html.contains("<script"), "no script");
    // Per agent: the in-band, replies and pace trends and the reply-gap chart shade their
    // targets; the score trend has none.
    assert_eq!(html.matches(r#"class="target""#).count(), 3 * 4);
    assert!(!html.contains("https://"), "nothing from the network");
    let csv = std::fs::read_to_string(out.join("agents.csv")).expect("written");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[1],
        "anna,north,2,1,0,0.050,70.0,70.0,40.0,66.7,2.00,0.50,20.00,1.50,5.00,calls/a2.wav,60"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("team.json")).expect("written"))
            .expect("JSON");
    assert_eq!(json["totals"]["calls"], 4);
    assert_eq!(json["agents"][0]["agent"], "anna");
    // An empty folder is a clear error.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let run = callcoach(&["team", text(&empty), "--out", text(&out)]);
    assert_eq!(run.status.code(), Some(2));
    let e = String::from_utf8_lossy(&run.stderr);
    assert!(
        e.contains(text(&empty)) && e.contains("no calls.jsonl"),
        "{e}"
    );
}

#[test]
fn the_corpus_scored_per_agent_gives_the_numbers_of_its_calls_jsonl() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The recurring agent voices of dev and train named as agents, in two teams.
    let mut rows = vec!["path,agent,team,agent_channel".to_string()];
    for wav in common::corpus_calls() {
        let label = common::read_label(&wav);
        let voice = label["voices"]["agent"]
            .as_str()
            .expect("voice")
            .to_string();
        let team = if voice.starts_with("allison") {
            "north"
        } else {
            "south"
        };
        let channel = label["channels"]["agent"]
            .as_u64()
            .map_or(String::new(), |c| c.to_string());
        rows.push(format!("{},{voice},{team},{channel}", text(&wav)));
    }
    let manifest = dir.path().join("calls.csv");
    std::fs::write(&manifest, rows.join("\n") + "\n").expect("writes");
    let scored = dir.path().join("scored");
    let run = callcoach(&[
        "score",
        "-q",
        "--agents",
        text(&dir.path().join("none.toml")),
        "--manifest",
        text(&manifest),
        "--out",
        text(&scored),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = dir.path().join("team");
    let run = callcoach(&["team", text(&scored), "--out", text(&out)]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The same numbers from calls.jsonl, computed here.
    let records: Vec<serde_json::Value> = std::fs::read_to_string(scored.join("calls.jsonl"))
        .expect("reads")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let html = std::fs::read_to_string(out.join("team.html")).expect("written");
    let csv = std::fs::read_to_string(out.join("agents.csv")).expect("written");
    for voice in ["allison_en", "allison_es", "carlo_it"] {
        let full: Vec<&serde_json::Value> = records
            .iter()
            .filter(|r| r["agent_id"] == voice && r["score"]["partial"] == false)
            .collect();
        let partial = records
            .iter()
            .filter(|r| r["agent_id"] == voice && r["score"]["partial"] == true)
            .count();
        let n = full.len() as f64;
        let mean_score = full
            .iter()
            .map(|r| r["score"]["total"].as_f64().expect("score"))
            .sum::<f64>()
            / n;
        let in_band = full
            .iter()
            .map(|r| r["agent"]["frac_voiced_in_band"].as_f64().expect("in band") * 100.0)
            .sum::<f64>()
            / n;
        let (gaps, in_window) = full.iter().fold((0, 0), |(g, w), r| {
            let list = r["reply_gaps"].as_array().expect("gaps");
            (
                g + list.len(),
                w + list.iter().filter(|x| x["verdict"] == "in_window").count(),
            )
        });
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("{voice},")))
            .unwrap_or_else(|| panic!("{voice} in agents.csv"));
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[2], full.len().to_string(), "{voice} calls");
        assert_eq!(cells[3], partial.to_string(), "{voice} partial calls");
        assert_eq!(cells[6], format!("{mean_score:.1}"), "{voice} mean score");
        assert_eq!(cells[8], format!("{in_band:.1}"), "{voice} in band");
        assert_eq!(
            cells[9],
            format!("{:.1}", 100.0 * in_window as f64 / gaps as f64),
            "{voice} replies in window"
        );
        assert!(html.contains(&format!(r#"id="agent-{voice}""#)), "{voice}");
        assert!(
            html.contains(&format!("<td>{mean_score:.1}</td>")),
            "{voice}'s mean score on the page"
        );
    }
}
