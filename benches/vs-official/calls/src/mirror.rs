//! The `ListUsers` output as plain `#[derive(Deserialize)]` types: the baseline for parsing.

use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
pub struct ListUsersResponse {
    pub users: Option<Vec<User>>,
    pub pagination_token: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
pub struct User {
    pub username: Option<String>,
    pub attributes: Option<Vec<Attribute>>,
    pub user_create_date: Option<f64>,
    pub user_last_modified_date: Option<f64>,
    pub enabled: Option<bool>,
    pub user_status: Option<String>,
    #[serde(rename = "MFAOptions")]
    pub mfa_options: Option<Vec<Attribute>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
pub struct Attribute {
    pub name: String,
    pub value: Option<String>,
}
