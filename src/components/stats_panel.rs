//! Per-track media statistics, refreshed with each read: what is sent (a row per simulcast
//! layer) and what is received, with codec, size, frame rate, bitrate, loss, round trip,
//! jitter and layer. Rendered only while open.

use leptos::prelude::*;

use super::side_panel::{Panel, SidePanel};
use crate::call::{whole, Conference, Direction, TrackStats};
use crate::erased::derive;
use crate::i18n::{fill, t};

/// The Stats panel.
#[component]
pub fn StatsPanel() -> impl IntoView {
    let conference = expect_context::<Conference>();
    let t = t();
    let columns =
        [t.stats_codec, t.stats_resolution, t.stats_fps, t.stats_bitrate, t.stats_loss, t.stats_rtt, t.stats_jitter, t.stats_layer];
    view! {
        <SidePanel panel=Panel::Stats title=derive(move || t.stats.to_owned())>
            <Show when=move || conference.stats.with(|s| !s.is_empty()) fallback=move || view! { <p>{t.stats_empty}</p> }>
                <div class="stats-table" role="region" aria-label=t.stats tabindex="0">
                    <table>
                        <thead><tr>
                            <th scope="col">{t.stats_track}</th>
                            {columns.map(|c| view! { <th scope="col">{c}</th> }).into_iter().collect_view()}
                        </tr></thead>
                        <tbody>
                            {move || conference.stats.get().into_iter().map(|s| row(conference, s)).collect_view()}
                        </tbody>
                    </table>
                </div>
            </Show>
        </SidePanel>
    }
}

fn row(conference: Conference, s: TrackStats) -> impl IntoView {
    let track = match (&s.direction, &s.track_ref) {
        (Direction::Received, Some(r)) => {
            let owner = conference
                .view
                .with_untracked(|v| v.participants.iter().find(|p| p.tracks.iter().any(|t| t.track == *r)).map(|p| p.name.clone()));
            format!("{} · {}", owner.unwrap_or_default(), s.kind)
        }
        _ => fill(t().stats_sent, &s.kind),
    };
    let size = if s.width > 0 { format!("{}×{}", s.width, s.height) } else { "—".to_owned() };
    let fps = if s.kind == "video" { whole(s.fps) } else { "—".to_owned() };
    let tenths = (s.sample.loss_percent.max(0.0) * 10.0).round() as u64;
    let cells = [
        s.codec.clone(),
        size,
        fps,
        format!("{} kbit/s", whole(s.kbps)),
        format!("{}.{} %", tenths / 10, tenths % 10),
        format!("{} ms", whole(s.sample.rtt_ms)),
        format!("{} ms", whole(s.sample.jitter_ms)),
        s.layer.map_or_else(|| "—".to_owned(), |l| l.rid().to_owned()),
    ];
    view! {
        <tr>
            <th scope="row">{track}</th>
            {cells.map(|c| view! { <td>{c}</td> }).into_iter().collect_view()}
        </tr>
    }
}
