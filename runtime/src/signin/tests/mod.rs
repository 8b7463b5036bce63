//! The machine alone, step by step: the exact parameters it sends for each flow and challenge.
//! The helpers here read a step as the request, question or tokens it must be; the tests are
//! grouped by subject.

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::*;
use crate::srp::{DeviceSecrets, secret_hash};

mod challenges;
mod devices;
mod flows;
mod hostile;

const POOL: &str = "us-east-1_Pool";
const CLIENT: &str = "client-1";
const SECRET: &str = "client-secret";

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sorted_keys(map: &HashMap<String, String>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn config() -> SignInConfig {
    SignInConfig::new(POOL, CLIENT)
}

fn password(p: &str) -> Option<Zeroizing<String>> {
    Some(Zeroizing::new(p.to_owned()))
}

fn device() -> DeviceSecrets {
    DeviceSecrets::generate_from("us-east-1_dev", "group", &[3; 40], &[4; 16]).0
}

fn sent(step: Step) -> Request {
    match step {
        Step::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn asked(step: Step) -> Question {
    match step {
        Step::Ask(question) => question,
        other => panic!("expected a question, got {other:?}"),
    }
}

fn done(step: Step) -> Tokens {
    match step {
        Step::Done(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    }
}

/// The `InitiateAuth` a step sends.
struct Initiate {
    admin: bool,
    flow: &'static str,
    parameters: HashMap<String, String>,
}

/// The `RespondToAuthChallenge` a step sends.
struct Respond {
    admin: bool,
    challenge: String,
    responses: HashMap<String, String>,
    session: Option<String>,
}

fn initiate(request: Request) -> Initiate {
    match request {
        Request::InitiateAuth {
            admin,
            auth_flow,
            parameters,
            ..
        } => Initiate {
            admin,
            flow: auth_flow,
            parameters,
        },
        other => panic!("expected InitiateAuth, got {other:?}"),
    }
}

fn respond(request: Request) -> Respond {
    match request {
        Request::RespondToAuthChallenge {
            admin,
            challenge_name,
            responses,
            session,
            ..
        } => Respond {
            admin,
            challenge: challenge_name.as_str().to_owned(),
            responses,
            session,
        },
        other => panic!("expected RespondToAuthChallenge, got {other:?}"),
    }
}

fn challenge(name: &str, parameters: &[(&str, &str)], session: &str) -> Reply {
    Reply::Challenge {
        name: name.into(),
        parameters: map(parameters),
        session: Some(session.to_owned()),
        available: Vec::new(),
    }
}

fn tokens() -> Reply {
    Reply::Authenticated(AuthResult {
        access_token: Some("access".into()),
        id_token: Some("id".into()),
        refresh_token: Some("refresh".into()),
        expires_in: Some(3600),
        token_type: Some("Bearer".into()),
        new_device: None,
    })
}

/// A valid-looking PASSWORD_VERIFIER challenge for user id `sub`.
fn verifier_challenge(sub: &str) -> Reply {
    challenge(
        "PASSWORD_VERIFIER",
        &[
            ("USER_ID_FOR_SRP", sub),
            ("USERNAME", sub),
            ("SALT", "abcdef"),
            ("SRP_B", "123456789abcdef"),
            ("SECRET_BLOCK", "c2VjcmV0"),
        ],
        "s1",
    )
}
