//! `decode_response_json`: see `tableau_flows_fuzz::decode_response_json` (fuzz/src/lib.rs) for the input and what must hold.
//! Built by `cargo +nightly fuzz run decode_response_json`; on a stable toolchain (no libFuzzer) this binary
//! replays the files or folders given as arguments instead.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tableau_flows_fuzz::decode_response_json(data));

#[cfg(not(fuzzing))]
fn main() {
    tableau_flows_fuzz::replay_main(tableau_flows_fuzz::decode_response_json);
}
