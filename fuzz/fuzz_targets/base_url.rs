//! `base_url`: see `tableau_flows_fuzz::base_url` (fuzz/src/lib.rs) for the input and what must hold.
//! Built by `cargo +nightly fuzz run base_url`; on a stable toolchain (no libFuzzer) this binary
//! replays the files or folders given as arguments instead.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tableau_flows_fuzz::base_url(data));

#[cfg(not(fuzzing))]
fn main() {
    tableau_flows_fuzz::replay_main(tableau_flows_fuzz::base_url);
}
