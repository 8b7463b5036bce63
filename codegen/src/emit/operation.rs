//! `operation.rs` and `operation/<name>.rs`: each operation's input, output and error.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::placeholder::example;
use super::types::structure;
use super::{Imports, docs, ident};
use crate::ir::{Home, Operation, Service, Structure};

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

    let structures: TokenStream = [
        (input, input_docs(service, op, input, crate_name)),
        (output, output_docs(op, output)),
    ]
    .into_iter()
    .map(|(s, doc_lines)| {
        if s.home == home {
            structure(service, s, doc_lines, &mut imports)
        } else {
            // Shared with other places: imported under its own name and aliased below.
            imports.local(&format!(
                "crate::{}::{}",
                super::module_path(&s.home),
                s.name
            ));
            TokenStream::new()
        }
    })
    .collect();
    let aliases = [("Input", input), ("Output", output)]
        .into_iter()
        .filter(|(_, s)| s.home != home)
        .map(|(role, s)| {
            let alias = format_ident!("{}{role}", crate::names::pascal_case(&op.name));
            let name = ident(&s.name);
            let doc = format!(" The {} of `{}`.", role.to_lowercase(), op.name);
            quote! {
                #[doc = #doc]
                pub type #alias = #name;
            }
        });
    let error = error_enum(service, op, &mut imports);
    let imports = imports.tokens();
    let summary = format!(
        " The `{}` operation: its input, output and errors.",
        op.name
    );
    quote! {
        #![doc = #summary]
        #imports
        #(#aliases)*
        #structures
        #error
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
fn error_enum(service: &Service, op: &Operation, imports: &mut Imports) -> TokenStream {
    imports.std("std::fmt");
    imports.runtime("error::Unhandled");
    let name = format_ident!("{}Error", crate::names::pascal_case(&op.name));
    let errors: Vec<_> = op.errors.iter().map(|&i| &service.structures[i]).collect();
    for e in &errors {
        imports.local(&format!("crate::error::{}", e.name));
    }
    let variants: Vec<_> = errors.iter().map(|e| ident(&e.name)).collect();
    let variant_docs = errors.iter().map(|e| {
        let summary = crate::docs::summary(&e.docs);
        if summary.is_empty() {
            docs(&[format!("`{}`", e.name)])
        } else {
            docs(&summary)
        }
    });
    let doc = format!(" An error of `{}`.", op.name);
    quote! {
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
                    #(Self::#variants(error) => Some(error),)*
                    Self::Unhandled(error) => Some(error),
                }
            }
        }
    }
}
