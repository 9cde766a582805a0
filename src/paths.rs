//! Where callcoach keeps its files: the platform's data directory (on Linux
//! `$XDG_DATA_HOME/callcoach`, by default `~/.local/share/callcoach`; Application Support
//! on macOS, AppData on Windows), or the folder named by [`DATA_DIR_ENV`]. The live app's
//! recordings, the agents file and the window's settings live there, so they do not
//! depend on the folder the app was started from; and the bundled demo call, found
//! beside the executable or in the source tree.

use std::path::{Path, PathBuf};

/// Environment variable naming the data directory instead of the platform's.
pub const DATA_DIR_ENV: &str = "CALLCOACH_DATA_DIR";
/// Name of callcoach's directory inside the platform's data directory.
pub const DATA_DIR_NAME: &str = "callcoach";
/// The recordings folder inside the data directory.
pub const RECORDINGS_DIR_NAME: &str = "recordings";
/// The window's remembered settings inside the data directory.
pub const SETTINGS_FILE_NAME: &str = "settings.ron";
/// The bundled demo call, relative to the source tree (and to an unpacked release).
pub const BUNDLED_DEMO: &str = "assets/demo/demo_call.wav";

/// There is no data directory: neither [`DATA_DIR_ENV`] nor a home directory is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no data directory (set {DATA_DIR_ENV}, XDG_DATA_HOME or HOME)")]
pub struct NoDataDir;

/// callcoach's data directory: [`DATA_DIR_ENV`] when set (and not empty), else the
/// platform's data directory joined with [`DATA_DIR_NAME`]. Not created here.
pub fn data_dir() -> Result<PathBuf, NoDataDir> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join(DATA_DIR_NAME))
        .ok_or(NoDataDir)
}

/// The folder the live app records into and the Recordings list and Calls page show.
pub fn recordings_dir() -> Result<PathBuf, NoDataDir> {
    Ok(data_dir()?.join(RECORDINGS_DIR_NAME))
}

/// The file the window keeps its settings in (device, agent, modes).
pub fn settings_file() -> Result<PathBuf, NoDataDir> {
    Ok(data_dir()?.join(SETTINGS_FILE_NAME))
}

/// The places the bundled demo call is looked for, in order: beside the executable
/// (`assets/demo/` next to it, or two levels up for `target/release/callcoach` in the
/// source tree), the installed share folder (`../share/callcoach/`), the source tree this
/// binary was built from, and the data directory.
pub fn demo_candidates(exe: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = exe.and_then(Path::parent) {
        out.push(dir.join(BUNDLED_DEMO));
        if let Some(root) = dir.parent().and_then(Path::parent) {
            out.push(root.join(BUNDLED_DEMO));
        }
        if let Some(prefix) = dir.parent() {
            out.push(
                prefix
                    .join("share")
                    .join(DATA_DIR_NAME)
                    .join("demo_call.wav"),
            );
        }
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLED_DEMO));
    if let Ok(dir) = data_dir() {
        out.push(dir.join("demo_call.wav"));
    }
    out
}

/// The bundled demo call, wherever the app was started from (`None` when no candidate
/// of [`demo_candidates`] exists).
pub fn bundled_demo() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    demo_candidates(exe.as_deref())
        .into_iter()
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_looked_for_beside_the_executable_first_then_in_the_source_tree() {
        let c = demo_candidates(Some(Path::new("/opt/cc/bin/callcoach")));
        assert_eq!(c[0], Path::new("/opt/cc/bin/assets/demo/demo_call.wav"));
        assert_eq!(c[1], Path::new("/opt/assets/demo/demo_call.wav"));
        assert_eq!(c[2], Path::new("/opt/cc/share/callcoach/demo_call.wav"));
        assert_eq!(
            c[3],
            Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo_call.wav")
        );
        assert!(c[3].is_file(), "the source tree holds the demo");
    }
}
