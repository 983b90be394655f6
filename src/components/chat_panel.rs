//! The room's chat: history with names and times, links clickable and everything else
//! text, and a field that keeps what was typed until the room has the message.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use satsuma_protocol::room::ChatMessage;

use super::side_panel::{Panel, SidePanel};
use crate::call::Conference;
use crate::erased::{effect, memo};
use crate::i18n::t;
use crate::linkify::{pieces, Piece};

/// The chat panel.
#[component]
pub fn ChatPanel() -> impl IntoView {
    let conference = expect_context::<Conference>();
    let draft = RwSignal::new(String::new());
    // What we sent and wait to see come back; the field clears only then, so a refused
    // message (too fast, too long) stays there to send again.
    let sent = RwSignal::new(None::<String>);
    let me = move || conference.view.with(|v| v.me.clone());
    let last_mine = memo(move || {
        let me = me();
        conference.view.with(|v| v.chat.iter().rev().find(|m| Some(&m.from) == me.as_ref()).map(|m| (v.chat.len(), m.text.clone())))
    });
    effect(move || {
        let Some((_, text)) = last_mine.get() else { return };
        if sent.get_untracked().as_deref() == Some(text.as_str()) {
            sent.set(None);
            if draft.get_untracked().trim() == text {
                draft.set(String::new());
            }
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if !text.trim().is_empty() {
            sent.set(Some(text.trim().to_owned()));
            conference.chat(text);
        }
    };
    let messages = memo(move || conference.view.with(|v| v.numbered_chat().map(|(k, m)| (v.chat_epoch, k, m.clone())).collect::<Vec<_>>()));
    let list = NodeRef::<leptos::html::Ol>::new();
    // Follow the newest message.
    effect(move || {
        messages.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    view! {
        <SidePanel panel=Panel::Chat title=t().chat.to_owned()>
            <ol class="messages" node_ref=list aria-live="polite" tabindex="0" aria-label=t().chat>
                <For each=move || messages.get() key=|(epoch, k, _)| (*epoch, *k) let((_, _, m))>
                    <li>{message(m)}</li>
                </For>
            </ol>
            <Show when=move || messages.with(Vec::is_empty)>
                <p class="hint empty">{t().no_messages}</p>
            </Show>
            <form class="chat-form" on:submit=submit>
                <input type="text" aria-label=t().message autocomplete="off"
                    prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev)) />
                <button type="submit" class="button primary" disabled=move || draft.with(|d| d.trim().is_empty())>
                    {t().send}
                </button>
            </form>
        </SidePanel>
    }
}

fn message(m: ChatMessage) -> impl IntoView {
    let body: Vec<AnyView> = pieces(&m.text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned().into_any(),
            Piece::Link(href) => {
                let (href, text) = (href.to_owned(), href.to_owned());
                view! { <a href=href target="_blank" rel="noopener noreferrer">{text}</a> }.into_any()
            }
        })
        .collect();
    view! {
        <p class="meta"><span class="from">{m.name}</span> <time>{clock(m.at)}</time></p>
        <p class="text">{body}</p>
    }
}

/// `HH:MM` in the reader's time zone.
fn clock(at_ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
