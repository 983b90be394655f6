//! JSON text through satsuma-json, a serde codec without floats: serde_json's number and
//! formatting machinery stays out of the bundle, and no JS objects are built on the way.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Text that is not the JSON we expect, or a value JSON cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(pub String);

impl From<satsuma_json::Error> for JsonError {
    fn from(err: satsuma_json::Error) -> Self {
        Self(err.to_string())
    }
}

/// The browser's message for a thrown value, or a fixed word when it has none.
pub fn js_message(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    let message = js_sys::Reflect::get(value, &"message".into()).ok().and_then(|m| m.as_string());
    message.filter(|m| !m.is_empty()).unwrap_or_else(|| "unknown error".to_owned())
}

/// Parses `text` into a JS value, for values handed to the browser as they are.
pub fn parse(text: &str) -> Result<JsValue, JsonError> {
    js_sys::JSON::parse(text).map_err(|e| JsonError(js_message(&e)))
}

/// Parses `text` as a `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    Ok(satsuma_json::from_str(text)?)
}

/// The string at `key` of the object `text`, read without decoding the rest.
pub fn top_level_str(text: &str, key: &str) -> Result<Option<String>, JsonError> {
    Ok(satsuma_json::top_level_str(text, key)?)
}

/// `value` as JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonError> {
    Ok(satsuma_json::to_string(value)?)
}
