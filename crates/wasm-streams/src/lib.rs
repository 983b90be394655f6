//! Web `ReadableStream`s as Rust streams and back: the subset of wasm-streams 0.5 that
//! leptos' `server_fn` uses (`from_raw`, `into_raw`, `from_stream`, `into_stream`).
//!
//! leptos depends on `server_fn` with its `browser` feature unconditionally, and the real
//! wasm-streams exports three `#[wasm_bindgen]` classes. Exports are roots, so a CSR app
//! that never calls a server function still ships them, in wasm and in the JS glue. This
//! crate builds the same streams from closures instead, so unused code stays removable.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::stream::{self, Stream, StreamExt};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{ReadableStreamDefaultController, ReadableStreamDefaultReader, ReadableStreamReadResult};

/// A chunk or a JS error, as the stream APIs carry them.
type Chunk = Result<JsValue, JsValue>;

/// A web `ReadableStream`.
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    /// Wraps a web `ReadableStream`.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self { raw }
    }

    /// The web `ReadableStream` itself.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// A web `ReadableStream` whose `pull` takes the next item of `stream`; an `Err` item
    /// errors the web stream.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Chunk> + 'static,
    {
        let stream: Rc<RefCell<Pin<Box<dyn Stream<Item = Chunk>>>>> = Rc::new(RefCell::new(Box::pin(stream)));
        let pull =
            Closure::<dyn FnMut(ReadableStreamDefaultController) -> Promise>::new(move |controller: ReadableStreamDefaultController| {
                let stream = Rc::clone(&stream);
                future_to_promise(async move {
                    // The web stream calls `pull` again only after this promise settles, so
                    // the borrow is never contended.
                    let next = std::future::poll_fn(|cx| stream.borrow_mut().as_mut().poll_next(cx)).await;
                    match next {
                        Some(Ok(chunk)) => controller.enqueue_with_chunk(&chunk)?,
                        Some(Err(err)) => controller.error_with_e(&err),
                        None => controller.close()?,
                    }
                    Ok(JsValue::UNDEFINED)
                })
            });
        let source = Object::new();
        // `into_js_value` hands the closure to the JS garbage collector with the stream.
        Reflect::set(&source, &JsValue::from_str("pull"), &pull.into_js_value()).unwrap_throw();
        Self { raw: web_sys::ReadableStream::new_with_underlying_source(&source).unwrap_throw() }
    }

    /// The web stream's chunks as a Rust stream; it ends after the first error.
    pub fn into_stream(self) -> impl Stream<Item = Chunk> {
        let reader: ReadableStreamDefaultReader = self.raw.get_reader().unchecked_into();
        stream::unfold(Some(reader), |reader| async move {
            let reader = reader?;
            match JsFuture::from(reader.read()).await {
                Err(err) => Some((Err(err), None)),
                Ok(result) => {
                    let result: ReadableStreamReadResult = result.unchecked_into();
                    (result.get_done() != Some(true)).then(|| (Ok(result.get_value()), Some(reader)))
                }
            }
        })
        .fuse()
    }
}
