//! Satsuma's browser app: a Leptos client-side single-page app.
//!
//! Components live under [`components`], one per file. Browser APIs are wrapped in their
//! own modules ([`media`]) that return typed errors, so components stay declarative.

pub mod api_base;
pub mod audio_level;
pub mod call;
pub mod calls_client;
pub mod components;
pub mod data_channel;
pub mod erased;
pub mod i18n;
pub mod json;
pub mod linkify;
pub mod local_media;
pub mod media;
pub mod media_element;
pub mod mic_level;
pub mod peer;
pub mod placeholder;
pub mod prefs;
pub mod room_name;
pub mod room_peek;
pub mod room_socket;
pub mod route;
pub mod screen_share;
pub mod use_location;
pub mod use_media_query;
pub mod use_speaking;
pub mod webrtc_support;
pub mod whep_client;

pub use components::app::App;
