//! What the terminal examples share: questions on standard error, answers from the terminal (or
//! standard input when piped), and errors printed with their whole chain.

use std::io::{BufRead, IsTerminal, Write};

use cognito_idp::sign_in::Zeroizing;

/// An error and its sources, each layer's `Display` once, as `anyhow`'s `{:#}` prints them:
/// `a sign-in request failed: InitiateAuth failed: service error: NotAuthorizedException: ...`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Questions on standard error, answers from the terminal (or standard input when piped).
pub struct Terminal;

impl Terminal {
    pub fn line(&mut self, prompt: &str) -> Result<String, String> {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| chain(&e))?;
        if line.is_empty() {
            return Err("no answer: standard input ended".to_owned());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Without echo on a terminal.
    pub fn secret(&mut self, prompt: &str) -> Result<Zeroizing<String>, String> {
        if std::io::stdin().is_terminal() {
            return rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|e| chain(&e));
        }
        self.line(prompt).map(Zeroizing::new)
    }
}
