//! Scoring with agents, through the command line: semitone bands in the profile,
//! manifests and path patterns, the voice-print channel check, `--learn`, the
//! `agents` command and the people's `summary.csv`.

use std::path::{Path, PathBuf};
use std::process::Command;

use callcoach::analysis::band::relative_band;
use callcoach::batch::CallRecord;
use serde_json::Value;

mod common;
use common::{callcoach, corpus, score_jsonl, stderr_text as stderr, utf8 as text};

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).expect("writes");
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The points the pitch rule took off, 0 when none.
fn pitch_points(r: &CallRecord) -> f64 {
    let report = r.report.as_ref().expect("a report");
    report
        .score
        .deductions
        .iter()
        .filter(|d| d.rule == "pitch")
        .map(|d| d.points)
        .fold(0.0, |a, b| a + b)
}

#[test]
fn a_semitone_band_in_the_profile_judges_a_high_voice_against_its_own_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("relative.toml");
    write(&profile, "[pitch]\nband_semitones = [-1.0, 2.0]\n");
    let call = corpus("dev/calls/c009.wav");
    let hz: Vec<CallRecord> = score_jsonl([text(&call)]);
    let rel: Vec<CallRecord> = score_jsonl(["--profile", text(&profile), text(&call)]);
    let (hz, rel) = (&hz[0], &rel[0]);
    let agent = &rel.report.as_ref().expect("scored").agent;
    // The fixed band misses this voice (a median above 180 Hz) almost entirely.
    assert!(pitch_points(hz) >= 24.0, "{}", pitch_points(hz));
    assert_eq!(agent.band_semitones, Some([-1.0, 2.0]));
    let base = agent.baseline_hz.expect("a baseline");
    assert!((180.0..240.0).contains(&base), "{base}");
    assert_eq!(
        serde_json::to_value(agent.baseline_from).expect("serialises"),
        "call"
    );
    assert_eq!(agent.band_hz, relative_band(base, [-1.0, 2.0]).map(round1));
    // The relative band loses points in proportion to the voice's own in-band share.
    let frac = agent.frac_voiced_in_band.expect("voiced speech");
    let expected = round1(25.0 * ((0.6 - frac) / 0.6).max(0.0));
    assert_eq!(pitch_points(rel), expected);
    assert!(pitch_points(rel) < 20.0, "{}", pitch_points(rel));
}

#[test]
fn the_review_view_judges_against_the_profile_s_semitone_band_as_score_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile_path = dir.path().join("relative.toml");
    write(&profile_path, "[pitch]\nband_semitones = [-3.0, 0.0]\n");
    let profile = callcoach::config::Profile::load(&profile_path).expect("profile");
    let call = corpus("dev/calls/c002.wav");
    let request = callcoach::review::load::LoadRequest {
        path: call.clone(),
        profile,
        agent_channel: None,
    };
    let loaded = callcoach::review::load::load(
        &request,
        &std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        &std::sync::Arc::new([
            std::sync::atomic::AtomicU32::new(0),
            std::sync::atomic::AtomicU32::new(0),
        ]),
    )
    .expect("opens");
    let scored: Vec<CallRecord> = score_jsonl(["--profile", text(&profile_path), text(&call)]);
    assert_eq!(Some(&loaded.report), scored[0].report.as_ref());
    assert_eq!(loaded.report.agent.band_semitones, Some([-3.0, 0.0]));
    assert!(
        loaded.report.agent.band_hz[0] > 150.0,
        "{:?}",
        loaded.report.agent.band_hz
    );
}

#[test]
fn a_manifest_row_channel_gives_the_same_record_as_the_command_line_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let call = corpus("dev/calls/c006.wav");
    let manifest = dir.path().join("calls.csv");
    write(
        &manifest,
        &format!(
            "path,agent,team,call_start,agent_channel\n{},anna,sales,2026-03-04 09:15,1\n",
            text(&call)
        ),
    );
    let by_row: Vec<CallRecord> = score_jsonl(["--manifest", text(&manifest)]);
    let by_flag: Vec<CallRecord> = score_jsonl(["--agent-channel", "1", text(&call)]);
    let by_default: Vec<CallRecord> = score_jsonl([text(&call)]);
    assert_eq!(by_row[0].report, by_flag[0].report);
    assert_ne!(by_row[0].report, by_default[0].report);
    assert_eq!(by_row[0].agent_channel, Some(1));
    assert_eq!(by_row[0].agent_id.as_deref(), Some("anna"));
    assert_eq!(by_row[0].team.as_deref(), Some("sales"));
    assert_eq!(by_row[0].call_start.as_deref(), Some("2026-03-04T09:15:00"));
    assert_eq!(by_flag[0].agent_id, None);
}

#[test]
fn bad_manifest_rows_get_error_rows_naming_their_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let call = |n: u32| corpus(&format!("dev/calls/c00{n}.wav"));
    let manifest = dir.path().join("calls.csv");
    // One row per call, as an archive lists them; four of them are wrong.
    write(
        &manifest,
        &format!(
            "path,agent,call_start,agent_channel,profile\n\
             {},anna,2026-03-04,0,\n\
             missing.wav,bo,,,\n\
             {},bo,,left,\n\
             {},bo,,,nowhere.toml\n\
             {},bo,March 4,,\n",
            text(&call(0)),
            text(&call(1)),
            text(&call(2)),
            text(&call(4)),
        ),
    );
    let out_dir = dir.path().join("out");
    let out = callcoach(&[
        "score",
        "--quiet",
        "--manifest",
        text(&manifest),
        "--out",
        text(&out_dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let jsonl = std::fs::read_to_string(out_dir.join("calls.jsonl")).expect("calls.jsonl");
    let records: Vec<CallRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    assert_eq!(records.len(), 5);
    let m = text(&manifest);
    let errors: Vec<&str> = records.iter().filter_map(|r| r.error.as_deref()).collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    for (line, what) in [
        (3, "missing.wav"),
        (4, "`left`"),
        (5, "nowhere.toml"),
        (6, "`March 4`"),
    ] {
        let prefix = format!("{m}:{line}: ");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&prefix) && e.contains(what)),
            "no error for line {line} ({what}) in {errors:?}"
        );
    }
    let ok: Vec<&CallRecord> = records.iter().filter(|r| r.status == "ok").collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].agent_id.as_deref(), Some("anna"));
    assert_eq!(ok[0].call_start.as_deref(), Some("2026-03-04"));
}

#[test]
fn agent_team_and_start_come_from_the_path_pattern() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("sales/anna");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(
        corpus("dev/calls/c000.wav"),
        folder.join("2026-03-04_0915_c.wav"),
    )
    .expect("copy");
    std::fs::copy(corpus("dev/calls/c000.wav"), folder.join("loose.wav")).expect("copy");
    let out = callcoach(&[
        "score",
        "--quiet",
        "--format",
        "jsonl",
        "--agent-from-path",
        "{team}/{agent}/{date}_{time}_{any}.wav",
        text(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records: Vec<CallRecord> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    assert_eq!(records.len(), 2);
    let dated = &records[0];
    assert_eq!(dated.status, "ok");
    assert_eq!(dated.agent_id.as_deref(), Some("anna"));
    assert_eq!(dated.team.as_deref(), Some("sales"));
    assert_eq!(dated.call_start.as_deref(), Some("2026-03-04T09:15:00"));
    let loose = &records[1];
    assert_eq!(loose.status, "error");
    assert!(
        loose
            .error
            .as_deref()
            .is_some_and(|e| e.contains("loose.wav: the path does not match")),
        "{:?}",
        loose.error
    );
}

/// A stereo call of the corpus: its path, agent voice and agent channel.
fn stereo_call(relative: &str) -> (PathBuf, String, usize) {
    let wav = corpus(relative);
    let label = common::read_label(&wav);
    (
        wav,
        label["voices"]["agent"]
            .as_str()
            .expect("voice")
            .to_string(),
        label["channels"]["agent"].as_u64().expect("channel") as usize,
    )
}

/// Every stereo call of dev and train.
fn all_stereo_calls() -> Vec<(PathBuf, String, usize)> {
    let mut calls = Vec::new();
    for wav in common::corpus_calls() {
        if common::read_label(&wav)["layout"] == "stereo" {
            let relative = wav
                .strip_prefix(corpus(""))
                .expect("in the corpus")
                .to_string_lossy()
                .into_owned();
            calls.push(stereo_call(&relative));
        }
    }
    calls
}

/// Enrols `voice` into the agents file `agents` from up to `most` stereo calls other
/// than `skip` where it is the agent, each on its labelled channel.
fn enroll_from_other_calls(agents: &Path, voice: &str, skip: &Path, most: usize) {
    let others: Vec<(PathBuf, usize)> = all_stereo_calls()
        .into_iter()
        .filter(|(wav, v, _)| v == voice && wav != skip)
        .take(most)
        .map(|(wav, _, ch)| (wav, ch))
        .collect();
    assert!(!others.is_empty(), "{voice} has other calls");
    for (wav, channel) in others {
        let out = callcoach(&[
            "agents",
            "--agents",
            text(agents),
            "enroll",
            voice,
            text(&wav),
            "--agent-channel",
            &channel.to_string(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

#[test]
fn an_enrolled_agent_flags_a_swapped_channel_and_auto_picks_theirs() {
    // Calls with the agent on channel 0 and on channel 1, in both sets.
    for relative in [
        "dev/calls/c000.wav",
        "dev/calls/c006.wav",
        "train/calls/c010.wav",
        "train/calls/c021.wav",
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let agents = dir.path().join("agents.toml");
        let (wav, voice, channel) = stereo_call(relative);
        enroll_from_other_calls(&agents, &voice, &wav, 3);
        let manifest = dir.path().join("calls.csv");
        let wrong = 1 - channel;
        write(
            &manifest,
            &format!(
                "path,agent,agent_channel\n{w},{voice},{wrong}\n{w},{voice},auto\n{w},{voice},{channel}\n",
                w = text(&wav)
            ),
        );
        let records: Vec<CallRecord> =
            score_jsonl(["--agents", text(&agents), "--manifest", text(&manifest)]);
        assert_eq!(records.len(), 3);
        let (swapped, auto, right) = (&records[0], &records[1], &records[2]);
        assert_eq!(
            swapped.channel_check.as_deref(),
            Some("swapped?"),
            "{relative}"
        );
        assert_eq!(swapped.agent_channel, Some(wrong));
        let notes = &swapped.report.as_ref().expect("scored").notes;
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("agent channel swapped?")),
            "{relative}: {notes:?}"
        );
        assert_eq!(auto.channel_check.as_deref(), Some("ok"), "{relative}");
        assert_eq!(auto.agent_channel, Some(channel), "{relative}");
        // The same analysis as with the right channel given; only the note differs.
        let without_notes = |r: &CallRecord| {
            let mut report = r.report.clone().expect("scored");
            report.notes.clear();
            report
        };
        assert_eq!(without_notes(auto), without_notes(right), "{relative}");
        assert_eq!(right.channel_check.as_deref(), Some("ok"), "{relative}");
    }
}

#[test]
fn learn_adds_the_calls_to_the_agents_file_and_plain_scoring_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let agents = dir.path().join("agents.toml");
    let call = corpus("dev/calls/c000.wav");
    let manifest = dir.path().join("calls.csv");
    write(&manifest, &format!("path,agent\n{},anna\n", text(&call)));
    let records: Vec<CallRecord> =
        score_jsonl(["--agents", text(&agents), "--manifest", text(&manifest)]);
    assert_eq!(records[0].status, "ok");
    assert!(
        !agents.exists(),
        "scoring without --learn wrote the agents file"
    );
    let out = callcoach(&[
        "score",
        "--quiet",
        "--format",
        "jsonl",
        "--learn",
        "--agents",
        text(&agents),
        "--manifest",
        text(&manifest),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stored: Value =
        toml::from_str(&std::fs::read_to_string(&agents).expect("written")).expect("TOML");
    let anna = &stored["agents"]["anna"];
    assert_eq!(anna["voice_print"]["channel"], 0);
    let speech = anna["baseline"]["speech_s"].as_f64().expect("speech");
    assert!(speech > 10.0, "{speech}");
    let f0 = anna["baseline"]["median_f0_hz"].as_f64().expect("f0");
    // The agent of this call speaks around 107 Hz.
    assert!((95.0..125.0).contains(&f0), "{f0}");
    let list = callcoach(&["agents", "--agents", text(&agents), "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("id"), "{list}");
    assert!(
        lines[1].starts_with("anna") && lines[1].contains("100-120 Hz"),
        "{list}"
    );
    assert!(lines[1].contains(&format!("{speech:.1} s")), "{list}");
    assert!(lines[1].contains("yes (channel 0"), "{list}");
}

#[test]
fn forget_removes_an_agent_and_an_unknown_or_broken_one_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let agents = dir.path().join("agents.toml");
    write(
        &agents,
        "[agents.anna]\nname = \"Anna\"\n[agents.bo]\nname = \"Bo\"\n",
    );
    let out = callcoach(&["agents", "--agents", text(&agents), "forget", "anna"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stored = std::fs::read_to_string(&agents).expect("reads");
    assert!(
        !stored.contains("anna") && stored.contains("[agents.bo]"),
        "{stored}"
    );
    let out = callcoach(&["agents", "--agents", text(&agents), "forget", "zed"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains(text(&agents)) && e.contains("zed"), "{e}");
    // A broken file is reported, not overwritten, by every command.
    let broken = "[agents.anna\nname = 1\n";
    write(&agents, broken);
    for args in [
        vec!["forget", "bo"],
        vec!["enroll", "bo", text(&corpus("dev/calls/c000.wav"))],
        vec!["list"],
    ] {
        let mut all = vec!["agents", "--agents", text(&agents)];
        all.extend(args);
        let out = callcoach(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(text(&agents)), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&agents).expect("reads"), broken);
    }
    // A FIFO in place of the agents file is refused at once, not waited on.
    let fifo = dir.path().join("fifo.toml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let out = callcoach(&["agents", "--agents", text(&fifo), "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(text(&fifo)), "{}", stderr(&out));
    let calls = dir.path().join("calls.csv");
    write(&calls, "path,agent\nx.wav,bo\n");
    let out = callcoach(&[
        "score",
        "--agents",
        text(&agents),
        "--manifest",
        text(&calls),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(text(&agents)), "{}", stderr(&out));
}

#[test]
fn the_people_csv_has_a_stable_header_and_round_trips_the_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("out");
    let out = callcoach(&[
        "score",
        "--quiet",
        "--out",
        text(&out_dir),
        text(&corpus("dev/calls/c000.wav")),
        text(&corpus("dev/calls/c003.wav")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut csv = csv::Reader::from_path(out_dir.join("summary.csv")).expect("opens");
    let header: Vec<String> = csv
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
        [
            "agent",
            "team",
            "call_start",
            "file",
            "status",
            "layout",
            "duration_s",
            "score",
            "coverage",
            "pitch_deduction",
            "reply_gap_deduction",
            "pace_deduction",
            "overlaps_deduction",
            "long_silence_deduction",
            "monologue_deduction",
            "agent_talk_pct",
            "customer_talk_pct",
            "talk_listen_ratio",
            "median_reply_gap_s",
            "replies_in_window_pct",
            "overlaps",
            "long_silences",
            "longest_monologue_s",
            "median_pitch_hz",
            "in_band_pct",
            "pace_changes_per_45s",
            "speaker_switches_per_min",
            "dead_air_pct",
            "rules_not_scored",
            "channel_check",
            "error",
        ]
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("a row")).collect();
    let jsonl = std::fs::read_to_string(out_dir.join("calls.jsonl")).expect("reads");
    let records: Vec<CallRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
    for (row, record) in rows.iter().zip(&records) {
        let r = record.report.as_ref().expect("scored");
        let m = &r.metrics;
        assert_eq!(&row[col("file")], record.file);
        assert_eq!(&row[col("duration_s")], format!("{:.3}", r.duration_s));
        assert_eq!(&row[col("score")], r.score.total.to_string());
        assert_eq!(&row[col("coverage")], format!("{:.3}", r.score.coverage));
        assert_eq!(
            &row[col("agent_talk_pct")],
            format!("{:.1}", m.agent_talk_pct)
        );
        assert_eq!(&row[col("dead_air_pct")], format!("{:.1}", m.dead_air_pct));
        assert_eq!(
            &row[col("long_silences")],
            r.long_silences.len().to_string()
        );
        assert_eq!(
            &row[col("rules_not_scored")],
            callcoach::record::rules_text(&r.score.rules_not_scored)
        );
        // Shares to 0.1 %, times to the millisecond: no float noise.
        for cell in row.iter() {
            if let Some((_, decimals)) = cell.split_once('.') {
                assert!(
                    decimals.len() <= 3 || cell.contains(' ') || cell.contains('/'),
                    "{cell}"
                );
            }
        }
    }
    // The stereo call is fully measured; the mono one is diarized, so its reply gaps and
    // monologues are scored, but one channel cannot show overlaps: that rule is left
    // out and the total rescaled over the other 90 % of the weight (still "ok", over the
    // profile's 75 %).
    assert_eq!(&rows[0][col("status")], "ok");
    assert_eq!(&rows[0][col("coverage")], "1.000");
    assert_eq!(&rows[1][col("status")], "ok");
    assert_eq!(&rows[1][col("layout")], "mono");
    assert_eq!(&rows[1][col("rules_not_scored")], "overlaps");
    assert_ne!(&rows[1][col("reply_gap_deduction")], "");
    assert_eq!(&rows[1][col("coverage")], "0.900");
    let mono = records[1].report.as_ref().expect("scored");
    let off: f64 = mono.score.deductions.iter().map(|d| d.points).sum();
    assert_eq!(
        mono.score.total,
        (100.0 - off / 0.9).round().clamp(0.0, 100.0) as u32
    );
}

#[test]
fn on_every_stereo_call_of_dev_and_train_a_wrong_channel_is_flagged_and_auto_is_right() {
    let calls = all_stereo_calls();
    assert_eq!(calls.len(), 26);
    let mut flagged = 0;
    let mut auto_right = 0;
    for (wav, voice, channel) in &calls {
        let dir = tempfile::tempdir().expect("temp dir");
        let agents = dir.path().join("agents.toml");
        // Enrolled from the other calls where this voice is the agent.
        enroll_from_other_calls(&agents, voice, wav, 3);
        let manifest = dir.path().join("calls.csv");
        write(
            &manifest,
            &format!(
                "path,agent,agent_channel\n{w},{voice},{wrong}\n{w},{voice},auto\n",
                w = text(wav),
                wrong = 1 - channel
            ),
        );
        let records: Vec<CallRecord> =
            score_jsonl(["--agents", text(&agents), "--manifest", text(&manifest)]);
        let (wrong, auto) = (&records[0], &records[1]);
        if wrong.channel_check.as_deref() == Some("swapped?") {
            flagged += 1;
        } else {
            eprintln!("{}: wrong channel not flagged", wav.display());
        }
        if auto.agent_channel == Some(*channel) && auto.channel_check.as_deref() == Some("ok") {
            auto_right += 1;
        } else {
            eprintln!("{}: auto took {:?}", wav.display(), auto.agent_channel);
        }
    }
    assert_eq!((flagged, auto_right), (26, 26));
}
