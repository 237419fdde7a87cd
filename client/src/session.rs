//! Sessions: the credentials to sign in with, signing in and out, and signing in again when the
//! token expires.

use crate::client::Client;
use crate::error::{CallError, Failure};
use crate::{Secret, SiteId, UserId};
use std::sync::atomic::Ordering;

/// A signed-in session: the token for `X-Tableau-Auth` and the site id used in paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session token (never shown by `Debug`).
    pub token: Secret,
    /// The site's LUID.
    pub site_id: SiteId,
    /// The signed-in user, when the server said.
    pub user_id: Option<UserId>,
}

/// How to sign in (see [`Client::sign_in_with`]). `Debug` never shows the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// A personal access token: its name and secret.
    PersonalAccessToken {
        /// The token's name.
        name: String,
        /// The token's secret.
        secret: Secret,
    },
    /// A user name and password.
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A JSON Web Token of a connected app.
    Jwt(Secret),
}

impl Credentials {
    /// A personal access token.
    pub fn personal_access_token(name: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials::PersonalAccessToken {
            name: name.into(),
            secret: secret.into(),
        }
    }

    /// A user name and password.
    pub fn password(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Password {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A connected app's JWT.
    pub fn jwt(jwt: impl Into<Secret>) -> Self {
        Credentials::Jwt(jwt.into())
    }
}

impl Client {
    /// Uses a session (from Sign In, perhaps saved by another program) for later calls; the
    /// client does not sign it out when dropped.
    pub fn set_session(&self, session: Session) {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        self.store_session(session);
    }

    fn store_session(&self, session: Session) {
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(session);
    }

    /// Keeps the session alive after the client is dropped (it is not signed out), and returns
    /// it, to save its token for another program.
    pub fn keep_session(&self) -> Option<Session> {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        self.session()
    }

    /// Forgets the session and the credentials kept for signing in again (without signing out).
    pub fn clear_session(&self) {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        self.inner
            .session
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Signs in to the site whose URL namespace is `site` (`""` for the default site), keeps the
    /// session for later calls, and keeps the credentials to sign in again, once per call, when
    /// the token has expired (an answer 401 with code 401002). The session is signed out when the
    /// client is dropped, unless [`keep_session`](Self::keep_session) is called.
    pub fn sign_in_with(
        &self,
        credentials: Credentials,
        site: &str,
    ) -> Result<Session, CallError<crate::auth::SignInError>> {
        let session = self.sign_in_once(&credentials, site)?;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((credentials, site.to_owned()));
        self.inner.owns_session.store(true, Ordering::SeqCst);
        Ok(session)
    }

    fn sign_in_once(
        &self,
        credentials: &Credentials,
        site: &str,
    ) -> Result<Session, CallError<crate::auth::SignInError>> {
        let mut creds = crate::auth::SignInCredentials {
            site: crate::auth::SignInSite {
                content_url: Some(site.to_owned()),
            },
            ..Default::default()
        };
        match credentials {
            Credentials::PersonalAccessToken { name, secret } => {
                creds.personal_access_token_name = Some(name.clone());
                creds.personal_access_token_secret = Some(secret.clone());
            }
            Credentials::Password { username, password } => {
                creds.name = Some(username.clone());
                creds.password = Some(password.clone());
            }
            Credentials::Jwt(jwt) => creds.jwt = Some(jwt.clone()),
        }
        let answer = self
            .sign_in(crate::auth::SignInRequest { credentials: creds })
            .send()?;
        let c = answer.credentials;
        let site_id = c.site.id.ok_or_else(|| {
            CallError::InvalidArgument("the sign-in answer has no site id".into())
        })?;
        let session = Session {
            token: c.token,
            site_id,
            user_id: Some(c.user.id),
        };
        self.store_session(session.clone());
        Ok(session)
    }

    /// Signs out (when signed in) and forgets the session and credentials. Signing out has a
    /// deadline of its own ([`ClientBuilder::sign_out_timeout`](crate::ClientBuilder::sign_out_timeout),
    /// 2 s by default) and is not retried: a server that does not answer holds the caller that
    /// long at most.
    pub fn end_session(&self) -> Result<(), CallError<crate::auth::SignOutError>> {
        let result = match self.session() {
            Some(session) => self.inner.signing_out(session).sign_out().send(),
            None => Ok(()),
        };
        self.clear_session();
        result
    }

    /// Signs in again with the kept credentials; `false` when there are none.
    pub(crate) fn reauthenticate(&self) -> Result<bool, Failure> {
        let kept = self
            .inner
            .sign_in
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match kept {
            Some((credentials, site)) => {
                self.sign_in_once(&credentials, &site)
                    .map_err(|e| Failure(e.into_generic()))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
