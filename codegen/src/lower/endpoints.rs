//! Endpoints: the parameters an operation passes to the rules, and the rules of models that
//! have none.

use crate::error::Error;
use crate::ir::{self, Structure, Type};
use crate::model::{self, ServiceModel};

/// The endpoint rules of a model that has none (botocore's before about 1.29), as the AWS SDKs
/// resolve such services:
/// `https://{prefix}.{region}.{dnsSuffix}` of the region's partition, with `-fips` and the
/// dual-stack suffix where asked; a given endpoint as it is (neither FIPS nor dual-stack).
pub fn classic_rules(endpoint_prefix: &str) -> String {
    // Written out (not built as a `serde_json::Value`) so its key order, and so the generated
    // file, is the same whatever serde_json's features.
    let url = |fips: &str, suffix: &str| {
        format!(
            r#"{{"conditions":[],"type":"endpoint","endpoint":{{"url":"https://{endpoint_prefix}{fips}.{{Region}}.{{PartitionResult#{suffix}}}","properties":{{}},"headers":{{}}}}}}"#
        )
    };
    let flag = |name: &str| format!(r#"{{"fn":"booleanEquals","argv":[{{"ref":"{name}"}},true]}}"#);
    let when = |conditions: &[String], rule: &str| {
        format!(
            r#"{{"conditions":[{}],"type":"tree","rules":[{rule}]}}"#,
            conditions.join(",")
        )
    };
    let error =
        |message: &str| format!(r#"{{"conditions":[],"type":"error","error":"{message}"}}"#);
    let given = format!(
        r#"{{"conditions":[],"type":"tree","rules":[{},{},{}]}}"#,
        when(
            &[flag("UseFIPS")],
            &error("Invalid Configuration: FIPS and custom endpoint are not supported")
        ),
        when(
            &[flag("UseDualStack")],
            &error("Invalid Configuration: Dualstack and custom endpoint are not supported")
        ),
        r#"{"conditions":[],"type":"endpoint","endpoint":{"url":{"ref":"Endpoint"},"properties":{},"headers":{}}}"#,
    );
    let regional = format!(
        r#"{{"conditions":[],"type":"tree","rules":[{},{},{},{}]}}"#,
        when(
            &[flag("UseFIPS"), flag("UseDualStack")],
            &url("-fips", "dualStackDnsSuffix")
        ),
        when(&[flag("UseFIPS")], &url("-fips", "dnsSuffix")),
        when(&[flag("UseDualStack")], &url("", "dualStackDnsSuffix")),
        url("", "dnsSuffix"),
    );
    let region_set = [
        r#"{"fn":"isSet","argv":[{"ref":"Region"}]}"#.to_owned(),
        r#"{"fn":"aws.partition","argv":[{"ref":"Region"}],"assign":"PartitionResult"}"#.to_owned(),
    ];
    format!(
        r#"{{"version":"1.0","parameters":{{"Region":{{"builtIn":"AWS::Region","required":false,"type":"string"}},"UseDualStack":{{"builtIn":"AWS::UseDualStack","required":true,"default":false,"type":"boolean"}},"UseFIPS":{{"builtIn":"AWS::UseFIPS","required":true,"default":false,"type":"boolean"}},"Endpoint":{{"builtIn":"SDK::Endpoint","required":false,"type":"string"}}}},"rules":[{},{},{}]}}"#,
        when(
            &[r#"{"fn":"isSet","argv":[{"ref":"Endpoint"}]}"#.to_owned()],
            &given
        ),
        when(&region_set, &regional),
        error("Invalid Configuration: Missing Region"),
    )
}

/// The endpoint rule parameters an operation sets: its static ones, then its input members
/// marked `contextParam` (strings and booleans, as rule parameters are).
pub(super) fn params(
    model: &ServiceModel,
    name: &str,
    op: &model::Operation,
    input: &Structure,
) -> Result<Vec<ir::EndpointParam>, Error> {
    let mut params = Vec::new();
    for (param, fixed) in &op.static_context_params {
        let value = match &fixed.value {
            serde_json::Value::Bool(b) => ir::ParamValue::Bool(*b),
            serde_json::Value::String(s) => ir::ParamValue::Str(s.clone()),
            _ => {
                return Err(Error::model(
                    format!("operations.{name}.staticContextParams.{param}.value"),
                    "neither a string nor a boolean",
                ));
            }
        };
        params.push(ir::EndpointParam {
            name: param.clone(),
            value,
        });
    }
    let shape_name = input.shape.as_deref().unwrap_or_default();
    let members = model
        .shapes
        .get(shape_name)
        .and_then(|s| s.members.as_ref());
    for (name, member) in members.into_iter().flatten() {
        let Some(context) = &member.context_param else {
            continue;
        };
        let Some(m) = input.members.iter().find(|m| {
            m.json_name == *name || member.location_name.as_deref() == Some(m.json_name.as_str())
        }) else {
            continue;
        };
        if !matches!(m.ty, Type::String | Type::Bool) {
            return Err(Error::model(
                format!("shapes.{shape_name}.members.{name}.contextParam"),
                "only strings and booleans can be endpoint parameters",
            ));
        }
        params.push(ir::EndpointParam {
            name: context.name.clone(),
            value: ir::ParamValue::Member {
                field: m.field.clone(),
                ty: m.ty.clone(),
                required: m.required,
            },
        });
    }
    Ok(params)
}
