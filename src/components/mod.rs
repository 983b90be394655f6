//! UI components, one per file.

pub mod app;
pub mod call;
pub mod device_select;
pub mod landing;
pub mod media_toggle;
pub mod mic_meter;
pub mod not_found;
pub mod prejoin;
pub mod room_page;
pub mod video_view;
