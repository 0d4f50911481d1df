//! What a getRecordings call asks for, as its parameters say it.

/// What getRecordings asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub tenant_id: String,
    pub meeting_ids: Vec<String>,
    pub record_id_prefixes: Vec<String>,
    /// `None`: any state (but `trashed`).
    pub states: Option<Vec<String>>,
    pub meta: Vec<(String, Vec<String>)>,
    pub offset: i64,
    pub limit: Option<i64>,
}
