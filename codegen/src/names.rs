//! Rust names for model names: the only place that decides how a name is spelled.
//!
//! Words are split at case changes, keeping acronyms whole (`GetCSVHeader` -> `get`, `csv`,
//! `header`) and digits with the word before them (`Sha256Hash` -> `sha256`, `hash`).

/// Splits a model name into lowercase words.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A plural acronym keeps its "s": "URLs" is one word, not "UR" and "Ls".
            let plural = chars.get(i + 1) == Some(&'s')
                && !chars.get(i + 2).is_some_and(|n| n.is_ascii_lowercase());
            // "fooBar" splits before B; "CSVHeader" splits before the H of "Header".
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower && !plural)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `AdminSetUserMFAPreference` -> `admin_set_user_mfa_preference`.
pub fn snake_case(name: &str) -> String {
    words(name).join("_")
}

/// `SMSMfaSettingsType` -> `SmsMfaSettingsType`; `USER_SRP_AUTH` -> `UserSrpAuth`.
pub fn pascal_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A field, method or module name as code writes it (`r#type` for a keyword), which knows its
/// plain form (`type`): what names derived from it (`set_type`) and docs use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identifier(String);

impl Identifier {
    /// As code writes it.
    pub fn code(&self) -> &str {
        &self.0
    }

    /// Without the `r#` of a raw identifier.
    pub fn plain(&self) -> &str {
        self.0.strip_prefix("r#").unwrap_or(&self.0)
    }
}

impl AsRef<str> for Identifier {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Methods generated code defines or calls beside the member setters (a builder's `build` and
/// `default`, a fluent builder's `send`...): a member of that name (codebuild's `Build`,
/// verifiedpermissions' `default`) takes `_value`.
const GENERATED_METHODS: &[&str] = &[
    "build",
    "builder",
    "default",
    "send",
    "as_input",
    "into_paginator",
    "new",
];

/// A field, method or module name; keywords become raw identifiers (`type` -> `r#type`).
pub fn field_ident(name: &str) -> Identifier {
    Identifier(field_code(name))
}

fn field_code(name: &str) -> String {
    let snake = snake_case(name);
    let snake = if snake.is_empty() {
        "value".to_owned()
    } else {
        snake
    };
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{snake}")
    } else if matches!(snake.as_str(), "self" | "super" | "crate")
        || GENERATED_METHODS.contains(&snake.as_str())
    {
        format!("{snake}_value")
    } else if is_keyword(&snake) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// A type or variant name that cannot clash with the names generated code uses.
pub fn type_ident(name: &str) -> String {
    let pascal = pascal_case(name);
    let pascal = if pascal.is_empty() {
        "Value".to_owned()
    } else {
        pascal
    };
    if pascal.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{pascal}")
    } else if RESERVED_TYPES.contains(&pascal.as_str()) {
        format!("{pascal}Value")
    } else {
        pascal
    }
}

/// Names the generated code uses unqualified, or that the language reserves: what the emitters
/// import (a test reads every `use` of the generated files and fails on one missing here) and
/// the prelude's types.
pub const RESERVED_TYPES: &[&str] = &[
    "Blob",
    "Box",
    "BuildError",
    "Config",
    "ConstructionError",
    "DateTime",
    "Debug",
    "DecodeError",
    "Deserialize",
    "DeserializeOwned",
    "Deserializer",
    "Document",
    "ErrorBody",
    "ErrorMetadata",
    "FromStr",
    "Handle",
    "HashMap",
    "Infallible",
    "Operation",
    "OperationError",
    "Option",
    "Pagination",
    "Paginator",
    "Redacted",
    "Result",
    "SdkError",
    "Secrets",
    "Self",
    "Serialize",
    "Serializer",
    "Service",
    "String",
    "Unhandled",
    "UnknownValue",
    "Vec",
];

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

/// The name serde's `rename_all = "PascalCase"` gives a snake_case field.
pub fn serde_pascal(field: &Identifier) -> String {
    field
        .plain()
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names() {
        assert_eq!(
            snake_case("AdminSetUserMFAPreference"),
            "admin_set_user_mfa_preference"
        );
        assert_eq!(snake_case("GetCSVHeader"), "get_csv_header");
        assert_eq!(snake_case("InitiateAuth"), "initiate_auth");
        assert_eq!(snake_case("AllowedOAuthFlows"), "allowed_o_auth_flows");
        assert_eq!(snake_case("Sha256Hash"), "sha256_hash");
        assert_eq!(snake_case("SMSMfaSettings"), "sms_mfa_settings");
        assert_eq!(snake_case("IdTokenValidity"), "id_token_validity");
        assert_eq!(
            snake_case("ListClientMetadataURLs"),
            "list_client_metadata_urls"
        );
        assert_eq!(snake_case("CallbackURLs"), "callback_urls");
        assert_eq!(snake_case("URLsList"), "urls_list");
    }

    #[test]
    fn type_and_variant_names() {
        assert_eq!(type_ident("SMSMfaSettingsType"), "SmsMfaSettingsType");
        assert_eq!(type_ident("USER_SRP_AUTH"), "UserSrpAuth");
        assert_eq!(
            type_ident("aws.cognito.signin.user.admin"),
            "AwsCognitoSigninUserAdmin"
        );
        assert_eq!(type_ident("phone_number"), "PhoneNumber");
        assert_eq!(type_ident("3DES"), "V3Des");
        assert_eq!(type_ident("String"), "StringValue");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        let raw = field_ident("Type");
        assert_eq!((raw.code(), raw.plain()), ("r#type", "type"));
        assert_eq!(field_ident("Self").code(), "self_value");
        assert_eq!(field_ident("Name").code(), "name");
    }

    #[test]
    fn serde_pascal_matches_serde() {
        let pascal = |name: &str| serde_pascal(&field_ident(name));
        assert_eq!(pascal("UserPoolId"), "UserPoolId");
        assert_eq!(pascal("Type"), "Type");
        assert_ne!(pascal("MFAOptions"), "MFAOptions");
    }
}
