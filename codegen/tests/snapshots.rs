//! Snapshot tests: the generator's output for small models written for the purpose.
//!
//! Each folder under `tests/fixtures/` is a model; its expected output is the `src/` of a crate
//! under `tests/snapshots/<fixture>/`. Those crates are workspace members, so the workspace's
//! build, clippy and tests compile, lint and run what the generator wrote, doctests included.
//! Run with `UPDATE_SNAPSHOTS=1` to rewrite them, then review the diff.

use std::path::Path;

fn snapshot(fixture: &str) {
    // Relative to the package (the test's working directory), as the header names it.
    let root = Path::new("tests");
    let model = root.join("fixtures").join(fixture);
    let crate_name = fixture.replace('-', "_");
    let files = cognito_idp_codegen::generate(
        &model,
        &root.join("fixtures/partitions.json"),
        &[],
        &crate_name,
    )
    .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let expected = root.join("snapshots").join(fixture).join("src");
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

/// Every failure class the corpus of botocore services found, in one model.
#[test]
fn corpus_classes() {
    snapshot("corpus-classes");
}
