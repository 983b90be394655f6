//! JSON text for serde, made for a small wasm bundle.
//!
//! serde_json carries float parsing and printing, and serde's default error messages print
//! floats too; both cost kilobytes in the browser, where our wire formats hold no floats.
//! This codec reads and writes integers (full `i64`/`u64`), strings (every escape, surrogate
//! pairs included), booleans, null, arrays and objects. A number with a fraction or an
//! exponent is refused where a value is wanted and skipped where it is ignored. Output is
//! byte for byte what `serde_json::to_string` writes for the same value.

mod de;
mod error;
mod scan;
mod ser;

pub use error::Error;

/// How deep arrays and objects may nest before input is refused, so hostile input cannot
/// exhaust the stack.
pub const MAX_DEPTH: u32 = 128;

/// Parses the whole of `text` as a `T`; anything but whitespace after the value is an error.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    de::from_str(text)
}

/// `value` as compact JSON text.
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    ser::to_string(value)
}

/// The string value of `key` in the top-level object `text`, or `None` when the object has
/// no such key (or its value is not a string). Reads a message's tag without decoding it.
pub fn top_level_str(text: &str, key: &str) -> Result<Option<String>, Error> {
    de::top_level_str(text, key)
}
