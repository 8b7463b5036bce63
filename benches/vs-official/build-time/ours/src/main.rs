//! One InitiateAuth call with this project's client.

use cognito_idp::types::AuthFlowType;
use cognito_idp::{Client, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9".into());
    let client = Client::new(Config::builder().region("us-east-1").endpoint_url(endpoint).build());
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
