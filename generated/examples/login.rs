//! Signs a user in through managed login (the hosted UI, with PKCE) from a terminal: prints the
//! authorize URL to open in a browser, takes the one redirect back on 127.0.0.1 (RFC 8252),
//! exchanges the code, and says who signed in (never a token).
//!
//! ```text
//! cargo run -p cognito-idp --example login -- --domain https://my-app.auth.eu-west-1.amazoncognito.com \
//!     --client-id ID [--client-secret SECRET] [--port 8400] [--scopes "openid email"] \
//!     [--identity-provider Google] [--timeout-seconds 300]
//! ```
//!
//! The app client must list `http://127.0.0.1:<port>/callback` among its callback URLs (with
//! `--port 0`, whatever port is free: for local servers that accept any).

// Only its error chain: this example asks nothing at the terminal.
#[allow(dead_code)]
mod terminal;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use cognito_idp::jwt::Claims;
use cognito_idp::oauth::Domain;
use cognito_idp::oauth::login::{LoginClient, LoginRequest};
use cognito_idp::oauth::loopback::Loopback;
use terminal::chain;

const USAGE: &str = "usage: login --domain URL --client-id ID [--client-secret SECRET] [--port N] \
                     [--scopes \"openid email\"] [--identity-provider NAME] [--timeout-seconds N]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("login: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = HashMap::new();
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected `{flag}`\n{USAGE}"))?;
        let value = given
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        args.insert(name.to_owned(), value);
    }
    let mut take = |name: &str| args.remove(name);
    let domain = take("domain").ok_or_else(|| format!("missing --domain\n{USAGE}"))?;
    let client_id = take("client-id").ok_or_else(|| format!("missing --client-id\n{USAGE}"))?;
    let secret = take("client-secret");
    let port: u16 = take("port")
        .unwrap_or_else(|| "8400".into())
        .parse()
        .map_err(|_| "--port is a number")?;
    let scopes = take("scopes").unwrap_or_else(|| "openid email".into());
    let provider = take("identity-provider");
    let timeout: u64 = take("timeout-seconds")
        .unwrap_or_else(|| "300".into())
        .parse()
        .map_err(|_| "--timeout-seconds is a number")?;
    if let Some(unknown) = args.keys().next() {
        return Err(format!("unknown option --{unknown}\n{USAGE}"));
    }

    let domain = Domain::custom(&domain).map_err(|e| chain(&e))?;
    let loopback = Loopback::bind(port, "/callback")
        .await
        .map_err(|e| chain(&e))?;
    let scopes: Vec<&str> = scopes.split(' ').filter(|s| !s.is_empty()).collect();
    let mut request = LoginRequest::new(&client_id, loopback.redirect_uri()).scopes(&scopes);
    if let Some(provider) = provider {
        request = request.identity_provider(provider);
    }
    let (url, pending) = domain.authorize(&request).map_err(|e| chain(&e))?;
    println!("Open this URL in your browser to sign in:");
    println!("{url}");
    let code = loopback
        .wait(&pending, Duration::from_secs(timeout))
        .await
        .map_err(|e| chain(&e))?;
    let client = LoginClient::new(&domain, &client_id, secret.as_deref()).map_err(|e| chain(&e))?;
    let tokens = client
        .exchange(&pending, code)
        .await
        .map_err(|e| chain(&e))?;
    let claims = tokens
        .id_token
        .as_deref()
        .and_then(|t| Claims::decode(t).ok());
    let who = claims
        .as_ref()
        .and_then(|c| c.username().or(c.sub()))
        .unwrap_or("(the ID token names no one)")
        .to_owned();
    let email = match scopes.contains(&"openid") {
        true => client
            .user_info(&tokens.access_token)
            .await
            .ok()
            .and_then(|info| {
                info.get("email")
                    .and_then(|e| e.as_str())
                    .map(str::to_owned)
            }),
        false => None,
    };
    match email {
        Some(email) => println!("Signed in as {who} ({email})."),
        None => println!("Signed in as {who}."),
    }
    println!("The tokens expire at {:?}.", tokens.expires_at);
    Ok(())
}
