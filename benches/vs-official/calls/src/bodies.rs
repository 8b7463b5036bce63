//! Response bodies of the sizes Cognito sends.

use std::fmt::Write as _;
use std::sync::LazyLock;

/// A JWT-sized token: header, claims and signature of real Cognito proportions.
fn token(len: usize, seed: u8) -> String {
    (0..len)
        .map(|i| (b'A' + ((i as u8).wrapping_mul(7).wrapping_add(seed)) % 26) as char)
        .collect()
}

pub static TOKENS: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"{{"AuthenticationResult":{{"AccessToken":"{}","ExpiresIn":3600,"IdToken":"{}","RefreshToken":"{}","TokenType":"Bearer"}},"ChallengeParameters":{{}}}}"#,
        token(1071, 1),
        token(1125, 2),
        token(1784, 3)
    )
});

fn attributes(i: usize) -> String {
    format!(
        r#"[{{"Name":"sub","Value":"5b1c2d3e-{i:04}-4f5a-8b6c-7d8e9f0a1b2c"}},{{"Name":"email_verified","Value":"true"}},{{"Name":"name","Value":"User Number {i}"}},{{"Name":"phone_number_verified","Value":"false"}},{{"Name":"phone_number","Value":"+1555010{i:04}"}},{{"Name":"email","Value":"user{i}@example.com"}}]"#
    )
}

pub static USER: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"{{"Enabled":true,"UserAttributes":{},"UserCreateDate":1.700000000123E9,"UserLastModifiedDate":1.700000100456E9,"UserStatus":"CONFIRMED","Username":"alice"}}"#,
        attributes(1)
    )
});

/// About 27 KB: 60 users of six attributes each.
pub static USERS: LazyLock<String> = LazyLock::new(|| {
    let mut users = String::new();
    for i in 0..60 {
        if i > 0 {
            users.push(',');
        }
        let _ = write!(
            users,
            r#"{{"Attributes":{},"Enabled":true,"UserCreateDate":1.700000000123E9,"UserLastModifiedDate":1.700000100456E9,"UserStatus":"CONFIRMED","Username":"user-{i:04}"}}"#,
            attributes(i)
        );
    }
    format!(r#"{{"Users":[{users}],"PaginationToken":"next-page-token"}}"#)
});
