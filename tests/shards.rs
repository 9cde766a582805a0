//! Sharded scoring: `score --shard I/N` and `merge` give the bytes of a single run; the
//! parts cover every input once; missing, unfinished, foreign and doubled shards; the
//! team view and the documented DuckDB query over shard folders.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{corpus, corpus_calls, stderr_text, utf8};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("callcoach runs")
}

fn ok(args: &[&str]) -> Output {
    let out = run(args, &[]);
    assert!(
        out.status.success(),
        "callcoach {args:?} failed ({}): {}",
        out.status,
        stderr_text(&out)
    );
    out
}

/// `score -q --out OUT [--shard I/N] INPUT...`.
fn score(out: &Path, shard: Option<(usize, usize)>, input: &[&str]) -> Output {
    let spec = shard.map(|(i, n)| format!("{i}/{n}"));
    let mut args = vec!["score", "-q", "--out", utf8(out)];
    if let Some(spec) = &spec {
        args.extend(["--shard", spec.as_str()]);
    }
    args.extend(input);
    ok(&args)
}

fn merge(shards: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["merge", "--out", utf8(out)];
    args.extend(shards.iter().map(|p| utf8(p)));
    args.extend(extra);
    run(&args, &[])
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn assert_same_outputs(a: &Path, b: &Path) {
    for name in ["calls.jsonl", "summary.csv"] {
        assert!(
            bytes(&a.join(name)) == bytes(&b.join(name)),
            "{name} of {} and {} differ",
            a.display(),
            b.display()
        );
    }
}

/// The `file` of every record of `calls.jsonl`.
fn files_of(jsonl: &Path) -> Vec<String> {
    String::from_utf8(bytes(jsonl))
        .expect("UTF-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a record");
            v["file"].as_str().expect("file").to_string()
        })
        .collect()
}

#[test]
fn merged_shards_are_byte_identical_to_a_single_run_on_dev_and_train() {
    let tmp = tempfile::tempdir().unwrap();
    for set in ["dev", "train"] {
        let input = corpus(set);
        let single = tmp.path().join(format!("{set}-single"));
        score(&single, None, &[utf8(&input)]);
        let all = files_of(&single.join("calls.jsonl"));
        assert_eq!(all.len(), if set == "dev" { 52 } else { 104 });
        for n in [1, 2, 4, 7] {
            let dirs: Vec<PathBuf> = (0..n)
                .map(|i| tmp.path().join(format!("{set}-{n}-{i}")))
                .collect();
            let mut seen = Vec::new();
            for (i, dir) in dirs.iter().enumerate() {
                score(dir, Some((i, n)), &[utf8(&input)]);
                seen.extend(files_of(&dir.join("calls.jsonl")));
            }
            // Every input in exactly one part.
            seen.sort();
            let mut expected = all.clone();
            expected.sort();
            assert_eq!(seen, expected, "{set}, N = {n}");
            let merged = tmp.path().join(format!("{set}-{n}-merged"));
            let out = merge(&dirs, &merged, &[]);
            assert!(out.status.success(), "{}", stderr_text(&out));
            assert_same_outputs(&single, &merged);
            let info: serde_json::Value =
                serde_json::from_slice(&bytes(&merged.join("merge.json"))).unwrap();
            assert_eq!(info["partial"], false);
            assert_eq!(info["records"], all.len());
            assert_eq!(info["merged"].as_array().unwrap().len(), n);
        }
    }
}

fn tiny_wav(path: &Path, seconds: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("a well-formed fixture");
    for i in 0..(8000.0 * seconds) as i32 {
        w.write_sample(((i * 37) % 2000 - 1000) as i16)
            .expect("a well-formed fixture");
    }
    w.finalize().expect("a well-formed fixture");
}

#[test]
fn more_shards_than_files_leaves_parts_empty_and_the_merge_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (name, s) in [("a.wav", 1.0), ("b.wav", 3.0), ("c.wav", 2.0)] {
        tiny_wav(&input.join(name), s);
    }
    std::fs::write(input.join("broken.wav"), b"RIFF....WAVE").unwrap();
    let single = tmp.path().join("single");
    // The broken file makes exit code 1 for the run that holds it.
    let status = |out: &Output| out.status.code();
    assert_eq!(
        status(&run(
            &["score", "-q", "--out", utf8(&single), utf8(&input)],
            &[]
        )),
        Some(1)
    );
    let dirs: Vec<PathBuf> = (0..6).map(|i| tmp.path().join(format!("s{i}"))).collect();
    let mut rows = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let spec = format!("{i}/6");
        let out = run(
            &[
                "score",
                "-q",
                "--shard",
                &spec,
                "--out",
                utf8(dir),
                utf8(&input),
            ],
            &[],
        );
        let files = files_of(&dir.join("calls.jsonl"));
        let info: serde_json::Value =
            serde_json::from_slice(&bytes(&dir.join("shard.json"))).unwrap();
        assert_eq!(info["complete"], true);
        assert_eq!(info["rows"], files.len());
        assert_eq!(info["input_rows"], 4);
        let broken = files.iter().any(|f| f.ends_with("broken.wav"));
        assert_eq!(status(&out), Some(if broken { 1 } else { 0 }));
        rows.push(files.len());
    }
    // Longest first: b (3 s), c (2 s), a (1 s), then the broken file on the next part.
    assert_eq!(rows, vec![1, 1, 1, 1, 0, 0]);
    assert!(files_of(&dirs[0].join("calls.jsonl"))[0].ends_with("b.wav"));
    let merged = tmp.path().join("merged");
    let out = merge(&dirs, &merged, &[]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert_same_outputs(&single, &merged);
}

#[test]
fn a_missing_or_unfinished_shard_stops_the_merge_until_it_is_run_again() {
    let tmp = tempfile::tempdir().unwrap();
    let input = corpus("dev/calls");
    let single = tmp.path().join("single");
    score(&single, None, &[utf8(&input)]);
    let dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("s{i}"))).collect();
    score(&dirs[0], Some((0, 3)), &[utf8(&input)]);
    score(&dirs[2], Some((2, 3)), &[utf8(&input)]);
    let merged = tmp.path().join("merged");

    // Shard 1 not run at all.
    let out = merge(&[dirs[0].clone(), dirs[2].clone()], &merged, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_text(&out),
        "callcoach: error: shard 1 of 3 missing (no folder given holds it); \
         merge what there is with --allow-partial\n"
    );
    assert!(!merged.join("calls.jsonl").exists(), "nothing written");

    // Shard 1 killed after its second record.
    let spec = "1/3";
    let killed = run(
        &[
            "score",
            "-q",
            "--shard",
            spec,
            "--out",
            utf8(&dirs[1]),
            utf8(&input),
        ],
        &[("CALLCOACH_KILL_AT", "record:2")],
    );
    assert!(!killed.status.success());
    let out = merge(&dirs, &merged, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_text(&out),
        format!(
            "callcoach: error: shard 1/3 in {} did not finish: run it again with --resume; \
             merge what there is with --allow-partial\n",
            dirs[1].display()
        )
    );

    // A partial merge says so.
    let out = merge(&dirs, &merged, &["--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains(
            "partial merge (--allow-partial): missing shards [], unfinished shards [1] of 3"
        ),
        "{}",
        stderr_text(&out)
    );
    let info: serde_json::Value =
        serde_json::from_slice(&bytes(&merged.join("merge.json"))).unwrap();
    assert_eq!(info["partial"], true);
    assert_eq!(info["unfinished"], serde_json::json!([1]));
    let rows0 = files_of(&dirs[0].join("calls.jsonl")).len();
    let rows2 = files_of(&dirs[2].join("calls.jsonl")).len();
    assert_eq!(info["records"], rows0 + rows2 + 2);

    // Run again alone with --resume: the two finished records are kept, not rescored.
    let again = ok(&[
        "score",
        "-q",
        "--resume",
        "--shard",
        spec,
        "--out",
        utf8(&dirs[1]),
        utf8(&input),
    ]);
    assert!(
        stderr_text(&again).contains(", 0 failed, 2 skipped (already scored)"),
        "{}",
        stderr_text(&again)
    );
    let out = merge(&dirs, &merged, &[]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert_same_outputs(&single, &merged);
}

#[test]
fn shards_of_different_runs_are_refused_and_a_doubled_shard_is_merged_once() {
    let tmp = tempfile::tempdir().unwrap();
    let a = corpus("dev/calls/c000.wav");
    let b = corpus("dev/calls/c001.wav");
    let input = [utf8(&a), utf8(&b)];
    let s0 = tmp.path().join("s0");
    let s1 = tmp.path().join("s1");
    score(&s0, Some((0, 2)), &input);
    score(&s1, Some((1, 2)), &input);
    let merged = tmp.path().join("merged");

    // Another profile.
    let profile = tmp.path().join("p.toml");
    std::fs::write(&profile, "[pitch]\nband_hz = [95.0, 125.0]\n").unwrap();
    let other = tmp.path().join("other");
    ok(&[
        "score",
        "-q",
        "--profile",
        utf8(&profile),
        "--shard",
        "1/2",
        "--out",
        utf8(&other),
        input[0],
        input[1],
    ]);
    let out = merge(&[s0.clone(), other.clone()], &merged, &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr_text(&out);
    assert!(
        text.starts_with(&format!(
            "callcoach: error: {}: scored with a different profile or options (settings \
             fingerprint) than {}: ",
            other.display(),
            s0.display()
        )),
        "{text}"
    );

    // Another input, and another number of shards.
    let third = tmp.path().join("third");
    score(&third, Some((1, 2)), &[input[0]]);
    let text = stderr_text(&merge(&[s0.clone(), third.clone()], &merged, &[]));
    assert!(
        text.contains("scored with a different input (input fingerprint) than"),
        "{text}"
    );
    let of3 = tmp.path().join("of3");
    score(&of3, Some((2, 3)), &input);
    let text = stderr_text(&merge(&[s0.clone(), of3.clone()], &merged, &[]));
    assert!(
        text.contains("scored with a different number of shards than"),
        "{text}"
    );
    assert!(!merged.join("calls.jsonl").exists(), "nothing written");

    // Not a shard folder.
    let single = tmp.path().join("single");
    score(&single, None, &input);
    let text = stderr_text(&merge(&[s0.clone(), single.clone()], &merged, &[]));
    assert_eq!(
        text,
        format!(
            "callcoach: error: {}: no shard.json: not a folder written by `callcoach score \
             --shard I/N --out DIR`\n",
            single.display()
        )
    );

    // The same folder twice, and a copy of a shard: merged once.
    let copy = tmp.path().join("copy-of-s1");
    std::fs::create_dir(&copy).unwrap();
    for name in ["calls.jsonl", "summary.csv", "shard.json"] {
        std::fs::copy(s1.join(name), copy.join(name)).unwrap();
    }
    let out = merge(
        &[s0.clone(), s1.clone(), s0.clone(), copy.clone()],
        &merged,
        &[],
    );
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("holds a shard another folder also holds; merged once"),
        "{}",
        stderr_text(&out)
    );
    assert_same_outputs(&single, &merged);
    let info: serde_json::Value =
        serde_json::from_slice(&bytes(&merged.join("merge.json"))).unwrap();
    assert_eq!(info["records"], 2);
    assert_eq!(info["left_out"].as_array().unwrap().len(), 1);
}

/// dev and train calls scored through a manifest (agents, teams and starts over four
/// weeks), once whole and as three shards.
struct Fleet {
    _tmp: tempfile::TempDir,
    single: PathBuf,
    shards: Vec<PathBuf>,
    root: PathBuf,
}

fn fleet() -> &'static Fleet {
    static FLEET: OnceLock<Fleet> = OnceLock::new();
    FLEET.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("a well-formed fixture");
        let root = tmp.path().to_path_buf();
        let mut rows = vec!["path,agent,team,call_start".to_string()];
        for (i, call) in corpus_calls().iter().enumerate() {
            rows.push(format!(
                "{},a{},t{},2026-03-{:02}T09:00:00",
                call.display(),
                i % 4,
                i % 2,
                2 + (i * 5) % 27
            ));
        }
        let manifest = root.join("calls.csv");
        std::fs::write(&manifest, rows.join("\n") + "\n").expect("a well-formed fixture");
        let single = root.join("single");
        ok(&[
            "score",
            "-q",
            "--manifest",
            utf8(&manifest),
            "--out",
            utf8(&single),
        ]);
        let shards: Vec<PathBuf> = (0..3).map(|i| root.join(format!("shard-{i}"))).collect();
        for (i, dir) in shards.iter().enumerate() {
            let spec = format!("{i}/3");
            ok(&[
                "score",
                "-q",
                "--manifest",
                utf8(&manifest),
                "--shard",
                &spec,
                "--out",
                utf8(dir),
            ]);
        }
        Fleet {
            _tmp: tmp,
            single,
            shards,
            root,
        }
    })
}

fn team(inputs: &[PathBuf], out: &Path) -> serde_json::Value {
    let mut args = vec!["team", "--out", utf8(out)];
    args.extend(inputs.iter().map(|p| utf8(p)));
    ok(&args);
    serde_json::from_slice(&bytes(&out.join("team.json"))).expect("a well-formed fixture")
}

#[test]
fn the_team_view_reads_shard_folders_as_it_reads_a_single_run() {
    let f = fleet();
    let merged = f.root.join("merged-for-team");
    assert!(merge(&f.shards, &merged, &[]).status.success());
    assert_same_outputs(&f.single, &merged);
    let a = f.root.join("team-single");
    let b = f.root.join("team-shards");
    let mut single = team(std::slice::from_ref(&f.single), &a);
    let mut sharded = team(&f.shards, &b);
    assert_eq!(bytes(&a.join("agents.csv")), bytes(&b.join("agents.csv")));
    for view in [&mut single, &mut sharded] {
        view.as_object_mut().unwrap().remove("inputs");
    }
    // The same values; sums taken in another file order may differ in the last bits.
    assert_close(&single, &sharded, "team.json");
    assert_eq!(single["agents"].as_array().unwrap().len(), 4);
}

/// `a` and `b` hold the same keys, strings and counts, and numbers within 1e-9
/// relative.
fn assert_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_close(v, w, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().expect("a well-formed fixture"),
                y.as_f64().expect("a well-formed fixture"),
            );
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{at}: {x} vs {y}");
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// Per agent and week from the records themselves: late replies.
fn late_replies(jsonl: &Path) -> BTreeMap<(String, String), u64> {
    let mut late = BTreeMap::new();
    for line in String::from_utf8(bytes(jsonl))
        .expect("a well-formed fixture")
        .lines()
    {
        let r: serde_json::Value = serde_json::from_str(line).expect("a well-formed fixture");
        if r["status"] != "ok" || r["score"]["partial"] == true {
            continue;
        }
        let week =
            callcoach::team::iso_week(r["call_start"].as_str().expect("a well-formed fixture"))
                .expect("a well-formed fixture");
        let agent = r["agent_id"]
            .as_str()
            .expect("a well-formed fixture")
            .to_string();
        let n = r["reply_gaps"]
            .as_array()
            .expect("a well-formed fixture")
            .iter()
            .filter(|g| g["verdict"] == "late")
            .count() as u64;
        *late.entry((agent, week)).or_default() += n;
    }
    late
}

#[test]
fn the_duckdb_weekly_query_gives_the_team_numbers() {
    let f = fleet();
    let view = team(std::slice::from_ref(&f.single), &f.root.join("team-duckdb"));
    let script = common::root().join("deploy/duckdb/weekly.py");
    let glob = f.root.join("shard-*").join("calls.jsonl");
    // `.ci/test` sets CALLCOACH_PYTHON to a Python with DuckDB.
    let python = std::env::var("CALLCOACH_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .arg(&script)
        .arg(&glob)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "weekly.py failed (it needs DuckDB: `.ci/test` installs it, or `pip install duckdb`): {}",
        stderr_text(&out)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("agent,week,calls,in_band_pct,replies_in_window_pct,late_replies")
    );
    let late = late_replies(&f.single.join("calls.jsonl"));
    let mut weeks = BTreeSet::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let (agent, week) = (cells[0], cells[1]);
        let a = view["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agent"] == agent)
            .unwrap_or_else(|| panic!("agent {agent} in team.json"));
        let w = &a["weeks"][week];
        assert_eq!(cells[2].parse::<u64>().unwrap(), w["calls"], "{line}");
        let close = |cell: &str, value: &serde_json::Value| match value.as_f64() {
            Some(v) => (cell.parse::<f64>().unwrap() - v).abs() < 0.0006,
            None => cell.is_empty(),
        };
        assert!(close(cells[3], &w["in_band_pct"]), "{line} vs {w}");
        assert!(
            close(cells[4], &w["replies_in_window_pct"]),
            "{line} vs {w}"
        );
        assert_eq!(
            cells[5].parse::<u64>().unwrap(),
            late[&(agent.to_string(), week.to_string())],
            "{line}"
        );
        weeks.insert((agent.to_string(), week.to_string()));
    }
    let team_weeks: BTreeSet<(String, String)> = view["agents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            let agent = a["agent"].as_str().unwrap().to_string();
            a["weeks"]
                .as_object()
                .unwrap()
                .keys()
                .map(move |w| (agent.clone(), w.clone()))
        })
        .collect();
    assert_eq!(weeks, team_weeks);
    assert!(weeks.len() >= 12, "{} agent-weeks", weeks.len());
}
