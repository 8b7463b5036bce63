//! The botocore model files: a serde mirror of them, and their loading ([`Model::load`]).
//!
//! Every map keeps the file's order, so the generated code follows the model's order and two runs
//! over the same model give the same bytes. Meaning is given to these values only in `lower`.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::Error;

/// The model files of one service API version, as botocore ships them.
pub const SERVICE_FILE: &str = "service-2.json";
pub const PAGINATORS_FILE: &str = "paginators-1.json";
pub const ENDPOINT_RULES_FILE: &str = "endpoint-rule-set-1.json";

/// One service API version, as read: the service, its paginators (none when the model ships
/// none), its endpoint rule set (when it has one) and botocore's partition table, the last two
/// as minified JSON for the runtime to interpret.
#[derive(Debug)]
pub struct Model {
    pub service: ServiceModel,
    pub paginators: PaginatorsModel,
    pub endpoint_rules: Option<String>,
    pub partitions: String,
}

impl Model {
    /// Reads the model in `dir` and the partition table in `partitions_file`.
    pub fn load(dir: &Path, partitions_file: &Path) -> Result<Model, Error> {
        let paginators = dir.join(PAGINATORS_FILE);
        let rules = dir.join(ENDPOINT_RULES_FILE);
        Ok(Model {
            service: load(&dir.join(SERVICE_FILE))?,
            paginators: match paginators.exists() {
                true => load(&paginators)?,
                false => PaginatorsModel::default(),
            },
            endpoint_rules: rules.exists().then(|| compact(&rules)).transpose()?,
            partitions: compact(partitions_file)?,
        })
    }
}

/// `service-2.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceModel {
    pub metadata: Metadata,
    #[serde(default)]
    pub documentation: Option<String>,
    pub operations: IndexMap<String, Operation>,
    pub shapes: IndexMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub endpoint_prefix: String,
    #[serde(default)]
    pub json_version: Option<String>,
    pub protocol: String,
    /// Every protocol the service speaks, in its order of preference (newer models).
    #[serde(default)]
    pub protocols: Vec<String>,
    pub service_full_name: String,
    #[serde(default)]
    pub service_id: Option<String>,
    #[serde(default)]
    pub signature_version: Option<String>,
    #[serde(default)]
    pub signing_name: Option<String>,
    #[serde(default)]
    pub target_prefix: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
}

impl Metadata {
    /// Whether the service speaks JSON: as its protocol, or listed among its protocols after
    /// the one it prefers (then it is served in JSON). The one place this is decided.
    pub fn speaks_json(&self) -> bool {
        self.protocol == "json" || self.protocols.iter().any(|p| p == "json")
    }
}

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub name: String,
    #[serde(default)]
    pub input: Option<ShapeRef>,
    #[serde(default)]
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub authtype: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    /// `{"hostPrefix": "data."}`: requests go to a prefixed host.
    #[serde(default)]
    pub endpoint: Option<serde_json::Value>,
    /// Endpoint rule parameters fixed for this operation: `{"OperationType": {"value": "control"}}`.
    #[serde(default, rename = "staticContextParams")]
    pub static_context_params: IndexMap<String, StaticContextParam>,
    /// Endpoint rule parameters computed from the input by JMESPath expressions.
    #[serde(default, rename = "operationContextParams")]
    pub operation_context_params: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct StaticContextParam {
    pub value: serde_json::Value,
}

/// `{"name": "StreamARN"}`: the member's value is this endpoint rule parameter.
#[derive(Debug, Deserialize)]
pub struct ContextParam {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct ShapeRef {
    pub shape: String,
}

/// A shape's `type`. One the generator does not know is kept by name, so `lower` can say
/// which it is and where.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ShapeKind {
    String,
    Boolean,
    Integer,
    Long,
    Float,
    Double,
    Blob,
    Timestamp,
    Structure,
    List,
    Map,
    Other(String),
}

impl From<String> for ShapeKind {
    fn from(name: String) -> Self {
        match name.as_str() {
            "string" => ShapeKind::String,
            "boolean" => ShapeKind::Boolean,
            "integer" => ShapeKind::Integer,
            "long" => ShapeKind::Long,
            "float" => ShapeKind::Float,
            "double" => ShapeKind::Double,
            "blob" => ShapeKind::Blob,
            "timestamp" => ShapeKind::Timestamp,
            "structure" => ShapeKind::Structure,
            "list" => ShapeKind::List,
            "map" => ShapeKind::Map,
            _ => ShapeKind::Other(name),
        }
    }
}

impl std::fmt::Display for ShapeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            ShapeKind::String => "string",
            ShapeKind::Boolean => "boolean",
            ShapeKind::Integer => "integer",
            ShapeKind::Long => "long",
            ShapeKind::Float => "float",
            ShapeKind::Double => "double",
            ShapeKind::Blob => "blob",
            ShapeKind::Timestamp => "timestamp",
            ShapeKind::Structure => "structure",
            ShapeKind::List => "list",
            ShapeKind::Map => "map",
            ShapeKind::Other(name) => name,
        };
        f.write_str(name)
    }
}

/// One entry of `shapes`. The fields that only some types use are optional here; `lower`
/// checks that each type has what it needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: ShapeKind,
    /// How a timestamp shape is written on the wire: `iso8601`, `rfc822`, `unixTimestamp`.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub members: Option<IndexMap<String, Member>>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub member: Option<ShapeRef>,
    #[serde(default)]
    pub key: Option<ShapeRef>,
    #[serde(default)]
    pub value: Option<ShapeRef>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    pub document: bool,
    /// A stream of events (a union sent or received over one connection).
    #[serde(default)]
    pub eventstream: bool,
    #[serde(default)]
    pub error: Option<ErrorTrait>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub shape: String,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub deprecated_message: Option<String>,
    #[serde(default)]
    pub idempotency_token: bool,
    /// Overrides the target timestamp shape's format for this member.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub context_param: Option<ContextParam>,
}

/// `paginators-1.json`.
#[derive(Debug, Default, Deserialize)]
pub struct PaginatorsModel {
    pub pagination: IndexMap<String, Paginator>,
}

#[derive(Debug, Deserialize)]
pub struct Paginator {
    pub input_token: Keys,
    pub output_token: Keys,
    #[serde(default)]
    pub limit_key: Option<String>,
    pub result_key: Keys,
}

/// A paginator key: one member name, or several (tokens that travel together, results in
/// several members); either may be a JMESPath-like expression (`Result.Items`, `A || B`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    One(String),
    Many(Vec<String>),
}

impl Keys {
    /// The single plain member name this stands for, if it is one.
    pub fn member(&self) -> Option<&str> {
        let name = match self {
            Keys::One(name) => name.as_str(),
            Keys::Many(names) if names.len() == 1 => names[0].as_str(),
            Keys::Many(_) => return None,
        };
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            .then_some(name)
    }
}

impl std::fmt::Display for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keys::One(name) => write!(f, "{name:?}"),
            Keys::Many(names) => write!(f, "{names:?}"),
        }
    }
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
