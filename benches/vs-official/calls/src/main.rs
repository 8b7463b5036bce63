//! `cargo run --release`: median client-side cost of one call for three clients, interleaved
//! in rounds against one keep-alive loopback stub with realistic bodies, and their ratios to
//! the floor (a bare `reqwest` POST of the same request bytes, reading the body). Then the
//! parsing of a 27 KB `ListUsers` body: the generated types against a `serde` derive mirror.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod bodies;
mod mirror;

const ROUNDS: usize = 15;
const CALLS_PER_ROUND: usize = 200;

/// A keep-alive HTTP/1.1 server answering each operation with its body.
async fn stub() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 16384];
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
                        bodies::TOKENS.as_str()
                    } else if head.contains("admingetuser") {
                        bodies::USER.as_str()
                    } else {
                        bodies::USERS.as_str()
                    };
                    buffer.drain(..end + 4 + length);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                         x-amzn-RequestId: 8f1b6ad2-0000-4000-8000-000000000000\r\n\
                         Content-Length: {}\r\n\r\n{body}",
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

#[derive(Clone, Copy, PartialEq)]
enum Op {
    InitiateAuth,
    AdminGetUser,
    ListUsers,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::InitiateAuth => "InitiateAuth",
            Op::AdminGetUser => "AdminGetUser",
            Op::ListUsers => "ListUsers (27 KB)",
        }
    }
}

struct Clients {
    ours: cognito_idp::Client,
    official: aws_sdk_cognitoidentityprovider::Client,
    floor: reqwest::Client,
    url: String,
}

async fn ours(client: &cognito_idp::Client, op: Op) {
    use cognito_idp::types::AuthFlowType;
    match op {
        Op::InitiateAuth => {
            let out = client
                .initiate_auth()
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", "Correct-Horse-Battery-9")
                .send()
                .await
                .unwrap();
            black_box(out.authentication_result.unwrap().access_token);
        }
        Op::AdminGetUser => {
            let out = client
                .admin_get_user()
                .user_pool_id("us-east-1_AbCdEfGhI")
                .username("alice")
                .send()
                .await
                .unwrap();
            black_box(out.user_attributes);
        }
        Op::ListUsers => {
            let out = client
                .list_users()
                .user_pool_id("us-east-1_AbCdEfGhI")
                .limit(60)
                .send()
                .await
                .unwrap();
            black_box(out.users.unwrap().len());
        }
    }
}

async fn official(client: &aws_sdk_cognitoidentityprovider::Client, op: Op) {
    use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
    match op {
        Op::InitiateAuth => {
            let out = client
                .initiate_auth()
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", "Correct-Horse-Battery-9")
                .send()
                .await
                .unwrap();
            black_box(out.authentication_result.unwrap().access_token);
        }
        Op::AdminGetUser => {
            let out = client
                .admin_get_user()
                .user_pool_id("us-east-1_AbCdEfGhI")
                .username("alice")
                .send()
                .await
                .unwrap();
            black_box(out.user_attributes);
        }
        Op::ListUsers => {
            let out = client
                .list_users()
                .user_pool_id("us-east-1_AbCdEfGhI")
                .limit(60)
                .send()
                .await
                .unwrap();
            black_box(out.users.unwrap().len());
        }
    }
}

/// The same request bytes, ready-made, and the body read whole: what any client must pay.
async fn floor(client: &reqwest::Client, url: &str, op: Op) {
    let (target, body) = match op {
        Op::InitiateAuth => (
            "AWSCognitoIdentityProviderService.InitiateAuth",
            r#"{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"3n4b5urk1ft4fl3mg5e62d9ado","AuthParameters":{"USERNAME":"alice","PASSWORD":"Correct-Horse-Battery-9"}}"#,
        ),
        Op::AdminGetUser => (
            "AWSCognitoIdentityProviderService.AdminGetUser",
            r#"{"UserPoolId":"us-east-1_AbCdEfGhI","Username":"alice"}"#,
        ),
        Op::ListUsers => (
            "AWSCognitoIdentityProviderService.ListUsers",
            r#"{"UserPoolId":"us-east-1_AbCdEfGhI","Limit":60}"#,
        ),
    };
    let response = client
        .post(url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .body(body)
        .send()
        .await
        .unwrap();
    black_box(response.bytes().await.unwrap());
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = stub().await;
    let official_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
            "AKIDBENCH", "bench-secret", None, None, "bench",
        ))
        .load()
        .await;
    let clients = Clients {
        ours: cognito_idp::Client::new(
            cognito_idp::Config::builder()
                .region("us-east-1")
                .endpoint_url(&url)
                .credentials(cognito_idp::Credentials::new("AKIDBENCH", "bench-secret"))
                .build(),
        ),
        official: aws_sdk_cognitoidentityprovider::Client::new(&official_config),
        floor: cognito_idp::http_client_builder().unwrap().build().unwrap(),
        url,
    };

    println!("Per call, median of {ROUNDS} interleaved rounds of {CALLS_PER_ROUND} calls (µs):\n");
    println!("| operation | floor | this client | official SDK | this / floor | official / floor |");
    println!("|---|---|---|---|---|---|");
    for op in [Op::InitiateAuth, Op::AdminGetUser, Op::ListUsers] {
        let mut samples = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..ROUNDS {
            for (which, slot) in samples.iter_mut().enumerate() {
                for _ in 0..CALLS_PER_ROUND {
                    let start = Instant::now();
                    match which {
                        0 => floor(&clients.floor, &clients.url, op).await,
                        1 => ours(&clients.ours, op).await,
                        _ => official(&clients.official, op).await,
                    }
                    slot.push(start.elapsed());
                }
            }
        }
        let [f, o, a] = samples.map(|mut s| median(&mut s));
        println!(
            "| {} | {f:.1} | {o:.1} | {a:.1} | {:.2} | {:.2} |",
            op.name(),
            o / f,
            a / f
        );
    }

    println!(
        "\nParsing the ListUsers body ({} bytes), median of {ROUNDS} rounds of 200 (µs):\n",
        bodies::USERS.len()
    );
    let body = bodies::USERS.as_bytes();
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        for _ in 0..200 {
            // As the client decodes a response: memory-bounded, dates and enums typed.
            let start = Instant::now();
            let out: cognito_idp::operation::list_users::ListUsersOutput =
                cognito_idp_runtime::decode(black_box(body)).unwrap();
            black_box(out);
            samples[0].push(start.elapsed());
            // As `reqwest`'s `Response::json` decodes one.
            let start = Instant::now();
            let out: mirror::ListUsersResponse = serde_json::from_slice(black_box(body)).unwrap();
            black_box(out);
            samples[1].push(start.elapsed());
            // The mirror given this client's one UTF-8 check of the whole body.
            let start = Instant::now();
            let text = std::str::from_utf8(black_box(body)).unwrap();
            let out: mirror::ListUsersResponse = serde_json::from_str(text).unwrap();
            black_box(out);
            samples[2].push(start.elapsed());
        }
    }
    let [g, d, s] = samples.map(|mut s| median(&mut s));
    println!("| generated types | mirror, from_slice | mirror, from_str | generated / mirror (each) |");
    println!("|---|---|---|---|");
    println!("| {g:.1} | {d:.1} | {s:.1} | {:.2} / {:.2} |", g / d, g / s);
}
