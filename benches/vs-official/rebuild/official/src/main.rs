//! An application of twenty Cognito calls with the official AWS SDK for Rust.

use aws_sdk_cognitoidentityprovider as sdk;

include!("../../calls.rs");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9".into());
    let config = aws_config::from_env().region("us-east-1").endpoint_url(endpoint).load().await;
    twenty(&sdk::Client::new(&config)).await
}
