//! `--resume`: a kill at any moment of a run or of a resume, then `--resume`, gives the
//! `calls.jsonl` and `summary.csv` of a run that was not interrupted, without scoring
//! again a file whose record was complete. Kills land at fixed points through the kill
//! hook (`CALLCOACH_KILL_AT`), and at a few moments of a resume's first 0.2 s.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use callcoach::batch::KILL_HOOK_ENV;

use super::*;

/// The two output files.
fn outputs(out: &Path) -> (String, String) {
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    (read("calls.jsonl"), read("summary.csv"))
}

/// Copies the two output files of `from` into a new folder `to`.
fn copy_outputs(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("mkdir");
    for name in ["calls.jsonl", "summary.csv"] {
        std::fs::copy(from.join(name), to.join(name)).expect("copy");
    }
}

fn score_command(calls: &Path, out: &Path, resume: bool) -> Command {
    let mut args = vec!["score", s(calls), "--out", s(out), "--jobs", "2", "-q"];
    if resume {
        args.push("--resume");
    }
    command(&args)
}

/// Runs a score that the kill hook ends at `point`.
fn killed_at(calls: &Path, out: &Path, resume: bool, point: &str) {
    let result = score_command(calls, out, resume)
        .env(KILL_HOOK_ENV, point)
        .output()
        .expect("callcoach runs");
    assert_eq!(
        result.status.signal(),
        Some(9),
        "{point}: {:?} {}",
        result.status,
        stderr_of(&result)
    );
}

/// Runs a score to its end; returns (scored, failed, skipped) from its summary line.
fn completed(calls: &Path, out: &Path, resume: bool) -> (usize, usize, usize) {
    let result = score_command(calls, out, resume)
        .output()
        .expect("callcoach runs");
    let stderr = stderr_of(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    let numbers: Vec<usize> = stderr
        .trim_start_matches("callcoach: ")
        .split(", ")
        .take(3)
        .map(|part| {
            part.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("summary line: {stderr}"))
        })
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

fn complete_lines(out: &Path) -> usize {
    outputs(out).0.matches('\n').count()
}

#[test]
fn a_run_killed_anywhere_resumes_to_the_uninterrupted_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = tiny_folder(dir.path(), 300);
    let reference = dir.path().join("reference");
    assert_eq!(completed(&calls, &reference, false), (300, 0, 0));
    let expected = outputs(&reference);
    assert_eq!(expected.0.lines().count(), 300);
    assert_eq!(expected.1.lines().count(), 301);

    for point in ["record:1", "torn:1", "torn:150", "record:299", "record:300"] {
        let out = dir.path().join(point.replace(':', "-"));
        killed_at(&calls, &out, false, point);
        let complete = complete_lines(&out);
        let (_, n) = point.split_once(':').expect("point");
        let n: usize = n.parse().expect("count");
        let want_complete = if point.starts_with("torn") { n - 1 } else { n };
        assert_eq!(complete, want_complete, "{point}");
        assert_eq!(
            completed(&calls, &out, true),
            (300 - complete, 0, complete),
            "{point}: only the files without a complete record are scored"
        );
        assert_eq!(outputs(&out), expected, "{point}");
    }
}

#[test]
fn a_resume_killed_anywhere_resumes_to_the_uninterrupted_output() {
    const FILES: u32 = 3000;
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = tiny_folder(dir.path(), FILES);
    let before = dir.path().join("before");
    assert_eq!(completed(&calls, &before, false), (3000, 0, 0));
    // Five files change (size and content); a resume scores them again, and their new
    // records belong in the middle of the file.
    let changed = [7u32, 1200, 1201, 2500, 2999];
    for &i in &changed {
        tiny_wav(&calls.join(format!("{i:04}.wav")), i + 1, 120);
    }
    let reference = dir.path().join("reference");
    assert_eq!(completed(&calls, &reference, false), (3000, 0, 0));
    let expected = outputs(&reference);
    assert_ne!(expected, outputs(&before));

    // Kill points: copying the kept records (first line, middle, last), between the two
    // renames, after appending new records, and in the final rewrite into path order.
    let kept = FILES as usize - changed.len();
    for (point, scored_after) in [
        ("compact:1".to_string(), 5),
        ("compact:1500".to_string(), 5),
        (format!("compact:{kept}"), 5),
        ("renamed:1".to_string(), 5),
        ("record:3".to_string(), 2),
        (format!("compact:{}", kept + 10), 0),
        ("renamed:2".to_string(), 0),
    ] {
        let out = dir.path().join(point.replace(':', "-"));
        copy_outputs(&before, &out);
        killed_at(&calls, &out, true, &point);
        assert_eq!(
            completed(&calls, &out, true),
            (scored_after, 0, 3000 - scored_after),
            "{point}"
        );
        assert_eq!(outputs(&out), expected, "{point}");
    }

    // Kills at moments of the first 0.2 s: whatever the moment, the outcome is exact.
    for delay_ms in [0u64, 20, 60, 120, 200] {
        let out = dir.path().join(format!("killed-after-{delay_ms}-ms"));
        copy_outputs(&before, &out);
        let mut child = score_command(&calls, &out, true)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("callcoach starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // New records of the changed files that were complete before the kill.
        let (jsonl, _) = outputs(&out);
        let new_records = jsonl
            .lines()
            .filter_map(|l| serde_json::from_str::<CallRecord>(l).ok())
            .filter(|r| {
                changed
                    .iter()
                    .any(|i| r.file.ends_with(&format!("{i:04}.wav")))
                    && r.file_size == 44 + 2 * 8 * 120
            })
            .count();
        let (scored, failed, skipped) = completed(&calls, &out, true);
        assert_eq!(
            (scored, failed, skipped),
            (5 - new_records, 0, 3000 - 5 + new_records),
            "killed after {delay_ms} ms"
        );
        assert_eq!(outputs(&out), expected, "killed after {delay_ms} ms");
    }
}

#[test]
fn a_changed_file_is_scored_again_and_replaces_its_record_in_path_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = tiny_folder(dir.path(), 4);
    let out = dir.path().join("out");
    assert_eq!(completed(&calls, &out, false), (4, 0, 0));
    tiny_wav(&calls.join("0001.wav"), 40, 300);
    assert_eq!(completed(&calls, &out, true), (1, 0, 3));
    let reference = dir.path().join("reference");
    assert_eq!(completed(&calls, &reference, false), (4, 0, 0));
    assert_eq!(outputs(&out), outputs(&reference));
    let recs = records(&out);
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[1].file_size, 44 + 2 * 8 * 300);
}

#[test]
fn names_that_are_not_utf8_keep_their_bytes_and_resume_apart() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = dir.path().join("calls");
    std::fs::create_dir_all(&calls).expect("mkdir");
    let a = calls.join(std::ffi::OsStr::from_bytes(b"a\xfe.wav"));
    let b = calls.join(std::ffi::OsStr::from_bytes(b"a\xff.wav"));
    tiny_wav(&a, 1, 100);
    tiny_wav(&b, 2, 200);
    let out = dir.path().join("out");
    assert_eq!(completed(&calls, &out, false), (2, 0, 0));
    let recs = records(&out);
    let shown = format!("{}/a\u{fffd}.wav", calls.display());
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r.file == shown));
    let hex = |p: &Path| -> String {
        p.as_os_str()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(recs[0].file_bytes_hex, Some(hex(&a)));
    assert_eq!(recs[1].file_bytes_hex, Some(hex(&b)));
    assert_eq!(recs[1].file_size, 44 + 2 * 8 * 200);
    let first = outputs(&out);

    assert_eq!(completed(&calls, &out, true), (0, 0, 2));
    assert_eq!(outputs(&out), first);
    tiny_wav(&a, 3, 150);
    assert_eq!(completed(&calls, &out, true), (1, 0, 1));
    let reference = dir.path().join("reference");
    completed(&calls, &reference, false);
    assert_eq!(outputs(&out), outputs(&reference));
}
