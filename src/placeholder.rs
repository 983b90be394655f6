//! A black, low-rate video track sent while the camera is off.
//!
//! The SFU collects a published track that carries no media for 30 s, which would leave
//! others without our video when the camera comes back. A 1 fps black frame keeps the
//! publication alive at almost no cost, while the camera itself is released.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MediaStreamTrack};

/// Owns the canvas and the interval that repaints it.
pub struct Placeholder {
    track: MediaStreamTrack,
    _canvas: HtmlCanvasElement,
    _timer: gloo_timers::callback::Interval,
}

impl Placeholder {
    /// Creates the track, or `None` where canvas capture is unavailable.
    pub fn new() -> Option<Self> {
        let document = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        canvas.set_width(160);
        canvas.set_height(90);
        let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let paint = move || {
            ctx.set_fill_style_str("#000");
            ctx.fill_rect(0.0, 0.0, 160.0, 90.0);
        };
        paint();
        let stream = canvas.capture_stream_with_frame_request_rate(1.0).ok()?;
        let track: MediaStreamTrack = stream.get_video_tracks().get(0).dyn_into().ok()?;
        // Canvas capture only emits a frame after a repaint.
        let timer = gloo_timers::callback::Interval::new(1_000, paint);
        Some(Self { track, _canvas: canvas, _timer: timer })
    }

    /// The black track.
    pub fn track(&self) -> &MediaStreamTrack {
        &self.track
    }
}

impl Drop for Placeholder {
    fn drop(&mut self) {
        self.track.stop();
    }
}
