//! Sessions: the credentials to sign in with, signing in and out, and signing in again when the
//! token expires.

use crate::client::Client;
use crate::error::{CallError, Failure};
use crate::{Secret, SiteId, UserId};
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

/// Where [`Client::resume_session`] asks for credentials when the session expires, and the site
/// to sign in to.
pub(crate) struct Renewal {
    site: String,
    credentials: Box<dyn FnMut() -> Option<Credentials> + Send>,
}

impl std::fmt::Debug for Renewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renewal")
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// A duration as Sign In's `estimatedTimeToExpiration` writes it, `HOURS:MM:SS` (e.g.
/// `239:59:13`); `None` for anything else.
pub(crate) fn parse_time_to_expiration(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |p: &str, max: u64| {
        (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u64>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    let (h, m, s) = (number(h, u64::MAX)?, number(m, 59)?, number(s, 59)?);
    Some(Duration::from_secs(h * 3600 + m * 60 + s))
}

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
        *self
            .inner
            .expires_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        self.store_session(session);
    }

    /// Uses a session saved by an earlier program, as [`set_session`](Self::set_session) does
    /// (the client does not sign it out when dropped), and when the server answers that it has
    /// expired (401 with code 401002) asks `credentials` for credentials to sign in to `site`
    /// again, then repeats the call once. `credentials` is called only then, so a program can
    /// prompt for a secret only when one is needed; `None` gives up, and the call fails with
    /// 401002. Credentials it gave are kept for later expiries, as
    /// [`sign_in_with`](Self::sign_in_with) keeps its own.
    ///
    /// The new session is not signed out when the client is dropped either: read it with
    /// [`session`](Self::session) (its token differs from the one given) to save it again.
    ///
    /// ```no_run
    /// use tableau_flows::{Client, Credentials, Session};
    /// # fn saved() -> Session { unimplemented!() }
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// let client = Client::builder("https://tableau.example.com").build()?;
    /// let session: Session = saved();
    /// let token = session.token.clone();
    /// client.resume_session(session, "marketing", || {
    ///     let secret = std::env::var("TABLEAU_PAT_SECRET").ok()?;
    ///     Some(Credentials::personal_access_token("ci", secret))
    /// });
    /// client.query_flows_for_site().send()?;
    /// if client.session().is_some_and(|s| s.token != token) {
    ///     // Signed in again: save the new session.
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resume_session<F>(&self, session: Session, site: &str, credentials: F)
    where
        F: FnMut() -> Option<Credentials> + Send + 'static,
    {
        self.set_session(session);
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.inner.renewal.lock().unwrap_or_else(|p| p.into_inner()) = Some(Renewal {
            site: site.to_owned(),
            credentials: Box::new(credentials),
        });
    }

    /// When the server expects the current session to expire: the time of its Sign In plus the
    /// answer's `estimatedTimeToExpiration` (`HOURS:MM:SS`). `None` for a session given with
    /// [`set_session`](Self::set_session), or when the answer said nothing readable. Servers
    /// may end a session sooner (an administrator, a restart) or, counting idle time, later.
    pub fn session_expires_at(&self) -> Option<SystemTime> {
        *self
            .inner
            .expires_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
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

    /// Forgets the session and the credentials kept for signing in again, or where to ask for
    /// them ([`resume_session`](Self::resume_session)), without signing out.
    pub fn clear_session(&self) {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.inner.renewal.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self
            .inner
            .expires_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
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
        let asked = SystemTime::now();
        let answer = self
            .sign_in(crate::auth::SignInRequest { credentials: creds })
            .send()?;
        let c = answer.credentials;
        let expires_at = c
            .estimated_time_to_expiration
            .as_deref()
            .and_then(parse_time_to_expiration)
            .and_then(|d| asked.checked_add(d));
        let site_id = c.site.id.ok_or_else(|| {
            CallError::InvalidArgument("the sign-in answer has no site id".into())
        })?;
        let session = Session {
            token: c.token,
            site_id,
            user_id: Some(c.user.id),
        };
        self.store_session(session.clone());
        *self
            .inner
            .expires_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = expires_at;
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

    /// Signs in again with the kept credentials, or those [`resume_session`](Self::resume_session)'s
    /// callback gives (then kept); `false` when there are none.
    pub(crate) fn reauthenticate(&self) -> Result<bool, Failure> {
        let kept = self
            .inner
            .sign_in
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let (credentials, site) = match kept {
            Some(kept) => kept,
            None => {
                let mut renewal = self.inner.renewal.lock().unwrap_or_else(|p| p.into_inner());
                let Some(r) = renewal.as_mut() else {
                    return Ok(false);
                };
                let Some(credentials) = (r.credentials)() else {
                    return Ok(false);
                };
                (credentials, r.site.clone())
            }
        };
        self.sign_in_once(&credentials, &site)
            .map_err(|e| Failure(e.into_generic()))?;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = Some((credentials, site));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_to_expiration_are_hours_minutes_and_seconds() {
        let t = parse_time_to_expiration;
        assert_eq!(t("240:00:00"), Some(Duration::from_secs(240 * 3600)));
        assert_eq!(t("0:05:09"), Some(Duration::from_secs(309)));
        assert_eq!(
            t(" 365:22:20 "),
            Some(Duration::from_secs(365 * 3600 + 22 * 60 + 20))
        );
        for bad in [
            "",
            "4:00",
            "1:60:00",
            "1:00:60",
            "-1:00:00",
            "a:00:00",
            "1:00:00:00",
            "1::00",
            "9999999999:00:00",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }
}
