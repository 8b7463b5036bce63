//! Machine-to-machine tokens from the `GetClientToken` operation instead of the domain's
//! `/oauth2/token`: for app clients whose only flow is `ALLOW_CLIENT_TOKEN_AUTH`, or programs
//! that reach the Cognito API but not the user-pool domain. The tokens are kept by the same
//! rules as the domain's (per scope set, one request in flight, a still-valid token kept
//! through failures). The API model marks `GetClientToken` as signed (unlike `InitiateAuth`), so
//! the client needs AWS credentials, as the official SDKs do; without them the error is
//! [`OAuthError::NotSent`].
//!
//! ```no_run
//! use cognito_idp::{Client, Config};
//!
//! # async fn example(client_secret: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Config::builder().region("eu-west-1").build());
//! let tokens = client.client_credentials("client-id", client_secret);
//! let header = tokens.authorization(&["orders/read"]).await?;
//! # drop(header);
//! # Ok(())
//! # }
//! ```

use cognito_idp_runtime::Redacted;
use cognito_idp_runtime::oauth::{ClientCredentials, Grant, OAuthError, Request, TokenSource};
use cognito_idp_runtime::signin::Zeroizing;

use crate::Client;
use crate::error::SdkError;

impl Client {
    /// Machine-to-machine tokens for an app client with a secret, from `GetClientToken`.
    pub fn client_credentials(&self, client_id: &str, client_secret: &str) -> ClientCredentials {
        ClientCredentials::from_source(GetClientToken {
            client: self.clone(),
            client_id: client_id.to_owned(),
            secret: Zeroizing::new(client_secret.to_owned()),
        })
    }
}

/// The `GetClientToken` operation as a [`TokenSource`].
struct GetClientToken {
    client: Client,
    client_id: String,
    secret: Zeroizing<String>,
}

impl std::fmt::Debug for GetClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetClientToken")
            .field("client_id", &self.client_id)
            .field("secret", &Redacted)
            .finish()
    }
}

impl TokenSource for GetClientToken {
    fn request(&self, scopes: &[String]) -> Request {
        let call = self
            .client
            .get_client_token()
            .client_id(&self.client_id)
            .secret(self.secret.as_str())
            .set_scopes((!scopes.is_empty()).then(|| scopes.to_vec()));
        Box::pin(async move {
            let output = call.send().await.map_err(refused)?;
            let result = output.client_authentication_result.ok_or_else(|| {
                OAuthError::Unreadable("an answer without ClientAuthenticationResult".into())
            })?;
            match (result.access_token, result.expires_in) {
                (Some(token), Some(seconds)) => Ok(Grant::new(token, i64::from(seconds), None)),
                _ => Err(OAuthError::Unreadable(
                    "an answer without a token or a lifetime".into(),
                )),
            }
        })
    }

    fn describe(&self) -> String {
        format!("GetClientToken as {}", self.client_id)
    }
}

/// The operation's failure as the token source's: the service's refusal by its code, the rest by
/// what went wrong (never the request, which carries the secret).
fn refused<E>(error: SdkError<E>) -> OAuthError {
    match (&error, error.meta()) {
        (SdkError::Service(_), Some(meta)) => OAuthError::Service {
            code: meta.code.clone(),
            message: meta.message.clone(),
            status: meta.status,
        },
        (SdkError::Construction(_), _) => OAuthError::NotSent(error.to_string()),
        (SdkError::Timeout(_), _) => OAuthError::Unreachable("timed out".into()),
        (SdkError::Dispatch(_), _) => OAuthError::Unreachable("the connection failed".into()),
        _ => OAuthError::Unreadable(error.to_string()),
    }
}
