//! Randomness from the runtime's `crypto.getRandomValues` (participant ids, resume tokens).

use wasm_bindgen::JsCast;
use worker::wasm_bindgen;

/// 128 random bits as 32 lowercase hex characters, like the server's ids.
pub fn hex_id() -> String {
    let mut buf = [0u8; 16];
    fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn fill(buf: &mut [u8]) {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok().and_then(|c| c.dyn_into::<web_sys::Crypto>().ok());
    // workerd always provides Web Crypto; without it there is no safe source for resume
    // tokens, so stopping is the right call (the server panics the same way).
    let filled = crypto.is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
    if !filled {
        panic!("crypto.getRandomValues is unavailable");
    }
}
