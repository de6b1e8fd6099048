//! Fetch the sample data (same as `terradl fetch-data`) without building the CLI.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for r in terradl_samples::fetch_all(|m| eprintln!("{m}"))? {
        println!("{}: {} files{}", r.package, r.files.len(), if r.already_present { " (already present)" } else { "" });
    }
    println!("cache: {}", terradl_samples::cache_dir()?.display());
    Ok(())
}
