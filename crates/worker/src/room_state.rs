//! A room's state inside its Durable Object: the shared [`satsuma_room::hibernating`] host
//! over the runtime's hibernatable sockets, and the storage calls its commits ask for.

use satsuma_room::hibernating::{self, Socket};
use satsuma_room::records::{Changes, Records};
use wasm_bindgen::JsValue;
use worker::{Storage, WebSocket};

pub use satsuma_room::frames::error_frame;

/// The room host of a Durable Object.
pub type RoomHost = hibernating::RoomHost<WorkerSocket>;

/// A hibernatable socket, as the room host uses it.
pub struct WorkerSocket(pub WebSocket);

impl Socket for WorkerSocket {
    fn send(&self, text: &str) {
        // A socket that cannot take it is left to its close event.
        let _ = self.0.send_with_str(text);
    }
    fn close(&self, code: u16, reason: &str) {
        let _ = self.0.close(Some(code), Some(reason));
    }
}

/// Keys a single storage call may take.
const MAX_KEYS_PER_CALL: usize = 128;

/// Every record the object has stored.
pub async fn read_all(storage: &Storage) -> worker::Result<Records> {
    let map = storage.list().await?;
    let mut records = Records::new();
    for entry in map.entries() {
        let pair = js_sys::Array::from(&entry?);
        if let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            records.insert(key, value);
        }
    }
    Ok(records)
}

/// Writes and deletes what changed, in calls of at most 128 keys.
pub async fn write(storage: &Storage, changes: Changes) -> worker::Result<()> {
    for chunk in changes.put.chunks(MAX_KEYS_PER_CALL) {
        let object = js_sys::Object::new();
        for (key, value) in chunk {
            js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value))?;
        }
        storage.put_multiple_raw(object).await?;
    }
    for chunk in changes.delete.chunks(MAX_KEYS_PER_CALL) {
        storage.delete_multiple(chunk.to_vec()).await?;
    }
    Ok(())
}
