//! The loopback redirect of native apps (RFC 8252 §7.3): a listener on 127.0.0.1 that takes
//! exactly one redirect carrying the login's `state`, answers the browser with a short page,
//! and gives up cleanly after a timeout.

use std::fmt;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::login::{AuthorizationCode, LoginError, PendingLogin};

/// The longest request line and headers read from the browser.
const MAX_REQUEST: usize = 16 << 10;

/// How long a connection may take to send its request line and headers, all of it: one that
/// trickles (or sends nothing) is dropped then, so the browser's redirect behind it gets in.
const REQUEST_TIME: Duration = Duration::from_secs(5);

/// The pause after a failed accept (no file descriptors left, say), instead of trying again
/// at once in a loop that would spin until the timeout.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// A listener for one login's redirect.
pub struct Loopback {
    listener: TcpListener,
    path: String,
}

impl fmt::Debug for Loopback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loopback")
            .field("redirect_uri", &self.redirect_uri())
            .finish()
    }
}

/// Why no code came back.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoopbackError {
    /// The listener could not be opened.
    Listen(std::io::Error),
    /// No browser came back in time.
    TimedOut(Duration),
    /// The redirect that came back is refused (the login's error, a forged state, ...).
    Login(LoginError),
}

impl fmt::Display for LoopbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopbackError::Listen(_) => f.write_str("cannot listen on 127.0.0.1"),
            LoopbackError::TimedOut(limit) => write!(f, "no browser came back within {limit:?}"),
            LoopbackError::Login(_) => f.write_str("the redirect back is refused"),
        }
    }
}

impl std::error::Error for LoopbackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoopbackError::Listen(e) => Some(e),
            LoopbackError::Login(e) => Some(e),
            LoopbackError::TimedOut(_) => None,
        }
    }
}

impl Loopback {
    /// Listens on `127.0.0.1:port` (0: a free port) for redirects to `path` (`/callback`).
    pub async fn bind(port: u16, path: &str) -> Result<Loopback, LoopbackError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(LoopbackError::Listen)?;
        Ok(Loopback {
            listener,
            path: path.to_owned(),
        })
    }

    /// The redirect URI to register with the app client and name in the login request.
    pub fn redirect_uri(&self) -> String {
        let port = self.listener.local_addr().map(|a| a.port()).unwrap_or(0);
        format!("http://127.0.0.1:{port}{}", self.path)
    }

    /// Waits for the redirect of `pending`, at most `timeout`: the code it carries. A request
    /// with another state (a forgery, a stale tab) is answered and ignored; a refused login (its
    /// `error`) ends the wait; after the one redirect taken, the listener is closed.
    pub async fn wait(
        self,
        pending: &PendingLogin,
        timeout: Duration,
    ) -> Result<AuthorizationCode, LoopbackError> {
        let wait = async {
            loop {
                let Ok((mut socket, _)) = self.listener.accept().await else {
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                };
                let Some(target) = read_target(&mut socket).await else {
                    let _ = answer(&mut socket, 400, "That was not a sign-in redirect.").await;
                    continue;
                };
                if target.split('?').next() != Some(self.path.as_str()) {
                    let _ = answer(&mut socket, 404, "Nothing here.").await;
                    continue;
                }
                // The target on the redirect URI's origin: the browser's `Host` is not needed.
                let url = reqwest::Url::parse(&pending.redirect_uri).and_then(|u| u.join(&target));
                let redirect = pending.redirected(url.as_ref().map_or("", |u| u.as_str()));
                match redirect {
                    Ok(code) => {
                        let _ =
                            answer(&mut socket, 200, "Signed in. You can close this tab.").await;
                        return Ok(code);
                    }
                    Err(LoginError::StateMismatch) => {
                        let _ = answer(&mut socket, 400, "That sign-in is not this one's.").await;
                    }
                    Err(refused) => {
                        let _ =
                            answer(&mut socket, 400, "Sign-in refused. You can close this tab.")
                                .await;
                        return Err(LoopbackError::Login(refused));
                    }
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .unwrap_or(Err(LoopbackError::TimedOut(timeout)))
    }
}

/// The request target of a `GET`, read within [`MAX_REQUEST`] and [`REQUEST_TIME`].
async fn read_target(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 2048];
    let read_head = async {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 || buffer.len() + n > MAX_REQUEST {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(REQUEST_TIME, read_head).await.ok()??;
    let head = std::str::from_utf8(&buffer).ok()?;
    let mut line = head.lines().next()?.split(' ');
    match (line.next(), line.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_owned()),
        _ => None,
    }
}

async fn answer(
    socket: &mut tokio::net::TcpStream,
    status: u16,
    text: &str,
) -> std::io::Result<()> {
    let body = format!("<!doctype html><title>Sign-in</title><p>{text}</p>");
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(response.as_bytes()).await
}
