//! A user who answers from a script.

use std::collections::HashMap;

use cognito_idp_runtime::signin::{Answer, MfaKind, PromptError, Prompter, Question, Zeroizing};

use crate::totp::fresh_totp;

/// Answers questions from a script and keeps what was asked. Scripted answers come first, in
/// order, each checked against the question's kind (its `Debug` name); past them, a new
/// password is given when one is set, and authenticator-app questions are answered with real
/// RFC 6238 codes (the secret given, or learned when MFA setup shows it). Anything else is
/// refused, so `Script::none()` is a user who is never asked anything.
#[derive(Debug, Default)]
pub struct Script {
    answers: Vec<(&'static str, Answer)>,
    new_password: Option<(String, HashMap<String, String>)>,
    totp_secret: Option<String>,
    /// Every question asked, in order.
    pub asked: Vec<Question>,
}

impl Script {
    /// Answers each question of the named kind (`"Code"`, `"WebAuthn"`, ...) in turn.
    pub fn new(answers: impl IntoIterator<Item = (&'static str, Answer)>) -> Script {
        Script {
            answers: answers.into_iter().collect(),
            ..Script::default()
        }
    }

    /// A user with nothing to say.
    pub fn none() -> Script {
        Script::default()
    }

    /// Answers `NEW_PASSWORD_REQUIRED` with `password` and `attributes`.
    pub fn with_new_password(
        mut self,
        password: &str,
        attributes: HashMap<String, String>,
    ) -> Script {
        self.new_password = Some((password.into(), attributes));
        self
    }

    /// Answers authenticator-app codes from `secret` (base32).
    pub fn with_totp(mut self, secret: &str) -> Script {
        self.totp_secret = Some(secret.into());
        self
    }
}

impl Prompter for Script {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        self.asked.push(question.clone());
        if !self.answers.is_empty() {
            let (kind, answer) = self.answers.remove(0);
            let asked = format!("{question:?}");
            assert!(asked.starts_with(kind), "expected {kind}, asked {asked}");
            return Ok(answer);
        }
        let unexpected = || PromptError(format!("unexpected question {question:?}"));
        match question {
            Question::NewPassword { .. } => {
                let (password, attributes) = self.new_password.clone().ok_or_else(unexpected)?;
                Ok(Answer::NewPassword {
                    password: Zeroizing::new(password),
                    attributes,
                })
            }
            Question::SetUpSoftwareToken { secret_code } => {
                self.totp_secret = Some(secret_code.to_string());
                Ok(Answer::SoftwareToken {
                    code: Zeroizing::new(fresh_totp(secret_code).await),
                    friendly_device_name: Some("test phone".into()),
                })
            }
            Question::Code {
                kind: MfaKind::SoftwareToken,
                ..
            } => {
                let secret = self.totp_secret.as_deref().ok_or_else(unexpected)?;
                Ok(Answer::Code(Zeroizing::new(fresh_totp(secret).await)))
            }
            _ => Err(unexpected()),
        }
    }
}
