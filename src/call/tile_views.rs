//! Where each pulled camera is shown, measured from the page, so the engine can pick its
//! simulcast layer. A poll rather than observers: one pass covers resizes, scrolling, pages
//! of the grid and a hidden tab alike, and the engine only acts on changes that hold.

use satsuma_client::vec_map::VecMap;
use satsuma_client::View;
use wasm_bindgen::JsCast;
use web_sys::{HtmlVideoElement, MediaStream};

/// How often the tiles are measured.
pub const MEASURE_EVERY_MS: u32 = 1_000;

/// The view of every pulled video in `remote`: the tallest element showing it, in device
/// pixels, and whether any of it is on screen. A stream no element shows is hidden.
pub fn measure(remote: &VecMap<String, MediaStream>) -> Vec<(String, View)> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let Some(document) = window.document() else { return Vec::new() };
    let hidden = document.hidden();
    let ratio = window.device_pixel_ratio().max(1.0);
    let viewport = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
    let videos = document.get_elements_by_tag_name("video");
    let shown: Vec<(MediaStream, f64, bool)> = (0..videos.length())
        .filter_map(|i| videos.item(i)?.dyn_into::<HtmlVideoElement>().ok())
        .filter_map(|video| {
            let stream = video.src_object()?;
            let rect = video.get_bounding_client_rect();
            let on_screen = rect.height() > 0.0 && rect.bottom() > 0.0 && rect.top() < viewport;
            Some((stream, rect.height() * ratio, on_screen))
        })
        .collect();
    remote
        .iter()
        .filter(|(_, stream)| stream.get_video_tracks().length() > 0)
        .map(|(track_ref, stream)| {
            let mut view = View::default();
            for (_, height, on_screen) in shown.iter().filter(|(s, _, _)| s == stream) {
                view.height = view.height.max(*height as u32);
                view.visible |= *on_screen && !hidden;
            }
            (track_ref.clone(), view)
        })
        .collect()
}
