//! Conventions a user of a serious SDK expects: `Debug` that shows what matters in a few hundred
//! characters, and `Default` wherever nothing is required.

use cognito_idp::operation::list_users::{ListUsersInput, ListUsersOutput};
use cognito_idp::types::{AttributeType, UserType};
use cognito_idp::{Client, Config};

#[test]
fn debug_shows_the_region_endpoint_and_input_only() {
    let client = Client::new(Config::builder().region("eu-west-1").build());
    let shown = format!("{client:?}");
    assert!(shown.len() < 400, "{} characters: {shown}", shown.len());
    assert!(shown.contains("eu-west-1"), "{shown}");
    assert!(
        shown.contains("https://cognito-idp.eu-west-1.amazonaws.com"),
        "{shown}"
    );

    let builder = client.list_users().user_pool_id("eu-west-1_Pool").limit(5);
    let shown = format!("{builder:?}");
    assert!(shown.len() < 400, "{} characters: {shown}", shown.len());
    assert!(
        shown.contains("eu-west-1_Pool") && shown.contains("Some(5)"),
        "{shown}"
    );
    assert!(
        !shown.contains("partitions") && !shown.contains("endpoint"),
        "{shown}"
    );

    let sign_in = client
        .initiate_auth()
        .auth_parameters("PASSWORD", "hunter2-in-debug");
    assert!(!format!("{sign_in:?}").contains("hunter2-in-debug"));
}

#[test]
fn structures_with_nothing_required_have_default() {
    let output = ListUsersOutput::default();
    assert_eq!(output, ListUsersOutput::builder().build());
    let user = UserType::default();
    assert!(user.username.is_none() && user.attributes.is_none());
    // Structures with a required member have none: their builders say what is missing.
    assert!(AttributeType::builder().build().is_err());
    assert!(ListUsersInput::builder().build().is_err());
}
