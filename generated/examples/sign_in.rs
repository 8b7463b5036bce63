//! Signs a user in from the terminal, through whatever challenges the pool sets, and says who
//! signed in and when the tokens expire (never the tokens themselves).
//!
//! ```text
//! cargo run --example sign_in -- --endpoint URL --pool-id ID --client-id ID --username NAME \
//!     [--region REGION] [--client-secret SECRET] [--flow srp|password|choice]
//! ```
//!
//! The password is read without echo from the terminal, or as a line from standard input when
//! that is not a terminal (scripts, tests).

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use cognito_idp::sign_in::{Answer, Flow, MfaKind, PromptError, Prompter, Question, SignInConfig};
use cognito_idp::{Client, Config};
use cognito_idp_runtime::srp::format_timestamp;
use zeroize::Zeroizing;

const USAGE: &str = "usage: sign_in --endpoint URL --pool-id ID --client-id ID --username NAME \
                     [--region REGION] [--client-secret SECRET] [--flow srp|password|choice]";

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
    let mut terminal = Terminal;
    let password = terminal.secret(&format!("Password for {}: ", args.username))?;
    let flow = match args.flow.as_str() {
        "srp" => Flow::UserSrp,
        "password" => Flow::UserPassword,
        "choice" => Flow::UserAuth { preferred: None },
        other => return Err(format!("unknown flow `{other}`\n{USAGE}")),
    };
    let tokens = client
        .authenticator(sign_in)
        .run(flow, &args.username, Some(password), &mut terminal)
        .await
        .map_err(|e| e.to_string())?;

    println!("Signed in as {}.", tokens.username);
    match tokens.expires_in {
        Some(seconds) => {
            let expiry = SystemTime::now() + Duration::from_secs(seconds.max(0) as u64);
            println!("The tokens expire at {} (in {seconds} s).", format_timestamp(expiry));
        }
        None => println!("The service did not say when the tokens expire."),
    }
    if let Some(device) = &tokens.device {
        println!("This device is remembered as {}.", device.device_key);
    }
    Ok(())
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
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut values: HashMap<String, String> = HashMap::new();
        let mut args = args;
        while let Some(flag) = args.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected `{flag}`\n{USAGE}"))?;
            let value = args.next().ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
            values.insert(name.to_owned(), value);
        }
        let mut take = |name: &str| values.remove(name);
        let mut required = |name: &str| take(name).ok_or_else(|| format!("missing --{name}\n{USAGE}"));
        let args = Args {
            endpoint: required("endpoint")?,
            pool_id: required("pool-id")?,
            client_id: required("client-id")?,
            username: required("username")?,
            region: take("region"),
            client_secret: take("client-secret"),
            flow: take("flow").unwrap_or_else(|| "srp".to_owned()),
        };
        match values.keys().next() {
            Some(unknown) => Err(format!("unknown option --{unknown}\n{USAGE}")),
            None => Ok(args),
        }
    }
}

/// Questions on standard error, answers from the terminal (or standard input when piped).
struct Terminal;

impl Terminal {
    fn line(&mut self, prompt: &str) -> Result<String, String> {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.is_empty() {
            return Err("no answer: standard input ended".to_owned());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Without echo on a terminal.
    fn secret(&mut self, prompt: &str) -> Result<Zeroizing<String>, String> {
        if std::io::stdin().is_terminal() {
            return rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|e| e.to_string());
        }
        self.line(prompt).map(Zeroizing::new)
    }

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
            Question::NewPassword { required_attributes } => {
                eprintln!("A new password is required.");
                let password = self.secret("New password: ")?;
                let mut attributes = HashMap::new();
                for name in required_attributes {
                    attributes.insert(name.clone(), self.line(&format!("{name}: "))?);
                }
                Answer::NewPassword { password, attributes }
            }
            Question::Code { kind, destination } => {
                let how = match kind {
                    MfaKind::Sms => "sent by SMS",
                    MfaKind::Email => "sent by email",
                    MfaKind::SoftwareToken => "from your authenticator app",
                };
                let to = destination.as_deref().map(|d| format!(" to {d}")).unwrap_or_default();
                Answer::Code(self.secret(&format!("Code {how}{to}: "))?)
            }
            Question::SelectMfa { options } => Answer::Choice(self.choose("a second factor", options)?),
            Question::SelectChallenge { available } => Answer::Choice(self.choose("how to sign in", available)?),
            Question::SetUpSoftwareToken { secret_code } => {
                eprintln!("Add this key to your authenticator app: {}", secret_code.as_str());
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
                Answer::Custom(HashMap::from([("ANSWER".to_owned(), self.line("Answer: ")?)]))
            }
            other => return Err(format!("cannot answer {other:?}")),
        })
    }
}

impl Prompter for Terminal {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        self.ask(question).map_err(PromptError)
    }
}
