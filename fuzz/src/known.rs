//! Known issues found by fuzzing and reported, which the targets tolerate (so that fuzzing goes
//! on past them and CI's short runs stay green) until they are fixed. Each is described where it
//! is tolerated and in `fuzz/README.md`, and has a reproducer among the seeds (`seed-known-*`).
//! `TABLEAU_FUZZ_STRICT=1` turns every tolerance off.

use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    static OVERRIDE: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Whether tolerated known issues fail anyway (`TABLEAU_FUZZ_STRICT=1`, or inside
/// [`with_strict`]).
pub fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    OVERRIDE.with(Cell::get).unwrap_or_else(|| {
        *STRICT.get_or_init(|| {
            std::env::var("TABLEAU_FUZZ_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
        })
    })
}

/// Runs `f` with every tolerance off on this thread (for the replay test of the reproducers).
pub fn with_strict<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<bool>);
    impl Drop for Reset {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _reset = Reset(OVERRIDE.with(|o| o.replace(Some(true))));
    f()
}

/// Whether the known issue `id` (as numbered in `fuzz/README.md`) is tolerated: `false` under
/// [`strict`].
pub fn tolerated(id: &str) -> bool {
    let _ = id;
    !strict()
}
