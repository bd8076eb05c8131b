//! Writes the seed inputs of [`fuzz::seeds`] to `corpus/<target>/seed-<name>` (run from `fuzz/`:
//! `cargo run --example write_seeds`).

fn main() -> std::io::Result<()> {
    for (target, name, bytes) in fuzz::seeds::all() {
        let dir = std::path::Path::new("corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), &bytes)?;
        println!("corpus/{target}/{name}: {} bytes", bytes.len());
    }
    Ok(())
}
