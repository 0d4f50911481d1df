//! A tenant row: a name (the first host label or path prefix), its secrets, and its LRS settings.

use diesel::prelude::*;

use crate::db::schema::tenants;
use crate::db::{DbConnection, DbError};
use crate::secret::Secret;

/// A row of `tenants`. `secrets` holds the tenant's secrets joined by `:`, as Ruby Scalelite keeps them.
#[derive(Queryable, Selectable, Identifiable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = tenants, treat_none_as_null = true)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub secrets: Secret,
    pub lrs_endpoint: Option<String>,
    pub lrs_username: Option<String>,
    pub lrs_password: Option<String>,
    pub kc_token_url: Option<String>,
    pub kc_client_id: Option<String>,
    pub kc_client_secret: Option<String>,
    pub kc_username: Option<String>,
    pub kc_password: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// A disabled tenant's API calls are refused.
    pub enabled: bool,
    /// The most meetings it may run at once (`None`: no limit).
    pub max_meetings: Option<i32>,
    /// The users beyond which its new meetings are refused (a soft limit: running meetings keep growing).
    pub max_users: Option<i32>,
    /// Its API calls per second, over every instance (`None`: the default, `TENANT_RATE_LIMIT`).
    pub rate_limit: Option<i32>,
    /// Days its recordings are kept before they go to the trash (`None`: `RECORDING_RETENTION_DAYS`; 0: forever).
    pub recording_retention_days: Option<i32>,
    /// Whether its meetings may record (off: every create gets `record=false`).
    pub recording_enabled: bool,
}

impl Tenant {
    /// An enabled tenant without LRS settings.
    pub fn new(id: String, name: &str, secrets: &str, now: i64) -> Tenant {
        Tenant {
            id,
            name: name.to_string(),
            secrets: Secret::new(secrets),
            lrs_endpoint: None,
            lrs_username: None,
            lrs_password: None,
            kc_token_url: None,
            kc_client_id: None,
            kc_client_secret: None,
            kc_username: None,
            kc_password: None,
            created_at: now,
            updated_at: now,
            enabled: true,
            max_meetings: None,
            max_users: None,
            rate_limit: None,
            recording_retention_days: None,
            recording_enabled: true,
        }
    }

    /// This tenant with what Ruby Scalelite keeps of one (name, secrets, LRS settings) taken from `ruby`; what only
    /// Scalelite keeps (times, enabled, limits, recording rules) stays as it is here.
    pub fn with_ruby_fields_of(&self, ruby: &Tenant) -> Tenant {
        Tenant {
            id: ruby.id.clone(),
            name: ruby.name.clone(),
            secrets: ruby.secrets.clone(),
            lrs_endpoint: ruby.lrs_endpoint.clone(),
            lrs_username: ruby.lrs_username.clone(),
            lrs_password: ruby.lrs_password.clone(),
            kc_token_url: ruby.kc_token_url.clone(),
            kc_client_id: ruby.kc_client_id.clone(),
            kc_client_secret: ruby.kc_client_secret.clone(),
            kc_username: ruby.kc_username.clone(),
            kc_password: ruby.kc_password.clone(),
            ..self.clone()
        }
    }

    /// The tenant's secrets, one by one.
    pub fn secret_list(&self) -> Vec<Secret> {
        self.secrets.expose().split(':').filter(|s| !s.is_empty()).map(Secret::new).collect()
    }

    /// Every tenant, ordered by name.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<Tenant>, DbError> {
        Ok(tenants::table.order(tenants::name).select(Tenant::as_select()).load(conn)?)
    }

    /// The tenant with this id.
    pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Tenant>, DbError> {
        Ok(tenants::table.find(id).select(Tenant::as_select()).first(conn).optional()?)
    }

    /// The tenant with this name.
    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Tenant>, DbError> {
        Ok(tenants::table.filter(tenants::name.eq(name)).select(Tenant::as_select()).first(conn).optional()?)
    }

    /// The tenant with this name in any case (names are host labels; no two differ only in case).
    pub fn find_by_label(conn: &mut DbConnection, label: &str) -> Result<Option<Tenant>, DbError> {
        diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);
        Ok(tenants::table
            .filter(lower(tenants::name).eq(label.to_ascii_lowercase()))
            .select(Tenant::as_select())
            .first(conn)
            .optional()?)
    }

    /// Inserts a new tenant; a taken name is a unique violation.
    pub fn insert(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::insert_into(tenants::table).values(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Writes every column back.
    pub fn save(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::update(tenants::table.find(&self.id)).set(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Deletes the tenant and, by cascade, its settings; true if it existed.
    pub fn delete(conn: &mut DbConnection, id: &str) -> Result<bool, DbError> {
        Ok(diesel::delete(tenants::table.find(id)).execute(conn)? > 0)
    }
}
