//! `roundtrip_models`: see `tableau_flows_fuzz::roundtrip_models` (fuzz/src/lib.rs) for the input and what must hold.
//! Built by `cargo +nightly fuzz run roundtrip_models`; on a stable toolchain (no libFuzzer) this binary
//! replays the files or folders given as arguments instead.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tableau_flows_fuzz::roundtrip_models(data));

#[cfg(not(fuzzing))]
fn main() {
    tableau_flows_fuzz::replay_main(tableau_flows_fuzz::roundtrip_models);
}
