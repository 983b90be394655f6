//! Browser entry point: mounts the Satsuma app into `<body>`.

fn main() {
    // Release builds abort on panic without a message (no panic machinery in the bundle).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // The API's address comes first: a room link starts joining from the first screen.
    wasm_bindgen_futures::spawn_local(async {
        satsuma_app::api_base::load().await;
        leptos::mount::mount_to_body(satsuma_app::App);
    });
}
