//! An application of twenty Cognito calls with this project's client.

use cognito_idp as sdk;

include!("../../calls.rs");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9".into());
    let client = sdk::Client::new(sdk::Config::builder().region("us-east-1").endpoint_url(endpoint).build());
    twenty(&client).await
}
