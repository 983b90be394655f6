//! Inline SVG icons, so controls look the same on machines without emoji fonts.

use leptos::prelude::*;

/// Which icon to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconKind {
    /// Microphone.
    Mic,
    /// Microphone, struck through.
    MicOff,
    /// Video camera.
    Camera,
    /// Video camera, struck through.
    CameraOff,
    /// A pushpin: put this tile on the stage.
    Pin,
    /// A small window over a large one: picture-in-picture.
    PopOut,
}

/// A 24×24 stroke icon in the current text colour, hidden from screen readers.
#[component]
pub fn Icon(
    /// The icon.
    kind: IconKind,
) -> impl IntoView {
    let (body, slash) = match kind {
        IconKind::Mic | IconKind::MicOff => {
            ("M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3", kind == IconKind::MicOff)
        }
        IconKind::Camera | IconKind::CameraOff => {
            ("M3 7h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM16 11l5-3v8l-5-3", kind == IconKind::CameraOff)
        }
        IconKind::Pin => ("M9 3h6M10 3v6l-3 4h10l-3-4V3M12 13v8", false),
        IconKind::PopOut => ("M3 5h18v14H3zM12 12h7v5h-7z", false),
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none"
            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=body />
            {slash.then(|| view! { <path d="M3 3l18 18" /> })}
        </svg>
    }
}
