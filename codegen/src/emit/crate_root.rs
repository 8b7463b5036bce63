//! `lib.rs`: the crate's documentation, its modules, and the service's metadata.

use proc_macro2::TokenStream;
use quote::quote;

use super::{RUNTIME, docs, ident};
use crate::ir::Service;

/// `extras` are the hand-written modules included beside the generated ones.
pub fn lib(service: &Service, extras: &[&str]) -> TokenStream {
    let title = format!(" # {}", service.title);
    let mut lines = vec![String::new()];
    lines.extend(service.docs.iter().cloned());
    lines.push(String::new());
    lines.push(format!(
        "Generated from the service's API model (version {}): a [`Client`] with one method per \
         operation, each operation's input, output and error in [`operation`], shared types in \
         [`types`], errors in [`error`].",
        service.api_version
    ));
    let crate_docs: TokenStream = docs(&lines)
        .into_iter()
        .map(|token| match token {
            // `#[doc]` -> `#![doc]`
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => quote!(#p !),
            other => other.into(),
        })
        .collect();
    let runtime = ident(RUNTIME);
    let extras = extras.iter().map(|name| ident(name));
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
        pub use #runtime::{BuildError, Config, ConfigBuilder, Credentials, RetryConfig, TimeoutConfig};
        pub use #runtime::transport::http_client_builder;
        pub use #runtime::jwt;
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
