//! The Calls page in kittest: its filters leave exactly the expected calls, sorting
//! follows the clicked column, a click on a file opens it, and a folder's records and
//! unscored WAVs are listed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use callcoach::analysis::Rule;
use callcoach::config::Profile;
use callcoach::gui::calls_view::CallsView;
use callcoach::team::calls::CallRow;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

mod common;

fn row(file: &str, agent: &str, start: &str, score: u32, late: u32, pitch_off: f64) -> CallRow {
    let mut deductions = [0.0; Rule::ALL.len()];
    deductions[0] = pitch_off;
    CallRow {
        file: PathBuf::from(file),
        agent: Some(agent.into()),
        call_start: Some(start.into()),
        score: Some(score),
        coverage: Some(1.0),
        in_band_pct: Some(40.0),
        replies_in_window_pct: Some(50.0),
        late_replies: late,
        overlaps: 0,
        long_silences: 0,
        deductions,
        error: None,
    }
}

fn rows() -> Vec<CallRow> {
    vec![
        row("a1.wav", "anna", "2026-03-02T09:00:00", 80, 0, 0.0),
        row("a2.wav", "anna", "2026-03-10T09:00:00", 55, 3, 12.0),
        row("b1.wav", "bo", "2026-03-11", 45, 2, 0.0),
        row("b2.wav", "bo", "2026-03-20", 90, 1, 5.0),
    ]
}

type Page = (CallsView, Option<PathBuf>);

fn harness() -> Harness<'static, Page> {
    let ctx = egui::Context::default();
    let mut view = CallsView::new(&ctx, Profile::default());
    view.set_rows(rows());
    Harness::builder()
        .with_size(egui::vec2(1300.0, 700.0))
        .build_ui_state(
            |ui, (v, opened): &mut Page| {
                if let Some(f) = v.ui(ui) {
                    *opened = Some(f);
                }
            },
            (view, None),
        )
}

fn shown(h: &Harness<'static, Page>) -> Vec<String> {
    h.state()
        .0
        .visible_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn each_filter_leaves_exactly_the_expected_calls() {
    let mut h = harness();
    h.run();
    assert_eq!(shown(&h), ["a1.wav", "a2.wav", "b1.wav", "b2.wav"]);
    h.get_by_label("4 of 4 calls");
    // Agent, picked in the list.
    h.get_by_label("Agent").click();
    h.run();
    // The list shows "bo" in its rows too (as text); the choice is a button.
    h.get_by_role_and_label(Role::Button, "bo").click();
    h.run();
    assert_eq!(shown(&h), ["b1.wav", "b2.wav"]);
    h.get_by_label("2 of 4 calls");
    assert!(
        h.query_by_label("a1.wav").is_none(),
        "a filtered call is not drawn"
    );
    h.get_by_label("Agent").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "all").click();
    h.run();
    // Late replies ≥ 2.
    h.get_by_role_and_label(Role::CheckBox, "late replies ≥")
        .click();
    h.run();
    assert_eq!(shown(&h), ["a2.wav", "b1.wav"]);
    h.get_by_role_and_label(Role::CheckBox, "late replies ≥")
        .click();
    h.run();
    // Score below 60.
    h.get_by_role_and_label(Role::CheckBox, "score below")
        .click();
    h.run();
    assert_eq!(shown(&h), ["a2.wav", "b1.wav"]);
    h.get_by_role_and_label(Role::CheckBox, "score below")
        .click();
    h.run();
    // A rule that lost points.
    h.get_by_label("Rule lost points").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "pitch").click();
    h.run();
    assert_eq!(shown(&h), ["a2.wav", "b2.wav"]);
    // Dates, typed.
    h.state_mut().0.filter.failed_rule = None;
    h.get_by_label("from").click();
    h.run();
    h.get_by_label("from").type_text("2026-03-10");
    h.run();
    h.get_by_label("to").click();
    h.run();
    h.get_by_label("to").type_text("2026-03-11");
    h.run();
    assert_eq!(shown(&h), ["a2.wav", "b1.wav"]);
}

#[test]
fn a_column_click_sorts_and_a_file_click_opens_it() {
    let mut h = harness();
    h.run();
    h.get_by_label("score").click();
    h.run();
    assert_eq!(shown(&h), ["b1.wav", "a2.wav", "a1.wav", "b2.wav"]);
    h.get_by_label("score ⬆").click();
    h.run();
    assert_eq!(shown(&h), ["b2.wav", "a1.wav", "a2.wav", "b1.wav"]);
    h.get_by_label("b1.wav").click();
    h.run();
    assert_eq!(h.state().1, Some(PathBuf::from("b1.wav")));
}

#[test]
fn a_folder_lists_its_records_and_scores_the_other_wavs_in_the_background() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A live recording with its record beside it, and a WAV without one.
    let with_record = dir.path().join("call-1.wav");
    std::fs::copy(common::corpus("dev/calls/c000.wav"), &with_record).expect("copy");
    let record = serde_json::json!({
        "file": with_record.display().to_string(), "status": "error", "file_size": 0,
        "file_mtime_ns": 0, "agent_id": "anna", "error": "recorded elsewhere"
    });
    std::fs::write(with_record.with_extension("json"), record.to_string()).expect("writes");
    let unscored = dir.path().join("call-2.wav");
    std::fs::copy(common::corpus("dev/calls/c011.wav"), &unscored).expect("copy");
    let ctx = egui::Context::default();
    let mut view = CallsView::new(&ctx, Profile::default());
    view.folder = dir.path().display().to_string();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 700.0))
        .build_ui_state(
            |ui, v: &mut CallsView| {
                let _ = v.ui(ui);
            },
            view,
        );
    let start = Instant::now();
    while h.state().visible_files().len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "still scoring");
        std::thread::sleep(Duration::from_millis(20));
        h.run_steps(1);
    }
    assert_eq!(h.state().visible_files(), [with_record, unscored]);
    h.get_by_label("2 of 2 calls");
}
