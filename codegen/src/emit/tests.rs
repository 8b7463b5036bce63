//! `tests.rs`: tests of every generated type, generated with them.
//!
//! Redaction: each structure with a sensitive member is filled with a marker there, printed with
//! `Debug`, and the marker must not appear while its other members do. Wire form: each structure
//! is read from JSON written with the model's member names and must write back the same JSON.

use proc_macro2::TokenStream;

use super::placeholder::{Fill, Values, json};
use crate::ir::{Service, Structure, Type};

const SECRET: &str = "SECRET-MARKER";

pub fn file(service: &Service) -> TokenStream {
    let mut values = Values::new(service, "crate");
    let mut tests = Vec::new();
    for s in &service.structures {
        if s.sensitive || s.members.iter().any(|m| m.sensitive) {
            tests.push(redaction_test(&mut values, s));
        }
    }
    let mut round_trips = Vec::new();
    for (index, s) in service.structures.iter().enumerate() {
        values.uses.insert(format!(
            "crate::{}::{}",
            super::module_path(&s.home),
            s.name
        ));
        let document = json(service, &Type::Struct(index), 0);
        round_trips.push(format!(
            "    round_trip::<{}>({});",
            s.name,
            raw_string(&document)
        ));
    }
    values.uses.insert("std::fmt::Debug".into());
    values.uses.insert("serde::Serialize".into());
    values.uses.insert("serde::de::DeserializeOwned".into());
    let source = format!(
        "//! Tests of every generated type: redaction in `Debug`, and the wire form.\n\
         {uses}\n\
         const SECRET: &str = {SECRET:?};\n\
         /// Fails when `debug` shows the secret marker or misses a member that should show.\n\
         fn assert_redacted(debug: &str, visible: &[&str]) {{\n\
             assert!(!debug.contains(SECRET), \"a secret shows in {{debug}}\");\n\
             for text in visible {{ assert!(debug.contains(text), \"{{text}} is missing from {{debug}}\"); }}\n\
         }}\n\
         {tests}\n\
         /// Reads `json`, checks it writes back the same, and that it reads back equal.\n\
         fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &str) {{\n\
             let name = std::any::type_name::<T>();\n\
             let expected: serde_json::Value = serde_json::from_str(json).expect(\"test JSON parses\");\n\
             let value: T = serde_json::from_str(json).unwrap_or_else(|e| panic!(\"{{name}}: {{e}}\"));\n\
             let written = serde_json::to_value(&value).unwrap_or_else(|e| panic!(\"{{name}}: {{e}}\"));\n\
             assert_eq!(written, expected, \"{{name}}\");\n\
             let again: T = serde_json::from_value(written).unwrap_or_else(|e| panic!(\"{{name}}: {{e}}\"));\n\
             assert_eq!(again, value, \"{{name}}\");\n\
         }}\n\
         #[test]\n\
         fn every_structure_round_trips_through_its_wire_form() {{\n{round_trips}\n}}\n",
        uses = values.use_lines().join("\n"),
        tests = tests.join("\n"),
        round_trips = round_trips.join("\n"),
    );
    source.parse().expect("generated tests are valid tokens")
}

/// A test filling the structure's sensitive members (or all of a sensitive shape) with the marker,
/// and each plain string member with a visible value.
fn redaction_test(values: &mut Values<'_>, s: &Structure) -> String {
    let mut calls = String::new();
    let mut visible = Vec::new();
    for m in &s.members {
        if s.sensitive || m.sensitive {
            calls.push_str(&format!(
                "\n        .{}({})",
                m.field,
                values.setter_args(&m.ty, &m.wire, Fill::Marker(SECRET), 0)
            ));
        } else if m.ty == Type::String {
            let text = format!("visible-{}", m.wire);
            calls.push_str(&format!("\n        .{}({text:?})", m.field));
            visible.push(format!("{text:?}"));
        } else if m.required {
            calls.push_str(&format!(
                "\n        .{}({})",
                m.field,
                values.setter_args(&m.ty, &m.wire, Fill::Label, 0)
            ));
        }
    }
    let build = if s.has_required() {
        ".build()?"
    } else {
        ".build()"
    };
    let visible = visible.join(", ");
    let test_name = format!("redacts_{}", crate::names::snake_case(&s.name));
    format!(
        "#[test]\n\
         fn {test_name}() -> Result<(), crate::BuildError> {{\n\
             let builder = {name}::builder(){calls};\n\
             assert_redacted(&format!(\"{{builder:?}}\"), &[{visible}]);\n\
             let value = builder{build};\n\
             assert_redacted(&format!(\"{{value:?}}\"), &[{visible}]);\n\
             Ok(())\n\
         }}",
        name = s.name,
    )
}

/// A raw string literal holding `text`.
fn raw_string(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}
