//! Lowering an operation: its names, input, output and errors as placed, its documentation
//! with the generator's own notes, its paginator checked against the members it names, and
//! the endpoint parameters it binds.

use super::{Placed, doc_lines, endpoints};
use crate::error::Error;
use crate::ir::{self, Structure, Type};
use crate::model::{self, PaginatorsModel, ServiceModel};

pub(super) fn operation(
    model: &ServiceModel,
    (name, op): (&String, &model::Operation),
    placed: Placed,
    paginators: &PaginatorsModel,
    structures: &[Structure],
    target_prefix: &str,
) -> Result<ir::Operation, Error> {
    // Sent as a header value, made without checks at run time: checked here instead.
    let target = format!("{target_prefix}.{name}");
    if !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::model(
            format!("operations.{name}"),
            format!("{target:?} (targetPrefix.name) is not a header value"),
        ));
    }
    let Placed {
        module,
        names,
        input,
        output,
        errors,
    } = placed;
    let model_paginator = paginators.pagination.get(name);
    // Keys that are lists or expressions need a paginator this generator does not write: the
    // operation is generated unpaginated, and its docs say why.
    let pages_a_list = |key: &str| {
        structures[output]
            .members
            .iter()
            .find(|m| m.json_name == key)
            // A key naming no member is the model's mistake, reported as such below.
            .is_none_or(|m| matches!(m.ty, Type::List(_)))
    };
    let simple = model_paginator.filter(|p| {
        p.input_token.member().is_some()
            && p.output_token.member().is_some()
            && p.result_key.member().is_some_and(pages_a_list)
    });
    let paginator = simple
        .map(|p| paginator(name, p, &structures[input], &structures[output]))
        .transpose()?;
    let mut docs = doc_lines(op.documentation.as_deref());
    if let Some(p) = model_paginator.filter(|_| simple.is_none()) {
        add_paragraph(
            &mut docs,
            format!(
                "Not paginated here: the model pages it by {} into {}, beyond this generator's \
                 paginators (member names of lists); follow the tokens by hand.",
                p.output_token, p.result_key
            ),
        );
    }
    let streams = |shape: Option<&model::ShapeRef>| {
        shape
            .and_then(|r| model.shapes.get(&r.shape))
            .and_then(|s| s.members.as_ref())
            .is_some_and(|members| {
                members
                    .values()
                    .any(|m| model.shapes.get(&m.shape).is_some_and(|t| t.eventstream))
            })
    };
    let unsupported = if streams(op.input.as_ref()) || streams(op.output.as_ref()) {
        Some("it streams events, which this client does not carry")
    } else if op
        .endpoint
        .as_ref()
        .is_some_and(|e| e.get("hostPrefix").is_some())
    {
        Some("its requests go to a prefixed host (hostPrefix), which this client does not add")
    } else {
        None
    };
    if let Some(reason) = unsupported {
        add_paragraph(
            &mut docs,
            format!("**Not supported by this client:** {reason}; `send` refuses it."),
        );
    }
    let endpoint_params = endpoints::params(model, name, op, &structures[input])?;
    if !op.operation_context_params.is_empty() {
        let names: Vec<&str> = op
            .operation_context_params
            .keys()
            .map(String::as_str)
            .collect();
        add_paragraph(
            &mut docs,
            format!(
                "Endpoint parameters the model computes from the input by expression ({}) are not \
                 passed: the endpoint is chosen without them.",
                names.join(", ")
            ),
        );
    }
    Ok(ir::Operation {
        name: name.to_owned(),
        target,
        module,
        names,
        docs,
        input,
        output,
        errors,
        signed: op.authtype.as_deref() != Some("none"),
        deprecated: op.deprecated,
        paginator,
        unsupported,
        endpoint_params,
    })
}

/// Appends a paragraph of the generator's own to documentation lines.
fn add_paragraph(docs: &mut Vec<String>, text: String) {
    if !docs.is_empty() {
        docs.push(String::new());
    }
    docs.push(text);
}

fn paginator(
    op: &str,
    p: &model::Paginator,
    input: &Structure,
    output: &Structure,
) -> Result<ir::Paginator, Error> {
    let member = |s: &Structure, key: &str, json_name: &str| -> Result<ir::PageMember, Error> {
        s.members
            .iter()
            .find(|m| m.json_name == json_name)
            .map(|m| ir::PageMember {
                field: m.field.clone(),
                required: m.required,
            })
            .ok_or_else(|| {
                Error::model(
                    format!("paginators.{op}.{key}"),
                    format!("{json_name:?} is not a member of {}", s.name),
                )
            })
    };
    // Checked by the caller: every key is one plain member name.
    let (input_token, output_token, result_key) = (
        p.input_token.member().unwrap_or_default(),
        p.output_token.member().unwrap_or_default(),
        p.result_key.member().unwrap_or_default(),
    );
    let items = output.members.iter().find(|m| m.json_name == result_key);
    let item_type = match items.map(|m| &m.ty) {
        Some(Type::List(item)) => (**item).clone(),
        _ => {
            return Err(Error::model(
                format!("paginators.{op}.result_key"),
                format!("{result_key:?} is not a list member of {}", output.name),
            ));
        }
    };
    Ok(ir::Paginator {
        input_token: member(input, "input_token", input_token)?.field,
        output_token: member(output, "output_token", output_token)?,
        limit: p
            .limit_key
            .as_deref()
            .map(|k| member(input, "limit_key", k).map(|m| m.field))
            .transpose()?,
        items: member(output, "result_key", result_key)?,
        item_type,
    })
}
