//! `deploy/slurm/score-array.sh` on a real Slurm cluster: the test starts a private
//! single-node cluster (munged, slurmctld, slurmd; `tests/slurm/cluster.sh`), submits
//! the array job over corpus/train with N = 4 and the merge, and stops the daemons
//! whatever happens. Needs root and Debian's slurm-wlm and munge (`.ci/test` installs
//! them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus, root, stderr_text, utf8};

/// The daemons of a private cluster, stopped on drop.
struct Cluster {
    dir: PathBuf,
    conf: String,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let out = Command::new("bash")
            .arg(root().join("tests/slurm/cluster.sh"))
            .args(["start", utf8(dir)])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "the cluster did not start: {}",
            stderr_text(&out)
        );
        Cluster {
            dir: dir.to_path_buf(),
            conf: String::from_utf8(out.stdout)
                .expect("UTF-8 output")
                .trim()
                .to_string(),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/slurm/cluster.sh"))
            .args(["stop", utf8(&self.dir)])
            .status();
    }
}

#[test]
fn an_array_job_of_four_shards_and_its_merge_match_a_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&tmp.path().join("cluster"));
    let results = tmp.path().join("results");
    let train = corpus("train");
    let out = Command::new("bash")
        .arg(root().join("deploy/slurm/score-array.sh"))
        .args(["-n", "4", "-o", utf8(&results), "-w", "-b"])
        .arg(env!("CARGO_BIN_EXE_callcoach"))
        .args(["--", utf8(&train)])
        .env("SLURM_CONF", &cluster.conf)
        .output()
        .expect("bash runs");
    let logs = || {
        std::fs::read_dir(results.join("logs"))
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        format!(
                            "{}:\n{}",
                            e.path().display(),
                            std::fs::read_to_string(e.path()).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    assert!(
        out.status.success(),
        "score-array.sh failed: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr_text(&out),
        logs()
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("array job "), "{stdout}");

    // Each task scored its own part, and the merge saw all four.
    for i in 0..4 {
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(results.join(format!("shard-{i}/shard.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(info["shard"], i);
        assert_eq!(info["of"], 4);
        assert_eq!(info["complete"], true);
        assert_eq!(info["input_rows"], 104);
    }
    let merged = results.join("merged");
    let single = tmp.path().join("single");
    let run = Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["score", "-q", "--out", utf8(&single), utf8(&train)])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_text(&run));
    for name in ["calls.jsonl", "summary.csv"] {
        assert!(
            std::fs::read(merged.join(name)).unwrap() == std::fs::read(single.join(name)).unwrap(),
            "{name} differs from a single run\n{}",
            logs()
        );
    }
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("merge.json")).unwrap()).unwrap();
    assert_eq!(info["records"], 104);
    assert_eq!(info["partial"], false);
}
