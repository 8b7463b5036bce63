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

/// The IR of the real model: one structure per model structure, one operation per model
/// operation with its module and types, every name unique where it is declared, and none taken
/// from what the generator invents.
#[test]
fn the_ir_has_every_shape_once_and_every_name_free() {
    use cognito_idp_codegen::ir::Home;
    use cognito_idp_codegen::model::ShapeKind;
    use std::collections::BTreeSet;

    let dir = workspace().join(model_dir());
    let loaded = cognito_idp_codegen::Model::load(&dir, &workspace().join("model/partitions.json"))
        .expect("the model loads");
    let ir = cognito_idp_codegen::lower::lower(&loaded).expect("the model lowers");
    let model = &loaded.service;

    // Every structure of the model, once.
    let model_structures: BTreeSet<&str> = model
        .shapes
        .iter()
        .filter(|(_, s)| s.kind == ShapeKind::Structure && !s.document)
        .map(|(name, _)| name.as_str())
        .collect();
    let ir_structures: Vec<&str> = ir
        .structures
        .iter()
        .filter_map(|s| s.shape.as_deref())
        .collect();
    assert_eq!(
        ir_structures.iter().copied().collect::<BTreeSet<_>>(),
        model_structures
    );
    assert_eq!(ir_structures.len(), model_structures.len(), "a shape twice");

    // Every operation, in model order, with a module of its own and its input and output.
    let names: Vec<&str> = ir.operations.iter().map(|op| op.name.as_str()).collect();
    let model_names: Vec<&str> = model.operations.keys().map(String::as_str).collect();
    assert_eq!(names, model_names);
    assert_eq!(ir.operations.len(), 153);
    let modules: BTreeSet<&str> = ir.operations.iter().map(|op| op.module.code()).collect();
    assert_eq!(
        modules.len(),
        ir.operations.len(),
        "two operations share a module"
    );
    for op in &ir.operations {
        for index in [op.input, op.output] {
            let home = &ir.structures[index].home;
            assert!(
                *home == Home::Operation(op.module.clone()) || *home == Home::Types,
                "{}: its input or output lives in {home:?}",
                op.name
            );
        }
        assert!(op.errors.iter().all(|&e| ir.structures[e].error.is_some()));
        assert!(op.unsupported.is_none(), "{} is refused", op.name);
    }

    // Every paginator of the model is followed (Cognito's are all plain member names).
    let paginated: BTreeSet<&str> = ir
        .operations
        .iter()
        .filter(|op| op.paginator.is_some())
        .map(|op| op.name.as_str())
        .collect();
    let listed: BTreeSet<&str> = loaded
        .paginators
        .pagination
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(paginated, listed);

    // Type names are unique where they are declared, and none is a name the generator makes
    // up for an operation (its error enum, fluent builder, input or output alias).
    let mut declared = BTreeSet::new();
    for (home, name) in ir
        .structures
        .iter()
        .map(|s| (format!("{:?}", s.home), s.name.as_str()))
        .chain(
            ir.enums
                .iter()
                .map(|e| ("Types".to_owned(), e.name.as_str())),
        )
    {
        assert!(
            declared.insert((home.clone(), name)),
            "{name} twice in {home}"
        );
    }
    for op in &ir.operations {
        for invented in [&op.names.error, &op.names.fluent_builder] {
            assert!(
                !declared.iter().any(|(_, name)| name == invented),
                "{invented} is declared by the model and invented for {}",
                op.name
            );
        }
    }

    // Sensitivity is decided once, in the IR: a member is sensitive exactly when its shape is.
    for s in &ir.structures {
        let Some(shape) = s.shape.as_deref() else {
            continue;
        };
        let members = model.shapes[shape].members.as_ref().expect("a structure");
        for m in &s.members {
            let target = &members[m.json_name.as_str()].shape;
            if model.shapes[target].sensitive {
                assert!(
                    m.sensitive,
                    "{shape}.{} is not marked sensitive",
                    m.json_name
                );
            }
        }
    }

    // And the files: one module per operation.
    let files = generate();
    for op in &ir.operations {
        let path = format!("operation/{}.rs", op.module.plain());
        assert!(
            files.iter().any(|f| f.path == Path::new(&path)),
            "no module for {}",
            op.name
        );
    }
}
