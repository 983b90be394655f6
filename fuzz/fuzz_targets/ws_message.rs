//! Room WebSocket frames (as the server receives them) through the parser and the room
//! state machine: no panic, caps and bounds hold, parsed messages round-trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    satsuma_room::fuzzing::ws_messages(data);
});
