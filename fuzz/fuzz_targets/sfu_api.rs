//! The embedded SFU as its HTTP layer drives it: Calls JSON bodies decoded into the request
//! types, the operations they name (SDP through our scanners and str0m), datagrams on the
//! media socket and time. No panic; every refusal is a Calls error.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    satsuma_sfu::fuzzing::api(data);
});
