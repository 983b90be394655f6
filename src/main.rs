//! Browser entry point: mounts the Satsuma app into `<body>`.

fn main() {
    // Release builds abort on panic without a message (no panic machinery in the bundle).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(satsuma_app::App);
}
