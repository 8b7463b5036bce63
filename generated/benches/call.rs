//! The client-side cost of one call: building the input, serialising it, signing, sending over a
//! kept-alive loopback connection, and reading the output. The baseline is the same exchange as a
//! bare `reqwest` POST of ready-made bytes, so the difference is what this crate adds.

use std::hint::black_box;

use cognito_idp::types::AuthFlowType;
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const POOLS: &str = r#"{"UserPools":[{"Id":"us-east-1_bench","Name":"bench","LambdaConfig":{},"Status":"Enabled","LastModifiedDate":1.7E9,"CreationDate":1.7E9}],"NextToken":"t"}"#;
const TOKENS: &str = r#"{"AuthenticationResult":{"AccessToken":"eyJ.a.b","ExpiresIn":3600,"TokenType":"Bearer","RefreshToken":"eyJ.c.d","IdToken":"eyJ.e.f"},"ChallengeParameters":{}}"#;

/// A keep-alive HTTP/1.1 server answering `ListUserPools` and `InitiateAuth` with fixed bodies.
async fn stub() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while buffer.len() < end + 4 + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = if head.contains("initiateauth") {
                        TOKENS
                    } else {
                        POOLS
                    };
                    buffer.drain(..end + 4 + length);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

fn call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime.block_on(stub());
    let client = Client::new(
        Config::builder()
            .endpoint_url(&url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDBENCH", "bench-secret"))
            .retry(RetryConfig::disabled())
            .build(),
    );
    let raw = cognito_idp_runtime::transport::http_client_builder()
        .unwrap()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("one call");
    group.bench_function("baseline: bare reqwest POST, same bytes", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = raw
                    .post(&url)
                    .header("content-type", "application/x-amz-json-1.1")
                    .header(
                        "x-amz-target",
                        "AWSCognitoIdentityProviderService.ListUserPools",
                    )
                    .body(r#"{"MaxResults":10}"#)
                    .send()
                    .await
                    .unwrap();
                black_box(response.bytes().await.unwrap())
            })
        })
    });
    group.bench_function("ListUserPools: build, serialise, sign, send, parse", |b| {
        b.iter(|| {
            runtime.block_on(async {
                black_box(
                    client
                        .list_user_pools()
                        .max_results(10)
                        .send()
                        .await
                        .unwrap(),
                )
            })
        })
    });
    group.bench_function(
        "InitiateAuth (unsigned): build, serialise, send, parse",
        |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let output = client
                        .initiate_auth()
                        .auth_flow(AuthFlowType::UserPasswordAuth)
                        .client_id("app")
                        .auth_parameters("USERNAME", "alice")
                        .auth_parameters("PASSWORD", "hunter2")
                        .send()
                        .await
                        .unwrap();
                    black_box(output)
                })
            })
        },
    );
    group.finish();
}

criterion_group!(benches, call);
criterion_main!(benches);
