//! `client.rs`: the `Client`, with one method per operation, and what the transport needs to
//! know about the service.

use proc_macro2::TokenStream;
use quote::quote;

use super::{RUNTIME, docs, ident};
use crate::ir::Service;

pub fn file(service: &Service, crate_name: &str) -> TokenStream {
    let runtime = ident(RUNTIME);
    let rules = raw_string(&service.endpoints.rules);
    let partitions = raw_string(&service.endpoints.partitions);
    let methods = service.operations.iter().map(|op| {
        let method = ident(&op.module);
        let module = ident(&op.module);
        let builder = ident(&op.names.fluent_builder);
        let input = &op.names.input;
        let mut lines = crate::docs::summary(&op.docs);
        if lines.is_empty() {
            lines.push(format!("Calls `{}`.", op.name));
        }
        lines.push(String::new());
        lines.push("Set the input on the returned builder, then `send()` it. The whole documentation is on".to_owned());
        lines.push(format!(
            "[`{input}`](crate::operation::{}::{input}).",
            op.module.plain()
        ));
        let doc_attrs = docs(&lines);
        let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
        quote! {
            #doc_attrs
            #deprecated
            pub fn #method(&self) -> crate::operation::#module::#builder {
                crate::operation::#module::#builder::new(self.handle.clone())
            }
        }
    });
    let title = &service.title;
    let client_docs = docs(&[
        format!("A client for {title}: one method per operation, each returning a builder to"),
        "`send()`.".to_owned(),
        String::new(),
        "Cheap to clone, and `Send + Sync`: clones share the configuration and the connection pool."
            .to_owned(),
        String::new(),
        "```no_run".to_owned(),
        format!("use {crate_name}::{{Client, Config}};"),
        String::new(),
        "# async fn example() -> Result<(), Box<dyn std::error::Error>> {".to_owned(),
        "let client = Client::new(Config::builder().region(\"eu-west-1\").build());".to_owned(),
        "# let _ = client;".to_owned(),
        "# Ok(())".to_owned(),
        "# }".to_owned(),
        "```".to_owned(),
    ]);
    quote! {
        //! The client, and what the transport needs to know about the service.

        use #runtime::Config;
        use #runtime::transport::{Handle, Service};

        /// The model's endpoint rule set, interpreted by the runtime.
        const ENDPOINT_RULES: &str = #rules;

        /// botocore's partition table, read by the endpoint rules.
        const PARTITIONS: &str = #partitions;

        static SERVICE: Service = Service {
            target_prefix: crate::meta::TARGET_PREFIX,
            content_type: crate::meta::CONTENT_TYPE,
            signing_name: crate::meta::SIGNING_NAME,
            endpoint_rules: ENDPOINT_RULES,
            partitions: PARTITIONS,
            client_name: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
        };

        #client_docs
        #[derive(Debug, Clone)]
        pub struct Client {
            handle: Handle,
        }

        impl Client {
            /// A client with this configuration. Never fails: a configuration that cannot work
            /// (no region, no endpoint) fails each call with a construction error instead.
            pub fn new(config: Config) -> Self {
                Client { handle: Handle::new(&SERVICE, config) }
            }

            /// A client configured from the environment and the shared AWS files, as
            /// [`Config::from_env`] reads them.
            pub fn from_env() -> Self {
                Client::new(Config::from_env().build())
            }

            /// The configuration this client was made with.
            pub fn config(&self) -> &Config {
                self.handle.config()
            }

            /// The transport, for the crate's tests to call operations with any input.
            #[cfg(test)]
            pub(crate) fn handle(&self) -> &Handle {
                &self.handle
            }

            #(#methods)*
        }
    }
}

/// A raw string literal, so embedded JSON reads as JSON.
fn raw_string(text: &str) -> proc_macro2::Literal {
    let mut hashes = "#".to_owned();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal parses")
}
