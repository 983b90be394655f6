//! UI components, one per file.

pub mod app;
pub mod audio_sink;
pub mod call;
pub mod call_toolbar;
pub mod chat_panel;
pub mod device_select;
pub mod echo_test;
pub mod icon;
pub mod landing;
pub mod media_toggle;
pub mod mic_meter;
pub mod not_found;
pub mod participant_tile;
pub mod participants_panel;
pub mod prejoin;
pub mod reaction_menu;
pub mod room_page;
pub mod settings_panel;
pub mod side_panel;
pub mod source_selects;
pub mod stats_panel;
pub mod video_view;
pub mod watch_page;
