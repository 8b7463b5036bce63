//! Snapshot tests: the generator's output for small models written for the purpose.
//!
//! Each folder under `tests/fixtures/` is a model; its expected output is under
//! `tests/snapshots/<fixture>/`. Run with `UPDATE_SNAPSHOTS=1` to rewrite them, then review the diff.

use std::path::Path;

fn snapshot(fixture: &str) {
    // Relative to the package (the test's working directory), as the header names it.
    let root = Path::new("tests");
    let model = root.join("fixtures").join(fixture);
    let files =
        cognito_idp_codegen::generate(&model, &root.join("fixtures/partitions.json"), &[], "sink")
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let expected = root.join("snapshots").join(fixture);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        cognito_idp_codegen::write(&files, &expected).expect("snapshots are writable");
    }
    let stale = cognito_idp_codegen::check(&files, &expected).expect("snapshots are readable");
    assert!(
        stale.is_empty(),
        "{fixture}: output differs from the snapshot in {stale:?}; rerun with UPDATE_SNAPSHOTS=1 and review"
    );
}

#[test]
fn kitchen_sink() {
    snapshot("kitchen-sink");
}
