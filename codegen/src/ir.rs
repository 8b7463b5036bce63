//! The intermediate representation: the model resolved and named for Rust.
//!
//! Emitters read only these types. Every shape reference is resolved, every name is a Rust
//! identifier, every documentation string is Markdown, and sensitivity is decided per member.

use std::ops::{Index, IndexMut};

pub use crate::names::Identifier;

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

/// A structure of [`Service::structures`]: `service.structures[id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StructId(pub usize);

/// An enum of [`Service::enums`]: `service.enums[id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumId(pub usize);

/// `items[id]` for a typed id, on the `Vec` the IR holds and on slices of it.
macro_rules! index_by {
    ($id:ty => $item:ty) => {
        impl Index<$id> for [$item] {
            type Output = $item;
            fn index(&self, id: $id) -> &$item {
                &self[id.0]
            }
        }
        impl IndexMut<$id> for [$item] {
            fn index_mut(&mut self, id: $id) -> &mut $item {
                &mut self[id.0]
            }
        }
        impl Index<$id> for Vec<$item> {
            type Output = $item;
            fn index(&self, id: $id) -> &$item {
                &self[id.0]
            }
        }
        impl IndexMut<$id> for Vec<$item> {
            fn index_mut(&mut self, id: $id) -> &mut $item {
                &mut self[id.0]
            }
        }
    };
}

index_by!(StructId => Structure);
index_by!(EnumId => Enum);

/// Where a structure is emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// `types`: shared data types.
    Types,
    /// `error`: error shapes.
    Error,
    /// `operation::<module>`: an input or output that only one operation uses.
    Operation(Identifier),
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
    Enum(EnumId),
    Struct(StructId),
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
    pub directions: Directions,
    /// A required member of a received structure has this type, so it has an empty value for
    /// when a response leaves that member out.
    pub fills_missing: bool,
}

/// The directions a structure travels. Only the needed serde impls are compiled (the other
/// one only for tests), which is most of the generated crate's build time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Directions {
    pub sent: bool,
    pub received: bool,
    /// Received inside another structure (an error shape can also be a member), so read
    /// with serde even when, raised, it is made from its message.
    pub received_within: bool,
}

impl Structure {
    /// The name of its builder.
    pub fn builder(&self) -> String {
        builder_name(&self.name)
    }

    /// Whether `Debug` hides something: the whole structure, or some members.
    pub fn redacts(&self) -> bool {
        self.sensitive || self.members.iter().any(|m| m.sensitive)
    }

    pub fn has_required(&self) -> bool {
        self.members.iter().any(|m| m.required)
    }

    /// An error's human-readable message member (`message` or `Message`, a plain string).
    pub fn message_member(&self) -> Option<&Member> {
        self.members.iter().find(|m| {
            m.json_name.eq_ignore_ascii_case("message") && m.ty == Type::String && !m.sensitive
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
    /// Its name in the JSON on the wire.
    pub json_name: String,
    /// The Rust field (and builder method) name.
    pub field: Identifier,
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
    /// The operation's model name.
    pub name: String,
    /// Its `X-Amz-Target`: `<targetPrefix>.<name>`, visible ASCII.
    pub target: String,
    /// Its module and client method name.
    pub module: Identifier,
    /// The names of the types the generator makes for it.
    pub names: OperationNames,
    pub docs: Vec<String>,
    pub input: StructId,
    pub output: StructId,
    /// The modelled errors.
    pub errors: Vec<StructId>,
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

/// The builder of the structure named `name`.
pub fn builder_name(name: &str) -> String {
    format!("{name}Builder")
}

/// The types the generator invents for an operation, named once: lowering keeps the model's
/// own names clear of them, emitters only read them.
#[derive(Debug, Clone)]
pub struct OperationNames {
    /// `{Op}Error`: the operation's error enum.
    pub error: String,
    /// `{Op}FluentBuilder`: what the client method returns.
    pub fluent_builder: String,
    /// `{Op}Input` and `{Op}Output`: the input and output, or aliases of shared ones.
    pub input: String,
    pub output: String,
}

impl OperationNames {
    pub fn new(operation: &str) -> Self {
        let pascal = crate::names::pascal_case(operation);
        OperationNames {
            error: format!("{pascal}Error"),
            fluent_builder: format!("{pascal}FluentBuilder"),
            input: format!("{pascal}Input"),
            output: format!("{pascal}Output"),
        }
    }
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
        field: Identifier,
        ty: Type,
        required: bool,
    },
}

/// Token-based pagination of an operation, as fields of its input and output.
#[derive(Debug)]
pub struct Paginator {
    /// The input member that carries the token.
    pub input_token: Identifier,
    /// The output member with the next page's token.
    pub output_token: PageMember,
    /// The input member that sets the page size.
    pub limit: Option<Identifier>,
    /// The output member holding the page's items, and its item type.
    pub items: PageMember,
    pub item_type: Type,
}

/// An output member a paginator reads.
#[derive(Debug)]
pub struct PageMember {
    pub field: Identifier,
    /// Required members are plain values, the others `Option`s.
    pub required: bool,
}
