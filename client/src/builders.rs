//! Builders for the request bodies people write by hand: a permission grant and the schedule of a
//! cloud flow task.

use crate::flow_tasks::{
    AddFlowTaskToScheduleRequest, CloudFlowTaskSchedule, CreateCloudFlowTaskRequest, NewFlowRun,
    NewFlowTask,
};
use crate::permissions::{AddFlowPermissionsRequest, NewPermissions};
use crate::{
    Capability, CapabilityMode, CapabilityRule, FlowId, FlowParameterSpec, FlowRef, FlowRunSpec,
    FrequencyDetails, GranteeCapabilities, GroupId, GroupRef, Interval, ScheduleFrequency, Time,
    UserId, UserRef, WeekDay,
};

/// The capabilities one user or group is granted (or denied) on a flow: the body of Add Flow
/// Permissions, alone or with others.
///
/// ```no_run
/// use tableau_flows::{Capability, Grant};
/// # fn main() -> Result<(), tableau_flows::Error> {
/// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
/// let analyst = client.find_user("analyst")?;
/// client
///     .add_flow_permissions(
///         "d00700fe-28a0-4ece-a7af-5543ddf38a82",
///         Grant::user(analyst.id).allow(Capability::Read).allow(Capability::Execute),
///     )
///     .send()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    grantee: Grantee,
    rules: Vec<CapabilityRule>,
}

#[derive(Debug, Clone, PartialEq)]
enum Grantee {
    User(UserId),
    Group(GroupId),
}

impl Grant {
    /// Capabilities of a user.
    pub fn user(id: impl Into<UserId>) -> Self {
        Grant {
            grantee: Grantee::User(id.into()),
            rules: Vec::new(),
        }
    }

    /// Capabilities of a group.
    pub fn group(id: impl Into<GroupId>) -> Self {
        Grant {
            grantee: Grantee::Group(id.into()),
            rules: Vec::new(),
        }
    }

    /// Allows a capability.
    pub fn allow(self, capability: Capability) -> Self {
        self.capability(capability, CapabilityMode::Allow)
    }

    /// Denies a capability.
    pub fn deny(self, capability: Capability) -> Self {
        self.capability(capability, CapabilityMode::Deny)
    }

    /// Allows or denies a capability.
    pub fn capability(mut self, name: Capability, mode: CapabilityMode) -> Self {
        self.rules.push(CapabilityRule { name, mode });
        self
    }
}

impl From<Grant> for GranteeCapabilities {
    fn from(g: Grant) -> Self {
        let (user, group) = match g.grantee {
            Grantee::User(id) => (Some(UserRef { id, name: None }), None),
            Grantee::Group(id) => (None, Some(GroupRef { id, name: None })),
        };
        GranteeCapabilities {
            user,
            group,
            group_set: None,
            capabilities: g.rules,
        }
    }
}

impl From<Grant> for AddFlowPermissionsRequest {
    fn from(g: Grant) -> Self {
        AddFlowPermissionsRequest::from(vec![g])
    }
}

impl From<Vec<Grant>> for AddFlowPermissionsRequest {
    fn from(grants: Vec<Grant>) -> Self {
        AddFlowPermissionsRequest {
            permissions: NewPermissions {
                flow: None,
                grantees: grants.into_iter().map(Into::into).collect(),
            },
        }
    }
}

impl<const N: usize> From<[Grant; N]> for AddFlowPermissionsRequest {
    fn from(grants: [Grant; N]) -> Self {
        AddFlowPermissionsRequest::from(Vec::from(grants))
    }
}

/// When a cloud flow task runs (Create Cloud Flow Task): a frequency, a start time and the
/// intervals Tableau Cloud accepts for it.
///
/// ```no_run
/// use tableau_flows::{CloudSchedule, Time, WeekDay};
/// use tableau_flows::flow_tasks::CreateCloudFlowTaskRequest;
/// # fn main() -> Result<(), tableau_flows::Error> {
/// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
/// let at = Time::from_hms(6, 30, 0).expect("a time of day");
/// let weekdays = CloudSchedule::daily(at).on([WeekDay::Monday, WeekDay::Wednesday, WeekDay::Friday]);
/// let task = client
///     .create_cloud_flow_task(CreateCloudFlowTaskRequest::new("d00700fe-28a0-4ece-a7af-5543ddf38a82", weekdays))
///     .send()?;
/// println!("task {:?}", task.task.flow_run.map(|t| t.id));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CloudSchedule {
    frequency: ScheduleFrequency,
    details: FrequencyDetails,
}

impl CloudSchedule {
    fn new(frequency: ScheduleFrequency, start: Time) -> Self {
        CloudSchedule {
            frequency,
            details: FrequencyDetails {
                start,
                end: None,
                intervals: Vec::new(),
            },
        }
    }

    /// Every `hours` hours (1 for every hour) from `start` until `end`, every day unless days are
    /// given with [`on`](Self::on).
    pub fn hourly(hours: u32, start: Time, end: Time) -> Self {
        let mut s = CloudSchedule::new(ScheduleFrequency::Hourly, start).until(end);
        s.details.intervals.push(Interval {
            hours: Some(hours),
            ..Interval::default()
        });
        s
    }

    /// Once a day at `start`, every day unless days are given with [`on`](Self::on); add
    /// [`every`](Self::every) and [`until`](Self::until) to repeat during the day.
    pub fn daily(start: Time) -> Self {
        CloudSchedule::new(ScheduleFrequency::Daily, start)
    }

    /// Once a week at `start`, on the days given with [`on`](Self::on).
    pub fn weekly(start: Time) -> Self {
        CloudSchedule::new(ScheduleFrequency::Weekly, start)
    }

    /// Once a month at `start`, on a day of the month (`"1"` to `"31"`, `"LastDay"`).
    pub fn monthly(start: Time, day: impl Into<String>) -> Self {
        let mut s = CloudSchedule::new(ScheduleFrequency::Monthly, start);
        s.details.intervals.push(Interval {
            month_day: Some(day.into()),
            ..Interval::default()
        });
        s
    }

    /// The time of day runs stop (Hourly, and Daily repeated during the day).
    pub fn until(mut self, end: Time) -> Self {
        self.details.end = Some(end);
        self
    }

    /// Repeats every `hours` hours (Daily: 2, 4, 6, 8, 12 or 24).
    pub fn every(mut self, hours: u32) -> Self {
        self.details.intervals.push(Interval {
            hours: Some(hours),
            ..Interval::default()
        });
        self
    }

    /// Runs on these days of the week.
    pub fn on(mut self, days: impl IntoIterator<Item = WeekDay>) -> Self {
        for day in days {
            self.details.intervals.push(Interval {
                week_day: Some(day),
                ..Interval::default()
            });
        }
        self
    }
}

impl From<CloudSchedule> for CloudFlowTaskSchedule {
    fn from(s: CloudSchedule) -> Self {
        CloudFlowTaskSchedule {
            frequency: s.frequency,
            frequency_details: s.details,
        }
    }
}

fn new_task(flow: FlowId, parameters: Vec<FlowParameterSpec>) -> NewFlowTask {
    NewFlowTask {
        flow_run: NewFlowRun {
            flow: FlowRef { id: flow.clone() },
            flow_run_spec: (!parameters.is_empty()).then(|| FlowRunSpec {
                flow_id: Some(flow),
                parameter_specs: parameters,
                ..FlowRunSpec::default()
            }),
        },
    }
}

impl CreateCloudFlowTaskRequest {
    /// A cloud flow task running `flow` on `schedule`.
    pub fn new(flow: impl Into<FlowId>, schedule: impl Into<CloudFlowTaskSchedule>) -> Self {
        CreateCloudFlowTaskRequest {
            task: new_task(flow.into(), Vec::new()),
            schedule: schedule.into(),
        }
    }

    /// Runs the task with this value for the parameter with this id (API 3.24).
    pub fn parameter(
        mut self,
        parameter_id: impl Into<crate::FlowParameterId>,
        value: impl Into<String>,
    ) -> Self {
        add_parameter(&mut self.task, parameter_id.into(), value.into());
        self
    }
}

impl AddFlowTaskToScheduleRequest {
    /// A flow task running `flow` on the schedule named in the call.
    pub fn new(flow: impl Into<FlowId>) -> Self {
        AddFlowTaskToScheduleRequest {
            task: new_task(flow.into(), Vec::new()),
        }
    }

    /// Runs the task with this value for the parameter with this id (API 3.24).
    pub fn parameter(
        mut self,
        parameter_id: impl Into<crate::FlowParameterId>,
        value: impl Into<String>,
    ) -> Self {
        add_parameter(&mut self.task, parameter_id.into(), value.into());
        self
    }
}

fn add_parameter(task: &mut NewFlowTask, parameter_id: crate::FlowParameterId, value: String) {
    let run = &mut task.flow_run;
    let flow = run.flow.id.clone();
    run.flow_run_spec
        .get_or_insert_with(|| FlowRunSpec {
            flow_id: Some(flow),
            ..FlowRunSpec::default()
        })
        .parameter_specs
        .push(FlowParameterSpec {
            parameter_id,
            override_value: Some(value),
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_str_string_and_string_references() {
        let owned = String::from("u1");
        let from_ref = crate::UserId::from(&owned);
        let from_str = crate::UserId::from("u1");
        let from_id = crate::UserId::from(&from_str);
        assert_eq!((from_ref.as_str(), from_id.as_str()), ("u1", "u1"));
        assert_eq!(Grant::user(&owned), Grant::user(owned.clone()));
    }

    #[test]
    fn a_grant_is_the_body_of_add_flow_permissions() {
        let body: AddFlowPermissionsRequest = vec![
            Grant::user("u1")
                .allow(Capability::Read)
                .deny(Capability::Delete),
            Grant::group("g1").allow(Capability::Execute),
        ]
        .into();
        assert_eq!(
            body.encode().unwrap(),
            "<tsRequest><permissions><granteeCapabilities><user id=\"u1\"/><capabilities><capability name=\"Read\" mode=\"Allow\"/><capability name=\"Delete\" mode=\"Deny\"/></capabilities></granteeCapabilities><granteeCapabilities><group id=\"g1\"/><capabilities><capability name=\"Execute\" mode=\"Allow\"/></capabilities></granteeCapabilities></permissions></tsRequest>"
        );
    }

    #[test]
    fn a_cloud_schedule_is_the_schedule_of_a_cloud_task() {
        let t = |h, m| Time::from_hms(h, m, 0).unwrap();
        let body = CreateCloudFlowTaskRequest::new(
            "f1",
            CloudSchedule::daily(t(6, 30))
                .every(4)
                .until(t(22, 30))
                .on([WeekDay::Monday]),
        )
        .parameter("p1", "EMEA");
        assert_eq!(
            body.encode().unwrap(),
            "<tsRequest><task><flowRun><flow id=\"f1\"/><flowRunSpec flowId=\"f1\"><flowParameterSpecs><flowParameterSpec parameterId=\"p1\" overrideValue=\"EMEA\"/></flowParameterSpecs></flowRunSpec></flowRun></task><schedule frequency=\"Daily\"><frequencyDetails start=\"06:30:00\" end=\"22:30:00\"><intervals><interval hours=\"4\"/><interval weekDay=\"Monday\"/></intervals></frequencyDetails></schedule></tsRequest>"
        );
        let hourly: CloudFlowTaskSchedule = CloudSchedule::hourly(1, t(0, 0), t(23, 0)).into();
        assert_eq!(hourly.frequency, ScheduleFrequency::Hourly);
        assert_eq!(hourly.frequency_details.intervals[0].hours, Some(1));
    }
}

impl crate::tags::AddTagsToFlowRequest {
    /// The body of Add Tags to Flow adding these tags, each kept whole: a tag holding whitespace
    /// or a comma is sent in double quotes, as servers split an unquoted label there and store a
    /// quoted one without its quotes (deviation S34; the official Python client quotes the same
    /// way). Empty tags are left out.
    ///
    /// ```no_run
    /// use tableau_flows::tags::AddTagsToFlowRequest;
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// # let client = tableau_flows::Client::from_env()?;
    /// let tags = client
    ///     .add_tags_to_flow(
    ///         "d00700fe-28a0-4ece-a7af-5543ddf38a82",
    ///         AddTagsToFlowRequest::new(["daily", "Yearly Sales"]),
    ///     )
    ///     .send()?
    ///     .tags;
    /// // Every tag of the flow, "Yearly Sales" as one tag.
    /// # Ok(()) }
    /// ```
    pub fn new<I, S>(tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let tags = tags
            .into_iter()
            .filter(|t| !t.as_ref().is_empty())
            .map(|t| crate::Tag {
                label: tag_label(t.as_ref()),
            })
            .collect();
        crate::tags::AddTagsToFlowRequest { tags }
    }
}

/// The label that stores `tag` as one tag (deviation S34).
fn tag_label(tag: &str) -> String {
    if tag.chars().any(|c| c == ',' || c.is_whitespace()) {
        format!("\"{tag}\"")
    } else {
        tag.to_owned()
    }
}

#[cfg(test)]
mod tag_tests {
    use crate::tags::AddTagsToFlowRequest;

    #[test]
    fn tags_with_spaces_or_commas_are_quoted() {
        let labels: Vec<String> = AddTagsToFlowRequest::new(["daily", "Yearly Sales", "a,b", ""])
            .tags
            .into_iter()
            .map(|t| t.label)
            .collect();
        assert_eq!(labels, ["daily", "\"Yearly Sales\"", "\"a,b\""]);
    }
}
