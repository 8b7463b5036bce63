//! The model diff on a pair of fixture models made to hold one change of every kind.

use std::path::Path;

fn fixture_diff() -> cognito_idp_codegen::diff::ModelDiff {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff");
    cognito_idp_codegen::diff::diff(&dir.join("old"), &dir.join("new")).expect("both models load")
}

#[test]
fn every_kind_of_change_is_named_and_classified() {
    let diff = fixture_diff();
    let listed: Vec<String> = diff
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} {}: {}",
                if c.breaking { "BREAKING" } else { "other" },
                c.subject,
                c.what
            )
        })
        .collect();
    let expected = [
        "BREAKING operation DropThing: removed",
        "other operation PutThing: added",
        "BREAKING operation GetThing: error Throttled no longer listed",
        "other operation GetThing: error Conflict listed",
        "BREAKING shape DropThingRequest: removed",
        "BREAKING shape Throttled: removed",
        "other shape BigNumber: added",
        "other shape Conflict: added",
        "other shape Name: added",
        "other shape SecretText: added",
        "BREAKING shape Color: enum value GREEN removed",
        "other shape Color: enum value BLUE added",
        "BREAKING shape GetThingRequest.Old: member removed",
        "BREAKING shape GetThingRequest.Region: required member added",
        "other shape GetThingRequest.Note: member added",
        "BREAKING shape GetThingRequest.Color: now required",
        "other shape GetThingRequest.Id: type Text -> Name",
        "BREAKING shape GetThingRequest.Size: type Number -> BigNumber",
        "other shape GetThingResponse.Secret: type Text -> SecretText",
        "other shape ListThingsRequest.Limit: member added",
        "other shape Owner: now sensitive (redacted in Debug)",
        "other paginator ListThings: page size (limit_key): unset -> Limit",
        "other endpoint parameter UseFIPS: removed",
        "other endpoint parameter Endpoint: added",
        "other endpoint parameter Region: required: unset -> true",
    ];
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    sorted_expected.sort();
    assert_eq!(sorted_listed, sorted_expected, "{listed:#?}");
    assert_eq!(
        diff.documentation_changes, 2,
        "GetThing's and GetThingResponse.Name's docs"
    );
}

#[test]
fn markdown_leads_with_the_breaking_changes_and_json_carries_them_all() {
    let diff = fixture_diff();
    let markdown = diff.to_markdown("Model changes");
    assert!(
        markdown.starts_with("## Model changes\n\n**9 breaking** change(s)"),
        "{markdown}"
    );
    let breaking = markdown.find("### Breaking").unwrap();
    let other = markdown.find("### Other").unwrap();
    assert!(breaking < other);
    assert!(markdown[breaking..other].contains("- `shape Color`: enum value GREEN removed"));
    let json: serde_json::Value = serde_json::from_str(&diff.to_json()).unwrap();
    assert_eq!(
        json["changes"].as_array().unwrap().len(),
        diff.changes.len()
    );
    assert_eq!(json["documentation_changes"], 2);
}

#[test]
fn a_model_compared_with_itself_has_no_changes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kitchen-sink");
    let diff = cognito_idp_codegen::diff::diff(&dir, &dir).unwrap();
    assert_eq!(diff, cognito_idp_codegen::diff::ModelDiff::default());
}
