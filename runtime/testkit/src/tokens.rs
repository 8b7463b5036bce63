//! Signed tokens and key sets for tests: throwaway RSA keys (`runtime/tests/data`), tokens signed
//! with them, and a key-set server on 127.0.0.1 that counts fetches and can stall.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

/// The pool the key-set server serves under.
pub const POOL: &str = "eu-west-1_Test";

/// The throwaway key `a` or `b`.
pub fn key(name: &str) -> RsaKeyPair {
    let der = std::fs::read(format!(
        "{}/../tests/data/test-rsa-{name}.pk8",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the test key");
    RsaKeyPair::from_pkcs8(&der).expect("a PKCS#8 RSA key")
}

/// A key set holding `key` under `kid`.
pub fn jwks(entries: &[(&str, &RsaKeyPair)]) -> String {
    let keys: Vec<Value> = entries
        .iter()
        .map(|(kid, key)| {
            let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
            json!({
                "kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
                "n": URL_SAFE_NO_PAD.encode(&public.n),
                "e": URL_SAFE_NO_PAD.encode(&public.e),
            })
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

/// A token of `header` and `payload`, signed RS256 by `key`.
pub fn sign(header: &Value, payload: &Value, key: &RsaKeyPair) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .expect("signing works");
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Serves `body` as the key set, counting fetches.
pub async fn jwks_server(body: String) -> (String, Arc<AtomicUsize>) {
    let (url, fetches, release) = stalling_jwks_server(body).await;
    release.send(true).unwrap();
    (url, fetches)
}

/// Serves `body` as the key set, counting fetches; every fetch after the first waits until the
/// returned sender says `true`.
pub async fn stalling_jwks_server(
    body: String,
) -> (String, Arc<AtomicUsize>, tokio::sync::watch::Sender<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/{POOL}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = fetches.clone();
    let (release, gate) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            let count = count.clone();
            let mut gate = gate.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                if count.fetch_add(1, Ordering::SeqCst) > 0 {
                    let _ = gate.wait_for(|open| *open).await;
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, fetches, release)
}
