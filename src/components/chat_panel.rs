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

/// What is typed in the chat, kept by the call so that closing the panel loses nothing.
#[derive(Clone, Copy)]
pub struct ChatDraft {
    text: RwSignal<String>,
    // What we sent and wait to see come back; the field clears only then, so a refused
    // message (too fast, too long) stays there to send again.
    sent: RwSignal<Option<String>>,
}

impl ChatDraft {
    /// An empty draft that clears when the room echoes what we sent.
    pub fn new(conference: Conference) -> Self {
        let (text, sent) = (RwSignal::new(String::new()), RwSignal::new(None::<String>));
        let last_mine = memo(move || {
            conference.view.with(|v| {
                let mine = v.chat.iter().rev().find(|m| Some(&m.from) == v.me.as_ref());
                mine.map(|m| (v.chat_mark(), m.text.clone()))
            })
        });
        effect(move || {
            let Some((_, echoed)) = last_mine.get() else { return };
            if sent.get_untracked().as_deref() == Some(echoed.as_str()) {
                sent.set(None);
                if text.get_untracked().trim() == echoed {
                    text.set(String::new());
                }
            }
        });
        Self { text, sent }
    }
}

/// The chat panel.
#[component]
pub fn ChatPanel() -> impl IntoView {
    let conference = expect_context::<Conference>();
    let ChatDraft { text: draft, sent } = expect_context::<ChatDraft>();
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
