//! Snapshot tests: the generator's output for small models written for the purpose.
//!
//! Each folder under `tests/fixtures/` is a model; its expected output is the `src/` of a crate
//! under `tests/snapshots/<fixture>/`. Those crates are workspace members, so the workspace's
//! build, clippy and tests compile, lint and run what the generator wrote, doctests included.
//! Run with `UPDATE_SNAPSHOTS=1` to rewrite them, then review the diff.

use std::path::Path;

/// Every type name the generated files import from outside the crate (private `use` items,
/// whatever their grouping).
fn imported_names(files: &[cognito_idp_codegen::GeneratedFile]) -> Vec<String> {
    fn walk(tree: &syn::UseTree, local: bool, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) => {
                let local = local || path.ident == "crate" || path.ident == "super";
                walk(&path.tree, local, out)
            }
            syn::UseTree::Group(group) => group.items.iter().for_each(|t| walk(t, local, out)),
            syn::UseTree::Name(name) if !local => out.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) if !local => out.push(rename.rename.to_string()),
            _ => {}
        }
    }
    let mut names = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs"))
    {
        let Ok(syntax) = syn::parse_file(&file.contents) else {
            continue;
        };
        for item in &syntax.items {
            // Re-exports (`pub use`) name paths of their own; imports share the module.
            if let syn::Item::Use(item) = item
                && matches!(item.vis, syn::Visibility::Inherited)
            {
                walk(&item.tree, false, &mut names);
            }
        }
    }
    names.retain(|name| name.starts_with(|c: char| c.is_ascii_uppercase()));
    names.sort();
    names.dedup();
    names
}

/// A type the emitters import must be among the names a model's shapes cannot take: else a
/// shape of that name would collide with the import.
fn assert_imports_reserved(fixture: &str, files: &[cognito_idp_codegen::GeneratedFile]) {
    let reserved = cognito_idp_codegen::names::RESERVED_TYPES;
    let missing: Vec<String> = imported_names(files)
        .into_iter()
        .filter(|name| !reserved.contains(&name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{fixture}: imported but not in names::RESERVED_TYPES: {missing:?}"
    );
}

fn snapshot(fixture: &str) {
    // Relative to the package (the test's working directory), as the header names it.
    let root = Path::new("tests");
    let model = root.join("fixtures").join(fixture);
    let crate_name = fixture.replace('-', "_");
    let files = cognito_idp_codegen::generate(
        &model,
        &root.join("fixtures/partitions.json"),
        &Default::default(),
        &crate_name,
    )
    .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    assert_imports_reserved(fixture, &files);
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
