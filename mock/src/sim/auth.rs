//! Sign In and Sign Out (`spec/auth.tfspec`).

use super::{Session, Simulator, state};
use crate::interface::{
    AuthService, Context, Reject, SignInError, SignInInput, SignOutError, SignOutInput,
};
use crate::tf;

impl AuthService for Simulator {
    fn sign_in(
        &self,
        _cx: &Context<()>,
        input: SignInInput,
    ) -> Result<tf::SignInResponse, Reject<SignInError>> {
        let mut state = self.lock();
        let c = input.body.credentials;
        let refused = || {
            Reject::new(
                SignInError::SigninError,
                "Error signing in to Tableau Server",
            )
        };
        let user_id = if let (Some(name), Some(secret)) = (
            &c.personal_access_token_name,
            &c.personal_access_token_secret,
        ) {
            state
                .pats
                .iter()
                .find(|p| &p.name == name && p.secret == secret.expose())
                .map(|p| p.user_id.clone())
        } else if let (Some(name), Some(password)) = (&c.name, &c.password) {
            state
                .users
                .iter()
                .find(|u| &u.name == name && u.password.as_deref() == Some(password.expose()))
                .map(|u| u.id.clone())
        } else if let Some(jwt) = &c.jwt {
            state
                .jwts
                .iter()
                .find(|(j, _)| j == jwt.expose())
                .map(|(_, u)| u.clone())
        } else {
            None
        }
        .ok_or_else(refused)?;
        let site = state
            .sites
            .iter()
            .find(|s| s.content_url == c.site.content_url.as_deref().unwrap_or_default())
            .cloned()
            .ok_or_else(refused)?;
        if !state
            .users
            .iter()
            .any(|u| u.id == user_id && u.site_id == site.id)
        {
            return Err(refused());
        }
        let now = state.now();
        if let Some(u) = state.users.iter_mut().find(|u| u.id == user_id) {
            u.last_login = Some(now);
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let lifetime = state.token_lifetime;
        let expires_at = now + lifetime;
        state.tokens.insert(
            token.clone(),
            state::Token {
                user_id: user_id.clone(),
                site_id: site.id.clone(),
                expires_at,
            },
        );
        let minutes = lifetime.as_secs() / 60;
        Ok(tf::SignInResponse::new(model!(
            tf::SessionCredentials::new(
                tf::Secret::new(token),
                model!(
                    tf::SiteRef::new(),
                    id = Some(site.id.into()),
                    name = Some(site.name),
                    content_url = Some(site.content_url),
                ),
                tf::UserRef::new(user_id)
            ),
            estimated_time_to_expiration = Some(format!("{}:{:02}:00", minutes / 60, minutes % 60)),
        )))
    }

    fn sign_out(
        &self,
        cx: &Context<Session>,
        _input: SignOutInput,
    ) -> Result<(), Reject<SignOutError>> {
        self.lock().tokens.remove(&cx.session.token);
        Ok(())
    }
}
