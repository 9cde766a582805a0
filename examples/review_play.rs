//! Plays a call through the review view's player (cpal output) for a few seconds and
//! prints the playhead: `cargo run --release --example review_play -- FILE.wav [SPEED]`.

// A program, like src/main.rs: anyhow is allowed here (clippy.toml keeps it out of
// the library).
#![allow(clippy::disallowed_types, clippy::disallowed_macros)]

use std::path::PathBuf;
use std::time::Duration;

use callcoach::audio_out::playback::{PlaybackStatus, Player};
use callcoach::config::Profile;
use callcoach::review::load::{LoadJob, LoadRequest};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_default());
    let speed: f32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let call = LoadJob::start(
        LoadRequest {
            path,
            profile: Profile::default(),
            agent_channel: None,
        },
        || {},
    )?
    .wait()?;
    let player = Player::new(call.audio.clone());
    match player.status() {
        PlaybackStatus::On { device, rate } => println!("playing on {device} at {rate} Hz"),
        PlaybackStatus::Off(reason) => {
            println!("playback off: {reason}");
            return Ok(());
        }
    }
    player.set_speed(speed);
    player.seek(10.0);
    player.set_playing(true);
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(500));
        println!("playhead {:.3} s", player.position_s());
    }
    player.set_playing(false);
    Ok(())
}
