//! Bearer tokens: a fixed one, or one from a provider that the connection
//! asks again before it expires or once after the server refused it.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderValue;

use crate::Secret;
use crate::error::Error;

/// The error a [`TokenProvider`] may fail with: any error, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The longest a token is used before the end of its lifetime: it is asked
/// for anew when a tenth of its lifetime, and at most this, is left.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// An OAuth 2.0 access token, sent as `Authorization: Bearer <token>`, and
/// how long it is good for. Its value never prints.
///
/// ```
/// use std::time::Duration;
/// let token = ontap_core::Token::new("eyJhbGciOi...").expires_in(Duration::from_secs(3600));
/// assert_eq!(token.lifetime(), Some(Duration::from_secs(3600)));
/// assert!(!format!("{token:?}").contains("eyJ"));
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Token {
    value: Secret,
    lifetime: Option<Duration>,
}

impl Token {
    /// A token with no known end: used until the server refuses it.
    pub fn new(value: impl Into<Secret>) -> Token {
        Token {
            value: value.into(),
            lifetime: None,
        }
    }

    /// The token is good for `lifetime` from now (an OAuth 2.0 token
    /// endpoint's `expires_in`).
    pub fn expires_in(mut self, lifetime: Duration) -> Token {
        self.lifetime = Some(lifetime);
        self
    }

    /// The token itself.
    ///
    /// ```
    /// assert_eq!(ontap_core::Token::new("t").value().expose(), "t");
    /// ```
    pub fn value(&self) -> &Secret {
        &self.value
    }

    /// How long the token was good for when it was made, if known.
    ///
    /// ```
    /// assert_eq!(ontap_core::Token::new("t").lifetime(), None);
    /// ```
    pub fn lifetime(&self) -> Option<Duration> {
        self.lifetime
    }
}

/// Where a connection gets its bearer tokens: an OAuth 2.0 client of your
/// authorization server, a vault, a file. The connection asks for a token
/// before its first request, again when the token is about to expire
/// (a tenth of its lifetime before, at most 60 s), and again when the
/// cluster refuses a token (401); the refused request is then sent once
/// more with the new token (a 401 proves the server did nothing). One
/// request asks at a time; the others wait for its token.
///
/// A closure returning a future is a provider:
///
/// ```
/// use std::time::Duration;
/// use ontap_core::{HostConnection, Token};
///
/// async fn from_my_idp() -> Result<String, std::io::Error> {
///     Ok("eyJhbGciOi...".into())
/// }
///
/// let conn = HostConnection::builder("cluster.example.com")
///     .token_provider(|| async {
///         let token = from_my_idp().await?;
///         Ok(Token::new(token).expires_in(Duration::from_secs(300)))
///     })
///     .build()
///     .unwrap();
/// # let _ = conn;
/// ```
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync + 'static {
    /// A token that is good now. An error ends the request that needed it
    /// as [`Error::Token`].
    async fn token(&self) -> Result<Token, BoxError>;
}

#[async_trait::async_trait]
impl<F, Fut> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token, BoxError>> + Send + 'static,
{
    async fn token(&self) -> Result<Token, BoxError> {
        self().await
    }
}

/// The value of an `Authorization` header a request carries, and which
/// token it is. Its `Debug` shows neither (the header is sensitive).
#[derive(Clone, Debug)]
pub(crate) struct Authorization {
    pub(crate) header: HeaderValue,
    /// The token, masked in whatever an error keeps.
    pub(crate) secret: Secret,
    /// Which of the provider's tokens this is (1 for the first).
    pub(crate) generation: u64,
}

/// The current token of a connection and the provider of the next one.
pub(crate) struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    state: tokio::sync::Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    current: Option<(Authorization, Option<Instant>)>,
    issued: u64,
}

impl TokenCache {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>) -> TokenCache {
        TokenCache {
            provider,
            state: tokio::sync::Mutex::new(TokenState::default()),
        }
    }

    /// The token to send now: the current one, or a new one from the
    /// provider when there is none or it is about to expire. The provider
    /// has `patience` to answer.
    pub(crate) async fn current(&self, patience: Duration) -> Result<Authorization, Error> {
        let mut state = self.state.lock().await;
        if let Some((auth, refresh_at)) = &state.current
            && refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(auth.clone());
        }
        let asked = Instant::now();
        let token = match tokio::time::timeout(patience, self.provider.token()).await {
            Ok(Ok(token)) => token,
            Ok(Err(source)) => {
                return Err(Error::Token {
                    reason: "the token provider failed".into(),
                    source: Some(Arc::from(source)),
                });
            }
            Err(_) => {
                return Err(Error::Token {
                    reason: format!("the token provider gave no token within {patience:?}"),
                    source: None,
                });
            }
        };
        let mut header =
            HeaderValue::try_from(format!("Bearer {}", token.value.expose())).map_err(|_| Error::Token {
                reason: "the token cannot be sent in a header (it holds a control character)".into(),
                source: None,
            })?;
        header.set_sensitive(true);
        state.issued += 1;
        let auth = Authorization {
            header,
            secret: token.value,
            generation: state.issued,
        };
        let refresh_at = token
            .lifetime
            .map(|lifetime| asked + lifetime - (lifetime / 10).min(MAX_REFRESH_MARGIN));
        state.current = Some((auth.clone(), refresh_at));
        Ok(auth)
    }

    /// The server refused token `generation`: the next request asks for a
    /// new one, unless another request has done so already.
    pub(crate) async fn refused(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state
            .current
            .as_ref()
            .is_some_and(|(auth, _)| auth.generation == generation)
        {
            state.current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counting(lifetime: Option<Duration>) -> (TokenCache, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let provider = move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let token = Token::new(format!("token-{n}"));
                Ok(match lifetime {
                    Some(lifetime) => token.expires_in(lifetime),
                    None => token,
                })
            }
        };
        (TokenCache::new(Arc::new(provider)), calls)
    }

    #[tokio::test]
    async fn a_token_is_kept_until_it_nears_its_end_or_is_refused() {
        let (cache, calls) = counting(Some(Duration::from_millis(300)));
        let first = cache.current(Duration::from_secs(1)).await.unwrap();
        assert_eq!(first.secret.expose(), "token-1");
        assert!(first.header.is_sensitive());
        assert_eq!(cache.current(Duration::from_secs(1)).await.unwrap().generation, 1);
        // A tenth of 300 ms before its end, the next request asks again.
        tokio::time::sleep(Duration::from_millis(280)).await;
        let second = cache.current(Duration::from_secs(1)).await.unwrap();
        assert_eq!((second.generation, calls.load(Ordering::SeqCst)), (2, 2));
        cache.refused(2).await;
        assert_eq!(
            cache.current(Duration::from_secs(1)).await.unwrap().secret.expose(),
            "token-3"
        );
        // A refusal of a token that was replaced already changes nothing.
        cache.refused(2).await;
        assert_eq!(cache.current(Duration::from_secs(1)).await.unwrap().generation, 3);
    }

    #[tokio::test]
    async fn a_provider_that_fails_or_hangs_is_a_typed_error() {
        let failing = TokenCache::new(Arc::new(|| async { Err::<Token, BoxError>("no idp".into()) }));
        let err = failing.current(Duration::from_secs(1)).await.unwrap_err();
        assert!(matches!(err, Error::Token { .. }), "{err:?}");
        assert!(err.to_string().contains("no idp"), "{err}");
        let hanging = TokenCache::new(Arc::new(std::future::pending::<Result<Token, BoxError>>));
        let err = hanging.current(Duration::from_millis(50)).await.unwrap_err();
        assert!(err.to_string().contains("no token within"), "{err}");
        let bad = TokenCache::new(Arc::new(|| async { Ok(Token::new("a\nb")) }));
        assert!(bad.current(Duration::from_secs(1)).await.is_err());
    }
}
