//! A built-in file browser for opening a call when the desktop's file dialog cannot be
//! used (`rfd`'s xdg-portal backend needs an `xdg-desktop-portal` on the D-Bus session
//! bus, or zenity; a bare X server, a container or a kiosk has neither). It lists one
//! folder: sub-folders, then the WAV files (`.wav` in any case) with their size and, read
//! from the header only, their length. The folder is listed once when entered, not every
//! frame.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::audio::wav::{WavStream, has_wav_extension};
use crate::review::export::clock;

/// Headers read per folder at most (beyond that, sizes only).
const MAX_HEADERS: usize = 300;

/// Why the desktop's file dialog cannot appear, if that can be told before trying: no
/// D-Bus session bus (where the portal lives) and no zenity (rfd's fallback).
/// `bus` is `DBUS_SESSION_BUS_ADDRESS`, `runtime_dir` `XDG_RUNTIME_DIR` (whose `bus`
/// socket is the default address) and `path` `PATH`.
pub fn native_dialog_problem(
    bus: Option<OsString>,
    runtime_dir: Option<PathBuf>,
    path: Option<OsString>,
) -> Option<String> {
    let has_bus =
        bus.is_some_and(|b| !b.is_empty()) || runtime_dir.is_some_and(|d| d.join("bus").exists());
    let has_zenity =
        path.is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    (!has_bus && !has_zenity).then(|| {
        "no D-Bus session bus for the desktop portal (DBUS_SESSION_BUS_ADDRESS is not set) and no zenity".to_string()
    })
}

/// [`native_dialog_problem`] for this process's environment.
pub fn native_dialog_problem_here() -> Option<String> {
    native_dialog_problem(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS"),
        std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
        std::env::var_os("PATH"),
    )
}

/// One row of the listing.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File or folder name.
    pub name: String,
    /// Full path.
    pub path: PathBuf,
    /// A folder.
    pub is_dir: bool,
    /// Bytes (files).
    pub size: u64,
    /// Length from the WAV header, s (`None`: not a readable WAV, or not read).
    pub duration_s: Option<f64>,
}

impl Entry {
    /// The text of the entry's button.
    pub fn label(&self) -> String {
        if self.is_dir {
            return format!("📁 {}", self.name);
        }
        let size = human_size(self.size);
        match self.duration_s {
            Some(d) => format!("🎧 {}  ({size}, {})", self.name, clock(d)),
            None => format!("🎧 {}  ({size})", self.name),
        }
    }
}

fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Sub-folders and WAV files of `dir` (hidden ones left out), folders first, each group
/// by name (case-insensitive).
pub fn list(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let Ok(item) = item else { continue };
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = item.path();
        // Follows symbolic links, as a file dialog does.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() || (meta.is_file() && has_wav_extension(&path)) {
            out.push(Entry {
                name,
                path,
                is_dir: meta.is_dir(),
                size: meta.len(),
                duration_s: None,
            });
        }
    }
    out.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    for e in out.iter_mut().filter(|e| !e.is_dir).take(MAX_HEADERS) {
        e.duration_s = WavStream::open(&e.path).ok().map(|s| s.info().duration_s());
    }
    Ok(out)
}

/// What the coach did in the browser this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Nothing yet.
    Browsing,
    /// Open this file.
    Open(PathBuf),
    /// Closed without choosing.
    Cancelled,
}

/// The browser window's state.
#[derive(Debug)]
pub struct FileBrowser {
    dir: PathBuf,
    dir_text: String,
    entries: Vec<Entry>,
    error: Option<String>,
    reason: String,
}

impl FileBrowser {
    /// A browser in `dir`; `reason` says why the desktop's dialog was not used.
    pub fn new(dir: PathBuf, reason: String) -> Self {
        let mut b = Self {
            dir: PathBuf::new(),
            dir_text: String::new(),
            entries: Vec::new(),
            error: None,
            reason,
        };
        b.enter(dir);
        b
    }

    /// The folder shown.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Why the desktop's dialog was not used.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The rows shown.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Shows `dir` (a folder that cannot be read keeps the current one, with a message).
    pub fn enter(&mut self, dir: PathBuf) {
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        match list(&dir) {
            Ok(entries) => {
                self.entries = entries;
                self.dir_text = dir.display().to_string();
                self.dir = dir;
                self.error = None;
            }
            Err(e) => {
                self.error = Some(format!("cannot read {}: {e}", dir.display()));
                self.dir_text = self.dir.display().to_string();
            }
        }
    }

    /// Draws the browser window; returns what the coach chose.
    pub fn ui(&mut self, ctx: &egui::Context) -> Choice {
        let mut choice = Choice::Browsing;
        let mut go: Option<PathBuf> = None;
        let mut open = true;
        egui::Window::new("Open a call")
            .id(egui::Id::unique("review_file_browser"))
            .open(&mut open)
            .collapsible(false)
            .default_size([560.0, 480.0])
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(
                    egui::RichText::new(format!(
                        "The desktop's file dialog is not available ({}); this is callcoach's own.",
                        self.reason
                    ))
                    .small()
                    .weak(),
                );
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(self.dir.parent().is_some(), egui::Button::new("⬆ Up"))
                        .clicked()
                    {
                        go = self.dir.parent().map(Path::to_path_buf);
                    }
                    let label = ui.label("Folder");
                    let field = ui
                        .add(egui::TextEdit::singleline(&mut self.dir_text).desired_width(360.0))
                        .labelled_by(label.id);
                    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button("Go").clicked() || enter {
                        go = Some(PathBuf::from(self.dir_text.trim()));
                    }
                });
                if let Some(e) = &self.error {
                    ui.colored_label(crate::gui::theme::ALERT, format!("⚠ {e}"));
                }
                ui.separator();
                let row_h = ui.spacing().interact_size.y;
                let wavs = self.entries.iter().filter(|e| !e.is_dir).count();
                egui::ScrollArea::vertical()
                    .max_height(360.0)
                    .auto_shrink([false, true])
                    .show_rows(ui, row_h, self.entries.len(), |ui, rows| {
                        for e in &self.entries[rows] {
                            if ui.selectable_label(false, e.label()).clicked() {
                                if e.is_dir {
                                    go = Some(e.path.clone());
                                } else {
                                    choice = Choice::Open(e.path.clone());
                                }
                            }
                        }
                    });
                if wavs == 0 {
                    ui.label("No WAV files in this folder.");
                }
                ui.separator();
                if ui.button("Cancel").clicked() {
                    choice = Choice::Cancelled;
                }
            });
        if !open {
            choice = Choice::Cancelled;
        }
        if let Some(d) = go {
            self.enter(d);
        }
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_native_dialog_is_known_missing_without_a_bus_or_zenity() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(native_dialog_problem(None, None, None).is_some());
        assert!(native_dialog_problem(Some("".into()), Some(dir.path().into()), None).is_some());
        assert!(
            native_dialog_problem(Some("unix:path=/run/user/1000/bus".into()), None, None)
                .is_none()
        );
        std::fs::write(dir.path().join("bus"), b"").expect("socket stand-in");
        assert!(native_dialog_problem(None, Some(dir.path().into()), None).is_none());
        let bin = tempfile::tempdir().expect("tempdir");
        std::fs::write(bin.path().join("zenity"), b"").expect("zenity stand-in");
        let path = std::env::join_paths([Path::new("/nonexistent"), bin.path()]).expect("path");
        assert!(native_dialog_problem(None, None, Some(path)).is_none());
    }

    #[test]
    fn lists_folders_then_wavs_in_any_case_without_other_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir(d.join("b_folder")).expect("mkdir");
        std::fs::create_dir(d.join(".hidden")).expect("mkdir");
        std::fs::write(d.join("Call.WAV"), b"not really audio").expect("write");
        std::fs::write(d.join("a.wav"), b"RIFF").expect("write");
        std::fs::write(d.join("notes.txt"), b"x").expect("write");
        std::fs::write(d.join("c.wav.coach.json"), b"{}").expect("write");
        let names: Vec<(String, bool)> = list(d)
            .expect("list")
            .into_iter()
            .map(|e| (e.name, e.is_dir))
            .collect();
        assert_eq!(
            names,
            vec![
                ("b_folder".to_string(), true),
                ("a.wav".to_string(), false),
                ("Call.WAV".to_string(), false)
            ]
        );
    }
}
