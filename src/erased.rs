//! Reactive constructors that take their closure boxed. Leptos's `Effect::new`,
//! `Signal::derive` and `Memo::new` are generic over the closure, so every call site
//! would ship its own copy of their machinery (about 1 KB for an effect); through these,
//! each exists once per value type.

use leptos::prelude::*;

/// An effect: runs `f` now, and again whenever a signal it read changes.
pub fn effect(f: impl Fn() + 'static) {
    effect_boxed(Box::new(f));
}

#[inline(never)]
fn effect_boxed(f: Box<dyn Fn()>) {
    Effect::new(move |_| f());
}

/// Like [`effect`], but skips the first run: for reactions to a change, not to the start.
pub fn on_change(f: impl Fn() + 'static, track: impl Fn() + 'static) {
    effect_changed(Box::new(f), Box::new(track));
}

#[inline(never)]
fn effect_changed(f: Box<dyn Fn()>, track: Box<dyn Fn()>) {
    Effect::new(move |previous: Option<()>| {
        track();
        if previous.is_some() {
            f();
        }
    });
}

/// A signal computed by `f`.
pub fn derive<T: Send + Sync + 'static>(f: impl Fn() -> T + Send + Sync + 'static) -> Signal<T> {
    derive_boxed(Box::new(f))
}

#[inline(never)]
fn derive_boxed<T: Send + Sync + 'static>(f: Box<dyn Fn() -> T + Send + Sync>) -> Signal<T> {
    Signal::derive(f)
}

/// A signal computed by `f`, for values that stay on this thread (browser objects).
pub fn derive_local<T: 'static>(f: impl Fn() -> T + 'static) -> Signal<T, LocalStorage> {
    derive_local_boxed(Box::new(f))
}

#[inline(never)]
fn derive_local_boxed<T: 'static>(f: Box<dyn Fn() -> T>) -> Signal<T, LocalStorage> {
    Signal::derive_local(f)
}

/// A memo of `f`: its readers rerun only when the value changes.
pub fn memo<T: PartialEq + Send + Sync + 'static>(f: impl Fn() -> T + Send + Sync + 'static) -> Memo<T> {
    memo_boxed(Box::new(f))
}

#[inline(never)]
fn memo_boxed<T: PartialEq + Send + Sync + 'static>(f: Box<dyn Fn() -> T + Send + Sync>) -> Memo<T> {
    Memo::new(move |_| f())
}
