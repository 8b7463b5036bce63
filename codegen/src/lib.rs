//! Generates the `cognito-idp` crate from a botocore JSON-protocol API model.
//!
//! The pipeline reads in one direction, each stage a module of its own:
//!
//! 1. **load** ([`model`]): the model files, deserialized as they are;
//! 2. **lower** ([`lower`]): shapes resolved, named for Rust, documented in Markdown, endpoint
//!    rules settled ([`ir`]);
//! 3. **emit** ([`emit`]): one token stream per output file, with `quote`;
//! 4. **format** ([`format`]): `prettyplease`, behind an `@generated` header;
//! 5. **write** ([`output`]): files rewritten only when their bytes change, or checked for drift.
//!
//! Nothing here knows about Cognito: service names, prefixes and ids come from the model.

pub mod diff;
pub mod docs;
pub mod emit;
pub mod error;
pub mod extras;
pub mod format;
pub mod ir;
pub mod lower;
pub mod model;
pub mod names;
pub mod output;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use extras::{Extra, Extras, load_extras};
pub use model::Model;
pub use output::{GeneratedFile, check, write};

/// Generates every file of the crate's `src/` from the model in `model_dir`, botocore's
/// partition data in `partitions_file`, and the hand-written modules in `extras`;
/// `crate_name` is the generated crate's name as its users write it (in doc examples).
pub fn generate(
    model_dir: &Path,
    partitions_file: &Path,
    extras: &Extras,
    crate_name: &str,
) -> Result<Vec<GeneratedFile>, Error> {
    let model = Model::load(model_dir, partitions_file)?;
    generate_from(&model, extras, &model_dir.display().to_string(), crate_name)
}

/// Generates from a model already loaded; `source` names it in the header.
pub fn generate_from(
    model: &Model,
    extras: &Extras,
    source: &str,
    crate_name: &str,
) -> Result<Vec<GeneratedFile>, Error> {
    let service = lower::lower(model)?;
    let modules: Vec<&str> = extras.modules.iter().map(|e| e.name.as_str()).collect();
    let mut files = emit::files(&service, crate_name, &modules, extras.guide.as_deref())
        .into_iter()
        .map(|(path, tokens)| {
            let mut syntax = format::parse(&path, tokens)?;
            emit::compile_where_called(&mut syntax.items);
            let contents = format::file(&syntax, source);
            Ok(GeneratedFile { path, contents })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    files.extend(extras.modules.iter().map(|extra| GeneratedFile {
        path: PathBuf::from(format!("{}.rs", extra.name)),
        contents: format::verbatim(extra),
    }));
    Ok(files)
}
