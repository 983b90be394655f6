//! A room hosted as the Worker hosts it: frames through the shared frame gate (size, rate,
//! flood, decoding, non-ASCII error text), closes, alarms, heartbeats and naps that rebuild
//! the room from its storage records. No panic; storage always reads back as written.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    satsuma_room::fuzzing::room_host(data);
});
