//! Responses an attacker controlling the endpoint, or a slightly non-conforming server, would
//! send: each ends in a clear typed outcome, never a followed redirect, a leaked secret or a
//! silently coerced value. One test per finding of the hostile-response review.

mod support;

use cognito_idp::Client;
use cognito_idp::error::{DecodeError, PaginationError, ResponseErrorKind, SdkError};
use cognito_idp::operation::admin_get_user::AdminGetUserError;
use cognito_idp::operation::initiate_auth::{InitiateAuthError, InitiateAuthOutput};
use cognito_idp::operation::list_user_pools::ListUserPoolsError;
use cognito_idp::sign_in::{AuthError, Flow, SignInConfig, SignInError};
use cognito_idp::types::AuthFlowType;
use cognito_idp_testkit::Script;
use support::{RawStub, json, response};
use zeroize::Zeroizing;

const PASSWORD: &str = "Correct-Horse-Battery-9";

/// `USER_PASSWORD_AUTH` with the password, the request most worth stealing.
async fn password_auth(client: &Client) -> Result<InitiateAuthOutput, SdkError<InitiateAuthError>> {
    client
        .initiate_auth()
        .client_id("app")
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
}

fn response_kind<E: std::fmt::Debug>(
    result: Result<impl std::fmt::Debug, SdkError<E>>,
) -> ResponseErrorKind {
    match result {
        Err(SdkError::Response(e)) => e.kind,
        other => panic!("expected a response error, got {other:?}"),
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let elsewhere =
        RawStub::start(|_| json(200, r#"{"AuthenticationResult":{"AccessToken":"forged"}}"#)).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("{}/steal", elsewhere.url.replace("127.0.0.1", "localhost"));
        let stub = RawStub::start(move |_| {
            response(
                status,
                &[
                    ("Location", &location),
                    ("Content-Type", "application/json"),
                ],
                b"{}",
            )
        })
        .await;
        let kind = response_kind(password_auth(&stub.client()).await);
        assert_eq!(
            kind,
            ResponseErrorKind::Redirect {
                location_host: Some("localhost".into())
            },
            "HTTP {status}"
        );
        assert_eq!(stub.requests(), 1, "HTTP {status}: not retried");
    }
    assert_eq!(elsewhere.requests(), 0, "the password went nowhere else");
}

#[tokio::test]
async fn a_shared_client_that_follows_redirects_is_caught() {
    let elsewhere =
        RawStub::start(|_| json(200, r#"{"AuthenticationResult":{"AccessToken":"forged"}}"#)).await;
    let location = format!("{}/x", elsewhere.url);
    let stub = RawStub::start(move |_| response(307, &[("Location", &location)], b"")).await;
    let following = cognito_idp::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let client = Client::new(
        cognito_idp::Config::builder()
            .endpoint_url(&stub.url)
            .region("us-east-1")
            .http_client(following)
            .build(),
    );
    let kind = response_kind(password_auth(&client).await);
    assert_eq!(
        kind,
        ResponseErrorKind::Redirected {
            host: Some("127.0.0.1".into())
        }
    );
}

#[tokio::test]
async fn pages_stop_on_a_repeated_token_or_the_page_cap() {
    let page = |token: &str| {
        json(
            200,
            &format!(r#"{{"Users":[{{"Username":"u"}}],"PaginationToken":"{token}"}}"#),
        )
    };
    // A, B, A, ...: only an immediately repeated token used to stop this.
    let alternating = RawStub::start(move |n| page(if n % 2 == 0 { "A" } else { "B" })).await;
    let client = alternating.client();
    let mut pages = client
        .list_users()
        .user_pool_id("p")
        .into_paginator()
        .send();
    let mut seen = 0;
    let stop = loop {
        match pages
            .next()
            .await
            .expect("ends with an error, not silently")
        {
            Ok(_) => seen += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(seen, 3);
    assert!(
        matches!(
            stop,
            SdkError::Pagination(PaginationError::RepeatedToken { page: 3 })
        ),
        "{stop:?}"
    );
    assert!(pages.next().await.is_none());
    assert_eq!(alternating.requests(), 3);

    // A fresh token on every page: the cap ends it.
    let endless = RawStub::start(move |n| page(&format!("t{n}"))).await;
    let items = endless
        .client()
        .list_users()
        .user_pool_id("p")
        .into_paginator()
        .max_pages(25)
        .items()
        .send()
        .collect()
        .await;
    assert!(
        matches!(
            items,
            Err(SdkError::Pagination(PaginationError::TooManyPages {
                max_pages: 25
            }))
        ),
        "{items:?}"
    );
    assert_eq!(endless.requests(), 25);
}

#[tokio::test]
async fn echoed_passwords_never_reach_an_error() {
    let html = format!("<html><body>Bad request: USERNAME=alice&PASSWORD={PASSWORD}</body></html>");
    let json_echo = format!(
        r#"{{"__type":"NotAuthorizedException","message":"password {PASSWORD} is wrong"}}"#
    );
    let unknown_echo = format!(r#"{{"__type":"Weird","message":"{PASSWORD}","Message":"x"}}"#);
    let header_echo = PASSWORD.to_owned();
    let replies = [
        response(400, &[("Content-Type", "text/html")], html.as_bytes()),
        json(400, &json_echo),
        json(400, &unknown_echo),
        response(
            400,
            &[
                ("X-Amzn-ErrorType", &header_echo),
                ("Content-Type", "text/html"),
            ],
            b"",
        ),
    ];
    let count = replies.len();
    let stub = RawStub::start(move |n| replies[n].clone()).await;
    let client = stub.client();
    for _ in 0..count {
        let error = password_auth(&client).await.unwrap_err();
        let shown = format!(
            "{error} | {error:?} | {:?}",
            std::error::Error::source(&error)
        );
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(!shown.contains("Horse"), "{shown}");
    }
    // The typed error is still typed; its message lost only the secret.
    let stub = RawStub::start(move |_| json(400, &json_echo)).await;
    let error = password_auth(&stub.client()).await.unwrap_err();
    let Some(InitiateAuthError::NotAuthorizedException(e)) = error.as_service_error() else {
        panic!("{error:?}")
    };
    assert_eq!(e.message.as_deref(), Some("password *** is wrong"));
    // Without a secret in the request, an error page is quoted.
    let stub = RawStub::start(|_| {
        response(
            502,
            &[("Content-Type", "text/html")],
            b"<h1>Bad gateway</h1>",
        )
    })
    .await;
    let error = stub
        .client()
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap_err();
    let Some(ListUserPoolsError::Unhandled(unhandled)) = error.as_service_error() else {
        panic!("{error:?}")
    };
    let source = std::error::Error::source(unhandled).expect("the page, quoted");
    assert!(source.to_string().contains("Bad gateway"), "{source}");
}

#[tokio::test]
async fn string_maps_neither_coerce_null_nor_accept_numbers() {
    let stub = RawStub::start(|n| match n {
        0 => json(200, r#"{"ChallengeName":"SMS_MFA","ChallengeParameters":{"USERNAME":null,"CODE_DELIVERY_DESTINATION":"+1***"}}"#),
        _ => json(200, r#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{"SRP_B":2}}"#),
    })
    .await;
    let client = stub.client();
    let output = password_auth(&client)
        .await
        .expect("null is an absent entry");
    let parameters = output.challenge_parameters.unwrap();
    assert!(!parameters.contains_key("USERNAME"));
    assert_eq!(parameters["CODE_DELIVERY_DESTINATION"], "+1***");
    let kind = response_kind(password_auth(&client).await);
    assert!(
        matches!(
            kind,
            ResponseErrorKind::Undecodable(DecodeError::Shape { .. })
        ),
        "{kind:?}"
    );
}

async fn sign_in(reply: &'static str) -> Result<cognito_idp::sign_in::Tokens, AuthError> {
    let stub = RawStub::start(move |_| json(200, reply)).await;
    stub.client()
        .authenticator(SignInConfig::new("us-east-1_stub", "app"))
        .run(
            Flow::UserPassword,
            "alice",
            Some(Zeroizing::new(PASSWORD.to_owned())),
            &mut Script::none(),
        )
        .await
}

#[tokio::test]
async fn values_that_cannot_be_right_fail_the_sign_in() {
    for (reply, expected) in [
        (
            r#"{"AuthenticationResult":{"AccessToken":"","ExpiresIn":3600}}"#,
            SignInError::EmptyToken,
        ),
        (
            r#"{"AuthenticationResult":{"AccessToken":"a.b.c","IdToken":" ","ExpiresIn":3600}}"#,
            SignInError::EmptyToken,
        ),
        (
            r#"{"AuthenticationResult":{"AccessToken":"a.b.c","ExpiresIn":-1}}"#,
            SignInError::NonPositiveLifetime(-1),
        ),
    ] {
        let failed = sign_in(reply).await.unwrap_err();
        assert!(
            matches!(&failed, AuthError::SignIn(e) if *e == expected),
            "{reply}: {failed:?}"
        );
    }
    for name in [r#"["x"]"#, r#""""#, r#""a\u001bb""#] {
        let reply: &'static str =
            format!(r#"{{"ChallengeName":"SMS_MFA","ChallengeParameters":{{"USERNAME":{name}}}}}"#)
                .leak();
        let failed = sign_in(reply).await.unwrap_err();
        assert!(
            matches!(
                failed,
                AuthError::SignIn(SignInError::BadParameter {
                    parameter: "USERNAME",
                    ..
                })
            ),
            "{name}: {failed:?}"
        );
    }
    let fine =
        sign_in(r#"{"AuthenticationResult":{"AccessToken":"a.b.c","ExpiresIn":3600}}"#).await;
    assert_eq!(
        fine.expect("a plain sign-in").access_token.as_str(),
        "a.b.c"
    );
}

#[tokio::test]
async fn headers_and_labels_are_read_for_what_they_say() {
    let not_found = r#"{"__type":"UserNotFoundException","message":"no such user"}"#;
    let stub = RawStub::start(move |n| match n {
        0 => response(
            400,
            &[
                ("X-Amzn-ErrorType", ""),
                ("Content-Type", "application/json"),
            ],
            not_found.as_bytes(),
        ),
        1 => response(
            400,
            &[
                ("X-Amzn-ErrorType", "#"),
                ("Content-Type", "application/json"),
            ],
            not_found.as_bytes(),
        ),
        2 => response(
            400,
            &[
                ("X-Amzn-ErrorType", "   "),
                ("Content-Type", "application/json"),
            ],
            not_found.as_bytes(),
        ),
        3 => response(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            b"\x1f\x8b\x08",
        ),
        // A JSON body labelled as something else is an error page, not an error object.
        _ => response(
            400,
            &[("Content-Type", "text/plain; x=json")],
            not_found.as_bytes(),
        ),
    })
    .await;
    let client = stub.client();
    let get = || {
        client
            .admin_get_user()
            .user_pool_id("p")
            .username("alice")
            .send()
    };
    for _ in 0..3 {
        let error = get().await.unwrap_err();
        assert!(
            matches!(
                error.as_service_error(),
                Some(AdminGetUserError::UserNotFoundException(_))
            ),
            "{error:?}"
        );
    }
    let kind = response_kind(get().await);
    assert_eq!(
        kind,
        ResponseErrorKind::Encoded {
            encoding: "gzip".into()
        }
    );
    let error = get().await.unwrap_err();
    assert!(
        matches!(
            error.as_service_error(),
            Some(AdminGetUserError::Unhandled(_))
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn control_characters_and_long_codes_are_escaped_and_cut() {
    let long = "X".repeat(10_000);
    let body = format!(r#"{{"__type":"{long}","message":"line\r\nforged: \u001b[31mred"}}"#);
    let stub = RawStub::start(move |_| json(400, &body)).await;
    let error = stub
        .client()
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap_err();
    let shown = error.as_service_error().unwrap().to_string();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(shown.contains(r"line\r\nforged: \u{1b}[31mred"), "{shown}");
    assert!(shown.len() < 400, "{} characters", shown.len());
    let code = error.meta().unwrap().code.as_deref().unwrap();
    assert!(code.ends_with('…') && code.chars().count() == 129, "{code}");
}

#[tokio::test]
async fn valid_responses_are_accepted_whatever_their_label() {
    let stub = RawStub::start(|n| match n {
        // moto's UpdateUserPool: the update applied, an empty body labelled HTML.
        0 => response(200, &[("Content-Type", "text/html; charset=utf-8")], b""),
        1 => response(200, &[("Content-Type", "text/plain")], br#"{"UserPools":[{"Id":"p"}]}"#),
        2 => response(200, &[], b"  \n"),
        // One attribute without its required Name: the page is kept, the Name left empty.
        3 => json(200, r#"{"Users":[{"Username":"a","Attributes":[{"Value":"v"},{"Name":"email","Value":"e"}]},{"Username":"b"}]}"#),
        _ => json(400, r#"{"__type":"NotAuthorizedException","Message":"capitalised"}"#),
    })
    .await;
    let client = stub.client();
    client
        .update_user_pool()
        .user_pool_id("p")
        .send()
        .await
        .expect("empty HTML-labelled 200");
    let pools = client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .expect("JSON labelled text");
    assert_eq!(pools.user_pools.unwrap()[0].id.as_deref(), Some("p"));
    client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .expect("a blank body is {}");
    let users = client
        .list_users()
        .user_pool_id("p")
        .send()
        .await
        .expect("a lenient page");
    let users = users.users.unwrap();
    assert_eq!(users.len(), 2);
    let attributes = users[0].attributes.as_ref().unwrap();
    assert_eq!(
        (attributes[0].name.as_str(), attributes[1].name.as_str()),
        ("", "email")
    );
    let error = password_auth(&client).await.unwrap_err();
    let Some(InitiateAuthError::NotAuthorizedException(e)) = error.as_service_error() else {
        panic!("{error:?}")
    };
    assert_eq!(e.message.as_deref(), Some("capitalised"));
}

#[test]
fn recorded_bodies_decode_as_the_client_reads_them() {
    use cognito_idp::operation::list_users::ListUsersOutput;
    use cognito_idp::types::UserStatusType;

    let body =
        br#"{"Users":[{"Username":"alice","UserStatus":"CONFIRMED","UserCreateDate":1.7E9}]}"#;
    let users = cognito_idp::decode::<ListUsersOutput>(body)
        .unwrap()
        .users
        .unwrap();
    assert_eq!(users[0].username.as_deref(), Some("alice"));
    assert_eq!(users[0].user_status, Some(UserStatusType::Confirmed));
    assert_eq!(users[0].user_create_date.unwrap().secs(), 1_700_000_000);
    // Cut short, not UTF-8, or out of proportion: each a typed error that quotes nothing.
    let short = cognito_idp::decode::<ListUsersOutput>(br#"{"Users":[{"Username":"#);
    assert!(
        matches!(short, Err(DecodeError::Syntax { .. })),
        "{short:?}"
    );
    let latin1 = cognito_idp::decode::<ListUsersOutput>(b"{\"PaginationToken\":\"caf\xe9\"}");
    assert!(
        matches!(
            latin1,
            Err(DecodeError::Syntax {
                line: 1,
                column: 24
            })
        ),
        "{latin1:?}"
    );
    let amplified = format!(r#"{{"Users":[{}{{}}]}}"#, "{},".repeat(1 << 20));
    let amplified = cognito_idp::decode::<ListUsersOutput>(amplified.as_bytes());
    assert!(
        matches!(amplified, Err(DecodeError::OverBudget { .. })),
        "{amplified:?}"
    );
}

#[tokio::test]
async fn a_page_echoing_the_session_token_is_not_quoted() {
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
    let page = format!("<html>Forbidden. Your request: X-Amz-Security-Token: {TOKEN}</html>");
    let echo = format!(r#"{{"__type":"AccessDenied","message":"token {TOKEN} refused"}}"#);
    let replies = [
        response(403, &[("Content-Type", "text/html")], page.as_bytes()),
        json(403, &echo),
    ];
    let stub = RawStub::start(move |n| replies[n].clone()).await;
    let client = Client::new(
        cognito_idp::Config::builder()
            .endpoint_url(&stub.url)
            .region("us-east-1")
            .credentials(
                cognito_idp::Credentials::new("ASIASTUB", "stub-secret-key")
                    .with_session_token(TOKEN),
            )
            .retry(cognito_idp::RetryConfig::disabled())
            .build(),
    );
    for _ in 0..2 {
        let error = client
            .list_user_pools()
            .max_results(1)
            .send()
            .await
            .unwrap_err();
        let mut shown = format!("{error} | {error:?}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            shown.push_str(&format!(" | {cause} | {cause:?}"));
            source = cause.source();
        }
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("EXAMPLESESSION"), "{shown}");
    }
}
