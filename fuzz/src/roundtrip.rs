//! `roundtrip_models`: request and response models built from structured input (`arbitrary`),
//! encoded, decoded and compared.
//!
//! Input: bytes for `arbitrary`'s [`Unstructured`]: the first choice picks the model, the second
//! whether its strings may hold characters XML cannot hold (a third of the time; otherwise they
//! are left out, so that large models that encode are common too), then every field comes from
//! the input, strings included: any UTF-8, or strings of the characters XML makes hard (tab,
//! newline, carriage return, `&<>"'`, C0 controls, U+FFFE, U+FFFF, Unicode spaces, characters
//! beyond the BMP). The models:
//!
//! | # | model | how it is built |
//! | --- | --- | --- |
//! | 0 | `flows::UpdateFlowRequest` | fields |
//! | 1 | `permissions::AddFlowPermissionsRequest` | `Grant` builders, and raw grantees (users, groups, group sets) |
//! | 2 | `flow_tasks::AddFlowTaskToScheduleRequest` | `new` and `parameter` builders |
//! | 3 | `flow_tasks::CreateCloudFlowTaskRequest` | `CloudSchedule` builders, or raw frequency details |
//! | 4 | `flows::RunFlowNowRequest` | fields (run spec: output steps, parameter overrides) |
//! | 5 | `connections::UpdateFlowConnectionRequest` | fields (secrets included) |
//! | 6 | `auth::SignInRequest` | fields (password, token secret, JWT) |
//! | 7 | `flows::PublishFlowRequest` | fields (connections with credentials) |
//! | 8 | `flows::QueryFlowResponse` | fields (dates, tags, parameters with domains) |
//! | 9 | `flow_runs::GetFlowRunResponse` | fields |
//! | 10 | `ErrorDocument` | fields (text elements) |
//!
//! What must hold (the XML writer's contract, `client/src/xml.rs`): a model holding a character
//! XML 1.0 cannot hold (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF) anywhere is
//! refused by `encode`/`encode_response` with `EncodeError::NotXmlChar`, naming a field and one of
//! those characters; any other model encodes into a well-formed document (roxmltree) that decodes
//! to exactly the model: a request with `decode` and with the server's strict `decode_request`,
//! as `<tsRequest>` and as `<tsResponse>`; a response with `decode`. Models keep the spec's
//! constraints that the strict decoder checks (a grantee is exactly one of user, group, group
//! set; a connection update changes something). Enum values are either known
//! variants or `Unknown` of a non-empty text that names no known variant (what decoding gives);
//! dates are whole seconds of years 0000–9999 (the wire's form, KNOWN-DEVIATIONS S18), times of
//! day whole seconds.

use arbitrary::{Arbitrary, Result, Unstructured};
use tableau_flows::connections::{ConnectionUpdate, UpdateFlowConnectionRequest};
use tableau_flows::flow_runs::GetFlowRunResponse;
use tableau_flows::flow_tasks::{
    AddFlowTaskToScheduleRequest, CloudFlowTaskSchedule, CreateCloudFlowTaskRequest,
};
use tableau_flows::flows::{
    FlowUpdate, PublishFlow, PublishFlowRequest, QueryFlowResponse, RunFlowNowRequest,
    UpdateFlowRequest,
};
use tableau_flows::permissions::{AddFlowPermissionsRequest, NewPermissions};
use tableau_flows::{
    CloudSchedule, Connection, ConnectionCredentials, ContentRef, DateTime, ErrorDetail,
    ErrorDocument, Flow, FlowOutputStep, FlowParameter, FlowParameterDomain, FlowParameterRun,
    FlowParameterSpec, FlowRef, FlowRun, FlowRunSpec, FrequencyDetails, Grant, GranteeCapabilities,
    GroupRef, GroupSetRef, Interval, ProjectRef, Secret, SiteRef, Tag, Time, UserRef,
};

/// The number of models (the first choice of the input, modulo this).
pub const MODELS: u32 = 11;

/// The characters XML makes hard, which strings are often made of.
const TRICKY: &[char] = &[
    '\t',
    '\n',
    '\r',
    ' ',
    '&',
    '<',
    '>',
    '"',
    '\'',
    ';',
    '#',
    '=',
    '/',
    '[',
    ']',
    '\u{0}',
    '\u{1}',
    '\u{8}',
    '\u{B}',
    '\u{C}',
    '\u{1F}',
    '\u{7F}',
    '\u{85}',
    '\u{A0}',
    '\u{2028}',
    '\u{3000}',
    '\u{FEFF}',
    '\u{FFFD}',
    '\u{FFFE}',
    '\u{FFFF}',
    '\u{10000}',
    '\u{1F600}',
    '\u{E9}',
    'a',
    'Z',
    '0',
    '9',
    '-',
    ':',
    '.',
];

/// Builds models from the input, remembering the characters XML cannot hold that it put in.
struct Gen<'a, 'u> {
    u: &'u mut Unstructured<'a>,
    /// Every character XML 1.0 cannot hold that a string of the model holds.
    held: Vec<char>,
    /// Whether strings may hold characters XML 1.0 cannot hold (else they are left out, so
    /// that large models that encode are common too).
    forbidden_allowed: bool,
}

impl<'a> Gen<'a, '_> {
    fn string(&mut self) -> Result<String> {
        let s = match self.u.int_in_range(0u8..=3)? {
            0 => String::arbitrary(self.u)?,
            1 => String::new(),
            _ => {
                let n = self.u.int_in_range(1usize..=12)?;
                let mut s = String::new();
                for _ in 0..n {
                    s.push(if self.u.ratio(3u8, 4)? {
                        *self.u.choose(TRICKY)?
                    } else {
                        char::arbitrary(self.u)?
                    });
                }
                s
            }
        };
        if !self.forbidden_allowed {
            return Ok(s.chars().filter(|&c| !crate::xml_forbidden(c)).collect());
        }
        self.held
            .extend(s.chars().filter(|&c| crate::xml_forbidden(c)));
        Ok(s)
    }

    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        if self.u.arbitrary::<bool>()? {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn vec<T>(&mut self, max: usize, mut f: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let n = self.u.int_in_range(0..=max)?;
        (0..n).map(|_| f(self)).collect()
    }

    fn id<T: From<String>>(&mut self) -> Result<T> {
        self.string().map(T::from)
    }

    fn secret(&mut self) -> Result<Secret> {
        self.string().map(Secret::new)
    }

    /// A known variant, or `Unknown` of a non-empty text (through `From<&str>`, as decoding
    /// makes it).
    fn enumeration<E: for<'s> From<&'s str> + Clone>(&mut self, known: &[E]) -> Result<E> {
        if self.u.ratio(4u8, 5)? && !known.is_empty() {
            return Ok(self.u.choose(known)?.clone());
        }
        let mut text = self.string()?;
        if text.is_empty() {
            text.push('x');
        }
        Ok(E::from(text.as_str()))
    }

    fn u32(&mut self) -> Result<u32> {
        self.u.arbitrary()
    }

    fn bool(&mut self) -> Result<bool> {
        self.u.arbitrary()
    }

    fn time(&mut self) -> Result<Time> {
        let (h, m, s) = (
            self.u.int_in_range(0u8..=23)?,
            self.u.int_in_range(0u8..=59)?,
            self.u.int_in_range(0u8..=59)?,
        );
        Ok(Time::from_hms(h, m, s).expect("in range"))
    }

    /// Whole seconds in years 0000–9999 (the form requests write).
    fn date_time(&mut self) -> Result<DateTime> {
        let secs = self.u.int_in_range(-62_167_219_200i64..=253_402_300_799)?;
        Ok(DateTime::from_unix_timestamp(secs).expect("in range"))
    }

    fn project(&mut self) -> Result<ProjectRef> {
        Ok(model!(
            ProjectRef::new(self.string()?),
            name = self.opt(Self::string)?,
        ))
    }

    fn user(&mut self) -> Result<UserRef> {
        Ok(model!(
            UserRef::new(self.string()?),
            name = self.opt(Self::string)?,
        ))
    }

    fn group(&mut self) -> Result<GroupRef> {
        Ok(model!(
            GroupRef::new(self.string()?),
            name = self.opt(Self::string)?,
        ))
    }

    fn capability_rule(&mut self) -> Result<tableau_flows::CapabilityRule> {
        Ok(tableau_flows::CapabilityRule::new(
            self.enumeration(tableau_flows::Capability::KNOWN)?,
            self.enumeration(tableau_flows::CapabilityMode::KNOWN)?,
        ))
    }

    fn grantee(&mut self) -> Result<GranteeCapabilities> {
        if self.u.arbitrary::<bool>()? {
            // Through the builders.
            let mut grant = if self.u.arbitrary::<bool>()? {
                Grant::user(self.string()?)
            } else {
                Grant::group(self.string()?)
            };
            for _ in 0..self.u.int_in_range(0..=4)? {
                let name = self.enumeration(tableau_flows::Capability::KNOWN)?;
                grant = match self.u.int_in_range(0u8..=2)? {
                    0 => grant.allow(name),
                    1 => grant.deny(name),
                    _ => {
                        let mode = self.enumeration(tableau_flows::CapabilityMode::KNOWN)?;
                        grant.capability(name, mode)
                    }
                };
            }
            return Ok(grant.into());
        }
        // Exactly one grantee: the spec's `one_of [user, group, group_set]`, which the strict
        // decoder checks.
        let mut grantee = GranteeCapabilities::default();
        match self.u.int_in_range(0u8..=2)? {
            0 => grantee.user = Some(self.user()?),
            1 => grantee.group = Some(self.group()?),
            _ => {
                grantee.group_set = Some(model!(
                    GroupSetRef::new(self.string()?),
                    name = self.opt(Self::string)?,
                    group_count = self.opt(Self::u32)?,
                    local_id = self.opt(Self::u32)?,
                    groups = self.vec(3, Self::group)?,
                ))
            }
        }
        grantee.capabilities = self.vec(4, Self::capability_rule)?;
        Ok(grantee)
    }

    fn parameter_spec(&mut self) -> Result<FlowParameterSpec> {
        Ok(model!(
            FlowParameterSpec::new(self.string()?),
            override_value = self.opt(Self::string)?,
        ))
    }

    fn output_step(&mut self) -> Result<FlowOutputStep> {
        Ok(model!(
            FlowOutputStep::new(self.string()?),
            name = self.opt(Self::string)?,
        ))
    }

    fn run_spec(&mut self) -> Result<FlowRunSpec> {
        Ok(model!(
            FlowRunSpec::new(),
            flow_id = self.opt(Self::id)?,
            run_mode = self.opt(|g| g.enumeration(tableau_flows::FlowRunMode::KNOWN))?,
            output_steps = self.vec(3, Self::output_step)?,
            parameter_specs = self.vec(3, Self::parameter_spec)?,
        ))
    }

    fn interval(&mut self) -> Result<Interval> {
        Ok(model!(
            Interval::new(),
            hours = self.opt(Self::u32)?,
            minutes = self.opt(Self::u32)?,
            week_day = self.opt(|g| g.enumeration(tableau_flows::WeekDay::KNOWN))?,
            month_day = self.opt(Self::string)?,
        ))
    }

    fn cloud_schedule(&mut self) -> Result<CloudFlowTaskSchedule> {
        if self.u.arbitrary::<bool>()? {
            // Through the builders.
            let start = self.time()?;
            let mut s = match self.u.int_in_range(0u8..=3)? {
                0 => {
                    let (hours, end) = (self.u32()?, self.time()?);
                    CloudSchedule::hourly(hours, start, end)
                }
                1 => CloudSchedule::daily(start),
                2 => CloudSchedule::weekly(start),
                _ => CloudSchedule::monthly(start, self.string()?),
            };
            if self.u.arbitrary::<bool>()? {
                s = s.until(self.time()?);
            }
            if self.u.arbitrary::<bool>()? {
                s = s.every(self.u32()?);
            }
            if self.u.arbitrary::<bool>()? {
                let days = self.vec(7, |g| g.enumeration(tableau_flows::WeekDay::KNOWN))?;
                s = s.on(days);
            }
            return Ok(s.into());
        }
        Ok(CloudFlowTaskSchedule {
            frequency: self.enumeration(tableau_flows::ScheduleFrequency::KNOWN)?,
            frequency_details: model!(
                FrequencyDetails::new(self.time()?),
                end = self.opt(Self::time)?,
                intervals = self.vec(4, Self::interval)?,
            ),
        })
    }

    fn connection(&mut self) -> Result<Connection> {
        Ok(model!(
            Connection::new(),
            id = self.opt(Self::id)?,
            connection_type = self.opt(Self::string)?,
            server_address = self.opt(Self::string)?,
            server_port = self.opt(Self::u32)?,
            user_name = self.opt(Self::string)?,
            password = self.opt(Self::secret)?,
            embed_password = self.opt(Self::bool)?,
            authentication_type = self.opt(Self::string)?,
            db_class = self.opt(Self::string)?,
            filename = self.opt(Self::string)?,
            google_sheet_id = self.opt(Self::string)?,
            instance_url = self.opt(Self::string)?,
            oauth_config_id = self.opt(Self::string)?,
            query_tagging_enabled = self.opt(Self::bool)?,
            scope = self.opt(Self::string)?,
            use_o_auth_managed_keychain = self.opt(Self::bool)?,
            datasource = self.opt(|g| {
                Ok(model!(
                    ContentRef::new(),
                    id = g.opt(Self::string)?,
                    name = g.opt(Self::string)?,
                ))
            })?,
            credentials = self.opt(|g| {
                Ok(model!(
                    ConnectionCredentials::new(),
                    name = g.opt(Self::string)?,
                    password = g.opt(Self::secret)?,
                    embed = g.opt(Self::bool)?,
                    o_auth = g.opt(Self::bool)?,
                ))
            })?,
        ))
    }

    fn parameter(&mut self) -> Result<FlowParameter> {
        Ok(model!(
            FlowParameter::new(self.string()?),
            data_type = self.opt(|g| g.enumeration(tableau_flows::ParameterDataType::KNOWN))?,
            name = self.opt(Self::string)?,
            description = self.opt(Self::string)?,
            value = self.opt(Self::string)?,
            is_required = self.opt(Self::bool)?,
            domain = self.opt(|g| {
                Ok(model!(
                    FlowParameterDomain::new(),
                    kind = g.opt(|g| g.enumeration(tableau_flows::ParameterDomainKind::KNOWN))?,
                    domain_type =
                        g.opt(|g| g.enumeration(tableau_flows::ParameterDomainType::KNOWN))?,
                    min_value = g.opt(Self::string)?,
                    max_value = g.opt(Self::string)?,
                    step_size = g.opt(Self::string)?,
                    date_value_increment = g.opt(Self::string)?,
                    values = g.vec(4, Self::string)?,
                ))
            })?,
        ))
    }

    fn flow(&mut self) -> Result<Flow> {
        Ok(model!(
            Flow::new(self.string()?),
            name = self.opt(Self::string)?,
            description = self.opt(Self::string)?,
            webpage_url = self.opt(Self::string)?,
            file_type = self.opt(|g| g.enumeration(tableau_flows::FlowFileType::KNOWN))?,
            created_at = self.opt(Self::date_time)?,
            updated_at = self.opt(Self::date_time)?,
            site = self.opt(|g| {
                Ok(model!(
                    SiteRef::new(),
                    id = g.opt(Self::id)?,
                    name = g.opt(Self::string)?,
                    content_url = g.opt(Self::string)?,
                ))
            })?,
            project = self.opt(Self::project)?,
            owner = self.opt(Self::user)?,
            tags = self.vec(3, |g| Ok(Tag::new(g.string()?)))?,
            parameters = self.vec(3, Self::parameter)?,
        ))
    }

    fn flow_run(&mut self) -> Result<FlowRun> {
        Ok(model!(
            FlowRun::new(self.string()?),
            flow_id = self.opt(Self::id)?,
            status = self.opt(|g| g.enumeration(tableau_flows::RunStatus::KNOWN))?,
            started_at = self.opt(Self::date_time)?,
            completed_at = self.opt(Self::date_time)?,
            progress = self.opt(Self::u32)?,
            background_job_id = self.opt(Self::id)?,
            failure_reason = self.opt(Self::string)?,
            parameter_runs = self.vec(3, |g| {
                Ok(model!(
                    FlowParameterRun::new(),
                    parameter_id = g.opt(Self::id)?,
                    name = g.opt(Self::string)?,
                    description = g.opt(Self::string)?,
                    override_value = g.opt(Self::string)?,
                ))
            })?,
        ))
    }
}

/// A model built from the input.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per input
pub enum Model {
    /// A request document.
    Request(Request),
    /// A response document.
    Response(Response),
}

/// The request models.
#[derive(Debug)]
#[allow(missing_docs)]
pub enum Request {
    UpdateFlow(UpdateFlowRequest),
    AddFlowPermissions(AddFlowPermissionsRequest),
    AddFlowTaskToSchedule(AddFlowTaskToScheduleRequest),
    CreateCloudFlowTask(CreateCloudFlowTaskRequest),
    RunFlowNow(RunFlowNowRequest),
    UpdateFlowConnection(UpdateFlowConnectionRequest),
    SignIn(tableau_flows::auth::SignInRequest),
    PublishFlow(PublishFlowRequest),
}

/// The response models.
#[derive(Debug)]
#[allow(missing_docs, clippy::large_enum_variant)]
pub enum Response {
    QueryFlow(QueryFlowResponse),
    GetFlowRun(GetFlowRunResponse),
    Error(ErrorDocument),
}

/// Builds the model the input describes; the characters XML cannot hold that it put in are
/// returned with it.
pub fn build(u: &mut Unstructured<'_>) -> Result<(Model, Vec<char>)> {
    let which = u.int_in_range(0..=MODELS - 1)?;
    let forbidden_allowed = u.ratio(1u8, 3)?;
    let mut g = Gen {
        u,
        held: Vec::new(),
        forbidden_allowed,
    };
    let model = match which {
        0 => Model::Request(Request::UpdateFlow(UpdateFlowRequest {
            flow: FlowUpdate {
                project: g.opt(Gen::project)?,
                owner: g.opt(Gen::user)?,
            },
        })),
        1 => Model::Request(Request::AddFlowPermissions(if g.u.arbitrary::<bool>()? {
            let grants = g.vec(3, |g| {
                let grant = if g.u.arbitrary::<bool>()? {
                    Grant::user(g.string()?)
                } else {
                    Grant::group(g.string()?)
                };
                let name = g.enumeration(tableau_flows::Capability::KNOWN)?;
                Ok(grant.allow(name))
            })?;
            AddFlowPermissionsRequest::from(grants)
        } else {
            AddFlowPermissionsRequest {
                permissions: NewPermissions {
                    flow: g.opt(|g| Ok(FlowRef { id: g.id()? }))?,
                    grantees: g.vec(4, Gen::grantee)?,
                },
            }
        })),
        2 => {
            let mut r = AddFlowTaskToScheduleRequest::new(g.string()?);
            for _ in 0..g.u.int_in_range(0..=3)? {
                r = r.parameter(g.string()?, g.string()?);
            }
            Model::Request(Request::AddFlowTaskToSchedule(r))
        }
        3 => {
            let schedule = g.cloud_schedule()?;
            let mut r = CreateCloudFlowTaskRequest::new(g.string()?, schedule);
            for _ in 0..g.u.int_in_range(0..=3)? {
                r = r.parameter(g.string()?, g.string()?);
            }
            Model::Request(Request::CreateCloudFlowTask(r))
        }
        4 => Model::Request(Request::RunFlowNow(RunFlowNowRequest {
            flow_run_spec: g.opt(Gen::run_spec)?,
        })),
        5 => {
            let mut connection = ConnectionUpdate {
                server_address: g.opt(Gen::string)?,
                server_port: g.opt(Gen::u32)?,
                user_name: g.opt(Gen::string)?,
                password: g.opt(Gen::secret)?,
                embed_password: g.opt(Gen::bool)?,
                authentication_type: g.opt(Gen::string)?,
                query_tagging_enabled: g.opt(Gen::bool)?,
            };
            // At least one change: the spec's constraint, which the strict decoder checks.
            let c = &connection;
            if c.server_address.is_none()
                && c.server_port.is_none()
                && c.user_name.is_none()
                && c.password.is_none()
                && c.embed_password.is_none()
            {
                connection.embed_password = Some(true);
            }
            Model::Request(Request::UpdateFlowConnection(UpdateFlowConnectionRequest {
                connection,
            }))
        }
        6 => Model::Request(Request::SignIn(tableau_flows::auth::SignInRequest {
            credentials: tableau_flows::auth::SignInCredentials {
                name: g.opt(Gen::string)?,
                password: g.opt(Gen::secret)?,
                personal_access_token_name: g.opt(Gen::string)?,
                personal_access_token_secret: g.opt(Gen::secret)?,
                jwt: g.opt(Gen::secret)?,
                is_uat: g.opt(Gen::bool)?,
                site: tableau_flows::auth::SignInSite {
                    content_url: g.opt(Gen::string)?,
                },
            },
        })),
        7 => Model::Request(Request::PublishFlow(PublishFlowRequest {
            flow: PublishFlow {
                name: g.string()?,
                description: g.opt(Gen::string)?,
                project: g.project()?,
            },
            connections: g.vec(3, Gen::connection)?,
        })),
        8 => Model::Response(Response::QueryFlow(model!(
            QueryFlowResponse::new(g.flow()?),
            output_steps = g.vec(3, Gen::output_step)?,
        ))),
        9 => Model::Response(Response::GetFlowRun(GetFlowRunResponse::new(g.flow_run()?))),
        _ => Model::Response(Response::Error(ErrorDocument::new(model!(
            ErrorDetail::new(g.string()?),
            summary = g.opt(Gen::string)?,
            detail = g.opt(Gen::string)?,
            callstack = g.opt(Gen::string)?,
        )))),
    };
    let held = g.held;
    Ok((model, held))
}

/// Checks a request model: refused for a character XML cannot hold, else exact both ways.
macro_rules! request {
    ($ty:ty, $model:expr, $held:expr) => {{
        let model: &$ty = $model;
        let held: &[char] = $held;
        let encoded = model.encode();
        let response = model.encode_response();
        match (encoded, response) {
            (Err(e), Err(r)) => {
                crate::check_refusal(&e, held, &format!("{model:?}"));
                crate::check_refusal(&r, held, &format!("{model:?}"));
            }
            (Ok(xml), Ok(as_response)) => {
                assert!(
                    held.is_empty(),
                    "{model:?} holds {held:?}, which XML 1.0 cannot hold, yet it encodes:\n{xml}"
                );
                crate::check_well_formed(&xml);
                crate::check_well_formed(&as_response);
                let lenient = <$ty>::decode(xml.as_bytes()).unwrap_or_else(|e| {
                    panic!("the encoding of {model:?} does not decode: {e}\n{xml}")
                });
                assert!(
                    &lenient == model,
                    "{model:?}\nencodes as {xml}\nand decodes as {lenient:?}"
                );
                let strict = <$ty>::decode_request(xml.as_bytes()).unwrap_or_else(|e| {
                    panic!("the encoding of {model:?} is refused by decode_request: {e}\n{xml}")
                });
                assert!(
                    &strict == model,
                    "{model:?}\nencodes as {xml}\nand decode_request gives {strict:?}"
                );
                let back = <$ty>::decode(as_response.as_bytes()).unwrap_or_else(|e| {
                    panic!("the response encoding of {model:?} does not decode: {e}\n{as_response}")
                });
                assert!(
                    &back == model,
                    "{model:?}\nencodes as {as_response}\nand decodes as {back:?}"
                );
            }
            (e, r) => panic!("encode and encode_response disagree for {model:?}: {e:?} / {r:?}"),
        }
    }};
}

/// Checks a response model: refused for a character XML cannot hold, else it reads back as
/// `expected`.
macro_rules! response {
    ($ty:ty, $model:expr, $expected:expr, $held:expr) => {{
        let model: &$ty = $model;
        let expected: &$ty = $expected;
        let held: &[char] = $held;
        match model.encode_response() {
            Err(e) => crate::check_refusal(&e, held, &format!("{model:?}")),
            Ok(xml) => {
                assert!(
                    held.is_empty(),
                    "{model:?} holds {held:?}, which XML 1.0 cannot hold, yet it encodes:\n{xml}"
                );
                crate::check_well_formed(&xml);
                let back = <$ty>::decode(xml.as_bytes()).unwrap_or_else(|e| {
                    panic!("the encoding of {model:?} does not decode: {e}\n{xml}")
                });
                assert!(
                    &back == expected,
                    "{model:?}\nencodes as {xml}\nand decodes as {back:?}"
                );
            }
        }
    }};
}

/// The target.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((model, held)) = build(&mut u) else {
        return;
    };
    match &model {
        Model::Request(r) => match r {
            Request::UpdateFlow(m) => request!(UpdateFlowRequest, m, &held),
            Request::AddFlowPermissions(m) => request!(AddFlowPermissionsRequest, m, &held),
            Request::AddFlowTaskToSchedule(m) => request!(AddFlowTaskToScheduleRequest, m, &held),
            Request::CreateCloudFlowTask(m) => request!(CreateCloudFlowTaskRequest, m, &held),
            Request::RunFlowNow(m) => request!(RunFlowNowRequest, m, &held),
            Request::UpdateFlowConnection(m) => request!(UpdateFlowConnectionRequest, m, &held),
            Request::SignIn(m) => request!(tableau_flows::auth::SignInRequest, m, &held),
            Request::PublishFlow(m) => request!(PublishFlowRequest, m, &held),
        },
        Model::Response(r) => match r {
            Response::QueryFlow(m) => response!(QueryFlowResponse, m, m, &held),
            Response::GetFlowRun(m) => response!(GetFlowRunResponse, m, m, &held),
            // Texts read back as written, whitespace at either end included (K5, fixed).
            Response::Error(m) => response!(ErrorDocument, m, m, &held),
        },
    }
}
