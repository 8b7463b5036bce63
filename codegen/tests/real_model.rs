//! The real model end to end: it generates, deterministically, and `generated/` is up to date.

use std::path::{Path, PathBuf};

/// The workspace root, the working directory `cargo xtask codegen` runs in.
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen is in the workspace")
}

fn model_dir() -> PathBuf {
    let service = workspace().join("model/cognito-idp");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&service)
        .expect("model/ is committed")
        .map(|e| e.expect("readable").path())
        .collect();
    versions.sort();
    let newest = versions.pop().expect("an API version folder");
    newest
        .strip_prefix(workspace())
        .expect("under the workspace")
        .to_owned()
}

fn generate() -> Vec<cognito_idp_codegen::GeneratedFile> {
    std::env::set_current_dir(workspace()).expect("workspace is reachable");
    let extras = cognito_idp_codegen::load_extras(Path::new("codegen/extras/cognito-idp"))
        .expect("the extras are readable");
    cognito_idp_codegen::generate(
        &model_dir(),
        Path::new("model/partitions.json"),
        &extras,
        "cognito_idp",
    )
    .expect("the real model generates")
}

#[test]
fn generated_crate_is_up_to_date_and_deterministic() {
    let first = generate();
    assert_eq!(first, generate(), "two runs over the same model differ");
    let stale = cognito_idp_codegen::check(&first, &workspace().join("generated/src"))
        .expect("generated/ is readable");
    assert!(
        stale.is_empty(),
        "generated/ is stale; run `cargo xtask codegen` and commit: {stale:?}"
    );
}

#[test]
fn every_structure_and_operation_has_its_type() {
    let service: cognito_idp_codegen::model::ServiceModel =
        cognito_idp_codegen::load(&workspace().join(model_dir()).join("service-2.json"))
            .expect("the model loads");
    let files = generate();
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    for name in service.operations.keys() {
        let module = cognito_idp_codegen::names::field_ident(name);
        let path = format!("operation/{}.rs", module.trim_start_matches("r#"));
        assert!(
            files.iter().any(|f| f.path == Path::new(&path)),
            "no module for {name}"
        );
        let pascal = cognito_idp_codegen::names::pascal_case(name);
        assert!(
            all.contains(&format!("pub enum {pascal}Error")),
            "no error enum for {name}"
        );
    }
    let structures = service
        .shapes
        .iter()
        .filter(|(_, s)| s.kind == "structure" && !s.document);
    let declared = all.matches("pub struct ").count();
    // Every structure, its builder, and the inputs and outputs the model leaves out.
    assert!(
        declared >= 2 * structures.clone().count(),
        "{declared} structs declared"
    );
    for (name, _) in structures {
        let rust = cognito_idp_codegen::names::type_ident(name);
        let renamed = name.ends_with("Request") || name.ends_with("Response");
        assert!(
            renamed || all.contains(&format!("pub struct {rust} ")),
            "no struct for {name}"
        );
    }
}
