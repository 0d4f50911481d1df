//! A tenant setting row: a create/join parameter the tenant sets as a default or an override.

use diesel::prelude::*;

use crate::db::schema::tenant_settings;
use crate::db::{DbConnection, DbError};

/// A row of `tenant_settings`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = tenant_settings)]
pub struct TenantSetting {
    pub id: String,
    pub tenant_id: String,
    pub param: String,
    pub value: String,
    /// True: replaces the front-end's value; false: a default the front-end may override.
    #[diesel(column_name = override_)]
    pub is_override: bool,
}

impl TenantSetting {
    /// Every setting, by tenant then parameter.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<TenantSetting>, DbError> {
        Ok(tenant_settings::table
            .order((tenant_settings::tenant_id, tenant_settings::param, tenant_settings::override_))
            .select(TenantSetting::as_select())
            .load(conn)?)
    }

    /// The settings of one tenant.
    pub fn of_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<Vec<TenantSetting>, DbError> {
        Ok(tenant_settings::table
            .filter(tenant_settings::tenant_id.eq(tenant_id))
            .order((tenant_settings::param, tenant_settings::override_))
            .select(TenantSetting::as_select())
            .load(conn)?)
    }

    /// Inserts a setting; the same parameter twice as default (or twice as override) is a unique violation.
    pub fn insert(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::insert_into(tenant_settings::table).values(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Deletes a setting; true if it existed.
    pub fn delete(conn: &mut DbConnection, id: &str) -> Result<bool, DbError> {
        Ok(diesel::delete(tenant_settings::table.find(id)).execute(conn)? > 0)
    }
}
