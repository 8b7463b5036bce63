//! A malformed or inconsistent model is an error naming the JSON path, never a panic.

use cognito_idp_codegen::Model;
use cognito_idp_codegen::model::{PaginatorsModel, ServiceModel, parse};
use serde_json::{Value, json};

const FIXTURE: &str = include_str!("fixtures/kitchen-sink/service-2.json");
const PAGINATORS: &str = include_str!("fixtures/kitchen-sink/paginators-1.json");

/// Applies `change` to the fixture and returns the generator's error message.
fn error_after(change: impl FnOnce(&mut Value, &mut Value)) -> String {
    let mut service: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut paginators: Value = serde_json::from_str(PAGINATORS).unwrap();
    change(&mut service, &mut paginators);
    let service: ServiceModel = match parse(&service.to_string()) {
        Ok(model) => model,
        Err((path, e)) => return format!("{path}: {e}"),
    };
    let paginators: PaginatorsModel = match parse(&paginators.to_string()) {
        Ok(model) => model,
        Err((path, e)) => return format!("paginators: {path}: {e}"),
    };
    match cognito_idp_codegen::generate_from(
        &fixture(service, paginators),
        &Default::default(),
        "fixture",
        "sink",
    ) {
        Ok(_) => panic!("the changed model generated without error"),
        Err(e) => e.to_string(),
    }
}

/// A loaded model of these files, without endpoint rules or partitions.
fn fixture(service: ServiceModel, paginators: PaginatorsModel) -> Model {
    Model {
        service,
        paginators,
        endpoint_rules: None,
        partitions: "{}".into(),
    }
}

fn assert_starts(message: String, expected: &str) {
    assert!(
        message.starts_with(expected),
        "got {message:?}, expected it to start with {expected:?}"
    );
}

#[test]
fn unknown_member_shape() {
    let message = error_after(|s, _| {
        s["shapes"]["AdminSetUserMFAPreferenceRequest"]["members"]["Type"]["shape"] =
            json!("KindTyp")
    });
    assert_eq!(
        message,
        r#"shapes.AdminSetUserMFAPreferenceRequest.members.Type.shape: unknown shape "KindTyp""#
    );
}

#[test]
fn unknown_shape_type() {
    let message = error_after(|s, _| s["shapes"]["StringType"]["type"] = json!("text"));
    assert_eq!(message, r#"shapes.StringType.type: unknown type "text""#);
}

#[test]
fn required_member_that_does_not_exist() {
    let message = error_after(|s, _| s["shapes"]["TreeNode"]["required"] = json!(["Name", "Nmae"]));
    assert_eq!(
        message,
        r#"shapes.TreeNode.required[1]: "Nmae" is not a member"#
    );
}

#[test]
fn list_without_member() {
    let message = error_after(|s, _| {
        s["shapes"]["PasswordListType"]
            .as_object_mut()
            .unwrap()
            .remove("member");
    });
    assert_eq!(message, "shapes.PasswordListType.member: missing");
}

#[test]
fn map_without_value() {
    let message = error_after(|s, _| {
        s["shapes"]["SecretKeyMapType"]
            .as_object_mut()
            .unwrap()
            .remove("value");
    });
    assert_eq!(message, "shapes.SecretKeyMapType.value: missing");
}

#[test]
fn operation_input_unknown_or_not_a_structure() {
    let unknown =
        error_after(|s, _| s["operations"]["ListThings"]["input"]["shape"] = json!("Nope"));
    assert_eq!(
        unknown,
        r#"operations.ListThings.input.shape: unknown shape "Nope""#
    );
    let scalar =
        error_after(|s, _| s["operations"]["ListThings"]["output"]["shape"] = json!("StringType"));
    assert_eq!(
        scalar,
        r#"operations.ListThings.output.shape: "StringType" is a string, not a structure"#
    );
    let error = error_after(|s, _| {
        s["operations"]["GetCSVHeader"]["errors"] = json!([{"shape": "KindType"}])
    });
    assert_eq!(
        error,
        r#"operations.GetCSVHeader.errors[0].shape: "KindType" is a string, not a structure"#
    );
}

#[test]
fn a_service_that_also_speaks_json_is_served_in_json() {
    let service: Value = {
        let mut service: Value = serde_json::from_str(FIXTURE).unwrap();
        service["metadata"]["protocol"] = json!("query");
        service["metadata"]["protocols"] = json!(["query", "json"]);
        service
    };
    let service: ServiceModel = parse(&service.to_string()).unwrap();
    let paginators: PaginatorsModel = parse(PAGINATORS).unwrap();
    cognito_idp_codegen::generate_from(
        &fixture(service, paginators),
        &Default::default(),
        "fixture",
        "sink",
    )
    .expect("JSON is among its protocols");
}

#[test]
fn unsupported_protocol_and_missing_target_prefix() {
    let protocol = error_after(|s, _| s["metadata"]["protocol"] = json!("rest-json"));
    assert_starts(
        protocol,
        r#"metadata.protocol: unsupported protocol "rest-json""#,
    );
    let prefix = error_after(|s, _| {
        s["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("targetPrefix");
    });
    assert_starts(prefix, "metadata.targetPrefix: missing");
    // The prefix and an operation's name make a header value, sent unchecked at run time.
    let spaced = error_after(|s, _| s["metadata"]["targetPrefix"] = json!("Kitchen Sink"));
    assert!(
        spaced.starts_with("operations.") && spaced.contains("is not a header value"),
        "{spaced}"
    );
}

#[test]
fn wrong_json_types_name_their_path() {
    let message = error_after(|s, _| s["shapes"]["TreeNode"]["required"] = json!("Name"));
    assert_starts(message, "shapes.TreeNode.required: invalid type");
    let message = error_after(|s, _| {
        s["metadata"].as_object_mut().unwrap().remove("apiVersion");
    });
    assert_starts(message, "metadata: missing field `apiVersion`");
}

#[test]
fn enum_values_that_would_share_a_variant() {
    let message =
        error_after(|s, _| s["shapes"]["KindType"]["enum"] = json!(["SMS_MFA", "SmsMfa"]));
    assert_eq!(
        message,
        r#"shapes.KindType.enum[1]: "SmsMfa" and "SMS_MFA" would both be the variant SmsMfa"#
    );
}

#[test]
fn members_that_would_share_a_field() {
    let message = error_after(|s, _| {
        s["shapes"]["ListThingsRequest"]["members"]["next_token"] = json!({"shape": "StringType"})
    });
    assert_eq!(
        message,
        r#"shapes.ListThingsRequest.members.next_token: "next_token" and "NextToken" would both be the field next_token"#
    );
}

#[test]
fn shapes_that_would_share_a_type_name() {
    // Not an error: the later shape is renamed, deterministically.
    let mut service: Value = serde_json::from_str(FIXTURE).unwrap();
    service["shapes"]["TREENode"] = json!({"type": "structure", "members": {}});
    service["shapes"]["ListThingsResponse"]["members"]["Twin"] = json!({"shape": "TREENode"});
    let service: ServiceModel = parse(&service.to_string()).unwrap();
    let paginators: PaginatorsModel = parse(PAGINATORS).unwrap();
    let files = cognito_idp_codegen::generate_from(
        &fixture(service, paginators),
        &Default::default(),
        "fixture",
        "sink",
    )
    .expect("renamed, not refused");
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    assert!(all.contains("pub struct TreeNode {") && all.contains("pub struct TreeNodeValue {"));
}

#[test]
fn a_list_that_contains_itself() {
    let message = error_after(|s, _| {
        s["shapes"]["PasswordListType"]["member"]["shape"] = json!("PasswordListType")
    });
    assert_eq!(
        message,
        "shapes.PasswordListType: a list or map that contains itself"
    );
}

#[test]
fn paginator_naming_a_missing_member() {
    let message = error_after(|_, p| p["pagination"]["ListThings"]["result_key"] = json!("Items"));
    assert_eq!(
        message,
        r#"paginators.ListThings.result_key: "Items" is not a list member of ListThingsOutput"#
    );
    let message =
        error_after(|_, p| p["pagination"]["Nope"] = p["pagination"]["ListThings"].clone());
    assert_eq!(message, "paginators.Nope: no operation of that name");
}

/// Paginator keys that are lists or expressions are not an error: the operation is generated
/// unpaginated, and its docs say so.
#[test]
fn paginators_beyond_simple_keys_are_skipped_and_documented() {
    // Lists of keys, paths, expressions, and a member that is no list (budgets, devicefarm).
    for result_key in [
        json!(["Items", "More"]),
        json!("Result.Items"),
        json!("Items || Other"),
        json!("NextToken"),
    ] {
        let service: ServiceModel = parse(FIXTURE).unwrap();
        let mut paginators: Value = serde_json::from_str(PAGINATORS).unwrap();
        paginators["pagination"]["ListThings"]["result_key"] = result_key.clone();
        let paginators: PaginatorsModel = parse(&paginators.to_string()).unwrap();
        let files = cognito_idp_codegen::generate_from(
            &fixture(service, paginators),
            &Default::default(),
            "fixture",
            "sink",
        )
        .unwrap_or_else(|e| panic!("{result_key}: {e}"));
        let module = files
            .iter()
            .find(|f| f.path.ends_with("list_things.rs"))
            .expect("the operation's module");
        assert!(!module.contents.contains("into_paginator"), "{result_key}");
        assert!(
            module.contents.contains("Not paginated here"),
            "{result_key}"
        );
    }
}

/// Shapes named like what the generator invents (an operation's `{Op}Error`, a name the
/// generated code imports) are renamed, not clashes.
#[test]
fn shapes_named_like_invented_or_imported_names_are_renamed() {
    let mut service: Value = serde_json::from_str(FIXTURE).unwrap();
    let shapes = service["shapes"].as_object_mut().unwrap();
    shapes.insert(
        "ListThingsError".into(),
        json!({"type": "structure", "members": {"Reason": {"shape": "StringType"}}}),
    );
    shapes.insert(
        "Operation".into(),
        json!({"type": "structure", "members": {"Name": {"shape": "StringType"}}}),
    );
    shapes.insert(
        "Paginator".into(),
        json!({"type": "string", "enum": ["A", "B"]}),
    );
    let members = service["shapes"]["ListThingsResponse"]["members"]
        .as_object_mut()
        .unwrap();
    members.insert("Error".into(), json!({"shape": "ListThingsError"}));
    members.insert("Op".into(), json!({"shape": "Operation"}));
    members.insert("Pages".into(), json!({"shape": "Paginator"}));
    let service: ServiceModel = parse(&service.to_string()).unwrap();
    let paginators: PaginatorsModel = parse(PAGINATORS).unwrap();
    let files = cognito_idp_codegen::generate_from(
        &fixture(service, paginators),
        &Default::default(),
        "fixture",
        "sink",
    )
    .expect("no clash");
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    for renamed in [
        "pub struct ListThingsErrorValue",
        "pub struct OperationValue",
        "pub enum PaginatorValue",
        "pub enum ListThingsError {",
    ] {
        assert!(all.contains(renamed), "{renamed}");
    }
}

/// Operations this client cannot carry (event streams, host prefixes) are generated with a
/// `send` that refuses them, and say so in their docs.
#[test]
fn event_streams_and_host_prefixes_are_refused_clearly() {
    let mut service: Value = serde_json::from_str(FIXTURE).unwrap();
    service["operations"]["StreamThings"] = json!({
        "name": "StreamThings",
        "input": {"shape": "ListThingsRequest"},
        "output": {"shape": "StreamThingsResponse"}
    });
    service["operations"]["PrefixedThing"] = json!({
        "name": "PrefixedThing",
        "input": {"shape": "ListThingsRequest"},
        "endpoint": {"hostPrefix": "data."}
    });
    service["shapes"]["StreamThingsResponse"] = json!({
        "type": "structure",
        "members": {"Events": {"shape": "ThingEvents"}}
    });
    service["shapes"]["ThingEvents"] = json!({
        "type": "structure",
        "eventstream": true,
        "members": {"Thing": {"shape": "StringType"}}
    });
    let service: ServiceModel = parse(&service.to_string()).unwrap();
    let paginators: PaginatorsModel = parse(PAGINATORS).unwrap();
    let files = cognito_idp_codegen::generate_from(
        &fixture(service, paginators),
        &Default::default(),
        "fixture",
        "sink",
    )
    .expect("generated, with the two refused");
    for (module, reason) in [
        ("stream_things.rs", "streams events"),
        ("prefixed_thing.rs", "hostPrefix"),
    ] {
        let text = &files
            .iter()
            .find(|f| f.path.ends_with(module))
            .unwrap_or_else(|| panic!("{module}"))
            .contents;
        assert!(text.contains(".refuse("), "{module}");
        let refusal = text
            .lines()
            .find(|l| l.contains("is not supported:"))
            .unwrap_or_default();
        assert!(refusal.contains(reason), "{module}: {refusal}");
        assert!(
            !text.contains("self.handle.invoke"),
            "{module}: nothing is sent"
        );
    }
    // The operations' docs say so (on the client's methods, their inputs being shared).
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    assert!(all.matches("**Not supported by this client:**").count() >= 2);
}

#[test]
fn endpoint_parameters_that_are_no_string_or_boolean() {
    let message = error_after(|s, _| {
        s["operations"]["ListThings"]["staticContextParams"]["Stage"]["value"] = json!(3)
    });
    assert_eq!(
        message,
        "operations.ListThings.staticContextParams.Stage.value: neither a string nor a boolean"
    );
    let message = error_after(|s, _| {
        s["shapes"]["ListThingsRequest"]["members"]["MaxResults"]["contextParam"] =
            json!({"name": "Limit"})
    });
    assert_eq!(
        message,
        "shapes.ListThingsRequest.members.MaxResults.contextParam: only strings and booleans \
         can be endpoint parameters"
    );
}

#[test]
fn unknown_timestamp_formats() {
    let message = error_after(|s, _| s["shapes"]["DateType"]["timestampFormat"] = json!("julian"));
    assert_eq!(
        message,
        r#"shapes.DateType.timestampFormat: unknown timestamp format "julian""#
    );
}
