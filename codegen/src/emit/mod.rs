//! Emitting: the IR becomes one token stream per generated file.
//!
//! One module per kind of file. Shared here: names as tokens, Rust types of members, doc
//! attributes, the `use` lines each file needs, and where methods are compiled.

mod client;
mod crate_root;
mod operation;
mod placeholder;
mod tests;
mod types;

use std::collections::BTreeSet;
use std::path::PathBuf;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Home, Service, Type};

/// Marks every method `#[inline]`, so it is compiled in the crate that calls it rather than in
/// the generated one: a program pays for the operations and types it uses, not for all of them
/// (code generation for methods most programs never call was a third of this crate's build).
pub fn compile_where_called(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Impl(block) => {
                for member in &mut block.items {
                    if let syn::ImplItem::Fn(method) = member {
                        method.attrs.push(syn::parse_quote!(#[inline]));
                    }
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    compile_where_called(items);
                }
            }
            _ => {}
        }
    }
}

/// What an emitter writes for some types: their API, and their plumbing (how they are read and
/// written, the secrets they carry, the transport's view of them), which goes after the API in
/// a module of its own ([`Emitted::file_items`]) so that a reader of a file meets the API.
#[derive(Debug, Default)]
pub struct Emitted {
    pub api: TokenStream,
    pub protocol: TokenStream,
}

impl FromIterator<Emitted> for Emitted {
    fn from_iter<I: IntoIterator<Item = Emitted>>(iter: I) -> Self {
        let mut all = Emitted::default();
        for emitted in iter {
            all.api.extend(emitted.api);
            all.protocol.extend(emitted.protocol);
        }
        all
    }
}

impl Emitted {
    /// The API, then the plumbing in `mod protocol`.
    pub fn file_items(self) -> TokenStream {
        let Emitted { api, protocol } = self;
        if protocol.is_empty() {
            return api;
        }
        quote! {
            #api

            /// How the types above cross the wire: plumbing of the client, not its API.
            mod protocol {
                use super::*;

                #protocol
            }
        }
    }
}

/// The crate the generated code calls at run time.
pub const RUNTIME: &str = "cognito_idp_runtime";

/// Every file of the generated `src/`, as (path relative to `src/`, tokens).
/// `extras` name the hand-written modules; `guide` is the hand-written Markdown the crate's front
/// page opens with.
pub fn files(
    service: &Service,
    crate_name: &str,
    extras: &[&str],
    guide: Option<&str>,
) -> Vec<(PathBuf, TokenStream)> {
    let mut files = vec![
        (
            PathBuf::from("lib.rs"),
            crate_root::lib(service, extras, guide),
        ),
        (
            PathBuf::from("client.rs"),
            client::file(service, crate_name),
        ),
        (PathBuf::from("types.rs"), types::types_file(service)),
        (PathBuf::from("error.rs"), types::error_file(service)),
        (PathBuf::from("operation.rs"), operation::index(service)),
        (PathBuf::from("tests.rs"), tests::file(service)),
    ];
    for op in &service.operations {
        files.push((
            PathBuf::from(format!("operation/{}.rs", op.module.plain())),
            operation::file(service, op, crate_name),
        ));
    }
    files
}

/// An identifier from a generated name; `r#type` becomes a raw identifier.
pub fn ident(name: impl AsRef<str>) -> Ident {
    let name = name.as_ref();
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// One `#[doc]` attribute per line.
pub fn docs<S: AsRef<str>>(lines: &[S]) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let line = line.as_ref();
            let text = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #text])
        })
        .collect()
}

/// The `use` lines of one generated file, gathered while its items are emitted.
#[derive(Debug, Default)]
pub struct Imports {
    paths: BTreeSet<(u8, String)>,
}

impl Imports {
    pub fn std(&mut self, path: &str) {
        self.paths.insert((0, path.to_owned()));
    }

    pub fn external(&mut self, path: &str) {
        self.paths.insert((1, path.to_owned()));
    }

    pub fn runtime(&mut self, item: &str) {
        self.paths.insert((1, format!("{RUNTIME}::{item}")));
    }

    pub fn local(&mut self, path: &str) {
        self.paths.insert((2, path.to_owned()));
    }

    /// The `use` items, grouped std, external, crate, each group merged by parent path.
    pub fn tokens(&self) -> TokenStream {
        let mut out = TokenStream::new();
        let mut parents: Vec<(u8, String, Vec<String>)> = Vec::new();
        for (group, path) in &self.paths {
            let (parent, item) = path.rsplit_once("::").unwrap_or(("", path));
            match parents.last_mut() {
                Some((g, p, items)) if g == group && p == parent => items.push(item.to_owned()),
                _ => parents.push((*group, parent.to_owned(), vec![item.to_owned()])),
            }
        }
        for (_, parent, items) in parents {
            let text = match items.as_slice() {
                [one] => format!("use {parent}::{one};"),
                many => format!("use {parent}::{{{}}};", many.join(", ")),
            };
            out.extend(text.parse::<TokenStream>().expect("paths are identifiers"));
        }
        out
    }
}

/// The Rust type of a member's value, importing what it names into `imports`.
pub fn rust_type(service: &Service, ty: &Type, home: &Home, imports: &mut Imports) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::Bool => quote!(bool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::F32 => quote!(f32),
        Type::F64 => quote!(f64),
        Type::Blob => {
            imports.runtime("Blob");
            quote!(Blob)
        }
        Type::Timestamp(_) => {
            imports.runtime("DateTime");
            quote!(DateTime)
        }
        Type::Document => {
            imports.runtime("Document");
            quote!(Document)
        }
        Type::Enum(index) => {
            let name = &service.enums[*index].name;
            if *home != Home::Types {
                imports.local(&format!("crate::types::{name}"));
            }
            let name = ident(name);
            quote!(#name)
        }
        Type::Struct(index) => {
            let target = &service.structures[*index];
            if target.home != *home {
                imports.local(&format!(
                    "crate::{}::{}",
                    module_path(&target.home),
                    target.name
                ));
            }
            let name = ident(&target.name);
            quote!(#name)
        }
        Type::List(item) => {
            let item = rust_type(service, item, home, imports);
            quote!(Vec<#item>)
        }
        Type::Map(key, value) => {
            imports.std("std::collections::HashMap");
            let key = rust_type(service, key, home, imports);
            let value = rust_type(service, value, home, imports);
            quote!(HashMap<#key, #value>)
        }
    }
}

/// The path of a structure's module below the crate root.
pub fn module_path(home: &Home) -> String {
    match home {
        Home::Types => "types".to_owned(),
        Home::Error => "error".to_owned(),
        Home::Operation(module) => format!("operation::{module}"),
    }
}
