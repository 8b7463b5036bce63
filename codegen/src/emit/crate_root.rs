//! `lib.rs`: the crate's documentation, its modules, and the service's metadata.

use proc_macro2::TokenStream;
use quote::quote;

use super::{RUNTIME, docs, ident};
use crate::ir::Service;

/// Verbs an operation's name starts with; what follows names what it acts on.
const VERBS: &[&str] = &[
    "abort",
    "add",
    "admin",
    "associate",
    "attach",
    "batch",
    "cancel",
    "change",
    "complete",
    "confirm",
    "create",
    "delete",
    "describe",
    "detach",
    "disable",
    "disassociate",
    "enable",
    "forget",
    "forgot",
    "get",
    "global",
    "import",
    "initiate",
    "link",
    "list",
    "put",
    "remove",
    "resend",
    "reset",
    "respond",
    "revoke",
    "set",
    "start",
    "stop",
    "tag",
    "unlink",
    "untag",
    "update",
    "verify",
];

/// Words that start a qualifier of the subject (`ListUsersInGroup`: users, in a group).
const QUALIFIERS: &[&str] = &["by", "for", "from", "of", "to", "with"];

/// What an operation acts on, from its name: `AdminListGroupsForUser` -> `Group`.
fn subject(operation: &str) -> String {
    let words = crate::names::words(operation);
    let mut rest = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| VERBS.contains(w))
        .skip_while(|w| QUALIFIERS.contains(w))
        .take_while(|w| !QUALIFIERS.contains(w))
        .collect::<Vec<_>>();
    if rest.is_empty() {
        rest = words.iter().map(String::as_str).collect();
    }
    // Acronyms as the name spells them (`UI`, `MFA`), not lowercased.
    let spelled: Vec<String> = rest
        .iter()
        .map(|w| {
            let upper = w.to_ascii_uppercase();
            let plural = w
                .strip_suffix('s')
                .map(|stem| format!("{}s", stem.to_ascii_uppercase()));
            match plural {
                _ if w.len() > 1 && operation.contains(upper.as_str()) => upper,
                Some(plural) if w.len() > 2 && operation.contains(plural.as_str()) => plural,
                _ => (*w).to_owned(),
            }
        })
        .collect();
    let mut subject = spelled.join(" ");
    // One heading for the singular and the plural.
    if let Some(stem) = subject.strip_suffix("ies") {
        subject = format!("{stem}y");
    } else if subject.ends_with('s') && !subject.ends_with("ss") && !subject.ends_with("us") {
        subject.pop();
    }
    let mut chars = subject.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => subject,
    }
}

/// A list item wrapped like the rest of the docs, its continuation lines indented.
fn wrap_item(item: &str) -> Vec<String> {
    crate::docs::wrap(item)
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => format!("- {line}"),
            _ => format!("  {line}"),
        })
        .collect()
}

/// The operations grouped by what they act on, each with the first sentence of its docs: a map
/// of the API on the crate's front page.
fn operation_map(service: &Service) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<&crate::ir::Operation>> =
        std::collections::BTreeMap::new();
    for op in &service.operations {
        groups.entry(subject(&op.name)).or_default().push(op);
    }
    let mut lines = vec![String::new(), "# Operations by subject".to_owned()];
    for (subject, operations) in groups {
        lines.push(String::new());
        lines.push(format!("**{subject}**"));
        lines.push(String::new());
        for op in operations {
            let method = op.module.plain();
            let summary = crate::docs::summary(&op.docs).join(" ");
            let entry = format!("[`{}`](Client::{method}): {summary}", op.name);
            lines.extend(wrap_item(&entry));
        }
    }
    lines
}

/// `extras` are the hand-written modules included beside the generated ones.
pub fn lib(service: &Service, extras: &[&str], guide: Option<&str>) -> TokenStream {
    let title = format!(" # {}", service.title);
    let mut lines = vec![String::new()];
    if let Some(guide) = guide {
        lines.extend(guide.trim_end().lines().map(str::to_owned));
        lines.push(String::new());
        lines.push("## The service".to_owned());
        lines.push(String::new());
    }
    lines.extend(service.docs.iter().cloned());
    lines.push(String::new());
    lines.push(format!(
        "Generated from the service's API model (version {}): a [`Client`] with one method per \
         operation, each operation's input, output and error in [`operation`], shared types in \
         [`types`], errors in [`error`].",
        service.api_version
    ));
    lines.extend(operation_map(service));
    let crate_docs: TokenStream = docs(&lines)
        .into_iter()
        .map(|token| match token {
            // `#[doc]` -> `#![doc]`
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => quote!(#p !),
            other => other.into(),
        })
        .collect();
    let runtime = ident(RUNTIME);
    let extras = extras.iter().map(ident);
    let target_prefix = &service.target_prefix;
    let json_version = &service.json_version;
    let signing_name = &service.signing_name;
    let endpoint_prefix = &service.endpoint_prefix;
    let api_version = &service.api_version;
    let content_type = format!("application/x-amz-json-{json_version}");
    quote! {
        #![doc = #title]
        #crate_docs

        mod client;
        pub mod error;
        pub mod operation;
        pub mod types;
        #(pub mod #extras;)*

        pub use client::Client;
        pub use #runtime::{BuildError, Config, ConfigBuilder, Credentials, RetryConfig, TimeoutConfig, decode};
        pub use #runtime::transport::http_client_builder;
        pub use #runtime::jwt;
        pub use #runtime::oauth;
        pub use #runtime::credentials;

        /// Paginated results as streams of pages and of items.
        pub mod paginate {
            pub use #runtime::paginate::{DEFAULT_MAX_PAGES, ItemStream, Items, PageStream, Paginator};
        }

        /// The primitive types of the wire, shared with the runtime.
        pub mod primitives {
            pub use #runtime::{Blob, DateTime, DateTimeFormat, Document, UnknownValue};
        }

        /// Facts about the service from its model, as the transport needs them.
        pub mod meta {
            /// Prefix of the `X-Amz-Target` header: `<prefix>.<Operation>`.
            pub const TARGET_PREFIX: &str = #target_prefix;
            /// The request and response `Content-Type`.
            pub const CONTENT_TYPE: &str = #content_type;
            /// The SigV4 signing name.
            pub const SIGNING_NAME: &str = #signing_name;
            /// The host prefix of the service's endpoints.
            pub const ENDPOINT_PREFIX: &str = #endpoint_prefix;
            /// The version of the API model.
            pub const API_VERSION: &str = #api_version;
        }

        #[cfg(test)]
        mod tests;
    }
}
