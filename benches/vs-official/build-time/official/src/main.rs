//! One InitiateAuth call with the official AWS SDK for Rust.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9".into());
    let config = aws_config::from_env()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .load()
        .await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&config);
    let output = client
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id("client")
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "hunter2")
        .send()
        .await?;
    println!("{:?}", output.challenge_name);
    Ok(())
}
