//! The intermediate representation: the model resolved and named for Rust.
//!
//! Emitters read only these types. Every shape reference is resolved, every name is a Rust
//! identifier, every documentation string is Markdown, and sensitivity is decided per member.

/// A service, ready to emit.
#[derive(Debug)]
pub struct Service {
    pub title: String,
    pub api_version: String,
    /// The `X-Amz-Target` prefix of every operation.
    pub target_prefix: String,
    /// The `application/x-amz-json-<version>` version.
    pub json_version: String,
    /// The endpoint prefix, which is also the SigV4 signing name unless the model says otherwise.
    pub endpoint_prefix: String,
    pub signing_name: String,
    /// The id used in links to the AWS API reference.
    pub uid: Option<String>,
    pub docs: Vec<String>,
    pub structures: Vec<Structure>,
    pub enums: Vec<Enum>,
    pub operations: Vec<Operation>,
    pub endpoints: Endpoints,
}

/// The data endpoint resolution reads at run time, as minified JSON.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The model's endpoint rule set.
    pub rules: String,
    /// botocore's partition table, which the rules' `aws.partition` reads.
    pub partitions: String,
}

/// Where a structure is emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// `types`: shared data types.
    Types,
    /// `error`: error shapes.
    Error,
    /// `operation::<module>`: an input or output that only one operation uses.
    Operation(String),
}

/// The Rust type of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Bool,
    I32,
    I64,
    F32,
    F64,
    Blob,
    Timestamp(TimeFormat),
    Document,
    /// An index into [`Service::enums`].
    Enum(usize),
    /// An index into [`Service::structures`].
    Struct(usize),
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
}

/// How a timestamp is written on the wire (the model's `timestampFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    EpochSeconds,
    Iso8601,
    HttpDate,
}

impl Type {
    /// How the timestamps in a value are written (the runtime's wire helpers take one format
    /// per member; a model has one timestamp shape per member).
    pub fn time_format(&self) -> TimeFormat {
        match self {
            Type::Timestamp(format) => *format,
            Type::List(item) | Type::Map(_, item) => item.time_format(),
            _ => TimeFormat::EpochSeconds,
        }
    }

    /// Whether a value of the type can hold text (a secret, in a request).
    pub fn holds_text(&self) -> bool {
        match self {
            Type::String | Type::Document | Type::Enum(_) | Type::Struct(_) => true,
            Type::List(item) => item.holds_text(),
            Type::Map(..) => true,
            _ => false,
        }
    }

    /// Whether the value needs the runtime's wire helpers (no serde impl of its own).
    pub fn needs_wire_helper(&self) -> bool {
        match self {
            Type::Blob | Type::Timestamp(_) => true,
            Type::List(item) => item.needs_wire_helper(),
            Type::Map(key, value) => key.needs_wire_helper() || value.needs_wire_helper(),
            _ => false,
        }
    }
}

#[derive(Debug)]
pub struct Structure {
    /// The model's shape name (`None` for an input or output the model leaves out).
    pub shape: Option<String>,
    pub name: String,
    pub home: Home,
    pub docs: Vec<String>,
    pub members: Vec<Member>,
    /// The whole shape is sensitive: `Debug` prints only its name.
    pub sensitive: bool,
    pub error: Option<ErrorInfo>,
    /// Which ways it crosses the wire: sent in a request, read from a response.
    pub wire: Wire,
    /// A required member of a received structure has this type, so it has an empty value for
    /// when a response leaves that member out.
    pub fills_missing: bool,
}

/// The directions a structure travels. Only the needed serde impls are compiled (the other
/// one only for tests), which is most of the generated crate's build time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wire {
    pub sent: bool,
    pub received: bool,
}

impl Structure {
    pub fn has_required(&self) -> bool {
        self.members.iter().any(|m| m.required)
    }

    /// An error's human-readable message member (`message` or `Message`, a plain string).
    pub fn message_member(&self) -> Option<&Member> {
        self.members.iter().find(|m| {
            m.wire.eq_ignore_ascii_case("message") && m.ty == Type::String && !m.sensitive
        })
    }

    /// An error that is its message and nothing else: made from the message the transport
    /// already read, without reading the body again.
    pub fn is_message_only(&self) -> bool {
        self.members.len() == 1 && self.message_member().is_some_and(|m| !m.required)
    }
}

#[derive(Debug)]
pub struct ErrorInfo {
    /// The code the service sends in `__type`.
    pub code: String,
    /// A server-side fault rather than a client error.
    pub fault: bool,
}

#[derive(Debug)]
pub struct Member {
    /// The JSON name on the wire.
    pub wire: String,
    /// The Rust field (and builder method) name.
    pub field: String,
    pub ty: Type,
    pub required: bool,
    pub sensitive: bool,
    /// Boxed to break a cycle of structures.
    pub boxed: bool,
    pub docs: Vec<String>,
    pub deprecated: Option<String>,
    /// A request that leaves it unset gets a fresh random token (retries of one call then
    /// share it, separate calls do not).
    pub idempotency_token: bool,
}

#[derive(Debug)]
pub struct Enum {
    pub shape: String,
    pub name: String,
    pub docs: Vec<String>,
    pub variants: Vec<Variant>,
    pub sensitive: bool,
    /// As [`Structure::fills_missing`].
    pub fills_missing: bool,
}

#[derive(Debug)]
pub struct Variant {
    pub name: String,
    pub value: String,
}

#[derive(Debug)]
pub struct Operation {
    /// The operation's model name, as sent in `X-Amz-Target`.
    pub name: String,
    /// Its module and client method name.
    pub module: String,
    pub docs: Vec<String>,
    /// An index into [`Service::structures`].
    pub input: usize,
    pub output: usize,
    /// Indexes into [`Service::structures`] of the modelled errors.
    pub errors: Vec<usize>,
    /// Whether requests are signed with SigV4 (`authtype: none` operations are not).
    pub signed: bool,
    pub deprecated: bool,
    pub paginator: Option<Paginator>,
    /// Why this client cannot carry the operation (an event stream, a host prefix): it is
    /// generated, but `send` refuses with this reason instead of misbehaving.
    pub unsupported: Option<&'static str>,
    /// Endpoint rule parameters this operation sets (its `staticContextParams`, and input
    /// members marked `contextParam`), resolved per call.
    pub endpoint_params: Vec<EndpointParam>,
}

/// One endpoint rule parameter an operation sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointParam {
    /// The rule set's parameter name.
    pub name: String,
    pub value: ParamValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Bool(bool),
    Str(String),
    /// The value of an input member (a string or a boolean), by field name.
    Member {
        field: String,
        ty: Type,
        required: bool,
    },
}

/// Token-based pagination of an operation, as fields of its input and output.
#[derive(Debug)]
pub struct Paginator {
    pub input_token: String,
    pub output_token: String,
    pub limit: Option<String>,
    /// The output member holding the page's items, and its item type.
    pub items: String,
    pub item_type: Type,
}
