//! AWS credentials for signed operations, and where they are found.

use std::fmt;

use zeroize::Zeroizing;

use crate::profile::Environment;
use crate::redact::Redacted;

/// An access key pair, with a session token for temporary credentials. The secret parts are
/// wiped from memory on drop and never printed.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: None,
        }
    }

    /// Adds the session token of temporary credentials.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(Zeroizing::new(token.into()));
        self
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    pub(crate) fn to_sigv4(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.as_str(),
            self.secret_access_key.as_str(),
            self.session_token.as_ref().map(|t| t.to_string()),
            None,
            "cognito-idp-runtime",
        )
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`, then the
    /// profile named by `AWS_PROFILE` (else `default`) in the shared credentials and config files.
    pub fn from_environment(env: Environment<'_>) -> Result<Self, CredentialsError> {
        if let Some(id) = env.var("AWS_ACCESS_KEY_ID") {
            let secret = env
                .var("AWS_SECRET_ACCESS_KEY")
                .ok_or(CredentialsError::IncompleteEnvironment)?;
            let credentials = Credentials::new(id, secret);
            return Ok(match env.var("AWS_SESSION_TOKEN") {
                Some(token) => credentials.with_session_token(token),
                None => credentials,
            });
        }
        let name = env.profile_name();
        let mut profile = env
            .profile(&name)
            .map_err(|e| CredentialsError::Unreadable(std::sync::Arc::new(e)))?;
        let id = profile.remove("aws_access_key_id");
        let secret = profile.remove("aws_secret_access_key").map(Zeroizing::new);
        let token = profile.remove("aws_session_token").map(Zeroizing::new);
        match (id, secret) {
            (Some(id), Some(secret)) => Ok(Credentials {
                access_key_id: id,
                secret_access_key: secret,
                session_token: token,
            }),
            (None, None) => Err(CredentialsError::NotFound { profile: name }),
            _ => Err(CredentialsError::IncompleteProfile { profile: name }),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &Redacted)
            .field("session_token", &Redacted::option(&self.session_token))
            .finish()
    }
}

/// Why no credentials could be found for a signed operation. Nothing was sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Neither the environment nor the shared files hold credentials.
    NotFound { profile: String },
    /// `AWS_ACCESS_KEY_ID` is set but `AWS_SECRET_ACCESS_KEY` is not.
    IncompleteEnvironment,
    /// The profile has only one of `aws_access_key_id` and `aws_secret_access_key`.
    IncompleteProfile { profile: String },
    /// A shared file exists but cannot be read.
    Unreadable(std::sync::Arc<std::io::Error>),
}

/// Equal when of the same kind with the same details (an unreadable file: the same kind of
/// I/O error).
impl PartialEq for CredentialsError {
    fn eq(&self, other: &Self) -> bool {
        use CredentialsError::*;
        match (self, other) {
            (NotFound { profile: a }, NotFound { profile: b }) => a == b,
            (IncompleteEnvironment, IncompleteEnvironment) => true,
            (IncompleteProfile { profile: a }, IncompleteProfile { profile: b }) => a == b,
            (Unreadable(a), Unreadable(b)) => a.kind() == b.kind(),
            _ => false,
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { profile } => write!(
                f,
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give them to the \
                 config, or add them to profile `{profile}` of ~/.aws/credentials"
            ),
            CredentialsError::IncompleteEnvironment => {
                f.write_str("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            CredentialsError::IncompleteProfile { profile } => write!(
                f,
                "profile `{profile}` needs both aws_access_key_id and aws_secret_access_key"
            ),
            CredentialsError::Unreadable(_) => f.write_str("cannot read the AWS shared files"),
        }
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CredentialsError::Unreadable(e) => Some(&**e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_vars<T>(vars: &[(&str, &str)], f: impl FnOnce(Environment<'_>) -> T) -> T {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        f(Environment::from_fn(&lookup))
    }

    #[test]
    fn environment_variables_come_first() {
        let found = with_vars(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "wJalr"),
                ("AWS_SESSION_TOKEN", "tok"),
            ],
            Credentials::from_environment,
        )
        .unwrap();
        assert_eq!(found.access_key_id(), "AKIDEXAMPLE");
        let sigv4 = found.to_sigv4();
        assert_eq!(sigv4.secret_access_key(), "wJalr");
        assert_eq!(sigv4.session_token(), Some("tok"));
    }

    #[test]
    fn missing_or_half_credentials_are_named() {
        let half = with_vars(
            &[("AWS_ACCESS_KEY_ID", "AKID")],
            Credentials::from_environment,
        );
        assert_eq!(half.unwrap_err(), CredentialsError::IncompleteEnvironment);
        let none = with_vars(
            &[("HOME", "/nonexistent"), ("AWS_PROFILE", "ci")],
            Credentials::from_environment,
        );
        assert_eq!(
            none.unwrap_err(),
            CredentialsError::NotFound {
                profile: "ci".into()
            }
        );
    }

    #[test]
    fn profile_files_are_read() {
        let dir = std::env::temp_dir().join(format!("cognito-credentials-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("credentials");
        std::fs::write(&file, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s3cr3t\n[half]\naws_access_key_id = X\n").unwrap();
        let file = file.to_string_lossy().into_owned();
        let found = with_vars(
            &[
                ("AWS_SHARED_CREDENTIALS_FILE", &file),
                ("HOME", "/nonexistent"),
            ],
            Credentials::from_environment,
        );
        assert_eq!(found.unwrap().access_key_id(), "AKIDFILE");
        let half = with_vars(
            &[
                ("AWS_SHARED_CREDENTIALS_FILE", &file),
                ("AWS_PROFILE", "half"),
                ("HOME", "/nonexistent"),
            ],
            Credentials::from_environment,
        );
        assert_eq!(
            half.unwrap_err(),
            CredentialsError::IncompleteProfile {
                profile: "half".into()
            }
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!(
            "{:?}",
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI").with_session_token("FwoGZXIvYXdz")
        );
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIvYXdz"),
            "{shown}"
        );
    }
}
