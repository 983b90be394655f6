//! The frame of a side panel (chat, participants): beside the grid on a desktop, a
//! full-screen sheet on a phone. Escape or Close shuts it and gives focus back to the
//! toolbar button that opened it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::t;

/// Which side panel is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// The chat.
    Chat,
    /// The participant list.
    People,
    /// Devices and voice processing.
    Settings,
    /// Per-track media statistics.
    Stats,
}

impl Panel {
    /// The id of the toolbar button that opens it, where focus returns on close.
    pub fn opener_id(self) -> &'static str {
        match self {
            Self::Chat => "open-chat",
            Self::People => "open-people",
            Self::Settings => "open-settings",
            Self::Stats => "open-stats",
        }
    }

    fn title_id(self) -> &'static str {
        match self {
            Self::Chat => "chat-title",
            Self::People => "people-title",
            Self::Settings => "settings-title",
            Self::Stats => "stats-title",
        }
    }
}

/// The open panel, provided as context by the call page.
#[derive(Clone, Copy)]
pub struct Panels(pub RwSignal<Option<Panel>>);

impl Panels {
    /// Opens `panel`, or closes it when it is open.
    pub fn toggle(self, panel: Panel) {
        if self.0.get_untracked() == Some(panel) {
            self.close();
        } else {
            self.0.set(Some(panel));
        }
    }

    /// Whether `panel` is open (tracked).
    pub fn is_open(self, panel: Panel) -> bool {
        self.0.get() == Some(panel)
    }

    /// Closes the open panel and focuses its opener.
    pub fn close(self) {
        let Some(panel) = self.0.get_untracked() else { return };
        self.0.set(None);
        let opener = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(panel.opener_id()));
        if let Some(button) = opener.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = button.focus();
        }
    }
}

/// A panel with a heading and a Close button around `children`.
#[component]
pub fn SidePanel(
    /// Which panel this is.
    panel: Panel,
    /// Its heading.
    #[prop(into)]
    title: Signal<String>,
    /// Its content.
    children: Children,
) -> impl IntoView {
    let panels = expect_context::<Panels>();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            panels.close();
        }
    });
    on_cleanup(move || keys.remove());
    view! {
        <aside class="side-panel" aria-labelledby=panel.title_id()>
            <header class="panel-head">
                <h2 id=panel.title_id()>{title}</h2>
                <button type="button" class="button" aria-label=t().close on:click=move |_| panels.close()>"✕"</button>
            </header>
            {children()}
        </aside>
    }
}
