//! One InitiateAuth call with nothing but an HTTP client and serde.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateAuth<'a> {
    auth_flow: &'a str,
    client_id: &'a str,
    auth_parameters: HashMap<&'a str, &'a str>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct Output {
    authentication_result: Option<HashMap<String, serde_json::Value>>,
    challenge_name: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9".into());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;
    let body = InitiateAuth {
        auth_flow: "USER_PASSWORD_AUTH",
        client_id: "client",
        auth_parameters: HashMap::from([("USERNAME", "alice"), ("PASSWORD", "hunter2")]),
    };
    let response = client
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let output: Output = serde_json::from_slice(&response.bytes().await?)?;
    println!("{:?}", output.challenge_name.or(output.authentication_result.map(|_| "tokens".into())));
    Ok(())
}
