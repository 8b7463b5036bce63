//! Generates the `cognito-idp` crate from a botocore JSON-protocol API model.
//!
//! The pipeline reads in one direction:
//!
//! 1. **load** ([`model`]): the model files, deserialized as they are;
//! 2. **lower** ([`lower`]): shapes resolved, named for Rust, documented in Markdown ([`ir`]);
//! 3. **emit** ([`emit`]): one token stream per output file, with `quote`;
//! 4. **format** ([`format`]): `prettyplease`, behind an `@generated` header;
//! 5. **write** ([`output`]): files rewritten only when their bytes change, or checked for drift.
//!
//! Nothing here knows about Cognito: service names, prefixes and ids come from the model.

pub mod diff;
pub mod docs;
pub mod emit;
pub mod format;
pub mod ir;
pub mod lower;
pub mod model;
pub mod names;
pub mod output;

use std::fmt;
use std::path::{Path, PathBuf};

pub use output::{GeneratedFile, check, write};

/// The model files of one service API version, as botocore ships them.
pub const SERVICE_FILE: &str = "service-2.json";
pub const PAGINATORS_FILE: &str = "paginators-1.json";
pub const ENDPOINT_RULES_FILE: &str = "endpoint-rule-set-1.json";

/// A hand-written module the generated crate includes verbatim, as `<name>.rs`: code a model
/// cannot describe (the sign-in glue between the runtime and the generated client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub name: String,
    pub source: String,
    /// Where it was read from, for the header.
    pub origin: String,
}

/// Every `*.rs` file of `dir`, by name; none when `dir` does not exist.
pub fn load_extras(dir: &Path) -> Result<Vec<Extra>, Error> {
    let read_error = |source| Error::Read {
        file: dir.to_owned(),
        source,
    };
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut extras = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            file: path.clone(),
            source,
        })?;
        extras.push(Extra {
            name: name.to_owned(),
            source,
            origin: path.display().to_string(),
        });
    }
    extras.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(extras)
}

/// Generates every file of the crate's `src/` from the model in `model_dir`, botocore's
/// partition data in `partitions_file`, and the hand-written modules in `extras`;
/// `crate_name` is the generated crate's name as its users write it (in doc examples).
pub fn generate(
    model_dir: &Path,
    partitions_file: &Path,
    extras: &[Extra],
    crate_name: &str,
) -> Result<Vec<GeneratedFile>, Error> {
    let service: model::ServiceModel = load(&model_dir.join(SERVICE_FILE))?;
    let paginators_path = model_dir.join(PAGINATORS_FILE);
    let paginators = if paginators_path.exists() {
        load(&paginators_path)?
    } else {
        model::PaginatorsModel::default()
    };
    let rules_path = model_dir.join(ENDPOINT_RULES_FILE);
    let rules = match rules_path.exists() {
        true => compact(&rules_path)?,
        // Models from before rule sets: the classic `{prefix}.{region}.{dnsSuffix}`.
        false => classic_rules(&service.metadata.endpoint_prefix),
    };
    let endpoints = ir::Endpoints {
        rules,
        partitions: compact(partitions_file)?,
    };
    generate_from(
        &service,
        &paginators,
        endpoints,
        extras,
        &model_dir.display().to_string(),
        crate_name,
    )
}

/// The endpoint rules of a model that has none, as the AWS SDKs resolve such services:
/// `https://{prefix}.{region}.{dnsSuffix}` of the region's partition, with `-fips` and the
/// dual-stack suffix where asked; a given endpoint as it is (neither FIPS nor dual-stack).
pub fn classic_rules(endpoint_prefix: &str) -> String {
    // Written out (not built as a `serde_json::Value`) so its key order, and so the generated
    // file, is the same whatever serde_json's features.
    let url = |fips: &str, suffix: &str| {
        format!(
            r#"{{"conditions":[],"type":"endpoint","endpoint":{{"url":"https://{endpoint_prefix}{fips}.{{Region}}.{{PartitionResult#{suffix}}}","properties":{{}},"headers":{{}}}}}}"#
        )
    };
    let flag = |name: &str| format!(r#"{{"fn":"booleanEquals","argv":[{{"ref":"{name}"}},true]}}"#);
    let when = |conditions: &[String], rule: &str| {
        format!(
            r#"{{"conditions":[{}],"type":"tree","rules":[{rule}]}}"#,
            conditions.join(",")
        )
    };
    let error =
        |message: &str| format!(r#"{{"conditions":[],"type":"error","error":"{message}"}}"#);
    let given = format!(
        r#"{{"conditions":[],"type":"tree","rules":[{},{},{}]}}"#,
        when(
            &[flag("UseFIPS")],
            &error("Invalid Configuration: FIPS and custom endpoint are not supported")
        ),
        when(
            &[flag("UseDualStack")],
            &error("Invalid Configuration: Dualstack and custom endpoint are not supported")
        ),
        r#"{"conditions":[],"type":"endpoint","endpoint":{"url":{"ref":"Endpoint"},"properties":{},"headers":{}}}"#,
    );
    let regional = format!(
        r#"{{"conditions":[],"type":"tree","rules":[{},{},{},{}]}}"#,
        when(
            &[flag("UseFIPS"), flag("UseDualStack")],
            &url("-fips", "dualStackDnsSuffix")
        ),
        when(&[flag("UseFIPS")], &url("-fips", "dnsSuffix")),
        when(&[flag("UseDualStack")], &url("", "dualStackDnsSuffix")),
        url("", "dnsSuffix"),
    );
    let region_set = [
        r#"{"fn":"isSet","argv":[{"ref":"Region"}]}"#.to_owned(),
        r#"{"fn":"aws.partition","argv":[{"ref":"Region"}],"assign":"PartitionResult"}"#.to_owned(),
    ];
    format!(
        r#"{{"version":"1.0","parameters":{{"Region":{{"builtIn":"AWS::Region","required":false,"type":"string"}},"UseDualStack":{{"builtIn":"AWS::UseDualStack","required":true,"default":false,"type":"boolean"}},"UseFIPS":{{"builtIn":"AWS::UseFIPS","required":true,"default":false,"type":"boolean"}},"Endpoint":{{"builtIn":"SDK::Endpoint","required":false,"type":"string"}}}},"rules":[{},{},{}]}}"#,
        when(
            &[r#"{"fn":"isSet","argv":[{"ref":"Endpoint"}]}"#.to_owned()],
            &given
        ),
        when(&region_set, &regional),
        error("Invalid Configuration: Missing Region"),
    )
}

/// Generates from models already in memory; `source` names them in the header.
pub fn generate_from(
    service: &model::ServiceModel,
    paginators: &model::PaginatorsModel,
    endpoints: ir::Endpoints,
    extras: &[Extra],
    source: &str,
    crate_name: &str,
) -> Result<Vec<GeneratedFile>, Error> {
    let service = lower::lower(service, paginators, endpoints)?;
    let modules: Vec<&str> = extras.iter().map(|e| e.name.as_str()).collect();
    let mut files = emit::files(&service, crate_name, &modules)
        .into_iter()
        .map(|(path, tokens)| {
            let mut syntax = format::parse(&path, tokens)?;
            emit::compile_where_called(&mut syntax.items);
            let contents = format::file(&syntax, source);
            Ok(GeneratedFile { path, contents })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    files.extend(extras.iter().map(|extra| GeneratedFile {
        path: PathBuf::from(format!("{}.rs", extra.name)),
        contents: format::verbatim(extra),
    }));
    Ok(files)
}

/// A JSON file the runtime interprets (endpoint rules, partitions), checked and minified with
/// its keys in file order (a `serde_json::Value` would reorder them depending on features).
fn compact(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        file: path.to_owned(),
        source,
    })?;
    let _: serde::de::IgnoredAny = parse(&text).map_err(|(json_path, source)| Error::Json {
        file: path.to_owned(),
        path: json_path,
        source,
    })?;
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    Ok(out)
}

/// Reads and deserializes a JSON model file, naming the JSON path of any mismatch.
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        file: path.to_owned(),
        source,
    })?;
    parse(&text).map_err(|(json_path, source)| Error::Json {
        file: path.to_owned(),
        path: json_path,
        source,
    })
}

/// Deserializes model JSON; on failure gives the JSON path where it went wrong.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, (String, serde_json::Error)> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer)
        .map_err(|e| (e.path().to_string(), e.into_inner()))
}

/// Why generation failed.
#[derive(Debug)]
pub enum Error {
    /// A model file could not be read.
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// A model file is not JSON of the expected form.
    Json {
        file: PathBuf,
        path: String,
        source: serde_json::Error,
    },
    /// The model is inconsistent; `path` is the JSON path of the offending value.
    Model { path: String, message: String },
    /// The emitted code did not parse: a bug in an emitter.
    Emit { file: PathBuf, source: syn::Error },
}

impl Error {
    pub(crate) fn model(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { file, source } => write!(f, "{}: {source}", file.display()),
            Error::Json { file, path, source } => write!(f, "{}: {path}: {source}", file.display()),
            Error::Model { path, message } => write!(f, "{path}: {message}"),
            Error::Emit { file, source } => {
                write!(f, "emitted {} does not parse: {source}", file.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            Error::Json { source, .. } => Some(source),
            Error::Emit { source, .. } => Some(source),
            Error::Model { .. } => None,
        }
    }
}
