//! A loopback HTTP server that answers with whatever bytes a test gives it, for responses no
//! well-behaved server sends. Shared by several test binaries, each using part of it.
#![allow(dead_code)]
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cognito_idp::{Client, Config, Credentials, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The raw response to the `n`th request (from 0).
pub type Respond = dyn Fn(usize) -> Vec<u8> + Send + Sync;

pub struct RawStub {
    pub url: String,
    requests: Arc<AtomicUsize>,
}

impl RawStub {
    /// Serves `respond(n)` to the `n`th request, one request per connection.
    pub async fn start(respond: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> RawStub {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let respond: Arc<Respond> = Arc::new(respond);
        let count = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (respond, count) = (respond.clone(), count.clone());
                tokio::spawn(async move {
                    serve(socket, &*respond, &count).await;
                });
            }
        });
        RawStub { url, requests }
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// A client of this stub with retries off.
    pub fn client(&self) -> Client {
        Client::new(
            Config::builder()
                .endpoint_url(&self.url)
                .region("us-east-1")
                .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
                .retry(RetryConfig::disabled())
                .build(),
        )
    }
}

async fn serve(mut socket: TcpStream, respond: &Respond, count: &AtomicUsize) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while buffer.len() < head_end + length {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let n = count.fetch_add(1, Ordering::SeqCst);
    let _ = socket.write_all(&respond(n)).await;
    let _ = socket.shutdown().await;
}

/// A complete response: status, extra header lines, body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Scripted\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON response as Cognito labels it.
pub fn json(status: u16, body: &str) -> Vec<u8> {
    response(
        status,
        &[("Content-Type", "application/x-amz-json-1.1")],
        body.as_bytes(),
    )
}
