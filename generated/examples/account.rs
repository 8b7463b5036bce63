//! A new user's first minutes, from a terminal: sign-up, confirmation with the code that was sent,
//! sign-in without typing the password again (where the pool offers it; else with the password),
//! an authenticator app set up from the `otpauth://` URI, a password change, and sign-out.
//!
//! ```text
//! cargo run -p cognito-idp --example account -- --endpoint URL --pool-id ID --client-id ID \
//!     --username NAME --email ADDRESS [--region REGION] [--client-secret SECRET] [--issuer NAME]
//! ```
//!
//! Questions go to standard error and answers come from the terminal (or standard input when
//! piped). No token, password, code or secret is printed; errors print their whole chain.

mod terminal;

use terminal::{Terminal, chain};

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use cognito_idp::account::{Account, AccountError, ReplyError};
use cognito_idp::sign_in::{
    Answer, Flow, MemoryStore, PromptError, Prompter, Question, Session, SessionOptions,
    SignInConfig, SignOut,
};
use cognito_idp::{Client, Config};

const USAGE: &str = "usage: account --endpoint URL --pool-id ID --client-id ID --username NAME --email ADDRESS \
                     [--region REGION] [--client-secret SECRET] [--issuer NAME]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("account: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = parse(std::env::args().skip(1))?;
    let mut take = |name: &str| {
        args.remove(name)
            .ok_or_else(|| format!("missing --{name}\n{USAGE}"))
    };
    let (endpoint, pool_id, client_id) = (take("endpoint")?, take("pool-id")?, take("client-id")?);
    let (username, email) = (take("username")?, take("email")?);
    let region = args
        .remove("region")
        .or_else(|| pool_id.split_once('_').map(|(r, _)| r.to_owned()));
    let issuer = args
        .remove("issuer")
        .unwrap_or_else(|| "cognito-idp example".to_owned());
    let mut config = Config::builder().endpoint_url(&endpoint);
    if let Some(region) = region {
        config = config.region(region);
    }
    let client = Client::new(config.build());
    let mut sign_in = SignInConfig::new(&pool_id, &client_id);
    if let Some(secret) = args.remove("client-secret") {
        sign_in = sign_in.with_client_secret(secret);
    }
    if let Some(unknown) = args.keys().next() {
        return Err(format!("unknown option --{unknown}\n{USAGE}"));
    }
    let mut terminal = Terminal;

    // Sign-up, then the code that was sent.
    let accounts = client.accounts(sign_in.clone());
    let password = terminal.secret(&format!("Choose a password for {username}: "))?;
    let signed_up = accounts
        .sign_up(&username, &password, &[("email", &email)], &[])
        .await
        .map_err(|e| chain(&e))?;
    match &signed_up.delivery {
        Some(delivery) => println!(
            "Signed up; a code went to {} ({:?}).",
            delivery.destination, delivery.medium
        ),
        None => println!("Signed up; no code was sent."),
    }
    let mut confirmed = None;
    if !signed_up.confirmed {
        let code = terminal.secret("Confirmation code: ")?;
        confirmed = Some(
            accounts
                .confirm_sign_up(&username, &code, false, signed_up.session.as_ref())
                .await
                .map_err(|e| chain(&e))?,
        );
        println!("Confirmed.");
    }

    // Signed in without the password again where the pool offers it.
    let auth = client.authenticator(sign_in);
    let automatic = match &confirmed {
        Some(confirmed) => {
            accounts
                .sign_in_confirmed(&username, confirmed, &mut terminal)
                .await
        }
        None => Err(AccountError::Reply(ReplyError::NoSession)),
    };
    let tokens = match automatic {
        Ok(tokens) => {
            println!("Signed in automatically as {}.", tokens.username);
            tokens
        }
        Err(e) => {
            println!(
                "No automatic sign-in ({}); signing in with the password.",
                chain(&e)
            );
            let tokens = auth
                .run(
                    Flow::UserPassword,
                    &username,
                    Some(password.clone()),
                    &mut terminal,
                )
                .await
                .map_err(|e| chain(&e))?;
            println!("Signed in as {}.", tokens.username);
            tokens
        }
    };
    let session = Session::new(
        auth,
        tokens,
        Arc::new(MemoryStore::default()),
        SessionOptions::default(),
    )
    .map_err(|e| chain(&e))?;
    let account = Account::new(session.clone());

    // An authenticator app, from its key URI.
    let secret = account.set_up_totp().await.map_err(|e| chain(&e))?;
    println!("Add this to your authenticator app (as a QR code, or paste it):");
    println!("{}", secret.uri(&issuer, &email).as_str());
    let code = terminal.secret("Code from the app: ")?;
    account
        .verify_totp(&code, Some("account example"))
        .await
        .map_err(|e| chain(&e))?;
    println!("Authenticator app set up.");

    let new_password = terminal.secret("New password: ")?;
    account
        .change_password(&password, &new_password)
        .await
        .map_err(|e| chain(&e))?;
    println!("Password changed.");

    session
        .sign_out(SignOut::Global)
        .await
        .map_err(|e| chain(&e))?;
    println!("Signed out.");
    Ok(())
}

fn parse(args: impl Iterator<Item = String>) -> Result<HashMap<String, String>, String> {
    let mut values = HashMap::new();
    let mut args = args;
    while let Some(flag) = args.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected `{flag}`\n{USAGE}"))?;
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        values.insert(name.to_owned(), value);
    }
    Ok(values)
}

/// What a sign-in after confirmation may still ask.
impl Prompter for Terminal {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        let answer = match question {
            Question::Code { destination, .. } => {
                let to = destination
                    .as_deref()
                    .map(|d| format!(" (sent to {d})"))
                    .unwrap_or_default();
                self.secret(&format!("Code{to}: ")).map(Answer::Code)
            }
            Question::Password => self.secret("Password: ").map(Answer::Password),
            other => Err(format!("cannot answer {other:?} here")),
        };
        answer.map_err(PromptError)
    }
}
