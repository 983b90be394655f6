//! Simulcast: the layers a camera is published in, and which one a subscriber asks for.
//!
//! A pulled camera's layer follows its tile: the smallest layer at least about as tall as
//! the tile's rendered height, the lowest for a tile nobody can see, and the lowest
//! everywhere under Data saver. Size changes settle for [`LAYER_SETTLE_MS`] first, so a
//! grid that reflows (someone joins, a panel opens) does not send a burst of switches.

use satsuma_protocol::room::RoomSettings;

use crate::call::Receive;

/// How long a tile's new size must hold before its layer follows it.
pub const LAYER_SETTLE_MS: u64 = 400;
/// A rendered height up to this share above a layer's height still takes that layer: a
/// slightly upscaled low layer looks the same and costs half as much.
const UPSCALE_PERCENT: u32 = 125;
/// The height of the full layer our publishers aim at (the camera's ideal, 720p).
pub const FULL_HEIGHT: u32 = 720;

/// A simulcast layer of a camera, best first; rids sort the same way (`a` is the best), so
/// the SFU's `asciibetical` fallbacks step to the neighbouring layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Full size (rid `a`).
    Full,
    /// Half size (rid `b`).
    Half,
    /// Quarter size (rid `c`).
    Quarter,
}

/// How a publisher sends one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    /// Which layer.
    pub layer: Layer,
    /// `scaleResolutionDownBy`.
    pub scale_down: u32,
    /// `maxBitrate` in bits per second, before the server's cap.
    pub max_bitrate: u32,
    /// `maxFramerate`; 0 until [`camera_encodings`] applies the server's cap.
    pub max_framerate: u32,
}

/// The camera's encodings under the room's caps: no layer above the top bitrate or the
/// frame rate the server allows.
pub fn camera_encodings(settings: &RoomSettings) -> [Encoding; 3] {
    CAMERA_ENCODINGS.map(|e| Encoding {
        max_bitrate: e.max_bitrate.min(settings.max_webcam_bitrate),
        max_framerate: settings.max_webcam_framerate,
        ..e
    })
}

/// The camera's encodings, in the order the sender lists them.
pub const CAMERA_ENCODINGS: [Encoding; 3] = [
    Encoding { layer: Layer::Full, scale_down: 1, max_bitrate: 1_300_000, max_framerate: 0 },
    Encoding { layer: Layer::Half, scale_down: 2, max_bitrate: 500_000, max_framerate: 0 },
    Encoding { layer: Layer::Quarter, scale_down: 4, max_bitrate: 150_000, max_framerate: 0 },
];

impl Layer {
    /// Every layer, best first.
    pub const ALL: [Self; 3] = [Self::Full, Self::Half, Self::Quarter];

    /// Its RTP stream id.
    pub fn rid(self) -> &'static str {
        match self {
            Self::Full => "a",
            Self::Half => "b",
            Self::Quarter => "c",
        }
    }

    /// The layer of a rid, if it is one of ours.
    pub fn from_rid(rid: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.rid() == rid)
    }

    /// Its height when the full layer is [`FULL_HEIGHT`].
    pub fn height(self) -> u32 {
        let scale = CAMERA_ENCODINGS.iter().find(|e| e.layer == self).map_or(1, |e| e.scale_down);
        FULL_HEIGHT / scale
    }
}

/// Where a pulled video is shown, as the host measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct View {
    /// The rendered height in device pixels (CSS pixels × devicePixelRatio).
    pub height: u32,
    /// On screen: the page is visible and the tile is within the viewport.
    pub visible: bool,
}

/// The layer a camera shown in `view` needs; `None` while the host has not measured it.
pub fn layer_for(view: Option<View>, receive: Receive) -> Layer {
    if receive == Receive::LowestLayers {
        return Layer::Quarter;
    }
    let Some(view) = view else { return Layer::Half };
    if !view.visible {
        return Layer::Quarter;
    }
    // The smallest layer that, upscaled by at most UPSCALE_PERCENT, fills the tile.
    Layer::ALL.into_iter().rev().find(|l| view.height * 100 <= l.height() * UPSCALE_PERCENT).unwrap_or(Layer::Full)
}

/// One pulled camera's layer: what it should get, what the SFU was told, and a change
/// waiting to settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LayerState {
    /// The track takes layer requests.
    Chosen {
        /// What the subscriber should get now.
        wanted: Layer,
        /// What the SFU was last told, once it accepted.
        sent: Option<Layer>,
        /// A size-driven change and when it was first seen; it becomes `wanted` once it held.
        pending: Option<(Layer, u64)>,
        /// `tracks/update` refusals in a row (the SFU refuses for a moment after a pull).
        refusals: u32,
    },
    /// Not simulcast (audio, a screen, a publisher without layers): nothing to choose.
    Fixed,
}

/// Refusals after which a track is taken as not simulcast.
pub(crate) const MAX_LAYER_REFUSALS: u32 = 5;

impl LayerState {
    /// A fresh choice of `wanted`.
    pub fn chosen(wanted: Layer) -> Self {
        Self::Chosen { wanted, sent: None, pending: None, refusals: 0 }
    }

    /// The layer it should get; `None` when it has no layers.
    pub fn wanted(&self) -> Option<Layer> {
        match self {
            Self::Chosen { wanted, .. } => Some(*wanted),
            Self::Fixed => None,
        }
    }

    /// The layer to ask for, if the SFU has not been told it yet.
    pub fn unsent(&self) -> Option<Layer> {
        match self {
            Self::Chosen { wanted, sent, .. } if *sent != Some(*wanted) => Some(*wanted),
            _ => None,
        }
    }

    /// A new wish: at once when `now_too` (Data saver), else once it has held for
    /// [`LAYER_SETTLE_MS`]. Returns whether a request is due now.
    pub fn wish(&mut self, layer: Layer, now: u64, now_too: bool) -> bool {
        let Self::Chosen { wanted, pending, .. } = self else { return false };
        if now_too || layer == *wanted {
            *pending = None;
            let changed = *wanted != layer;
            *wanted = layer;
            return changed;
        }
        if pending.is_none_or(|(p, _)| p != layer) {
            *pending = Some((layer, now));
        }
        false
    }

    /// Promotes a pending change that has held long enough; returns whether it did.
    pub fn settle(&mut self, now: u64) -> bool {
        let Self::Chosen { wanted, pending, .. } = self else { return false };
        match *pending {
            Some((layer, since)) if now >= since + LAYER_SETTLE_MS => {
                *pending = None;
                *wanted = layer;
                true
            }
            _ => false,
        }
    }

    /// When a pending change settles.
    pub fn settles_at(&self) -> Option<u64> {
        match self {
            Self::Chosen { pending: Some((_, since)), .. } => Some(since + LAYER_SETTLE_MS),
            _ => None,
        }
    }

    /// The SFU took `layer`.
    pub fn accepted(&mut self, layer: Layer) {
        if let Self::Chosen { sent, refusals, .. } = self {
            *sent = Some(layer);
            *refusals = 0;
        }
    }

    /// The SFU refused a change; returns the refusals so far, after which it stays fixed.
    pub fn refused(&mut self) -> u32 {
        let Self::Chosen { refusals, .. } = self else { return 0 };
        *refusals += 1;
        let n = *refusals;
        if n >= MAX_LAYER_REFUSALS {
            *self = Self::Fixed;
        }
        n
    }
}
