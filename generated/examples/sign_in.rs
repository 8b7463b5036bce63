//! Signs a user in from the terminal, through whatever challenges the pool sets, and says who
//! signed in and when the tokens expire (never the tokens themselves).
//!
//! ```text
//! cargo run --example sign_in -- --endpoint URL --pool-id ID --client-id ID --username NAME \
//!     [--region REGION] [--client-secret SECRET] [--flow srp|password|choice] [--store FILE]
//! ```
//!
//! The password is read without echo from the terminal, or as a line from standard input when
//! that is not a terminal (scripts, tests). With `--store FILE` the session is kept in `FILE`
//! (readable by its owner only): a later run refreshes it instead of signing in, and when the
//! refresh token is spent, signs in again with the device remembered there (no MFA asked).

mod terminal;

use terminal::{Terminal, chain};

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cognito_idp::sign_in::{
    Answer, Flow, MemoryStore, MfaKind, PromptError, Prompter, Question, Session, SessionOptions,
    SignInConfig, StoreError, TokenStore, Tokens,
};
use cognito_idp::{Client, Config};
use cognito_idp_runtime::srp::format_timestamp;
use zeroize::Zeroizing;

const USAGE: &str = "usage: sign_in --endpoint URL --pool-id ID --client-id ID --username NAME \
                     [--region REGION] [--client-secret SECRET] [--flow srp|password|choice] \
                     [--store FILE]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sign_in: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args = Args::parse(std::env::args().skip(1))?;
    let region = args
        .region
        .clone()
        .or_else(|| args.pool_id.split_once('_').map(|(r, _)| r.to_owned()));
    let mut config = Config::builder().endpoint_url(&args.endpoint);
    if let Some(region) = region {
        config = config.region(region);
    }
    let client = Client::new(config.build());
    let mut sign_in = SignInConfig::new(&args.pool_id, &args.client_id);
    if let Some(secret) = &args.client_secret {
        sign_in = sign_in.with_client_secret(secret);
    }
    let store: Arc<dyn TokenStore> = match &args.store {
        Some(path) => Arc::new(FileStore(path.clone())),
        None => Arc::new(MemoryStore::default()),
    };
    let stored = store.load().map_err(|e| chain(&e))?;

    // A stored session is refreshed rather than signed in again.
    if let Some(tokens) = &stored {
        let auth = client.authenticator(sign_in.clone());
        let session = Session::new(
            auth,
            tokens.clone(),
            store.clone(),
            SessionOptions::default(),
        )
        .map_err(|e| chain(&e))?;
        match session.refresh().await {
            Ok(tokens) => {
                println!("Refreshed the stored session of {}.", tokens.username);
                report(&tokens);
                return Ok(());
            }
            Err(e) => eprintln!(
                "The stored session cannot be refreshed ({}); signing in.",
                chain(&e)
            ),
        }
    }
    // Signing in, with the device a stored session remembered.
    if let Some(device) = stored.and_then(|t| t.device) {
        sign_in = sign_in.with_device(device);
    }
    let mut terminal = Terminal;
    let password = terminal.secret(&format!("Password for {}: ", args.username))?;
    let flow = match args.flow.as_str() {
        "srp" => Flow::UserSrp,
        "password" => Flow::UserPassword,
        "choice" => Flow::UserAuth { preferred: None },
        other => return Err(format!("unknown flow `{other}`\n{USAGE}")),
    };
    let auth = client.authenticator(sign_in);
    let tokens = auth
        .run(flow, &args.username, Some(password), &mut terminal)
        .await
        .map_err(|e| chain(&e))?;
    println!("Signed in as {}.", tokens.username);
    report(&tokens);
    Session::new(auth, tokens, store, SessionOptions::default()).map_err(|e| chain(&e))?;
    Ok(())
}

/// When the tokens expire, and the device they remember.
fn report(tokens: &Tokens) {
    println!(
        "The tokens expire at {}.",
        format_timestamp(tokens.expires_at)
    );
    if let Some(device) = &tokens.device {
        println!("This device is remembered as {}.", device.device_key);
    }
    if let Some(outcome) = &tokens.new_device {
        println!("New device: {outcome:?}.");
    }
}

/// The session as JSON in a file only its owner can read.
struct FileStore(PathBuf);

impl TokenStore for FileStore {
    fn load(&self) -> Result<Option<Tokens>, StoreError> {
        match std::fs::read(&self.0) {
            // Made ahead of time (to choose its place and owner): no session yet.
            Ok(bytes) if bytes.is_empty() => Ok(None),
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StoreError(e.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError(e.into())),
        }
    }

    fn save(&self, tokens: &Tokens) -> Result<(), StoreError> {
        let json = Zeroizing::new(serde_json::to_vec(tokens).map_err(|e| StoreError(e.into()))?);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.0).map_err(|e| StoreError(e.into()))?;
        // `mode` applies only when the file is created: an existing one is made owner-only too.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError(e.into()))?;
        }
        file.write_all(&json).map_err(|e| StoreError(e.into()))
    }

    fn clear(&self) -> Result<(), StoreError> {
        match std::fs::remove_file(&self.0) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError(e.into())),
            _ => Ok(()),
        }
    }
}

#[derive(Debug)]
struct Args {
    endpoint: String,
    pool_id: String,
    client_id: String,
    username: String,
    region: Option<String>,
    client_secret: Option<String>,
    flow: String,
    store: Option<PathBuf>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut values: HashMap<String, String> = HashMap::new();
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
        let mut take = |name: &str| values.remove(name);
        let mut required =
            |name: &str| take(name).ok_or_else(|| format!("missing --{name}\n{USAGE}"));
        let args = Args {
            endpoint: required("endpoint")?,
            pool_id: required("pool-id")?,
            client_id: required("client-id")?,
            username: required("username")?,
            region: take("region"),
            client_secret: take("client-secret"),
            flow: take("flow").unwrap_or_else(|| "srp".to_owned()),
            store: take("store").map(PathBuf::from),
        };
        match values.keys().next() {
            Some(unknown) => Err(format!("unknown option --{unknown}\n{USAGE}")),
            None => Ok(args),
        }
    }
}

impl Terminal {
    fn choose(&mut self, what: &str, options: &[String]) -> Result<String, String> {
        eprintln!("Choose {what}:");
        for (i, option) in options.iter().enumerate() {
            eprintln!("  {}. {option}", i + 1);
        }
        let answer = self.line("> ")?;
        match answer.parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => Ok(options[n - 1].clone()),
            _ if options.contains(&answer) => Ok(answer),
            _ => Err(format!("`{answer}` is not one of the choices")),
        }
    }

    fn ask(&mut self, question: &Question) -> Result<Answer, String> {
        Ok(match question {
            Question::Password => Answer::Password(self.secret("Password: ")?),
            Question::NewPassword {
                required_attributes,
            } => {
                eprintln!("A new password is required.");
                let password = self.secret("New password: ")?;
                let mut attributes = HashMap::new();
                for name in required_attributes {
                    attributes.insert(name.clone(), self.line(&format!("{name}: "))?);
                }
                Answer::NewPassword {
                    password,
                    attributes,
                }
            }
            Question::Code { kind, destination } => {
                let how = match kind {
                    MfaKind::Sms => "sent by SMS",
                    MfaKind::Email => "sent by email",
                    MfaKind::SoftwareToken => "from your authenticator app",
                    _ => "",
                };
                let to = destination
                    .as_deref()
                    .map(|d| format!(" to {d}"))
                    .unwrap_or_default();
                Answer::Code(self.secret(&format!("Code {how}{to}: "))?)
            }
            Question::SelectMfa { options } => {
                Answer::Choice(self.choose("a second factor", options)?)
            }
            Question::SelectMfaSetup { options } => {
                Answer::Choice(self.choose("a second factor to set up", options)?)
            }
            Question::SelectChallenge { available } => {
                Answer::Choice(self.choose("how to sign in", available)?)
            }
            Question::SetUpSoftwareToken { secret_code } => {
                eprintln!(
                    "Add this key to your authenticator app: {}",
                    secret_code.as_str()
                );
                let code = self.secret("Code from the app: ")?;
                Answer::SoftwareToken {
                    code,
                    friendly_device_name: Some("sign_in example".to_owned()),
                }
            }
            Question::Custom { parameters } => {
                let mut names: Vec<&String> = parameters.keys().collect();
                names.sort();
                eprintln!("Custom challenge with parameters {names:?}.");
                Answer::Custom(HashMap::from([(
                    "ANSWER".to_owned(),
                    self.line("Answer: ")?,
                )]))
            }
            Question::RememberDevice => {
                let answer =
                    self.line("Remember this device (skip MFA on it next time)? [y/n] ")?;
                Answer::RememberDevice(answer.trim().eq_ignore_ascii_case("y"))
            }
            Question::EmailForMfa => {
                Answer::Email(self.line("E-mail address for sign-in codes: ")?)
            }
            other => return Err(format!("cannot answer {other:?} in a terminal")),
        })
    }
}

impl Prompter for Terminal {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        self.ask(question).map_err(PromptError)
    }
}
