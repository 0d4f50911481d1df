//! The one table of admin actions: name, method, whether it needs multitenancy, and what it does — the routing
//! and the OpenAPI document both read it.

use actix_web::http::Method;

/// What a server action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerAction {
    List,
    Info,
    Add,
    Update,
    Delete,
    Panic,
}

/// What a tenant action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantAction {
    List,
    Info,
    Add,
    Update,
    Delete,
    ListSettings,
    AddSetting,
    DeleteSetting,
    Usage,
}

/// What a meeting action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetingAction {
    List,
    Info,
    End,
}

/// What a state action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateAction {
    Export,
    Apply,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Servers(ServerAction),
    Tenants(TenantAction),
    Meetings(MeetingAction),
    State(StateAction),
}

/// One row of the table.
pub struct ActionDef {
    pub name: &'static str,
    pub action: Action,
    /// GET reads, POST changes (with a JSON body).
    pub post: bool,
    /// Answered only with `MULTITENANCY_ENABLED` (else 412).
    pub tenants_only: bool,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
    /// Query parameters of a GET, or the JSON body's shape of a POST (an example).
    pub input: &'static str,
}

const fn def(name: &'static str, action: Action, post: bool, summary: &'static str, input: &'static str) -> ActionDef {
    let tenants_only = matches!(action, Action::Tenants(_));
    ActionDef { name, action, post, tenants_only, summary, input }
}

use Action::{Meetings as M, Servers as S, State as St, Tenants as T};

/// Every action, in the order the OpenAPI document lists them.
pub const ACTIONS: &[ActionDef] = &[
    def("getServers", S(ServerAction::List), false, "List the servers.", ""),
    def("getServerInfo", S(ServerAction::Info), false, "One server.", "id"),
    def(
        "addServer",
        S(ServerAction::Add),
        true,
        "Add a server (disabled until enabled).",
        r#"{"server": {"url": "https://bbb1.example.com/bigbluebutton/api", "secret": "…", "load_multiplier": 1.0, "tag": "", "checksum_algorithm": "SHA256"}}"#,
    ),
    def(
        "updateServer",
        S(ServerAction::Update),
        true,
        "Change a server: state (enable, cordon, disable), secret, load multiplier, tag, checksum algorithm.",
        r#"{"id": "…", "server": {"state": "cordon", "secret": "…", "load_multiplier": 2.0, "tag": "east", "checksum_algorithm": "SHA512"}}"#,
    ),
    def("deleteServer", S(ServerAction::Delete), true, "Delete a server record.", r#"{"id": "…"}"#),
    def(
        "panicServer",
        S(ServerAction::Panic),
        true,
        "Forget a server's meetings, send them end, and disable it.",
        r#"{"id": "…", "keep_state": false}"#,
    ),
    def("getTenants", T(TenantAction::List), false, "List the tenants.", ""),
    def("getTenantInfo", T(TenantAction::Info), false, "One tenant, with its LRS settings.", "id"),
    def("addTenant", T(TenantAction::Add), true, "Add a tenant.", r#"{"tenant": {"name": "bn", "secrets": "s1:s2"}}"#),
    def(
        "updateTenant",
        T(TenantAction::Update),
        true,
        "Rename a tenant, replace its secrets, switch it on or off (enabled), set its limits (null: none), its \
         recordings' retention in days (null: the default) or whether it may record.",
        r#"{"id": "…", "tenant": {"name": "bn", "secrets": "s1:s2", "enabled": false, "max_meetings": 20, "max_users": 500, "rate_limit": null, "recording_retention_days": 365, "recording_enabled": true}}"#,
    ),
    def("deleteTenant", T(TenantAction::Delete), true, "Delete a tenant and its settings.", r#"{"id": "…"}"#),
    def(
        "getTenantSettings",
        T(TenantAction::ListSettings),
        false,
        "List the tenant settings (of one tenant with tenant_id).",
        "tenant_id",
    ),
    def(
        "addTenantSetting",
        T(TenantAction::AddSetting),
        true,
        "Add a default (override false) or an override (true) create/join parameter to a tenant.",
        r#"{"tenant_setting": {"tenant_id": "…", "param": "record", "value": "false", "override": "true"}}"#,
    ),
    def("deleteTenantSetting", T(TenantAction::DeleteSetting), true, "Delete a tenant setting.", r#"{"id": "…"}"#),
    def(
        "getTenantUsage",
        T(TenantAction::Usage),
        false,
        "What tenants used per day (from, to: YYYY-MM-DD; tenant: name or ID; format: json or csv).",
        "tenant,from,to,format",
    ),
    def(
        "getMeetings",
        M(MeetingAction::List),
        false,
        "List the meetings with the server each runs on and its forecast (of one server with server_id).",
        "server_id",
    ),
    def(
        "getMeetingInfo",
        M(MeetingAction::Info),
        false,
        "One meeting: its server, forecast, earlier sessions, and what its server says (getMeetingInfo).",
        "id,tenant",
    ),
    def(
        "endMeeting",
        M(MeetingAction::End),
        true,
        "End a meeting: forget it and send end to its server.",
        r#"{"id": "…", "tenant": "bn"}"#,
    ),
    def("getState", St(StateAction::Export), false, "The pool as a declarative state: servers, tenants, settings.", ""),
    def(
        "applyState",
        St(StateAction::Apply),
        true,
        "Make the pool match a declarative state; returns the changes (only listed with dry_run).",
        r#"{"state": {"servers": {"bbb1": {"secret": "…"}}, "tenants": {"bn": {"secrets": "…", "settings": [{"param": "record", "value": "false", "override": true}]}}}, "mode": "cordon", "dry_run": true}"#,
    ),
];

impl ActionDef {
    pub fn method(&self) -> Method {
        if self.post {
            Method::POST
        } else {
            Method::GET
        }
    }

    /// The row of an action name.
    pub fn find(name: &str) -> Option<&'static ActionDef> {
        ACTIONS.iter().find(|a| a.name == name)
    }
}
