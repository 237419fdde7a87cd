//! Get Users on Site and Query User On Site (`spec/users.tfspec`). Administrators see every user
//! of the site; other users see themselves only (for Get Users on Site the simulator's reading of
//! "can only be called by administrators", since the endpoint's table has no code to refuse them
//! with; Query User On Site refuses them another user with 403133, deviation S36).

use super::filter::{Value, order, passes};
use super::{Session, Simulator, page_or, state};
use crate::interface::{
    Context, GetUsersOnSiteError, GetUsersOnSiteInput, QueryUserOnSiteError, QueryUserOnSiteInput,
    Reject, UsersService,
};
use crate::tf;

impl super::State {
    fn site_role(&self, u: &state::User) -> &'static str {
        match u.role {
            state::Role::Admin => "ServerAdministrator",
            state::Role::Creator => "Creator",
        }
    }

    /// A user's value of a filter or sort field of Get Users on Site.
    fn user_field(&self, u: &state::User, field: &str) -> Value {
        match field {
            "name" => Value::Text(u.name.clone()),
            "siteRole" => Value::Text(self.site_role(u).into()),
            "lastLogin" => u
                .last_login
                .map_or(Value::None, |t| Value::date(self.at(t))),
            _ => Value::None,
        }
    }

    /// A user as Get Users on Site answers it: the default fields, and with `fields=_all_`
    /// also the display name, email address, sign-in setting and domain.
    fn user_model(&self, u: &state::User, all: bool) -> tf::User {
        let mut user = model!(
            tf::User::new(u.id.clone()),
            name = Some(u.name.clone()),
            site_role = Some(self.site_role(u).into()),
            last_login = u.last_login.map(|t| self.at(t)),
            external_auth_user_id = Some(String::new()),
        );
        if all {
            user.full_name = Some(u.full_name.clone());
            user.email = Some(format!("{}@example.com", u.name));
            user.auth_setting = Some("ServerDefault".into());
            user.locale = Some(String::new());
            user.language = Some("en".into());
            user.domain = Some(tf::Domain::new("local"));
        }
        user
    }
}

impl UsersService for Simulator {
    fn query_user_on_site(
        &self,
        cx: &Context<Session>,
        input: QueryUserOnSiteInput,
    ) -> Result<tf::QueryUserOnSiteResponse, Reject<QueryUserOnSiteError>> {
        let state = self.lock();
        let id = input.user_id.as_str();
        let user = state
            .users
            .iter()
            .find(|u| u.id == id && u.site_id == cx.session.site_id)
            .ok_or_else(|| {
                Reject::new(
                    QueryUserOnSiteError::UserNotFound,
                    format!("no user with id {id} on this site"),
                )
            })?;
        if user.id != cx.session.user_id && !state.is_admin(&cx.session.user_id) {
            return Err(Reject::new(
                QueryUserOnSiteError::UserQueryForbidden,
                "only administrators may query users other than themselves",
            ));
        }
        // Every attribute real servers send for one user (deviation S36), as `fields=_all_`
        // gives them on Get Users on Site.
        Ok(tf::QueryUserOnSiteResponse::new(
            state.user_model(user, true),
        ))
    }

    fn get_users_on_site(
        &self,
        cx: &Context<Session>,
        input: GetUsersOnSiteInput,
    ) -> Result<tf::GetUsersOnSiteResponse, Reject<GetUsersOnSiteError>> {
        let state = self.lock();
        let admin = state.is_admin(&cx.session.user_id);
        let mut users: Vec<&state::User> = state
            .users
            .iter()
            .filter(|u| u.site_id == cx.session.site_id)
            .filter(|u| admin || u.id == cx.session.user_id)
            .filter(|u| passes(input.filter.as_ref(), |f| state.user_field(u, f)))
            .collect();
        order(&mut users, input.sort.as_ref(), |u, f| {
            state.user_field(u, f)
        });
        let items = page_or(
            &users,
            input.page_size,
            input.page_number,
            "users",
            GetUsersOnSiteError::InvalidPageNumber,
        )?;
        let all = input
            .field_expression
            .as_deref()
            .is_some_and(|f| f.split(',').any(|f| f == "_all_"));
        Ok(model!(
            tf::GetUsersOnSiteResponse::new(),
            pagination = Some(super::pagination(
                input.page_size,
                input.page_number,
                users.len(),
            )),
            users = items.iter().map(|u| state.user_model(u, all)).collect(),
        ))
    }
}
