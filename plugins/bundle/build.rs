//! Builds the guest workspace (`plugins/Cargo.toml`) for `wasm32-wasip2` in release, into a
//! target directory of its own under OUT_DIR, and copies the components next to it for
//! `include_bytes!`. It runs the same cargo and rustc as the outer build; the target must be
//! installed (`rustup target add wasm32-wasip2`; rust-toolchain.toml lists it).

use std::path::PathBuf;
use std::process::Command;

const GUESTS: [&str; 4] = [
    "kestrel_telegram",
    "kestrel_discord",
    "kestrel_x",
    "kestrel_plugin_probe",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let plugins = manifest_dir.join("..");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    for p in [
        "Cargo.toml",
        "Cargo.lock",
        "sdk",
        "telegram",
        "discord",
        "x",
        "testing",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", plugins.join(p).display());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = out.join("guests");
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(plugins.join("Cargo.toml"))
        .args(["--target", "wasm32-wasip2", "--release", "--locked"])
        .env("CARGO_TARGET_DIR", &target_dir);
    // What the outer build set for its own crates must not leak into the guests' build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "building the guest plugins failed ({s}); is the wasm32-wasip2 target installed? \
             (rustup target add wasm32-wasip2)"
        ),
        Err(e) => panic!("could not run cargo to build the guest plugins: {e}"),
    }
    for g in GUESTS {
        let built = target_dir
            .join("wasm32-wasip2/release")
            .join(format!("{g}.wasm"));
        let dest = out.join(format!("{g}.wasm"));
        if let Err(e) = std::fs::copy(&built, &dest) {
            panic!("{}: {e}", built.display());
        }
    }
}
