//! The edge of every `/api` request: the origin rule (Origin, Host, the configured public
//! origin and list; no DNS name passes as "own"), then the proxy guard (no stranger, no
//! other session, no track or channel from outside the room gets through).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    satsuma_room::fuzzing::edge(data);
});
