//! Endpoint rule parameters an operation sets: `ListThings` fixes `Stage` and passes its `Shelf`
//! member, and the fixture's rules put both in the URL path, where a loopback stub sees them.

use std::sync::{Arc, Mutex};

use kitchen_sink::{Client, Config, Credentials, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering `{}` to everything, keeping each request's first line.
async fn stub() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let lines = Arc::new(Mutex::new(Vec::new()));
    let log = lines.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = vec![0u8; 16384];
            let n = socket.read(&mut head).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&head[..n]);
            log.lock()
                .unwrap()
                .push(text.lines().next().unwrap_or_default().to_owned());
            let reply = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                         Content-Length: 2\r\nConnection: close\r\n\r\n{}";
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, lines)
}

#[tokio::test]
async fn operation_parameters_choose_the_endpoint_per_call() {
    let (url, lines) = stub().await;
    let client = Client::new(
        Config::builder()
            .endpoint_url(&url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
            .retry(RetryConfig::disabled())
            .build(),
    );
    client.list_things().send().await.unwrap();
    client.list_things().shelf("top").send().await.unwrap();
    // An operation without parameters of its own goes to the configured endpoint.
    client.get_csv_header().send().await.unwrap();
    assert_eq!(
        *lines.lock().unwrap(),
        [
            "POST /things HTTP/1.1",
            "POST /things/top HTTP/1.1",
            "POST / HTTP/1.1"
        ]
    );
}
