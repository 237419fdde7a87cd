//! Writes the seeds of every target (or of the targets named) into `fuzz/corpus/<target>/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed [TARGET...]` (what `fuzz/seed.sh` runs).
//! Other files (what fuzzing added) are kept; a seed whose content changed is rewritten, and a
//! `seed-*` or `gen-*` file the generator no longer makes is removed. Seeds larger than
//! `seeds::CORPUS_MAX_SEED` (the whole reference pages) are left to the replay test.

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, _) in tableau_flows_fuzz::TARGETS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == target) {
            continue;
        }
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let seeds = tableau_flows_fuzz::seeds::seeds(target);
        let (mut written, mut bytes) = (0usize, 0usize);
        for (name, data) in &seeds {
            if data.len() > tableau_flows_fuzz::seeds::CORPUS_MAX_SEED {
                continue;
            }
            let path = dir.join(name);
            bytes += data.len();
            if std::fs::read(&path).ok().as_deref() != Some(data.as_slice()) {
                std::fs::write(&path, data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                written += 1;
            }
        }
        // Seeds are the generator's: a `seed-*` or `gen-*` file it no longer makes goes.
        let mut removed = 0usize;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with("seed-") || name.starts_with("gen-");
            if ours
                && !seeds.iter().any(|(n, d)| {
                    *n == name && d.len() <= tableau_flows_fuzz::seeds::CORPUS_MAX_SEED
                })
            {
                let _ = std::fs::remove_file(entry.path());
                removed += 1;
            }
        }
        println!(
            "{target}: {} seeds ({bytes} bytes), {written} written to {}, {removed} stale removed",
            seeds.len(),
            dir.display()
        );
    }
}
