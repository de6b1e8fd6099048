//! `terradl fetch-data`: fetch the sample data named in docs/DATA.md.

use clap::Args;

#[derive(Debug, Args)]
pub(crate) struct FetchDataArgs {}

pub(super) fn run(_args: FetchDataArgs) -> anyhow::Result<()> {
    let cache = terradl_samples::cache_dir()?;
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let reports = terradl_samples::fetch_all_into(&cache, |msg| spinner.set_message(msg.to_string()))?;
    spinner.finish_and_clear();
    for r in reports {
        let state = if r.already_present { "already present" } else { "fetched" };
        println!("{:<12} {state}: {} files verified", r.package, r.files.len());
    }
    println!("cache: {}", cache.display());
    Ok(())
}
