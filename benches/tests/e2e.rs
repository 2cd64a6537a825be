//! The end-to-end harness as a trader runs it (`cargo run --release -p kestrel-benches --bin
//! e2e -- …`): it answers `--help`, and a short run ends with the lines scripts read.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::process::{Command, Output};

fn e2e(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_e2e"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn e2e_has_help() {
    let out = e2e(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Usage: e2e"), "{text}");
    assert!(text.contains("--launches"), "{text}");
}

#[test]
fn bench_e2e_ends_with_a_line_scripts_can_read() {
    let out = e2e(&["--launches", "5", "--rate", "20"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    let fields: Vec<&str> = last
        .strip_prefix("e2e: ")
        .unwrap_or_else(|| panic!("{stdout}"))
        .split(' ')
        .collect();
    let keys: Vec<&str> = fields
        .iter()
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "p50_us",
            "p99_us",
            "baseline_p50_us",
            "baseline_p99_us",
            "ratio_p50",
            "ratio_p99"
        ]
    );
    for f in fields {
        let v: f64 = f.split('=').nth(1).unwrap().parse().unwrap();
        assert!(v > 0.0, "{f}");
    }
    // The floor pass bought every launch too, and has its own line just before.
    let floor_row: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("floor/"))
        .unwrap_or_else(|| panic!("{stdout}"))
        .split_whitespace()
        .collect();
    assert_eq!(floor_row.get(1..3), Some(&["5", "0"][..]), "{stdout}");
    let floor_line = stdout.lines().rev().nth(1).unwrap_or_default();
    let floor: Vec<(&str, f64)> = floor_line
        .strip_prefix("e2e_floor: ")
        .unwrap_or_else(|| panic!("{stdout}"))
        .split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let floor_keys: Vec<&str> = floor.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        floor_keys,
        [
            "p50_us",
            "p99_us",
            "baseline_over_floor_p50",
            "baseline_over_floor_p99"
        ]
    );
    assert!(floor.iter().all(|(_, v)| *v > 0.0), "{floor_line}");
}
