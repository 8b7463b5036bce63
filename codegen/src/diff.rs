//! What changed between two versions of a model, for the maintainer reviewing an update: each
//! change named, and classified as breaking or not for the generated crate's Rust API.
//!
//! It compares the model files as botocore ships them (so any two versions compare, whatever
//! this generator accepts): operations and their errors, shapes and their members, required
//! members, types, enum values, sensitivity, paginators, endpoint parameters. Changes to
//! documentation alone are counted, not listed.
//!
//! Breaking, for the generated API: an operation, shape, member, enum value, modelled error or
//! paginator removed; a member or shape whose type changed; a member that became required or
//! optional (its field's type changes between `T` and `Option<T>`), or a new required member (its
//! builder then refuses what it built before).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::model::{ENDPOINT_RULES_FILE, PAGINATORS_FILE, SERVICE_FILE};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// What changed, as a model path: `operation AdminGetUser`, `shape UserType.Enabled`.
    pub subject: String,
    /// How, in a few words.
    pub what: String,
    pub breaking: bool,
}

/// The changes between two models.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ModelDiff {
    pub changes: Vec<Change>,
    /// Operations, shapes and members whose documentation alone changed.
    pub documentation_changes: usize,
}

/// The model files a diff reads, as JSON (absent files as `null`).
struct Model {
    service: Value,
    paginators: Value,
    rules: Value,
}

impl Model {
    fn load(dir: &Path) -> Result<Model, Error> {
        let read = |name: &str, required: bool| -> Result<Value, Error> {
            let file = dir.join(name);
            match std::fs::read_to_string(&file) {
                Ok(text) => serde_json::from_str(&text).map_err(|source| Error::Json {
                    file,
                    path: String::new(),
                    source,
                }),
                Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Null),
                Err(source) => Err(Error::Read { file, source }),
            }
        };
        Ok(Model {
            service: read(SERVICE_FILE, true)?,
            paginators: read(PAGINATORS_FILE, false)?,
            rules: read(ENDPOINT_RULES_FILE, false)?,
        })
    }
}

/// Compares the model in `old` with the one in `new` (two API-version folders).
pub fn diff(old: &Path, new: &Path) -> Result<ModelDiff, Error> {
    Ok(compare(&Model::load(old)?, &Model::load(new)?))
}

fn object<'v>(value: &'v Value, key: &str) -> Option<&'v Map<String, Value>> {
    value.get(key)?.as_object()
}

fn keys(map: Option<&Map<String, Value>>) -> BTreeSet<&str> {
    map.map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

struct Differ<'m> {
    old: &'m Model,
    new: &'m Model,
    out: ModelDiff,
}

impl Differ<'_> {
    fn change(&mut self, subject: impl Into<String>, what: impl Into<String>, breaking: bool) {
        self.out.changes.push(Change {
            subject: subject.into(),
            what: what.into(),
            breaking,
        });
    }

    /// Records the entries only one side has (a removal breaking or not); the names both have.
    fn added_or_removed<'m>(
        &mut self,
        kind: &str,
        old: Option<&'m Map<String, Value>>,
        new: Option<&'m Map<String, Value>>,
        removal_breaks: bool,
    ) -> Vec<&'m str> {
        let (before, after) = (keys(old), keys(new));
        for name in before.difference(&after) {
            self.change(format!("{kind} {name}"), "removed", removal_breaks);
        }
        for name in after.difference(&before) {
            self.change(format!("{kind} {name}"), "added", false);
        }
        before.intersection(&after).copied().collect()
    }

    fn documentation(&mut self, old: &Value, new: &Value) {
        if old.get("documentation") != new.get("documentation") {
            self.out.documentation_changes += 1;
        }
    }

    fn operations(&mut self) {
        let (old, new) = (
            object(&self.old.service, "operations"),
            object(&self.new.service, "operations"),
        );
        for name in self.added_or_removed("operation", old, new, true) {
            let (o, n) = (&old.unwrap()[name], &new.unwrap()[name]);
            self.documentation(o, n);
            let subject = format!("operation {name}");
            for part in ["input", "output"] {
                let shape = |op: &Value| op.get(part)?.get("shape")?.as_str().map(str::to_owned);
                if shape(o) != shape(n) {
                    let what = format!(
                        "{part} shape {} -> {}",
                        shape(o).unwrap_or_else(|| "none".into()),
                        shape(n).unwrap_or_else(|| "none".into())
                    );
                    self.change(&subject, what, true);
                }
            }
            let errors = |op: &Value| -> BTreeSet<String> {
                op.get("errors")
                    .and_then(Value::as_array)
                    .map(|errors| {
                        errors
                            .iter()
                            .filter_map(|e| e.get("shape")?.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (was, is) = (errors(o), errors(n));
            for error in was.difference(&is) {
                self.change(&subject, format!("error {error} no longer listed"), true);
            }
            for error in is.difference(&was) {
                self.change(&subject, format!("error {error} listed"), false);
            }
            for flag in ["authtype", "deprecated"] {
                if o.get(flag) != n.get(flag) {
                    let what = format!("{flag}: {} -> {}", show(o.get(flag)), show(n.get(flag)));
                    self.change(&subject, what, false);
                }
            }
        }
    }

    fn shapes(&mut self) {
        let (old, new) = (
            object(&self.old.service, "shapes"),
            object(&self.new.service, "shapes"),
        );
        for name in self.added_or_removed("shape", old, new, true) {
            self.shape(name, &old.unwrap()[name], &new.unwrap()[name]);
        }
    }

    fn shape(&mut self, name: &str, old: &Value, new: &Value) {
        self.documentation(old, new);
        let subject = format!("shape {name}");
        let kind = |s: &Value| {
            s.get("type")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        };
        if kind(old) != kind(new) {
            let what = format!("type {} -> {}", kind(old), kind(new));
            return self.change(subject, what, true);
        }
        if old.get("sensitive") != new.get("sensitive") {
            let what = match new.get("sensitive") == Some(&Value::Bool(true)) {
                true => "now sensitive (redacted in Debug)",
                false => "no longer sensitive",
            };
            self.change(&subject, what, false);
        }
        for target in ["member", "key", "value"] {
            let shape = |s: &Value| s.get(target)?.get("shape")?.as_str().map(str::to_owned);
            if shape(old) != shape(new) {
                let what = format!(
                    "{target} {} -> {}",
                    shape(old).unwrap_or_default(),
                    shape(new).unwrap_or_default()
                );
                self.change(&subject, what, true);
            }
        }
        let values = |s: &Value| -> BTreeSet<String> {
            s.get("enum")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (was, is) = (values(old), values(new));
        for value in was.difference(&is) {
            self.change(&subject, format!("enum value {value} removed"), true);
        }
        for value in is.difference(&was) {
            self.change(&subject, format!("enum value {value} added"), false);
        }
        self.members(name, old, new);
    }

    fn members(&mut self, shape: &str, old: &Value, new: &Value) {
        let (om, nm) = (object(old, "members"), object(new, "members"));
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (was_required, is_required) = (required(old), required(new));
        let (before, after) = (keys(om), keys(nm));
        for member in before.difference(&after) {
            self.change(format!("shape {shape}.{member}"), "member removed", true);
        }
        for member in after.difference(&before) {
            let needed = is_required.contains(*member);
            let what = match needed {
                true => "required member added",
                false => "member added",
            };
            self.change(format!("shape {shape}.{member}"), what, needed);
        }
        for member in before.intersection(&after) {
            let (o, n) = (&om.unwrap()[*member], &nm.unwrap()[*member]);
            self.documentation(o, n);
            let subject = format!("shape {shape}.{member}");
            let target = |m: &Value| m.get("shape").and_then(Value::as_str).map(str::to_owned);
            if target(o) != target(n) {
                let (was, is) = (target(o).unwrap_or_default(), target(n).unwrap_or_default());
                // A new target of the same kind and name pattern still changes the Rust type
                // unless both are plain strings: compare the targets' types.
                let same_type = self.same_scalar(&was, &is);
                self.change(&subject, format!("type {was} -> {is}"), !same_type);
            }
            match (
                was_required.contains(*member),
                is_required.contains(*member),
            ) {
                (false, true) => self.change(&subject, "now required", true),
                (true, false) => self.change(&subject, "no longer required", true),
                _ => {}
            }
            for flag in [
                "locationName",
                "idempotencyToken",
                "jsonvalue",
                "timestampFormat",
            ] {
                if o.get(flag) != n.get(flag) {
                    let what = format!("{flag}: {} -> {}", show(o.get(flag)), show(n.get(flag)));
                    self.change(&subject, what, true);
                }
            }
            if o.get("deprecated") != n.get("deprecated") {
                self.change(&subject, "deprecation changed", false);
            }
        }
    }

    /// Whether two shape names stand for the same Rust type: both strings without enums (the
    /// generated type is `String` either way), or both the same scalar.
    fn same_scalar(&self, old: &str, new: &str) -> bool {
        let shape = |model: &Model, name: &str| {
            object(&model.service, "shapes")
                .and_then(|s| s.get(name))
                .cloned()
        };
        match (shape(self.old, old), shape(self.new, new)) {
            (Some(o), Some(n)) => {
                let scalar = |s: &Value| {
                    let kind = s.get("type").and_then(Value::as_str).unwrap_or_default();
                    let plain = s.get("enum").is_none() && s.get("document").is_none();
                    matches!(
                        kind,
                        "string"
                            | "integer"
                            | "long"
                            | "boolean"
                            | "double"
                            | "float"
                            | "timestamp"
                            | "blob"
                    ) && plain
                };
                scalar(&o) && scalar(&n) && o.get("type") == n.get("type")
            }
            _ => false,
        }
    }

    fn paginators(&mut self) {
        let (old, new) = (
            object(&self.old.paginators, "pagination"),
            object(&self.new.paginators, "pagination"),
        );
        for name in self.added_or_removed("paginator", old, new, true) {
            let (o, n) = (&old.unwrap()[name], &new.unwrap()[name]);
            let subject = format!("paginator {name}");
            for key in ["input_token", "output_token", "result_key"] {
                if o.get(key) != n.get(key) {
                    let what = format!("{key}: {} -> {}", show(o.get(key)), show(n.get(key)));
                    self.change(&subject, what, true);
                }
            }
            // The page size is a setter that an operation without a limit ignores.
            if o.get("limit_key") != n.get("limit_key") {
                let what = format!(
                    "page size (limit_key): {} -> {}",
                    show(o.get("limit_key")),
                    show(n.get("limit_key"))
                );
                self.change(&subject, what, false);
            }
        }
    }

    fn endpoint_parameters(&mut self) {
        let (old, new) = (
            object(&self.old.rules, "parameters"),
            object(&self.new.rules, "parameters"),
        );
        for name in self.added_or_removed("endpoint parameter", old, new, false) {
            let (o, n) = (&old.unwrap()[name], &new.unwrap()[name]);
            for field in ["type", "required", "default", "builtIn"] {
                if o.get(field) != n.get(field) {
                    let what = format!("{field}: {} -> {}", show(o.get(field)), show(n.get(field)));
                    self.change(format!("endpoint parameter {name}"), what, false);
                }
            }
        }
        if self.old.rules.get("rules") != self.new.rules.get("rules") {
            self.change("endpoint rules", "changed", false);
        }
    }
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "unset".into(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn compare(old: &Model, new: &Model) -> ModelDiff {
    let mut differ = Differ {
        old,
        new,
        out: ModelDiff::default(),
    };
    differ.operations();
    differ.shapes();
    differ.paginators();
    differ.endpoint_parameters();
    differ.out
}

impl ModelDiff {
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    /// For a pull request's description.
    pub fn to_markdown(&self, title: &str) -> String {
        let breaking: Vec<&Change> = self.breaking().collect();
        let other: Vec<&Change> = self.changes.iter().filter(|c| !c.breaking).collect();
        let mut out = format!("## {title}\n\n");
        let _ = writeln!(
            out,
            "**{} breaking** change(s) for the generated crate, {} other(s), {} documentation-only.\n",
            breaking.len(),
            other.len(),
            self.documentation_changes
        );
        for (heading, changes) in [("Breaking", &breaking), ("Other", &other)] {
            if changes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {heading}\n");
            for change in changes {
                let _ = writeln!(out, "- `{}`: {}", change.subject, change.what);
            }
            out.push('\n');
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a diff is JSON")
    }
}
