//! Placeholder values: the examples in operation docs, and the values of generated tests.
//!
//! Values are written as source text, since they end up in doc comments as often as in code.

use std::collections::BTreeSet;

use super::module_path;
use crate::ir::{Operation, Service, Structure, TimeFormat, Type};

/// How deep nested structures get all their members; below this only the required ones.
const FULL_DEPTH: usize = 2;

/// What goes in string values.
#[derive(Debug, Clone, Copy)]
pub enum Fill<'a> {
    /// The member's model name, as the Ruby SDK's "request syntax with placeholder values" does.
    Label,
    /// The same marker everywhere, for tests that look for it.
    Marker(&'a str),
}

/// Builds Rust expressions for placeholder values, collecting the `use` paths they need.
#[derive(Debug)]
pub struct Values<'a> {
    service: &'a Service,
    /// `cognito_idp` in doc examples, `crate` inside the crate.
    root: &'a str,
    pub uses: BTreeSet<String>,
}

impl<'a> Values<'a> {
    pub fn new(service: &'a Service, root: &'a str) -> Self {
        Values {
            service,
            root,
            uses: BTreeSet::new(),
        }
    }

    /// `Name::builder().a(..).b(..).build()`, with `?` when the build can fail.
    pub fn structure(&mut self, s: &Structure, fill: Fill<'_>, depth: usize) -> String {
        self.uses.insert(format!(
            "{}::{}::{}",
            self.root,
            module_path(&s.home),
            s.name
        ));
        let calls: String = s
            .members
            .iter()
            .filter(|m| m.required || depth < FULL_DEPTH)
            .map(|m| {
                format!(
                    ".{}({})",
                    m.field,
                    self.setter_args(&m.ty, &m.json_name, fill, depth)
                )
            })
            .collect();
        format!("{}::builder(){calls}.build(){}", s.name, self.try_mark(s))
    }

    /// The arguments of a member's setter: one item of a list, one entry of a map.
    pub fn setter_args(&mut self, ty: &Type, label: &str, fill: Fill<'_>, depth: usize) -> String {
        match ty {
            Type::List(item) => self.value(item, label, fill, depth + 1),
            Type::Map(key, value) => {
                let key_label = format!("{label}Key");
                format!(
                    "{}, {}",
                    self.value(key, &key_label, fill, depth + 1),
                    self.value(value, label, fill, depth + 1)
                )
            }
            _ => self.value(ty, label, fill, depth + 1),
        }
    }

    fn try_mark(&self, s: &Structure) -> &'static str {
        if s.has_required() { "?" } else { "" }
    }

    fn value(&mut self, ty: &Type, label: &str, fill: Fill<'_>, depth: usize) -> String {
        match ty {
            Type::String => match fill {
                Fill::Label => format!("{label:?}"),
                Fill::Marker(marker) => format!("{marker:?}"),
            },
            Type::Bool => "true".into(),
            Type::I32 | Type::I64 => "1".into(),
            Type::F32 | Type::F64 => "1.0".into(),
            Type::Blob => {
                self.uses.insert(format!("{}::primitives::Blob", self.root));
                let text = match fill {
                    Fill::Label => label,
                    Fill::Marker(marker) => marker,
                };
                format!("Blob::new({text:?})")
            }
            Type::Timestamp(_) => {
                self.uses
                    .insert(format!("{}::primitives::DateTime", self.root));
                "DateTime::from_secs(1_700_000_000)".into()
            }
            Type::Document => {
                self.uses
                    .insert(format!("{}::primitives::Document", self.root));
                "Document::Null".into()
            }
            Type::Enum(index) => {
                let e = &self.service.enums[index.to_owned()];
                self.uses
                    .insert(format!("{}::types::{}", self.root, e.name));
                match (e.variants.first(), fill) {
                    (Some(first), Fill::Label) => format!("{}::{}", e.name, first.name),
                    (_, Fill::Marker(marker)) => format!("{}::from({marker:?})", e.name),
                    (None, Fill::Label) => format!("{}::from({label:?})", e.name),
                }
            }
            Type::Struct(index) => {
                let s = &self.service.structures[*index];
                self.structure(s, fill, depth)
            }
            Type::List(item) => format!("vec![{}]", self.owned(item, label, fill, depth + 1)),
            Type::Map(key, value) => {
                self.uses.insert("std::collections::HashMap".into());
                let key_label = format!("{label}Key");
                let key = self.owned(key, &key_label, fill, depth + 1);
                format!(
                    "HashMap::from([({key}, {})])",
                    self.owned(value, label, fill, depth + 1)
                )
            }
        }
    }

    /// A value inside a collection, where no setter's `impl Into<String>` turns a literal into
    /// a `String`.
    fn owned(&mut self, ty: &Type, label: &str, fill: Fill<'_>, depth: usize) -> String {
        match ty {
            Type::String => format!("{}.to_owned()", self.value(ty, label, fill, depth)),
            _ => self.value(ty, label, fill, depth),
        }
    }

    /// The `use` lines for what the values named.
    pub fn use_lines(&self) -> Vec<String> {
        self.uses
            .iter()
            .map(|path| format!("use {path};"))
            .collect()
    }
}

/// A doc example building the operation's input with a placeholder for every member.
pub fn example(service: &Service, op: &Operation, crate_name: &str) -> Vec<String> {
    let input = &service.structures[op.input];
    let mut values = Values::new(service, crate_name);
    let mut chain = format!("client.{}()", op.module);
    for m in &input.members {
        let args = values.setter_args(&m.ty, &m.json_name, Fill::Label, 0);
        chain.push_str(&format!(".{}({args})", m.field));
    }
    let body = formatted(&format!("let output = {chain}.send().await?;"));
    let mut lines = vec![
        "# Example".to_owned(),
        String::new(),
        "```no_run".to_owned(),
    ];
    lines.extend(values.use_lines());
    if !values.uses.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "# async fn example(client: {crate_name}::Client) -> Result<(), Box<dyn std::error::Error>> {{"
    ));
    lines.extend(body);
    lines.push("# let _ = output;".to_owned());
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    lines.push("```".to_owned());
    lines
}

/// Statements laid out as `prettyplease` lays out the rest of the code, so that a long builder
/// chain wraps instead of running past the width of the docs.
fn formatted(statements: &str) -> Vec<String> {
    let wrapped = format!("fn example() {{ {statements} }}");
    let file = syn::parse_file(&wrapped).expect("examples are valid Rust");
    prettyplease::unparse(&file)
        .lines()
        .skip(1)
        .take_while(|line| *line != "}")
        .map(|line| line.strip_prefix("    ").unwrap_or(line).to_owned())
        .collect()
}

/// A JSON document with every member named as on the wire, for round-trip tests.
pub fn json(service: &Service, ty: &Type, depth: usize) -> String {
    match ty {
        Type::String => "\"text\"".into(),
        Type::Bool => "true".into(),
        Type::I32 | Type::I64 => "7".into(),
        Type::F32 | Type::F64 => "1.5".into(),
        Type::Blob => "\"aGk=\"".into(),
        Type::Timestamp(TimeFormat::EpochSeconds) => "1700000000".into(),
        Type::Timestamp(TimeFormat::Iso8601) => "\"2023-11-14T22:13:20Z\"".into(),
        Type::Timestamp(TimeFormat::HttpDate) => "\"Tue, 14 Nov 2023 22:13:20 GMT\"".into(),
        Type::Document => r#"{"any":["json",1]}"#.into(),
        Type::Enum(index) => {
            let value = service.enums[*index]
                .variants
                .first()
                .map_or("value", |v| v.value.as_str());
            format!("{value:?}")
        }
        Type::List(item) => format!("[{}]", json(service, item, depth + 1)),
        Type::Map(key, value) => {
            let key = match key.as_ref() {
                Type::Enum(_) => json(service, key, depth + 1),
                _ => "\"key\"".into(),
            };
            format!("{{{key}:{}}}", json(service, value, depth + 1))
        }
        Type::Struct(index) => {
            let s = &service.structures[*index];
            let members: Vec<String> = s
                .members
                .iter()
                .filter(|m| m.required || depth < FULL_DEPTH + 1)
                .map(|m| format!("{:?}:{}", m.json_name, json(service, &m.ty, depth + 1)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}
