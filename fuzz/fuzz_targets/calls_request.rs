//! `/api/calls/*` requests (method, path, body) through the proxy policy: route
//! allowlist, remote-track extraction, ownership bookkeeping. No panic, sane refusals.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    satsuma_room::fuzzing::calls_request(data);
});
