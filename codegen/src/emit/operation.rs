//! `operation.rs` and `operation/<name>.rs`: each operation's input, output and error.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::placeholder::example;
use super::types::{member_docs, setter_params, structure};
use super::{Emitted, Imports, docs, ident};
use crate::ir::{EndpointParam, Home, Operation, ParamValue, Service, Structure, Type};

/// `operation.rs`: one module per operation.
pub fn index(service: &Service) -> TokenStream {
    let modules = service.operations.iter().map(|op| {
        let module = ident(&op.module);
        let doc = format!(" The `{}` operation.", op.name);
        quote! {
            #[doc = #doc]
            pub mod #module;
        }
    });
    quote! {
        //! One module per operation, each with its input, output and error.
        #(#modules)*
    }
}

/// `operation/<name>.rs`.
pub fn file(service: &Service, op: &Operation, crate_name: &str) -> TokenStream {
    let mut imports = Imports::default();
    let home = Home::Operation(op.module.clone());
    let input = &service.structures[op.input];
    let output = &service.structures[op.output];

    // Each with the name of its alias, should it live elsewhere.
    let roles = [
        (
            &op.names.input,
            input,
            input_docs(service, op, input, crate_name),
        ),
        (&op.names.output, output, output_docs(op, output)),
    ];
    let structures: Emitted = roles
        .iter()
        .filter(|(_, s, _)| s.home == home)
        .map(|(_, s, doc_lines)| structure(service, s, doc_lines.clone(), &mut imports))
        .collect();
    // Shared with other operations: imported under its own name and aliased here, the alias
    // carrying the operation's docs.
    let aliases: Vec<TokenStream> = roles
        .iter()
        .filter(|(_, s, _)| s.home != home)
        .map(|(alias, s, doc_lines)| {
            imports.local(&format!(
                "crate::{}::{}",
                super::module_path(&s.home),
                s.name
            ));
            let alias = ident(alias);
            let name = ident(&s.name);
            let doc = docs(doc_lines);
            quote! {
                #doc
                pub type #alias = #name;
            }
        })
        .collect();
    let error = error_enum(service, op, &mut imports);
    let fluent = fluent_builder(service, op, &mut imports);
    let items = [
        structures,
        error,
        Emitted {
            api: fluent,
            protocol: TokenStream::new(),
        },
    ]
    .into_iter()
    .collect::<Emitted>()
    .file_items();
    let imports = imports.tokens();
    let summary = format!(
        " The `{}` operation: its input, output and errors.",
        op.name
    );
    quote! {
        #![doc = #summary]
        #imports
        #(#aliases)*
        #items
    }
}

/// The operation's documentation, a link to the API reference, and an example.
fn input_docs(
    service: &Service,
    op: &Operation,
    input: &Structure,
    crate_name: &str,
) -> Vec<String> {
    let mut lines = if op.docs.is_empty() {
        input.docs.clone()
    } else {
        op.docs.clone()
    };
    if let Some(uid) = &service.uid {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            "See also: [AWS API reference](https://docs.aws.amazon.com/goto/WebAPI/{uid}/{}).",
            op.name
        ));
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.extend(example(service, op, crate_name));
    lines
}

fn output_docs(op: &Operation, output: &Structure) -> Vec<String> {
    if output.docs.is_empty() {
        vec![format!("The output of `{}`.", op.name)]
    } else {
        output.docs.clone()
    }
}

/// The operation's error: one variant per modelled error, and `Unhandled` for the rest.
fn error_enum(service: &Service, op: &Operation, imports: &mut Imports) -> Emitted {
    imports.std("std::fmt");
    imports.runtime("error::Unhandled");
    imports.runtime("error::OperationError");
    let name = ident(&op.names.error);
    let errors: Vec<_> = op.errors.iter().map(|&i| &service.structures[i]).collect();
    for e in &errors {
        imports.local(&format!("crate::error::{}", e.name));
    }
    let variants: Vec<_> = errors.iter().map(|e| ident(&e.name)).collect();
    imports.runtime("error::ErrorMetadata");
    let checks = errors.iter().map(|e| {
        let variant = ident(&e.name);
        let method = format_ident!("is_{}", crate::names::snake_case(&e.name));
        let doc = format!(" Whether this is [`{}::{}`].", name, e.name);
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> bool {
                matches!(self, Self::#variant(_))
            }
        }
    });
    let variant_docs = errors.iter().map(|e| {
        let summary = crate::docs::summary(&e.docs);
        if summary.is_empty() {
            docs(&[format!("`{}`", e.name)])
        } else {
            docs(&summary)
        }
    });
    imports.runtime("error::ErrorBody");
    imports.runtime("error::DecodeError");
    let modelled = if errors.is_empty() {
        quote! {
            fn modelled(_code: &str, _body: &ErrorBody<'_>) -> Option<Result<Self, DecodeError>> {
                None
            }
        }
    } else {
        quote! {
            fn modelled(code: &str, body: &ErrorBody<'_>) -> Option<Result<Self, DecodeError>> {
                Some(match code {
                    #(#variants::CODE => #variants::from_body(body).map(Self::#variants),)*
                    _ => return None,
                })
            }

            fn set_meta(&mut self, meta: ErrorMetadata) {
                match self {
                    #(Self::#variants(error) => error.set_meta(meta),)*
                    Self::Unhandled(_) => {}
                }
            }
        }
    };
    let doc = format!(" An error of `{}`.", op.name);
    let api = quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #variant_docs
                #variants(#variants),
            )*
            /// An error the model does not list for this operation, or a response that could not
            /// be read.
            Unhandled(Unhandled),
        }

        impl #name {
            /// What the error response said: code, message, request id, HTTP status.
            pub fn meta(&self) -> &ErrorMetadata {
                match self {
                    #(Self::#variants(error) => error.meta(),)*
                    Self::Unhandled(error) => error.meta(),
                }
            }

            /// The service's error code.
            pub fn code(&self) -> Option<&str> {
                self.meta().code()
            }

            /// The service's error message.
            pub fn message(&self) -> Option<&str> {
                self.meta().message()
            }

            /// The id the service gave the request, for AWS support.
            pub fn request_id(&self) -> Option<&str> {
                self.meta().request_id()
            }

            #(#checks)*
        }

        /// Transparent: the error it holds describes itself, and its source is this one's.
        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #(Self::#variants(error) => error.fmt(f),)*
                    Self::Unhandled(error) => error.fmt(f),
                }
            }
        }

        impl std::error::Error for #name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match self {
                    #(Self::#variants(error) => std::error::Error::source(error),)*
                    Self::Unhandled(error) => std::error::Error::source(error),
                }
            }
        }
    };
    let protocol = quote! {
        impl OperationError for #name {
            fn unhandled(error: Unhandled) -> Self {
                Self::Unhandled(error)
            }

            #modelled
        }
    };
    Emitted { api, protocol }
}

/// The builder `Client` hands out for the operation: the input's setters, `send`, and for
/// paginated operations, streams of pages and items.
fn fluent_builder(service: &Service, op: &Operation, imports: &mut Imports) -> TokenStream {
    imports.runtime("transport::Handle");
    imports.runtime("transport::Operation");
    imports.runtime("error::SdkError");
    let input = &service.structures[op.input];
    let name = ident(&op.names.fluent_builder);
    let input_alias = ident(&op.names.input);
    let output_alias = ident(&op.names.output);
    let error = ident(&op.names.error);
    let input_builder = ident(input.builder());
    // The fluent builder lives in the operation's module; an input shared with other operations
    // lives in `types`, its builder and members' types imported from there.
    let home = Home::Operation(op.module.clone());
    if input.home != home {
        imports.local(&format!(
            "crate::{}::{input_builder}",
            super::module_path(&input.home)
        ));
    }
    let setters: Vec<TokenStream> = input
        .members
        .iter()
        .map(|m| {
            let field = ident(&m.field);
            let plain = m.field.plain();
            let set = format_ident!("set_{plain}");
            let ty = super::rust_type(service, &m.ty, &home, imports);
            let (params, args) = setter_params(service, &home, m, imports);
            let doc_attrs = docs(&member_docs(m));
            let set_doc = format!(" Sets or clears `{plain}`; see [`{plain}`](Self::{plain}).");
            quote! {
                #doc_attrs
                pub fn #field(mut self, #params) -> Self {
                    self.input = self.input.#field(#args);
                    self
                }
                #[doc = #set_doc]
                pub fn #set(mut self, value: Option<#ty>) -> Self {
                    self.input = self.input.#set(value);
                    self
                }
            }
        })
        .collect();
    // A refused operation never builds its input (nor needs `ConstructionError` for that).
    let build = if input.has_required() && op.unsupported.is_none() {
        imports.runtime("error::ConstructionError");
        quote!(
            self.input
                .build()
                .map_err(|e| SdkError::Construction(ConstructionError::Build(e)))?
        )
    } else {
        quote!(self.input.build())
    };
    let paginate = op
        .paginator
        .as_ref()
        .map(|p| paginate(service, op, p, imports));
    let op_name = &op.name;
    let target = &op.target;
    let signed = op.signed;
    let label = name.to_string();
    let runtime = ident(super::RUNTIME);
    // Idempotency tokens the caller left unset: a fresh one per call, the same for its retries.
    let fill_tokens: Vec<TokenStream> = service.structures[op.input]
        .members
        .iter()
        .filter(|m| m.idempotency_token && !m.required && m.ty == Type::String)
        .map(|m| {
            let field = ident(&m.field);
            quote! {
                if input.#field.is_none() {
                    input.#field = Some(#runtime::wire::idempotency_token());
                }
            }
        })
        .collect();
    let input_binding = match fill_tokens.is_empty() {
        true => quote!(let input = #build;),
        false => quote! {
            let mut input = #build;
            #(#fill_tokens)*
        },
    };
    let send_body = match op.unsupported {
        Some(reason) => {
            let message = format!("{op_name} is not supported: {reason}");
            quote!(self.handle.refuse(&OPERATION, #message))
        }
        None if op.endpoint_params.is_empty() => quote! {
            #input_binding
            self.handle.invoke(&OPERATION, &input).await
        },
        None => {
            let pushes = op.endpoint_params.iter().map(endpoint_param);
            quote! {
                #input_binding
                let mut context = Vec::new();
                #(#pushes)*
                self.handle.invoke_at(&OPERATION, &input, context).await
            }
        }
    };
    imports.std("std::fmt");
    let method = op.module.plain();
    let doc = docs(&[
        format!("Sends `{op_name}`: set the input, then [`send`](Self::send)."),
        format!("Made by [`Client::{method}`](crate::Client::{method})."),
    ]);
    quote! {
        const OPERATION: Operation = Operation { name: #op_name, target: #target, signed: #signed };

        #doc
        #[derive(Clone)]
        pub struct #name {
            handle: Handle,
            input: #input_builder,
        }

        /// The input only: the client is the same for every request.
        impl fmt::Debug for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(#label).field("input", &self.input).finish_non_exhaustive()
            }
        }

        impl #name {
            pub(crate) fn new(handle: Handle) -> Self {
                #name { handle, input: #input_alias::builder() }
            }

            /// The input as set so far.
            pub fn as_input(&self) -> &#input_builder {
                &self.input
            }

            /// Sends the request, retrying as configured: the output, or the operation's error.
            pub async fn send(self) -> Result<#output_alias, SdkError<#error>> {
                #send_body
            }

            #paginate

            #(#setters)*
        }
    }
}

/// Adds one endpoint rule parameter to `context`: a fixed value, or an input member's when set.
fn endpoint_param(param: &EndpointParam) -> TokenStream {
    let name = &param.name;
    let push = |value: TokenStream| {
        quote! {
            context.push((#name, serde_json::Value::from(#value)));
        }
    };
    match &param.value {
        ParamValue::Bool(b) => push(quote!(#b)),
        ParamValue::Str(s) => push(quote!(#s)),
        ParamValue::Member {
            field,
            ty,
            required,
        } => {
            let field = ident(field);
            let value = match ty {
                Type::Bool => quote!(*value),
                _ => quote!(value.as_str()),
            };
            let pushed = push(value);
            match required {
                true => quote! {
                    let value = &input.#field;
                    #pushed
                },
                false => quote! {
                    if let Some(value) = &input.#field {
                        #pushed
                    }
                },
            }
        }
    }
}

/// `into_paginator()`: the operation's pages, or their items, as a stream following the
/// continuation token, with the model's limit member as the page size.
fn paginate(
    service: &Service,
    op: &Operation,
    p: &crate::ir::Paginator,
    imports: &mut Imports,
) -> TokenStream {
    imports.runtime("paginate::Paginator");
    imports.runtime("paginate::Pagination");
    let output_alias = ident(&op.names.output);
    let error = ident(&op.names.error);
    let set_token = format_ident!("set_{}", p.input_token.plain());
    let token = ident(&p.output_token.field);
    let read_token = if p.output_token.required {
        quote!(Some(page.#token.as_str()))
    } else {
        quote!(page.#token.as_deref())
    };
    let items = ident(&p.items.field);
    let take_items = if p.items.required {
        quote!(page.#items)
    } else {
        quote!(page.#items.unwrap_or_default())
    };
    let item = super::rust_type(
        service,
        &p.item_type,
        &Home::Operation(op.module.clone()),
        imports,
    );
    let set_page_size = match &p.limit {
        Some(limit) => {
            let limit = ident(limit);
            quote!(Some(|request: Self, size| Self { input: request.input.#limit(size), ..request }))
        }
        None => quote!(None),
    };
    let doc = docs(&[
        format!(
            "The pages of `{}` ([`send`](Paginator::send)), or the `{}` on them",
            op.name,
            p.items.field.plain(),
        ),
        format!(
            "([`items`](Paginator::items)), each request carrying the `{}` of the page before.",
            p.input_token.plain()
        ),
        match &p.limit {
            Some(limit) => format!(
                "[`page_size`](Paginator::page_size) sets `{}`.",
                limit.plain()
            ),
            None => "The operation has no page size to set.".to_owned(),
        },
    ]);
    quote! {
        #doc
        pub fn into_paginator(self) -> Paginator<Self, #output_alias, #error, #item> {
            Paginator::new(self, Pagination {
                set_token: |request, token| Self { input: request.input.#set_token(token), ..request },
                set_page_size: #set_page_size,
                send: |request| Box::pin(request.send()),
                next_token: |page| #read_token,
                items: |page| #take_items,
            })
        }
    }
}
