//! Lowering: the serde mirror of the model becomes the IR, or an error naming the JSON path.

pub mod endpoints;
mod operations;

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::docs::markdown;
use crate::error::Error;
use crate::ir::{
    self, EnumId, ErrorInfo, Home, Service, StructId, Structure, TimeFormat, Type, Variant,
};
use crate::model::{self, Model, ServiceModel, ShapeKind};
use crate::names::{field_ident, type_ident};

/// The IR of a loaded model.
pub fn lower(loaded: &Model) -> Result<Service, Error> {
    let (model, paginators) = (&loaded.service, &loaded.paginators);
    let meta = &model.metadata;
    if !meta.speaks_json() {
        return Err(Error::model(
            "metadata.protocol",
            format!(
                "unsupported protocol {:?}: only \"json\" models are supported",
                meta.protocol
            ),
        ));
    }
    let target_prefix = meta
        .target_prefix
        .clone()
        .ok_or_else(|| Error::model("metadata.targetPrefix", "missing: a json model needs it"))?;

    let mut lowering = Lowering::new(model)?;
    let placed = lowering.place_operation_shapes()?;
    let mut enums = lowering.enums()?;
    let mut structures = lowering.structures()?;
    box_cycles(&mut structures);
    let operations = model
        .operations
        .iter()
        .zip(placed)
        .map(|(op, placed)| {
            operations::operation(model, op, placed, paginators, &structures, &target_prefix)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for name in paginators.pagination.keys() {
        if !model.operations.contains_key(name) {
            return Err(Error::model(
                format!("paginators.{name}"),
                "no operation of that name",
            ));
        }
    }
    reserve_invented_names(&mut structures, &mut enums, &operations);
    mark_directions(&mut structures, &operations);
    mark_fills_missing(&mut structures, &mut enums);

    Ok(Service {
        title: meta.service_full_name.clone(),
        api_version: meta.api_version.clone(),
        target_prefix,
        json_version: meta
            .json_version
            .clone()
            .unwrap_or_else(|| "1.0".to_owned()),
        endpoint_prefix: meta.endpoint_prefix.clone(),
        signing_name: meta
            .signing_name
            .clone()
            .unwrap_or_else(|| meta.endpoint_prefix.clone()),
        uid: meta.uid.clone(),
        docs: model
            .documentation
            .as_deref()
            .map(markdown)
            .unwrap_or_default(),
        structures,
        enums,
        operations,
        endpoints: ir::Endpoints {
            rules: loaded
                .endpoint_rules
                .clone()
                .unwrap_or_else(|| endpoints::classic_rules(&meta.endpoint_prefix)),
            partitions: loaded.partitions.clone(),
        },
    })
}

/// Which IR item a model shape becomes.
#[derive(Clone, Copy)]
enum Slot {
    Scalar,
    Enum(EnumId),
    Struct(StructId),
    Collection,
}

struct Lowering<'m> {
    model: &'m ServiceModel,
    slots: IndexMap<&'m str, Slot>,
    /// Structures in emit order: model shapes first, then the inputs and outputs the model leaves
    /// out, in operation order.
    structs: Vec<StructSource<'m>>,
    enum_shapes: Vec<&'m str>,
}

/// Where `place_operation_shapes` put an operation's module, input, output and errors (indexes
/// into the structures).
struct Placed {
    module: ir::Identifier,
    names: ir::OperationNames,
    input: StructId,
    output: StructId,
    errors: Vec<StructId>,
}

struct StructSource<'m> {
    shape: Option<&'m str>,
    name: String,
    home: Home,
    docs: Vec<String>,
}

impl<'m> Lowering<'m> {
    fn new(model: &'m ServiceModel) -> Result<Self, Error> {
        let mut slots = IndexMap::new();
        let mut structs = Vec::new();
        let mut enum_shapes = Vec::new();
        for (name, shape) in &model.shapes {
            let slot = match &shape.kind {
                ShapeKind::String if shape.enum_values.is_some() => {
                    enum_shapes.push(name.as_str());
                    Slot::Enum(EnumId(enum_shapes.len() - 1))
                }
                ShapeKind::Structure if shape.document => Slot::Scalar,
                ShapeKind::Structure => {
                    if shape.members.is_none() {
                        return Err(Error::model(format!("shapes.{name}.members"), "missing"));
                    }
                    let home = if shape.exception || shape.error.is_some() {
                        Home::Error
                    } else {
                        Home::Types
                    };
                    structs.push(StructSource {
                        shape: Some(name.as_str()),
                        name: type_ident(name),
                        home,
                        docs: doc_lines(shape.documentation.as_deref()),
                    });
                    Slot::Struct(StructId(structs.len() - 1))
                }
                ShapeKind::List | ShapeKind::Map => Slot::Collection,
                ShapeKind::Other(kind) => {
                    return Err(Error::model(
                        format!("shapes.{name}.type"),
                        format!("unknown type {kind:?}"),
                    ));
                }
                _ => Slot::Scalar,
            };
            slots.insert(name.as_str(), slot);
        }
        Ok(Lowering {
            model,
            slots,
            structs,
            enum_shapes,
        })
    }

    /// Gives each operation an input and output structure: its own when no other place uses the
    /// shape (renamed `<Operation>Input` / `<Operation>Output`), the shared one otherwise, and an
    /// empty one when the model has none.
    fn place_operation_shapes(&mut self) -> Result<Vec<Placed>, Error> {
        let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
        for shape in self.model.shapes.values() {
            let refs = shape
                .members
                .iter()
                .flat_map(|m| m.values().map(|m| &m.shape));
            let refs = refs.chain(
                [&shape.member, &shape.key, &shape.value]
                    .into_iter()
                    .flatten()
                    .map(|r| &r.shape),
            );
            for target in refs {
                *uses.entry(target.as_str()).or_default() += 1;
            }
        }
        for op in self.model.operations.values() {
            for r in [&op.input, &op.output].into_iter().flatten() {
                *uses.entry(r.shape.as_str()).or_default() += 1;
            }
        }
        let mut placed = Vec::with_capacity(self.model.operations.len());
        for (op_name, op) in &self.model.operations {
            let module = field_ident(op_name);
            let names = ir::OperationNames::new(op_name);
            let mut roles = [StructId(0); 2];
            for (slot, (role, shape_ref, name)) in roles.iter_mut().zip([
                ("input", &op.input, names.input.clone()),
                ("output", &op.output, names.output.clone()),
            ]) {
                let Some(shape_ref) = shape_ref else {
                    self.structs.push(StructSource {
                        shape: None,
                        name,
                        home: Home::Operation(module.clone()),
                        docs: Vec::new(),
                    });
                    *slot = StructId(self.structs.len() - 1);
                    continue;
                };
                let path = format!("operations.{op_name}.{role}.shape");
                *slot = self.struct_index(&shape_ref.shape, &path)?;
                let source = &mut self.structs[slot.0];
                if uses.get(shape_ref.shape.as_str()) == Some(&1) && source.home == Home::Types {
                    source.name = name;
                    source.home = Home::Operation(module.clone());
                }
            }
            // Some models list an error twice; one variant is enough.
            let mut errors = Vec::new();
            for (i, error) in op.errors.iter().enumerate() {
                let index = self.struct_index(
                    &error.shape,
                    &format!("operations.{op_name}.errors[{i}].shape"),
                )?;
                if !errors.contains(&index) {
                    errors.push(index);
                }
            }
            let [input, output] = roles;
            placed.push(Placed {
                module,
                names,
                input,
                output,
                errors,
            });
        }
        Ok(placed)
    }

    fn struct_index(&self, shape: &str, path: &str) -> Result<StructId, Error> {
        match self.slot(shape, path)? {
            Slot::Struct(index) => Ok(index),
            _ => Err(Error::model(
                path,
                format!(
                    "{shape:?} is a {}, not a structure",
                    self.model.shapes[shape].kind
                ),
            )),
        }
    }

    fn slot(&self, shape: &str, path: &str) -> Result<Slot, Error> {
        self.slots
            .get(shape)
            .copied()
            .ok_or_else(|| Error::model(path, format!("unknown shape {shape:?}")))
    }

    fn enums(&self) -> Result<Vec<ir::Enum>, Error> {
        self.enum_shapes
            .iter()
            .map(|&shape_name| {
                let shape = &self.model.shapes[shape_name];
                let mut by_name: BTreeMap<String, &str> = BTreeMap::new();
                let mut variants = Vec::new();
                for (i, value) in shape.enum_values.iter().flatten().enumerate() {
                    // `Unknown` is the variant that keeps values the model does not list.
                    let name = match type_ident(value) {
                        name if name == "Unknown" => "UnknownValue".to_owned(),
                        name => name,
                    };
                    if let Some(other) = by_name.insert(name.clone(), value) {
                        return Err(Error::model(
                            format!("shapes.{shape_name}.enum[{i}]"),
                            format!("{value:?} and {other:?} would both be the variant {name}"),
                        ));
                    }
                    variants.push(Variant {
                        name,
                        value: value.clone(),
                    });
                }
                Ok(ir::Enum {
                    shape: shape_name.to_owned(),
                    name: type_ident(shape_name),
                    docs: doc_lines(shape.documentation.as_deref()),
                    variants,
                    sensitive: shape.sensitive,
                    fills_missing: false,
                })
            })
            .collect()
    }

    fn structures(&self) -> Result<Vec<Structure>, Error> {
        self.structs
            .iter()
            .map(|source| {
                let Some(shape_name) = source.shape else {
                    return Ok(Structure {
                        shape: None,
                        name: source.name.clone(),
                        home: source.home.clone(),
                        docs: source.docs.clone(),
                        members: Vec::new(),
                        sensitive: false,
                        error: None,
                        directions: ir::Directions::default(),
                        fills_missing: false,
                    });
                };
                let shape = &self.model.shapes[shape_name];
                let empty = IndexMap::new();
                let members = shape.members.as_ref().unwrap_or(&empty);
                for (i, required) in shape.required.iter().enumerate() {
                    if !members.contains_key(required) {
                        return Err(Error::model(
                            format!("shapes.{shape_name}.required[{i}]"),
                            format!("{required:?} is not a member"),
                        ));
                    }
                }
                let mut fields: BTreeMap<ir::Identifier, &str> = BTreeMap::new();
                let members = members
                    .iter()
                    .map(|(member_name, member)| {
                        let path = format!("shapes.{shape_name}.members.{member_name}");
                        let field = field_ident(member_name);
                        if let Some(other) = fields.insert(field.clone(), member_name) {
                            return Err(Error::model(
                                &path,
                                format!(
                                    "{member_name:?} and {other:?} would both be the field {field}"
                                ),
                            ));
                        }
                        self.member(
                            member_name,
                            member,
                            shape.required.contains(member_name),
                            field,
                            &path,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let error = (source.home == Home::Error).then(|| ErrorInfo {
                    code: shape
                        .error
                        .as_ref()
                        .and_then(|e| e.code.clone())
                        .unwrap_or_else(|| shape_name.to_owned()),
                    fault: shape.fault,
                });
                Ok(Structure {
                    shape: Some(shape_name.to_owned()),
                    name: source.name.clone(),
                    home: source.home.clone(),
                    docs: source.docs.clone(),
                    members,
                    sensitive: shape.sensitive,
                    error,
                    directions: ir::Directions::default(),
                    fills_missing: false,
                })
            })
            .collect()
    }

    fn member(
        &self,
        name: &str,
        member: &model::Member,
        required: bool,
        field: ir::Identifier,
        path: &str,
    ) -> Result<ir::Member, Error> {
        let mut ty = self.resolve(&member.shape, &format!("{path}.shape"), 0)?;
        if let (Type::Timestamp(_), Some(format)) = (&ty, member.timestamp_format.as_deref()) {
            ty = Type::Timestamp(time_format(
                Some(format),
                &format!("{path}.timestampFormat"),
            )?);
        }
        let target = &self.model.shapes[member.shape.as_str()];
        let docs = member
            .documentation
            .as_deref()
            .or(target.documentation.as_deref());
        let deprecated = member
            .deprecated
            .then(|| member.deprecated_message.clone().unwrap_or_default());
        Ok(ir::Member {
            json_name: member
                .location_name
                .clone()
                .unwrap_or_else(|| name.to_owned()),
            field,
            ty,
            required,
            sensitive: self.sensitive(&member.shape),
            boxed: false,
            docs: doc_lines(docs),
            deprecated,
            idempotency_token: member.idempotency_token,
        })
    }

    /// The Rust type of a shape; `depth` bounds lists and maps that contain themselves.
    fn resolve(&self, shape_name: &str, path: &str, depth: usize) -> Result<Type, Error> {
        let slot = self.slot(shape_name, path)?;
        let shape = &self.model.shapes[shape_name];
        let shape_path = format!("shapes.{shape_name}");
        if depth > 16 {
            return Err(Error::model(
                shape_path,
                "a list or map that contains itself",
            ));
        }
        let element = |field: &Option<model::ShapeRef>, name: &str| -> Result<Type, Error> {
            let path = format!("{shape_path}.{name}");
            let target = field
                .as_ref()
                .ok_or_else(|| Error::model(&path, "missing"))?;
            self.resolve(&target.shape, &format!("{path}.shape"), depth + 1)
        };
        Ok(match slot {
            Slot::Enum(index) => Type::Enum(index),
            Slot::Struct(index) => Type::Struct(index),
            Slot::Collection if shape.kind == ShapeKind::List => {
                Type::List(Box::new(element(&shape.member, "member")?))
            }
            Slot::Collection => Type::Map(
                Box::new(element(&shape.key, "key")?),
                Box::new(element(&shape.value, "value")?),
            ),
            Slot::Scalar => match shape.kind {
                ShapeKind::String => Type::String,
                ShapeKind::Boolean => Type::Bool,
                ShapeKind::Integer => Type::I32,
                ShapeKind::Long => Type::I64,
                ShapeKind::Float => Type::F32,
                ShapeKind::Double => Type::F64,
                ShapeKind::Blob => Type::Blob,
                ShapeKind::Timestamp => Type::Timestamp(time_format(
                    shape.timestamp_format.as_deref(),
                    &format!("{shape_path}.timestampFormat"),
                )?),
                _ => Type::Document,
            },
        })
    }

    /// A shape is sensitive when it is marked so, or holds sensitive list items, keys or values.
    fn sensitive(&self, shape_name: &str) -> bool {
        let shape = &self.model.shapes[shape_name];
        let inner = [&shape.member, &shape.key, &shape.value];
        shape.sensitive
            || inner
                .into_iter()
                .flatten()
                .any(|r| self.sensitive(&r.shape))
    }
}

fn doc_lines(html: Option<&str>) -> Vec<String> {
    html.map(markdown).unwrap_or_default()
}

/// Marks what inputs reach as sent, and what outputs and errors reach as received.
fn mark_directions(structures: &mut [Structure], operations: &[ir::Operation]) {
    fn visit(structures: &mut [Structure], index: StructId, received: bool) {
        let directions = &mut structures[index].directions;
        let seen = if received {
            &mut directions.received
        } else {
            &mut directions.sent
        };
        if std::mem::replace(seen, true) {
            return;
        }
        let mut nested = Vec::new();
        for m in &structures[index].members {
            collect_structs(&m.ty, &mut nested);
        }
        for next in nested {
            if received {
                structures[next].directions.received_within = true;
            }
            visit(structures, next, received);
        }
    }
    fn collect_structs(ty: &Type, out: &mut Vec<StructId>) {
        match ty {
            Type::Struct(index) => out.push(*index),
            Type::List(item) => collect_structs(item, out),
            Type::Map(key, value) => {
                collect_structs(key, out);
                collect_structs(value, out);
            }
            _ => {}
        }
    }
    for op in operations {
        visit(structures, op.input, false);
        visit(structures, op.output, true);
        for &error in &op.errors {
            visit(structures, error, true);
        }
    }
}

/// Marks the types of required members of received structures: a response that leaves such a
/// member out gets the type's empty value.
fn mark_fills_missing(structures: &mut [Structure], enums: &mut [ir::Enum]) {
    let targets: Vec<Type> = structures
        .iter()
        .filter(|s| s.directions.received)
        .flat_map(|s| s.members.iter().filter(|m| m.required))
        .map(|m| m.ty.clone())
        .collect();
    for ty in targets {
        match ty {
            Type::Struct(index) => structures[index].fills_missing = true,
            Type::Enum(index) => enums[index].fills_missing = true,
            _ => {}
        }
    }
}

/// Boxes each member whose structure can lead back to the structure holding it without passing
/// through a list or map (which already allocate).
fn box_cycles(structures: &mut [Structure]) {
    let edges: Vec<BTreeSet<usize>> = structures
        .iter()
        .map(|s| {
            s.members
                .iter()
                .filter_map(|m| {
                    if let Type::Struct(t) = m.ty {
                        Some(t.0)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(at) = stack.pop() {
            if at == to {
                return true;
            }
            if seen.insert(at) {
                stack.extend(&edges[at]);
            }
        }
        false
    };
    for (index, structure) in structures.iter_mut().enumerate() {
        for member in &mut structure.members {
            member.boxed = matches!(member.ty, Type::Struct(t) if reaches(t.0, index));
        }
    }
}

/// Every emitted type name is unique across the crate, so any module can import any type.
/// Makes every type name unique, keeping the names the generator invents free: each
/// operation's `{Op}Error` and `{Op}FluentBuilder`, its input and output (`{Op}Input`,
/// `{Op}Output`), every structure's `{Name}Builder`. A model shape that would take a name
/// already taken (glue's `CreateJobError` shape; `TREENode` after `TreeNode`) gets `Value`
/// appended, in model order, as reserved names do; references are by index, so only the name
/// changes.
fn reserve_invented_names(
    structures: &mut [Structure],
    enums: &mut [ir::Enum],
    operations: &[ir::Operation],
) {
    let placed: BTreeSet<StructId> = operations
        .iter()
        .flat_map(|op| [op.input, op.output])
        .collect();
    let mut taken: BTreeSet<String> = operations
        .iter()
        .flat_map(|op| [op.names.error.clone(), op.names.fluent_builder.clone()])
        .collect();
    for &index in &placed {
        let s = &structures[index];
        taken.extend([s.name.clone(), s.builder()]);
    }
    let mut claim = |name: &mut String, builder: bool| {
        while taken.contains(name.as_str()) || (builder && taken.contains(&ir::builder_name(name)))
        {
            name.push_str("Value");
        }
        taken.insert(name.clone());
        if builder {
            taken.insert(ir::builder_name(name));
        }
    };
    for (index, s) in structures.iter_mut().enumerate() {
        if !placed.contains(&StructId(index)) {
            claim(&mut s.name, true);
        }
    }
    for e in enums.iter_mut() {
        claim(&mut e.name, false);
    }
}

/// A `timestampFormat`; JSON protocols write epoch seconds when a model names none.
fn time_format(name: Option<&str>, path: &str) -> Result<TimeFormat, Error> {
    match name {
        None | Some("unixTimestamp") => Ok(TimeFormat::EpochSeconds),
        Some("iso8601") => Ok(TimeFormat::Iso8601),
        Some("rfc822") => Ok(TimeFormat::HttpDate),
        Some(other) => Err(Error::model(
            path,
            format!("unknown timestamp format {other:?}"),
        )),
    }
}
