//! `tests.rs`: tests of every generated type, generated with them.
//!
//! Redaction: each structure with a sensitive member is filled with a marker there, printed with
//! `Debug`, and the marker must not appear while its other members do. Wire form: each structure
//! is read from JSON written with the model's member names and must write back the same JSON.
//! Responses: every operation is called through the transport against the runtime's response
//! fuzzer, with samples of its input (sensitive members marked), output and errors.

use proc_macro2::TokenStream;

use super::placeholder::{Fill, Values, json};
use crate::ir::{Operation, Service, StructId, Structure, Type};

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
        let document = json(service, &Type::Struct(StructId(index)), 0);
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
         fn every_structure_round_trips_through_its_wire_form() {{\n{round_trips}\n}}\n\
         /// Every operation's responses, fuzzed; in a process of its own, to measure memory.\n\
         #[test]\n\
         fn responses_to_every_operation_are_fuzzed() {{\n\
             cognito_idp_testkit::fuzz::run_in_child(\n\
                 \"tests::responses_to_every_operation_are_fuzzed\",\n\
                 fuzz_cases,\n\
                 |config| crate::Client::new(config).handle().clone(),\n\
             );\n\
         }}\n\
         /// Each operation with samples of its input, output and errors, and a call of it.\n\
         fn fuzz_cases() -> Vec<cognito_idp_testkit::fuzz::Case> {{\n\
             vec![{fuzz_cases}]\n\
         }}\n",
        uses = values.use_lines().join("\n"),
        tests = tests.join("\n"),
        round_trips = round_trips.join("\n"),
        fuzz_cases = service
            .operations
            .iter()
            .map(|op| fuzz_case(service, op))
            .collect::<Vec<_>>()
            .join(",\n"),
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
                values.setter_args(&m.ty, &m.json_name, Fill::Marker(SECRET), 0)
            ));
        } else if m.ty == Type::String {
            let text = format!("visible-{}", m.json_name);
            calls.push_str(&format!("\n        .{}({text:?})", m.field));
            visible.push(format!("{text:?}"));
        } else if m.required {
            calls.push_str(&format!(
                "\n        .{}({})",
                m.field,
                values.setter_args(&m.ty, &m.json_name, Fill::Label, 0)
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

/// A fuzzer case: the samples, and a call of the operation with the input sample.
fn fuzz_case(service: &Service, op: &Operation) -> String {
    let path = |index: StructId| {
        let s = &service.structures[index];
        format!("crate::{}::{}", super::module_path(&s.home), s.name)
    };
    let mut input: serde_json::Value =
        serde_json::from_str(&json(service, &Type::Struct(op.input), 0)).expect("samples are JSON");
    mark_secrets(service, &Type::Struct(op.input), &mut input, false);
    // Written back in one order whatever serde_json's `preserve_order` (a dev-dependency may
    // turn it on), so that the output does not depend on how the generator was built.
    sort_keys(&mut input);
    let errors: Vec<String> = op
        .errors
        .iter()
        .map(|&index| {
            let code = &service.structures[index]
                .error
                .as_ref()
                .expect("an error shape")
                .code;
            let sample = json(service, &Type::Struct(index), 0);
            format!("({code:?}, {})", raw_string(&sample))
        })
        .collect();
    let error_enum = format!("crate::operation::{}::{}", op.module, op.names.error);
    format!(
        "cognito_idp_testkit::fuzz::Case {{\n\
             operation: {name:?},\n\
             input: {input},\n\
             output: {output},\n\
             errors: &[{errors}],\n\
             call: |handle, input| Box::pin(async move {{\n\
                 let input: {input_type} = serde_json::from_str(input).expect(\"the input sample reads\");\n\
                 let operation = cognito_idp_runtime::transport::Operation {{ name: {name:?}, target: {target:?}, signed: {signed} }};\n\
                 cognito_idp_testkit::fuzz::outcome(handle.invoke::<_, {output_type}, {error_enum}>(&operation, &input).await)\n\
             }}),\n\
         }}",
        name = op.name,
        target = op.target,
        input = raw_string(&input.to_string()),
        output = raw_string(&json(service, &Type::Struct(op.output), 0)),
        errors = errors.join(", "),
        input_type = path(op.input),
        output_type = path(op.output),
        signed = op.signed,
    )
}

/// Puts the fuzzer's secret marker in every string a sensitive member holds.
fn mark_secrets(service: &Service, ty: &Type, value: &mut serde_json::Value, sensitive: bool) {
    use serde_json::Value;
    match (ty, value) {
        (Type::String | Type::Enum(_), Value::String(text)) if sensitive => {
            *text = SECRET.to_owned();
        }
        (Type::List(item), Value::Array(items)) => {
            for value in items {
                mark_secrets(service, item, value, sensitive);
            }
        }
        // Keys name the entries (`PASSWORD`); the values are what is secret.
        (Type::Map(_, item), Value::Object(map)) => {
            for value in map.values_mut() {
                mark_secrets(service, item, value, sensitive);
            }
        }
        (Type::Struct(index), Value::Object(map)) => {
            let s = &service.structures[*index];
            for m in &s.members {
                if let Some(v) = map.get_mut(&m.json_name) {
                    mark_secrets(service, &m.ty, v, sensitive || s.sensitive || m.sensitive);
                }
            }
        }
        _ => {}
    }
}

fn sort_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// A raw string literal holding `text`.
fn raw_string(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}
