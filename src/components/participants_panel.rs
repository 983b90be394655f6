//! Everyone in the call with their microphone, camera, hand and whether they speak: raised
//! hands first, in the order they went up, then join order.

use leptos::prelude::*;
use satsuma_protocol::room::Participant;

use super::icon::{Icon, IconKind};
use super::side_panel::{Panel, SidePanel};
use crate::call::Conference;
use crate::erased::{derive, memo};
use crate::i18n::{fill, t};

/// The participants panel.
#[component]
pub fn ParticipantsPanel() -> impl IntoView {
    let conference = expect_context::<Conference>();
    let people = memo(move || conference.view.with(|v| (v.me.clone(), v.by_hand())));
    let title = derive(move || format!("{} ({})", t().participants, people.with(|(_, p)| p.len())));
    view! {
        <SidePanel panel=Panel::People title>
            {move || conference.view.with(|v| v.settings.watching).then(|| view! { <AudienceRow conference /> })}
            <ul class="people">
                {move || {
                    let (me, people) = people.get();
                    people.into_iter().map(|p| row(p, me.as_deref())).collect_view()
                }}
            </ul>
        </SidePanel>
    }
}

fn row(p: Participant, me: Option<&str>) -> impl IntoView {
    let t = t();
    let name = if Some(p.id.as_str()) == me { fill(t.you, &p.name) } else { p.name };
    view! {
        <li class="person">
            <span class="name">{name}</span>
            // Kept fresh by the speakers' data channels: milliseconds, not a server round.
            {p.speaking.then(|| view! { <span class="speaking-now" role="img" aria-label=t.speaking_now title=t.speaking_now>"🔊"</span> })}
            {p.hand.then(|| view! { <span class="hand" role="img" aria-label=t.hand_raised title=t.hand_raised>"✋"</span> })}
            {(!p.mic).then(|| view! { <span class="muted-icon" role="img" aria-label=t.mic_muted title=t.mic_muted><Icon kind=IconKind::MicOff /></span> })}
            {(!p.camera).then(|| view! { <span class="muted-icon" role="img" aria-label=t.camera_off title=t.camera_off><Icon kind=IconKind::CameraOff /></span> })}
        </li>
    }
}

/// Whether the room may be watched through its link, the link, and how many watch: every
/// participant sees it, and any of them may switch it.
#[component]
fn AudienceRow(conference: Conference) -> impl IntoView {
    let audience = memo(move || conference.view.with(|v| v.audience));
    let link = web_sys::window()
        .and_then(|w| Some(format!("{}{}/watch", w.location().origin().ok()?, w.location().pathname().ok()?)))
        .unwrap_or_default();
    let toggle = move |_| conference.set_watchable(!audience.get_untracked().watchable);
    view! {
        <div class="audience">
            <button type="button" class="toggle" aria-pressed=move || audience.get().watchable.to_string() on:click=toggle>
                {t().allow_watching}
            </button>
            {move || {
                let a = audience.get();
                // Whoever watches, by link or by key, is counted for everyone.
                let count = (a.watchable || a.viewers > 0).then(|| view! { <p>{fill(t().watching_now, a.viewers)}</p> });
                (a.watchable.then(|| view! { <p class="watch-link">{fill(t().watch_link, &link)}</p> }), count)
            }}
        </div>
    }
}
