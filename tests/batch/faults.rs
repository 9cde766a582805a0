//! Inputs that are not regular files or do not exist, output faults, limits and
//! profile errors: each ends within 10 s with one row per input or one clear message.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;

use super::*;

fn rows(out: &Path) -> Vec<CallRecord> {
    records(out)
}

fn error_of(record: &CallRecord) -> &str {
    record.error.as_deref().unwrap_or("")
}

#[test]
fn a_fifo_socket_or_device_named_wav_gets_an_error_row_and_the_batch_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = tiny_folder(dir.path(), 5);
    let fifo = calls.join("x.wav");
    mkfifo(&fifo);
    let socket = calls.join("y.wav");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("socket");
    let out = dir.path().join("out");
    // A resume scores nothing again: the error rows of unchanged paths stay, and so does
    // the row of a path not given this time.
    for (resume, expected) in [
        (false, "callcoach: 5 scored, 3 failed, 0 skipped"),
        (true, "callcoach: 0 scored, 0 failed, 7 skipped"),
    ] {
        let mut args = vec!["score", s(&calls), "--jobs", "2", "--out", s(&out), "-q"];
        if resume {
            args.push("--resume");
        } else {
            args.push("/dev/null");
        }
        let result = run_within_10_s(&mut command(&args));
        let code = if resume { 0 } else { 1 };
        assert_eq!(result.status.code(), Some(code), "{}", stderr_of(&result));
        assert!(
            stderr_of(&result).starts_with(expected),
            "{}",
            stderr_of(&result)
        );
        let recs = rows(&out);
        assert_eq!(recs.len(), 8, "5 WAVs, the FIFO, the socket, /dev/null");
        let by_file = |p: &Path| {
            recs.iter()
                .find(|r| r.file == p.display().to_string())
                .unwrap_or_else(|| panic!("no row for {}", p.display()))
        };
        assert_eq!(
            error_of(by_file(&fifo)),
            format!("{}: not a regular file (a FIFO)", fifo.display())
        );
        assert_eq!(
            error_of(by_file(&socket)),
            format!("{}: not a regular file (a socket)", socket.display())
        );
        assert_eq!(
            error_of(by_file(Path::new("/dev/null"))),
            "/dev/null: not a regular file (a character device)"
        );
        assert_eq!(recs.iter().filter(|r| r.status == "ok").count(), 5);
    }

    let profile = dir.path().join("p.toml");
    mkfifo(&profile);
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&calls.join("0000.wav")),
        "--profile",
        s(&profile),
    ]));
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(
        stderr_of(&result),
        format!(
            "callcoach: error: {}: cannot read profile: not a regular file (a FIFO)\n",
            profile.display()
        )
    );

    let result = run_within_10_s(&mut command(&[
        "live",
        "--headless",
        "--demo",
        s(&fifo),
        "--fast",
        "--no-record",
    ]));
    assert_eq!(result.status.code(), Some(2), "{}", stderr_of(&result));
    assert!(
        stderr_of(&result).contains(&format!("{}: not a regular file (a FIFO)", fifo.display())),
        "{}",
        stderr_of(&result)
    );

    // An eval label file that is a FIFO.
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("pitch")).expect("mkdir");
    tiny_wav(&corpus.join("pitch/p.wav"), 1, 100);
    mkfifo(&corpus.join("pitch/p.json"));
    let result = run_within_10_s(&mut command(&["eval", s(&corpus)]));
    assert_eq!(result.status.code(), Some(2));
    assert!(
        stderr_of(&result).contains("p.json: cannot read: not a regular file (a FIFO)"),
        "{}",
        stderr_of(&result)
    );
}

#[test]
fn a_full_disk_stops_the_run_with_one_message_naming_the_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    // More files than the records in flight between the workers and the writer.
    let calls = tiny_folder(dir.path(), 200);
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    symlink("/dev/full", out.join("calls.jsonl")).expect("symlink");
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&calls),
        "--out",
        s(&out),
        "--jobs",
        "2",
        "-q",
    ]));
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(
        stderr_of(&result),
        format!(
            "callcoach: error: {}: cannot write: No space left on device (os error 28)\n",
            out.join("calls.jsonl").display()
        )
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).expect("summary.csv");
    assert_eq!(
        csv,
        format!("{}\n", CSV_HEADER.join(",")),
        "no row without its record"
    );

    for format in ["text", "jsonl"] {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let child = command(&["score", s(&calls), "--format", format, "--jobs", "2"])
            .stdout(Stdio::from(full))
            .stderr(Stdio::piped())
            .spawn()
            .expect("callcoach starts");
        let result = finish_within(child, Duration::from_secs(10));
        assert_eq!(result.status.code(), Some(2));
        assert_eq!(
            stderr_of(&result),
            "callcoach: error: standard output: No space left on device (os error 28)\n"
        );
    }

    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("pitch")).expect("mkdir");
    let dev = common::corpus("dev/pitch");
    for ext in ["wav", "json", "f0.csv"] {
        std::fs::copy(
            dev.join(format!("p000.{ext}")),
            corpus.join(format!("pitch/p000.{ext}")),
        )
        .expect("copy");
    }
    for args in [vec!["profile"], vec!["eval", s(&corpus)]] {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let child = command(&args)
            .stdout(Stdio::from(full))
            .stderr(Stdio::piped())
            .spawn()
            .expect("callcoach starts");
        let result = finish_within(child, Duration::from_secs(10));
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr_of(&result),
            "callcoach: error: standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Far more output than a pipe holds, so the run is still writing when it closes.
    let calls = tiny_folder(dir.path(), 400);
    let first_call = calls.join("0000.wav");
    for (format, expected_start) in [
        ("text", format!("{}: score ", first_call.display())),
        ("jsonl", format!("{{\"file\":\"{}\"", first_call.display())),
    ] {
        let mut child = command(&["score", s(&calls), "--format", format, "--jobs", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("callcoach starts");
        // Read what `head -c` would keep, then close the pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = vec![0u8; expected_start.len()];
        stdout.read_exact(&mut first).expect("first bytes");
        drop(stdout);
        let result = finish_within(child, Duration::from_secs(10));
        assert_eq!(result.status.code(), Some(0), "{}", stderr_of(&result));
        assert_eq!(stderr_of(&result), "", "{format}");
        assert_eq!(String::from_utf8_lossy(&first), expected_start);
    }
    let mut child = command(&["profile"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callcoach starts");
    drop(child.stdout.take());
    let result = finish_within(child, Duration::from_secs(10));
    assert_eq!(result.status.code(), Some(0));
    assert_eq!(stderr_of(&result), "");
}

#[test]
fn bad_paths_are_error_rows_and_the_rest_is_scored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let good = root.join("good.wav");
    tiny_wav(&good, 3, 100);
    let missing = root.join("missing.wav");
    let dangling = root.join("dangling.wav");
    symlink(root.join("gone.wav"), &dangling).expect("symlink");
    // A folder nested deeper than the search goes, with a WAV at the bottom.
    let tree = root.join("tree");
    let mut deep = tree.clone();
    for _ in 0..=callcoach::batch::MAX_FOLDER_DEPTH {
        deep = deep.join("d");
    }
    std::fs::create_dir_all(&deep).expect("mkdir");
    tiny_wav(&deep.join("deep.wav"), 4, 100);
    tiny_wav(&tree.join("shallow.wav"), 5, 100);
    // A folder the OS will not list (when not running as root).
    let locked = tree.join("locked");
    std::fs::create_dir_all(&locked).expect("mkdir");
    tiny_wav(&locked.join("hidden.wav"), 6, 100);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let locked_refused = std::fs::read_dir(&locked).is_err();

    let out = root.join("out");
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&good),
        s(&missing),
        s(&dangling),
        s(&tree),
        "--out",
        s(&out),
        "-q",
    ]));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(result.status.code(), Some(1), "{}", stderr_of(&result));
    let recs = rows(&out);
    let row = |p: &Path| {
        recs.iter()
            .find(|r| r.file == p.display().to_string())
            .unwrap_or_else(|| panic!("no row for {} in {recs:#?}", p.display()))
    };
    assert_eq!(row(&good).status, "ok");
    assert_eq!(row(&tree.join("shallow.wav")).status, "ok");
    assert_eq!(
        error_of(row(&missing)),
        format!(
            "{}: cannot read: No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert_eq!(
        error_of(row(&dangling)),
        format!(
            "{}: dangling symbolic link (its target does not exist)",
            dangling.display()
        )
    );
    let too_deep = &deep;
    assert_eq!(
        error_of(row(too_deep)),
        format!(
            "{}: folder nested more than {} levels deep; not searched",
            too_deep.display(),
            callcoach::batch::MAX_FOLDER_DEPTH
        )
    );
    if locked_refused {
        assert_eq!(
            error_of(row(&locked)),
            format!(
                "{}: cannot list folder: Permission denied (os error 13)",
                locked.display()
            )
        );
        assert_eq!(recs.len(), 6);
    } else {
        assert_eq!(row(&locked.join("hidden.wav")).status, "ok");
        assert_eq!(recs.len(), 6);
    }
    let files: Vec<&str> = recs.iter().map(|r| r.file.as_str()).collect();
    let mut sorted = files.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(files, sorted, "rows in path order");

    // Without --out too: one record per path on stdout.
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&good),
        s(&missing),
        "--format",
        "jsonl",
    ]));
    assert_eq!(result.status.code(), Some(1));
    let lines: Vec<CallRecord> = String::from_utf8_lossy(&result.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].file, good.display().to_string());
    assert_eq!(lines[1].file, missing.display().to_string());
    assert_eq!(lines[1].status, "error");
}

#[test]
fn a_file_reached_by_two_paths_is_scored_once_and_symlinked_folders_are_followed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("archive");
    std::fs::create_dir_all(root.join("real/sub")).expect("mkdir");
    tiny_wav(&root.join("real/a.wav"), 1, 100);
    // A folder outside the tree, linked in; a link back up (a loop); a second link to a
    // folder of the tree.
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    tiny_wav(&outside.join("b.wav"), 2, 100);
    symlink(&outside, root.join("linked")).expect("symlink");
    symlink(&root, root.join("real/sub/up")).expect("symlink");
    symlink(root.join("real"), root.join("again")).expect("symlink");

    let a = root.join("real/a.wav");
    let a_again = root.join("real/sub/../a.wav");
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&a),
        s(&a_again),
        s(&root),
        "--format",
        "jsonl",
    ]));
    assert_eq!(result.status.code(), Some(0), "{}", stderr_of(&result));
    let files: Vec<String> = String::from_utf8_lossy(&result.stdout)
        .lines()
        .map(|l| serde_json::from_str::<CallRecord>(l).expect("record").file)
        .collect();
    assert_eq!(
        files,
        [
            root.join("linked/b.wav").display().to_string(),
            a.display().to_string()
        ]
    );
}

#[test]
fn a_nan_sample_in_a_live_demo_is_an_error_as_in_score() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("nan.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&wav, spec).expect("create");
    for i in 0..8000 {
        let x = if i == 4000 {
            f32::NAN
        } else {
            0.3 * (i as f32 * 0.08).sin()
        };
        w.write_sample(x).expect("sample");
    }
    w.finalize().expect("finish");
    let message = format!("{}: sample is NaN or infinite at frame 4000", wav.display());

    let score = run_within_10_s(&mut command(&["score", s(&wav), "--format", "jsonl"]));
    assert_eq!(score.status.code(), Some(1));
    let row: CallRecord = serde_json::from_slice(&score.stdout).expect("record");
    assert_eq!(row.status, "error");
    assert_eq!(row.error.as_deref(), Some(message.as_str()));

    let report = dir.path().join("r.json");
    let events = dir.path().join("events.jsonl");
    let live = run_within_10_s(&mut command(&[
        "live",
        "--headless",
        "--demo",
        s(&wav),
        "--fast",
        "--no-record",
        "--report",
        s(&report),
        "--events",
        s(&events),
    ]));
    assert_eq!(live.status.code(), Some(1), "{}", stderr_of(&live));
    let stderr = stderr_of(&live);
    assert_eq!(stderr, format!("callcoach: error: {message}\n"));
    let record: CallRecord =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_eq!(record.status, "error");
    assert_eq!(record.error.as_deref(), Some(message.as_str()));
    assert!(record.report.is_none());
}

#[test]
fn jobs_are_capped_at_four_per_core_and_the_cap_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("a.wav");
    tiny_wav(&wav, 1, 100);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&wav),
        "--jobs",
        "1000000",
        "--format",
        "jsonl",
    ]));
    assert_eq!(result.status.code(), Some(0));
    assert_eq!(
        stderr_of(&result),
        format!(
            "callcoach: --jobs 1000000 capped at {} (4 per core, {cores} cores)\n",
            4 * cores
        )
    );
    let row: CallRecord = serde_json::from_slice(&result.stdout).expect("record");
    assert_eq!(row.status, "ok");
}

#[test]
fn eval_without_labelled_files_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("pitch")).expect("mkdir");
    let wav = dir.path().join("a.wav");
    tiny_wav(&wav, 1, 100);
    let missing = dir.path().join("missing");
    for (path, message) in [
        (
            &missing,
            format!(
                "{}: cannot read: No such file or directory (os error 2)",
                missing.display()
            ),
        ),
        (
            &empty,
            format!(
                "{}: no labelled files (expected pitch/*.wav and calls/*.wav, each with its .json label)",
                empty.display()
            ),
        ),
        (
            &wav,
            format!(
                "{}: not a corpus folder (expected a folder with pitch/ and calls/ inside)",
                wav.display()
            ),
        ),
    ] {
        let result = run_within_10_s(&mut command(&["eval", s(path)]));
        assert_eq!(result.status.code(), Some(2));
        assert_eq!(result.stdout, b"");
        assert_eq!(stderr_of(&result), format!("callcoach: error: {message}\n"));
    }
}

#[test]
fn profile_errors_name_the_key_and_give_the_os_text_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("a.wav");
    tiny_wav(&wav, 1, 100);
    let profile = dir.path().join("p.toml");
    std::fs::write(&profile, "[pitch]\nband_hz = [100, 120, \"junk\", 7]\n").expect("write");
    let result = run_within_10_s(&mut command(&["score", s(&wav), "--profile", s(&profile)]));
    assert_eq!(result.status.code(), Some(2));
    let err = stderr_of(&result);
    assert!(err.contains("p.toml") && err.contains("band_hz"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let missing = dir.path().join("missing.toml");
    let result = run_within_10_s(&mut command(&["score", s(&wav), "--profile", s(&missing)]));
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(
        stderr_of(&result),
        format!(
            "callcoach: error: {}: cannot read profile: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
}

#[test]
fn a_pitch_track_that_cannot_be_written_is_named_with_its_wav() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("c.wav");
    tiny_wav(&wav, 1, 100);
    let tracks = dir.path().join("tracks");
    std::fs::create_dir_all(&tracks).expect("mkdir");
    symlink("/dev/full", tracks.join("c.agent.f0.csv.partial")).expect("symlink");
    let result = run_within_10_s(&mut command(&[
        "score",
        s(&wav),
        "--pitch-track",
        s(&tracks),
        "--format",
        "jsonl",
    ]));
    assert_eq!(result.status.code(), Some(1));
    let row: CallRecord = serde_json::from_slice(&result.stdout).expect("record");
    assert_eq!(
        row.error.as_deref(),
        Some(
            format!(
                "{}: cannot write its pitch track {}: No space left on device (os error 28)",
                wav.display(),
                tracks.join("c.agent.f0.csv").display()
            )
            .as_str()
        )
    );
    assert_eq!(std::fs::read_dir(&tracks).expect("list").count(), 0);
}

#[test]
fn a_wav_without_a_fmt_chunk_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("nofmt.wav");
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(4u32 + 8 + 16).to_le_bytes());
    bytes.extend_from_slice(b"WAVEdata");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 16]);
    std::fs::write(&wav, bytes).expect("write");
    let result = run_within_10_s(&mut command(&["score", s(&wav), "--format", "jsonl"]));
    assert_eq!(result.status.code(), Some(1));
    let row: CallRecord = serde_json::from_slice(&result.stdout).expect("record");
    assert_eq!(
        row.error.as_deref(),
        Some(format!("{}: malformed WAV: no fmt chunk", wav.display()).as_str())
    );
}
