//! Camera and microphone access (`getUserMedia`, `enumerateDevices`) with typed errors.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDeviceInfo, MediaDeviceKind, MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack};

/// Why the browser would not hand out a camera or microphone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The user or the browser's policy refused access.
    #[error("permission was denied")]
    PermissionDenied,
    /// No such device is connected.
    #[error("no device was found")]
    NotFound,
    /// The device exists but another program holds it or it failed to start.
    #[error("the device is in use or could not start")]
    NotReadable,
    /// The requested device (by id) no longer matches anything.
    #[error("the selected device is not available")]
    Overconstrained,
    /// `navigator.mediaDevices` is missing, e.g. on a page that is not a secure context.
    #[error("this browser or page cannot use media devices (an https:// address is required)")]
    Unsupported,
    /// Anything else, with the browser's own message.
    #[error("{0}")]
    Other(String),
}

impl MediaError {
    /// Maps a rejected promise's value (usually a `DOMException`) to a typed error.
    pub fn from_js(value: &JsValue) -> Self {
        let name = Reflect::get(value, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => Self::PermissionDenied,
            "NotFoundError" | "DevicesNotFoundError" => Self::NotFound,
            "NotReadableError" | "TrackStartError" | "AbortError" => Self::NotReadable,
            "OverconstrainedError" | "ConstraintNotSatisfiedError" => Self::Overconstrained,
            _ => Self::Other(crate::json::js_message(value)),
        }
    }

    /// A sentence for people, in the current language (tracked), saying what to do next.
    /// `device` is the translated device word, e.g. `t().the_mic`. The browser's own message
    /// of [`Self::Other`] stays out of it: it is in English and means little to people.
    pub fn advice(&self, device: &str) -> String {
        let t = crate::i18n::t();
        let template = match self {
            Self::PermissionDenied => t.err_denied,
            Self::NotFound => t.err_not_found,
            Self::NotReadable => t.err_not_readable,
            Self::Overconstrained => t.err_overconstrained,
            Self::Unsupported => t.err_unsupported,
            Self::Other(_) => t.err_other,
        };
        crate::i18n::fill(template, device)
    }
}

/// What to ask the browser for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaRequest {
    /// Ask for a microphone.
    pub audio: bool,
    /// Ask for a camera.
    pub video: bool,
    /// A specific microphone, by `deviceId`.
    pub audio_device: Option<String>,
    /// A specific camera, by `deviceId`.
    pub video_device: Option<String>,
    /// The browser's voice processing for the microphone.
    pub processing: AudioProcessing,
}

/// The browser's processing of the microphone, each on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioProcessing {
    /// `noiseSuppression`.
    pub noise_suppression: bool,
    /// `echoCancellation`.
    pub echo_cancellation: bool,
    /// `autoGainControl`.
    pub auto_gain: bool,
}

impl Default for AudioProcessing {
    fn default() -> Self {
        Self { noise_suppression: true, echo_cancellation: true, auto_gain: true }
    }
}

/// The outcome of opening local media: a stream (possibly without some kinds) and, per kind,
/// why it is missing.
#[derive(Debug, Clone)]
pub struct LocalMedia {
    /// The tracks we got, if any.
    pub stream: Option<MediaStream>,
    /// `Some` when the microphone was asked for and could not be opened.
    pub audio_error: Option<MediaError>,
    /// `Some` when the camera was asked for and could not be opened.
    pub video_error: Option<MediaError>,
}

/// A camera or microphone the browser lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The `deviceId` to pass back in a [`MediaRequest`].
    pub id: String,
    /// A human label; empty until permission is granted (the view numbers those instead).
    pub label: String,
}

/// Cameras and microphones the browser knows about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceList {
    /// Microphones.
    pub microphones: Vec<Device>,
    /// Cameras.
    pub cameras: Vec<Device>,
    /// Speakers and headsets, where the browser lists them.
    pub speakers: Vec<Device>,
}

fn media_devices() -> Result<MediaDevices, MediaError> {
    let window = web_sys::window().ok_or(MediaError::Unsupported)?;
    let devices = window.navigator().media_devices().map_err(|_| MediaError::Unsupported)?;
    // Outside a secure context the property is undefined rather than throwing.
    if JsValue::from(devices.clone()).is_undefined() {
        return Err(MediaError::Unsupported);
    }
    Ok(devices)
}

fn kind_constraint(wanted: bool, device: Option<&str>, video: bool, processing: AudioProcessing) -> JsValue {
    if !wanted {
        return JsValue::FALSE;
    }
    let constraints = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&constraints, &key.into(), &value);
    };
    if let Some(id) = device.filter(|id| !id.is_empty()) {
        let exact = Object::new();
        let _ = Reflect::set(&exact, &"exact".into(), &id.into());
        set("deviceId", exact.into());
    }
    if video {
        let ideal = |n: f64| {
            let o = Object::new();
            let _ = Reflect::set(&o, &"ideal".into(), &n.into());
            JsValue::from(o)
        };
        set("width", ideal(1280.0));
        set("height", ideal(720.0));
        set("frameRate", ideal(30.0));
    } else {
        set("echoCancellation", processing.echo_cancellation.into());
        set("noiseSuppression", processing.noise_suppression.into());
        set("autoGainControl", processing.auto_gain.into());
    }
    constraints.into()
}

/// One `getUserMedia` call.
pub async fn get_user_media(request: &MediaRequest) -> Result<MediaStream, MediaError> {
    let devices = media_devices()?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&kind_constraint(request.audio, request.audio_device.as_deref(), false, request.processing));
    constraints.set_video(&kind_constraint(request.video, request.video_device.as_deref(), true, request.processing));
    let promise = devices.get_user_media_with_constraints(&constraints).map_err(|e| MediaError::from_js(&e))?;
    let stream = JsFuture::from(promise).await.map_err(|e| MediaError::from_js(&e))?;
    stream.dyn_into::<MediaStream>().map_err(|v| MediaError::Other(format!("not a MediaStream: {}", crate::json::js_message(&v))))
}

/// Opens what it can of the request: when both kinds fail together, each is retried alone,
/// so a missing camera does not also cost the microphone.
pub async fn open_local_media(request: &MediaRequest) -> LocalMedia {
    if !request.audio && !request.video {
        return LocalMedia { stream: None, audio_error: None, video_error: None };
    }
    match get_user_media(request).await {
        Ok(stream) => LocalMedia { stream: Some(stream), audio_error: None, video_error: None },
        Err(err) if !(request.audio && request.video) => {
            LocalMedia { stream: None, audio_error: request.audio.then(|| err.clone()), video_error: request.video.then_some(err) }
        }
        Err(MediaError::Unsupported) => {
            LocalMedia { stream: None, audio_error: Some(MediaError::Unsupported), video_error: Some(MediaError::Unsupported) }
        }
        Err(_) => {
            let audio = get_user_media(&MediaRequest { video: false, ..request.clone() }).await;
            let video = get_user_media(&MediaRequest { audio: false, ..request.clone() }).await;
            let stream = match (&audio, &video) {
                (Ok(a), Ok(v)) => {
                    for track in v.get_tracks().iter() {
                        a.add_track(track.unchecked_ref());
                    }
                    Some(a.clone())
                }
                (Ok(s), Err(_)) | (Err(_), Ok(s)) => Some(s.clone()),
                (Err(_), Err(_)) => None,
            };
            LocalMedia { stream, audio_error: audio.err(), video_error: video.err() }
        }
    }
}

/// Lists cameras and microphones; labels are filled in once permission was granted.
pub async fn list_devices() -> Result<DeviceList, MediaError> {
    let devices = media_devices()?;
    let promise = devices.enumerate_devices().map_err(|e| MediaError::from_js(&e))?;
    let array: Array = JsFuture::from(promise).await.map_err(|e| MediaError::from_js(&e))?.unchecked_into();
    let mut list = DeviceList::default();
    for info in array.iter() {
        let info: MediaDeviceInfo = info.unchecked_into();
        let bucket = match info.kind() {
            MediaDeviceKind::Audioinput => &mut list.microphones,
            MediaDeviceKind::Videoinput => &mut list.cameras,
            MediaDeviceKind::Audiooutput => &mut list.speakers,
            _ => continue,
        };
        bucket.push(Device { id: info.device_id(), label: info.label() });
    }
    Ok(list)
}

/// The stream's first track of a kind (`"audio"` or `"video"`).
pub fn first_track(stream: &MediaStream, kind: &str) -> Option<MediaStreamTrack> {
    let tracks = if kind == "audio" { stream.get_audio_tracks() } else { stream.get_video_tracks() };
    tracks.iter().next().map(JsCast::unchecked_into)
}

/// Stops every track, releasing the camera light and the microphone.
pub fn stop_all(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}
