//! Browser entry point: mounts the Satsuma app into `<body>`.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(satsuma_app::App);
}
