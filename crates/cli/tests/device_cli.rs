//! `--device` / `TERRADL_DEVICE`: unknown names and backends this build lacks fail before any
//! work with an error that says what to build. The GPU path itself is tested in
//! `device_wgpu.rs` (a build with `--features wgpu`, run by scripts/test-wgpu.sh).

mod common;

use common::output_text;
use std::process::Command;

fn terradl(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_terradl"))
        .args(args)
        .env("TERRADL_LOG", "warn")
        .env_remove("TERRADL_DEVICE")
        .envs(env.iter().copied())
        .output()
        .expect("run terradl");
    (out.status.success(), output_text(&out))
}

#[test]
fn unknown_device_names_are_refused_with_the_choices() {
    for args in [&["--device", "tpu", "info", "x.tif"][..], &["info", "x.tif", "--device", "cuda:one"]] {
        let (ok, text) = terradl(args, &[]);
        assert!(!ok && text.contains("unknown device") && text.contains("cpu, wgpu, wgpu:N, cuda or cuda:N"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    let (ok, text) = terradl(&["info", "x.tif"], &[("TERRADL_DEVICE", "quantum")]);
    assert!(!ok && text.contains("unknown device `quantum`"), "{text}");
}

#[cfg(not(feature = "cuda"))]
#[test]
fn a_backend_missing_from_the_build_names_the_feature_that_adds_it() {
    let (ok, text) = terradl(&["--device", "cuda:1", "info", "x.tif"], &[]);
    assert!(!ok && text.contains("device `cuda:1` needs a terradl built with `--features cuda`"), "{text}");
    assert!(text.contains("this build has: cpu"), "{text}");
    // Refused before the command runs: the missing file is never reached.
    assert!(!text.contains("x.tif"), "{text}");
}

#[cfg(not(feature = "wgpu"))]
#[test]
fn wgpu_from_the_environment_is_checked_like_the_flag() {
    let (ok, text) = terradl(&["info", "x.tif"], &[("TERRADL_DEVICE", "wgpu")]);
    assert!(!ok && text.contains("needs a terradl built with `--features wgpu`"), "{text}");
}

#[test]
fn cpu_is_the_default_and_can_be_named() {
    let (_, default) = terradl(&["info", "no-such.tif"], &[]);
    let (_, named) = terradl(&["--device", "cpu", "info", "no-such.tif"], &[]);
    // Both reach the command (which then fails on the missing file, the same way).
    assert!(default.contains("no-such.tif") && default == named, "{default}\n{named}");
}
