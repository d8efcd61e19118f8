//! The benchmark command runs from a clean checkout (issue 12): its seconds-long smoke mode, on
//! both stores. No timing is asserted — only that every row of the table is measured.

use std::process::Command;

#[test]
fn the_benchmark_smoke_run_prints_every_row_on_both_stores() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantledger"))
        .args(["bench", "--smoke", "--backend", "both"])
        .output()
        .expect("run grantledger bench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    for store in ["## sqlite", "## postgres"] {
        let table = text.split(store).nth(1).expect("a table per store");
        for row in [
            "Command creating a stream",
            "Command on an existing stream",
            "Command latency at 1 client, p50",
            "GET one view",
            "Command p50 on a 30-event stream",
            "`rebuild-projections`",
            "Rebuild peak RSS",
            "One stream of 24 events rebuilt",
            "Rebuild time per event",
            "Server RSS",
        ] {
            let line = table
                .lines()
                .find(|l| l.contains(row))
                .unwrap_or_else(|| panic!("{store}: no row {row:?} in\n{text}"));
            // Every measured cell is a number, never NaN or a placeholder.
            assert!(!line.contains("NaN") && !line.contains("inf"), "{line}");
        }
    }
}
