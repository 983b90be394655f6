//! JSON through the browser's own `JSON` object: serde maps Rust values to JS values with
//! serde-wasm-bindgen, and the engine does the text. This keeps serde_json's number and
//! formatting machinery out of the bundle.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Text that is not the JSON we expect, or a value JSON cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(pub String);

impl From<serde_wasm_bindgen::Error> for JsonError {
    fn from(err: serde_wasm_bindgen::Error) -> Self {
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

/// Parses `text` into a JS value.
pub fn parse(text: &str) -> Result<JsValue, JsonError> {
    js_sys::JSON::parse(text).map_err(|e| JsonError(js_message(&e)))
}

/// Parses `text` as a `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    from_value(parse(text)?)
}

/// Reads an already parsed JS value as a `T`.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, JsonError> {
    Ok(serde_wasm_bindgen::from_value(value)?)
}

/// `value` as JSON text, maps as objects and `None` as `null`.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js = value.serialize(&serializer)?;
    js_sys::JSON::stringify(&js).map(String::from).map_err(|e| JsonError(js_message(&e)))
}
