//! Test connection, on the prejoin page: our camera and microphone go to the SFU through
//! the same API path as a call, come straight back to a second session of ours, and play
//! beside the preview with their round trip, bitrate and loss. After a few reads it says in
//! plain words whether the network will carry a call, and leaves: both sessions close their
//! tracks, and the test room is a random one nobody else is in.

use leptos::prelude::*;
use satsuma_client::quality::{grade, Quality};
use satsuma_client::Receive;

use super::video_view::VideoView;
use crate::call::{whole, CallStatus, Conference, Direction};
use crate::erased::{derive_local, effect};
use crate::i18n::t;
use crate::local_media::LocalMedia;

/// Reads of the echoed video (2 s apart) before the verdict.
const READS: u32 = 3;
/// With no echo by then, the media server is out of reach.
const GIVE_UP_MS: u64 = 20_000;

/// What the test found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Media went through, graded.
    Carried(Quality),
    /// Nothing came back.
    Failed,
}

impl Verdict {
    /// The sentence to show.
    pub fn words(self) -> &'static str {
        match self {
            Self::Carried(Quality::Good) => t().verdict_good,
            Self::Carried(Quality::Fair) => t().verdict_fair,
            Self::Carried(Quality::Poor) => t().verdict_poor,
            Self::Failed => t().verdict_failed,
        }
    }
}

/// Runs the test while mounted; calls `on_done` once with the verdict.
#[component]
pub fn EchoTest(
    /// The prejoin's camera and microphone.
    media: LocalMedia,
    /// Called with the verdict; the caller unmounts the test, which leaves.
    on_done: Callback<Verdict>,
) -> impl IntoView {
    let room = format!("echo-{}", crate::room_name::random());
    let sender = Conference::start_receiving(room.clone(), "Echo".into(), media, Receive::Nothing);
    let receiver = Conference::start_receiving(room, "Echo".into(), LocalMedia::new(), Receive::Everything);
    on_cleanup(move || {
        sender.leave();
        receiver.leave();
    });
    let echoed = derive_local(move || receiver.remote.with(|m| m.iter().find(|(r, _)| r.ends_with("/camera")).map(|(_, s)| s.clone())));
    let video = move || receiver.stats.with(|rows| rows.iter().find(|s| s.direction == Direction::Received && s.kind == "video").cloned());
    let (reads, worst) = (StoredValue::new(0_u32), StoredValue::new(Quality::Good));
    let done = StoredValue::new(false);
    let finish = move |verdict: Verdict| {
        if !done.get_value() {
            done.set_value(true);
            on_done.run(verdict);
        }
    };
    effect(move || {
        let Some(row) = video().filter(|r| r.kbps > 0.0) else { return };
        worst.update_value(|w| *w = (*w).max(grade(&row.sample)));
        reads.update_value(|n| *n += 1);
        if reads.get_value() >= READS {
            finish(Verdict::Carried(worst.get_value()));
        }
    });
    effect(move || {
        if matches!(sender.status.get(), CallStatus::Failed(_)) || matches!(receiver.status.get(), CallStatus::Failed(_)) {
            finish(Verdict::Failed);
        }
    });
    let give_up = set_timeout_with_handle(move || finish(Verdict::Failed), std::time::Duration::from_millis(GIVE_UP_MS));
    on_cleanup(move || {
        if let Ok(handle) = give_up {
            handle.clear();
        }
    });
    let figures = move || {
        video().map(|r| {
            let t = t();
            format!(
                "{} {} ms · {} {} kbit/s · {} {} %",
                t.stats_rtt,
                whole(r.sample.rtt_ms),
                t.stats_bitrate,
                whole(r.kbps),
                t.stats_loss,
                whole(r.sample.loss_percent)
            )
        })
    };
    view! {
        <figure class="tile echo">
            <VideoView stream=echoed label=t().echo_label.to_owned() />
            <figcaption class="tile-caption"><span role="status">{move || figures().unwrap_or_else(|| t().testing.to_owned())}</span></figcaption>
        </figure>
    }
}
