//! Structures and enums: `types.rs`, `error.rs`, and the inputs and outputs of operations.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Emitted, Imports, docs, ident, rust_type};
use crate::ir::{Enum, Home, Member, Service, Structure, TimeFormat, Type};

/// `types.rs`: the structures and enums shared by operations.
pub fn types_file(service: &Service) -> TokenStream {
    let mut imports = Imports::default();
    let structures = structures_at(service, &Home::Types, &mut imports);
    let enums: Emitted = service
        .enums
        .iter()
        .map(|e| enumeration(e, &mut imports))
        .collect();
    let items = [structures, enums]
        .into_iter()
        .collect::<Emitted>()
        .file_items();
    let imports = imports.tokens();
    quote! {
        //! Data types shared by the operations.
        #imports
        #items
    }
}

/// `error.rs`: the service's error shapes, and the builder error.
pub fn error_file(service: &Service) -> TokenStream {
    let mut imports = Imports::default();
    let structures = structures_at(service, &Home::Error, &mut imports).file_items();
    let imports = imports.tokens();
    let runtime = ident(super::RUNTIME);
    quote! {
        //! The errors the service can return, and the error of an incomplete builder.
        #imports
        pub use #runtime::error::{
            ConstructionError, DecodeError, DispatchError, ErrorMetadata, PaginationError,
            ResponseError, ResponseErrorKind, SdkError, ServiceError, TimeoutError, TimeoutKind,
            Unhandled,
        };
        #structures
    }
}

/// Every structure that lives in `home`, with its own documentation.
fn structures_at(service: &Service, home: &Home, imports: &mut Imports) -> Emitted {
    service
        .structures
        .iter()
        .filter(|s| s.home == *home)
        .map(|s| structure(service, s, s.docs.clone(), imports))
        .collect()
}

/// A structure documented by `doc_lines`, its builder, and its `Debug` (written out when anything
/// must be redacted).
pub fn structure(
    service: &Service,
    s: &Structure,
    doc_lines: Vec<String>,
    imports: &mut Imports,
) -> Emitted {
    let name = ident(&s.name);
    let doc_attrs = docs(&doc_lines);
    let derive_debug = (!s.redacts()).then(|| quote!(Debug,));
    // A structure with nothing required has an obvious empty value.
    let derive_default = (!s.has_required()).then(|| quote!(Default,));
    let fields: Vec<_> = s
        .members
        .iter()
        .map(|m| field(service, s, m, imports))
        .collect();
    let sensitive = s
        .members
        .iter()
        .filter(|m| m.sensitive)
        .map(|m| m.field.plain());
    let builder = builder(service, s, imports);
    let debug = if s.redacts() {
        debug_impl(&name, s, false, imports)
    } else {
        TokenStream::new()
    };
    let error = match &s.error {
        Some(e) => error_impls(s, &e.code, imports),
        None => TokenStream::new(),
    };
    let builder_name = ident(s.builder());
    let serialize = if serialized(s) {
        imports.external("serde::Serialize");
        quote!(#[derive(Serialize)])
    } else {
        quote!(#[cfg_attr(test, derive(serde::Serialize))])
    };
    let rename_all = serde_attr(serialized(s), quote!(rename_all = "PascalCase"));
    let meta_field = s.error.is_some().then(|| {
        let skip = serde_attr(serialized(s), quote!(skip));
        quote! {
            #skip
            meta: ErrorMetadata,
        }
    });
    let read_fields = read_fields(service, s, imports);
    let secrets = secrets_impl(s, imports);
    let empty = s.fills_missing.then(|| empty_impl(s));
    let api = quote! {
        #doc_attrs
        #[derive(Clone, #derive_debug #derive_default PartialEq)]
        #serialize
        #rename_all
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #meta_field
        }

        impl #name {
            /// Members redacted in `Debug`, in model order.
            pub const SENSITIVE: &[&str] = &[#(#sensitive),*];

            /// A builder, with every member unset.
            pub fn builder() -> #builder_name {
                #builder_name::default()
            }
        }

        #debug
        #error
        #builder
    };
    let protocol = quote! {
        #read_fields
        #secrets
        #empty
    };
    Emitted { api, protocol }
}

/// `Secrets` for a structure sent in requests: sensitive members give all their text, the rest
/// only what is sensitive inside them.
fn secrets_impl(s: &Structure, imports: &mut Imports) -> TokenStream {
    if !s.directions.sent {
        return TokenStream::new();
    }
    imports.runtime("Secrets");
    let name = ident(&s.name);
    let texts: Vec<&Member> = s.members.iter().filter(|m| m.ty.holds_text()).collect();
    let calls = texts.iter().map(|m| {
        let field = ident(&m.field);
        let all = if s.sensitive || m.sensitive {
            quote!(true)
        } else {
            quote!(all)
        };
        quote!(self.#field.secrets(#all, found);)
    });
    let passes_all = !s.sensitive && texts.iter().any(|m| !m.sensitive);
    let all = format_ident!("{}all", if passes_all { "" } else { "_" });
    let found = format_ident!("{}found", if texts.is_empty() { "_" } else { "" });
    quote! {
        impl Secrets for #name {
            fn secrets<'a>(&'a self, #all: bool, #found: &mut Vec<&'a str>) {
                #(#calls)*
            }
        }
    }
}

/// The value a response that leaves out a required member of this type gets: required members
/// empty, optional ones unset.
fn empty_impl(s: &Structure) -> TokenStream {
    let name = ident(&s.name);
    let meta = meta_default(s);
    let runtime = ident(super::RUNTIME);
    let fields = s.members.iter().map(|m| {
        let field = ident(&m.field);
        if m.required {
            quote!(#field: #runtime::wire::Empty::empty(),)
        } else {
            quote!(#field: None,)
        }
    });
    quote! {
        #[doc(hidden)]
        impl #runtime::wire::Empty for #name {
            fn empty() -> Self {
                #name { #(#fields)* #meta }
            }
        }
    }
}

/// A member's documentation: the model's, any deprecation, and whether it is required or
/// sensitive.
pub fn member_docs(m: &Member) -> Vec<String> {
    let mut lines = m.docs.clone();
    let notes: Vec<&str> = [
        m.required.then_some("Required."),
        m.sensitive.then_some("Sensitive: redacted in `Debug`."),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(message) = &m.deprecated {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(
            format!(
                "**Deprecated.** {}",
                crate::docs::markdown(message).join(" ")
            )
            .trim_end()
            .to_owned(),
        );
    }
    if !notes.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(notes.join(" "));
    }
    lines
}

/// Whether the structure is sent, so derives `Serialize` in every build (else only in tests).
fn serialized(s: &Structure) -> bool {
    s.directions.sent || !s.directions.received
}

/// Whether the structure is received, so reads itself in every build (else only in tests).
fn deserialized(s: &Structure) -> bool {
    // An error that is only a message is made from it, never read (see `error_impls`).
    let made_from_message =
        s.error.is_some() && s.is_message_only() && !s.directions.received_within;
    (s.directions.received || !s.directions.sent) && !made_from_message
}

/// A serde attribute, applied in every build or only under `cfg(test)`.
fn serde_attr(always: bool, inner: TokenStream) -> TokenStream {
    if always {
        quote!(#[serde(#inner)])
    } else {
        quote!(#[cfg_attr(test, serde(#inner))])
    }
}

/// The end of reading a received structure: a required member the response left out is
/// filled with its empty value (and logged) rather than failing the whole response.
fn lenient_finish(s: &Structure) -> TokenStream {
    let runtime = ident(super::RUNTIME);
    let name = ident(&s.name);
    let label = &s.name;
    let fields = s.members.iter().map(|m| {
        let field = ident(&m.field);
        let value = if m.required {
            let json_name = &m.json_name;
            quote!(builder.#field.unwrap_or_else(|| #runtime::wire::missing(#label, #json_name)))
        } else {
            quote!(builder.#field)
        };
        let value = boxed(m, value);
        quote!(#field: #value,)
    });
    let meta = meta_default(s);
    quote!(Ok(#name { #(#fields)* #meta }))
}

/// `Deserialize` through the runtime's member-by-member reader: a `match` on the wire names
/// into the builder, far less code than the derive.
fn read_fields(service: &Service, s: &Structure, imports: &mut Imports) -> TokenStream {
    let name = ident(&s.name);
    let builder = ident(s.builder());
    let label = &s.name;
    let runtime = ident(super::RUNTIME);
    let arms: Vec<TokenStream> = s
        .members
        .iter()
        .map(|m| {
            let json_name = &m.json_name;
            let field = ident(&m.field);
            let read = if m.ty.needs_wire_helper() {
                let ty = rust_type(service, &m.ty, &s.home, imports);
                let format = format_type(m.ty.time_format()).map(|format| {
                    let format = ident(format);
                    quote!(, #runtime::wire::#format)
                });
                quote!(map.next_value::<Option<#runtime::wire::Wire<#ty #format>>>()?.map(|value| value.0))
            } else if m.ty == Type::Map(Box::new(Type::String), Box::new(Type::String)) {
                quote!(map.next_value::<Option<#runtime::wire::StringMap>>()?.map(|map| map.0))
            } else {
                quote!(map.next_value()?)
            };
            // Services and proxies spell an error's message either way.
            let pattern = match (s.error.is_some(), json_name.as_str()) {
                (true, "message") => quote!("message" | "Message"),
                (true, "Message") => quote!("Message" | "message"),
                _ => quote!(#json_name),
            };
            quote!(#pattern => builder.#field = #read,)
        })
        .collect();
    let finish = if s.directions.received && s.has_required() {
        lenient_finish(s)
    } else if s.has_required() {
        quote!(builder.build())
    } else {
        quote!(Ok(builder.build()))
    };
    let gate = (!deserialized(s)).then(|| quote!(#[cfg(test)]));
    // An empty structure skips every member.
    let (param, key) = if s.members.is_empty() {
        (format_ident!("_builder"), format_ident!("_key"))
    } else {
        (format_ident!("builder"), format_ident!("key"))
    };
    let body = if s.members.is_empty() {
        quote!(map.next_value::<serde::de::IgnoredAny>()?;)
    } else {
        quote! {
            match key {
                #(#arms)*
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
    };
    quote! {
        #gate
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #runtime::wire::deserialize_struct(deserializer)
            }
        }

        #gate
        #[doc(hidden)]
        impl #runtime::wire::ReadFields for #name {
            type Builder = #builder;
            const NAME: &'static str = #label;

            fn read_field<'de, A: serde::de::MapAccess<'de>>(
                #param: &mut #builder,
                #key: &str,
                map: &mut A,
            ) -> Result<(), A::Error> {
                #body
                Ok(())
            }

            fn finish(builder: #builder) -> Result<Self, #runtime::BuildError> {
                #finish
            }
        }
    }
}

fn field(service: &Service, s: &Structure, m: &Member, imports: &mut Imports) -> TokenStream {
    let lines = member_docs(m);
    let doc_attrs = docs(&lines);
    let name = ident(&m.field);
    let ty = member_type(service, s, m, imports);
    let mut serde = Vec::new();
    if crate::names::serde_pascal(&m.field) != m.json_name {
        let json_name = &m.json_name;
        serde.push(quote!(rename = #json_name));
    }
    if m.ty.needs_wire_helper() {
        let runtime = super::RUNTIME;
        let with = match format_type(m.ty.time_format()) {
            None => format!("{runtime}::wire::serialize"),
            Some(format) => {
                format!("{runtime}::wire::serialize_as::<{runtime}::wire::{format}, _, _>")
            }
        };
        serde.push(quote!(serialize_with = #with));
    }
    if !m.required {
        serde.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    let serde = (!serde.is_empty()).then(|| serde_attr(serialized(s), quote!(#(#serde),*)));
    quote! {
        #doc_attrs
        #serde
        pub #name: #ty,
    }
}

/// The field's type: `Option` unless required, boxed when it closes a cycle.
fn member_type(service: &Service, s: &Structure, m: &Member, imports: &mut Imports) -> TokenStream {
    let ty = rust_type(service, &m.ty, &s.home, imports);
    let ty = if m.boxed { quote!(Box<#ty>) } else { ty };
    if m.required { ty } else { quote!(Option<#ty>) }
}

/// The runtime's `wire` type for a timestamp format, unless it is the default (epoch seconds).
fn format_type(format: TimeFormat) -> Option<&'static str> {
    match format {
        TimeFormat::EpochSeconds => None,
        TimeFormat::Iso8601 => Some("Iso8601"),
        TimeFormat::HttpDate => Some("HttpDate"),
    }
}

fn builder(service: &Service, s: &Structure, imports: &mut Imports) -> TokenStream {
    let name = ident(&s.name);
    let builder = ident(s.builder());
    let derive_debug = (!s.redacts()).then(|| quote!(Debug,));
    let debug = if s.redacts() {
        debug_impl(&builder, s, true, imports)
    } else {
        TokenStream::new()
    };
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    let mut assigns = Vec::new();
    for m in &s.members {
        let field = ident(&m.field);
        let ty = rust_type(service, &m.ty, &s.home, imports);
        fields.push(quote!(#field: Option<#ty>,));
        setters.push(setter(service, s, m, imports));
        let plain = m.field.plain();
        let value = if m.required {
            imports.runtime("BuildError");
            let shape = &s.name;
            quote!(self.#field.ok_or_else(|| BuildError::missing(#shape, #plain))?)
        } else {
            quote!(self.#field)
        };
        let value = boxed(m, value);
        assigns.push(quote!(#field: #value,));
    }
    let meta = meta_default(s);
    let build = if s.has_required() {
        quote! {
            /// Builds the value, or names the first required member that is not set.
            pub fn build(self) -> Result<#name, BuildError> {
                Ok(#name { #(#assigns)* #meta })
            }
        }
    } else {
        quote! {
            /// Builds the value.
            pub fn build(self) -> #name {
                #name { #(#assigns)* #meta }
            }
        }
    };
    let doc = format!(" A builder for [`{}`].", s.name);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Default, #derive_debug)]
        pub struct #builder {
            #(#fields)*
        }

        #debug

        impl #builder {
            #(#setters)*
            #build
        }
    }
}

/// The parameters of a member's setter, and the names they bind: one item for a list, a key and
/// a value for a map, the value otherwise.
pub fn setter_params(
    service: &Service,
    home: &Home,
    m: &Member,
    imports: &mut Imports,
) -> (TokenStream, TokenStream) {
    match &m.ty {
        Type::List(item) => {
            let item = rust_type(service, item, home, imports);
            (quote!(item: impl Into<#item>), quote!(item))
        }
        Type::Map(key, value) => {
            let key = rust_type(service, key, home, imports);
            let value = rust_type(service, value, home, imports);
            (
                quote!(key: impl Into<#key>, value: impl Into<#value>),
                quote!(key, value),
            )
        }
        other => {
            let ty = rust_type(service, other, home, imports);
            (quote!(value: impl Into<#ty>), quote!(value))
        }
    }
}

/// The setter of one member, and its `set_` twin taking an `Option`. A list's setter appends one
/// item and a map's inserts one entry, so calls chain naturally.
fn setter(service: &Service, s: &Structure, m: &Member, imports: &mut Imports) -> TokenStream {
    let field = ident(&m.field);
    let plain = m.field.plain();
    let set = format_ident!("set_{}", plain);
    let ty = rust_type(service, &m.ty, &s.home, imports);
    let target = format!("[`{}::{}`]", s.name, plain);
    let (params, _) = setter_params(service, &s.home, m, imports);
    let (doc, store) = match &m.ty {
        Type::List(_) => (
            format!(" Appends an item to {target}."),
            quote!(self.#field.get_or_insert_with(Vec::new).push(item.into())),
        ),
        Type::Map(..) => (
            format!(" Inserts an entry into {target}."),
            quote!(self.#field.get_or_insert_with(HashMap::new).insert(key.into(), value.into())),
        ),
        _ => (
            format!(" Sets {target}."),
            quote!(self.#field = Some(value.into())),
        ),
    };
    let set_doc = format!(" Sets or clears {target}.");
    quote! {
        #[doc = #doc]
        pub fn #field(mut self, #params) -> Self {
            #store;
            self
        }
        #[doc = #set_doc]
        pub fn #set(mut self, value: Option<#ty>) -> Self {
            self.#field = value;
            self
        }
    }
}

/// A member's builder value as its field holds it: boxed where it closes a cycle.
fn boxed(m: &Member, value: TokenStream) -> TokenStream {
    match (m.boxed, m.required) {
        (true, true) => quote!(Box::new(#value)),
        (true, false) => quote!(#value.map(Box::new)),
        (false, _) => value,
    }
}

/// The metadata field of an error structure, empty until the transport sets it.
fn meta_default(s: &Structure) -> Option<TokenStream> {
    s.error
        .is_some()
        .then(|| quote!(meta: ErrorMetadata::default(),))
}

/// `Debug` that prints sensitive members as redacted; a wholly sensitive shape prints only its
/// name. `optional` is for builders, whose every field is an `Option`.
fn debug_impl(
    name: &proc_macro2::Ident,
    s: &Structure,
    optional: bool,
    imports: &mut Imports,
) -> TokenStream {
    imports.std("std::fmt");
    let label = name.to_string();
    let body = if s.sensitive {
        quote!(f.debug_struct(#label).finish_non_exhaustive())
    } else {
        let fields = s.members.iter().map(|m| {
            let field = ident(&m.field);
            let plain = m.field.plain();
            if !m.sensitive {
                quote!(.field(#plain, &self.#field))
            } else if optional || !m.required {
                imports.runtime("Redacted");
                quote!(.field(#plain, &Redacted::option(&self.#field)))
            } else {
                imports.runtime("Redacted");
                quote!(.field(#plain, &Redacted))
            }
        });
        quote!(f.debug_struct(#label) #(#fields)* .finish())
    };
    quote! {
        impl fmt::Debug for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                #body
            }
        }
    }
}

/// `Display` and `Error` for an error shape: its code, then its message when it has one.
fn error_impls(s: &Structure, code: &str, imports: &mut Imports) -> TokenStream {
    imports.std("std::fmt");
    let name = ident(&s.name);
    let runtime = ident(super::RUNTIME);
    // An error that is only a message is made from the one the transport already read; the
    // others read the body for their other members.
    let from_body = match s.message_member().filter(|_| s.is_message_only()) {
        Some(m) => {
            let set = format_ident!("set_{}", m.field.plain());
            quote!(Ok(Self::builder().#set(body.message().map(str::to_owned)).build()))
        }
        None => quote!(body.read()),
    };
    let body = match s.message_member() {
        Some(m) if m.required => {
            let field = ident(&m.field);
            quote!(write!(f, "{}: {}", Self::CODE, self.#field))
        }
        Some(m) => {
            let field = ident(&m.field);
            quote! {
                match &self.#field {
                    Some(message) => write!(f, "{}: {}", Self::CODE, message),
                    None => f.write_str(Self::CODE),
                }
            }
        }
        None => quote!(f.write_str(Self::CODE)),
    };
    quote! {
        impl #name {
            /// The error code the service sends for this error.
            pub const CODE: &str = #code;

            /// What the response carrying this error said: code, message, request id, status.
            pub fn meta(&self) -> &ErrorMetadata {
                &self.meta
            }

            #[doc(hidden)]
            pub fn set_meta(&mut self, meta: ErrorMetadata) {
                self.meta = meta;
            }

            /// This error, from the body of the response that carried it.
            #[doc(hidden)]
            pub fn from_body(
                body: &#runtime::error::ErrorBody<'_>,
            ) -> Result<Self, #runtime::error::DecodeError> {
                #from_body
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                #body
            }
        }

        impl std::error::Error for #name {}
    }
}

/// A string enum that keeps values it does not know.
pub fn enumeration(e: &Enum, imports: &mut Imports) -> Emitted {
    imports.std("std::fmt");
    imports.std("std::str::FromStr");
    imports.std("std::convert::Infallible");
    imports.external("serde::Deserialize");
    imports.external("serde::Deserializer");
    imports.external("serde::Serialize");
    imports.external("serde::Serializer");
    imports.runtime("UnknownValue");
    imports.runtime("wire");
    let name = ident(&e.name);
    let doc_attrs = docs(&e.docs);
    let derive_debug = (!e.sensitive).then(|| quote!(Debug,));
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let values: Vec<_> = e.variants.iter().map(|v| v.value.as_str()).collect();
    let variant_docs = values.iter().map(|v| format!(" `{v}`"));
    imports.runtime("Secrets");
    // An unknown value, rather than a value the service did not send.
    let empty = e.fills_missing.then(|| {
        quote! {
            #[doc(hidden)]
            impl wire::Empty for #name {
                fn empty() -> Self {
                    Self::from("")
                }
            }
        }
    });
    let debug = e.sensitive.then(|| {
        let label = &e.name;
        quote! {
            impl fmt::Debug for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_tuple(#label).finish_non_exhaustive()
                }
            }
        }
    });
    let api = quote! {
        #doc_attrs
        #[derive(Clone, PartialEq, Eq, Hash, #derive_debug)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
            /// A value this version of the crate does not know; it is sent back unchanged.
            Unknown(UnknownValue),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Every value the model lists, in model order.
            pub fn values() -> &'static [&'static str] {
                &[#(#values),*]
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(UnknownValue::new(other)),
                }
            }
        }

        impl FromStr for #name {
            type Err = Infallible;

            fn from_str(value: &str) -> Result<Self, Infallible> {
                Ok(value.into())
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #debug
    };
    let protocol = quote! {
        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                wire::deserialize_enum(deserializer)
            }
        }

        impl Secrets for #name {
            fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
                if all {
                    found.push(self.as_str());
                }
            }
        }

        #empty
    };
    Emitted { api, protocol }
}
