//! Users (members) of a tenant. The e-mail address, display name and identity-provider subject
//! are sealed under the tenant's key (ADR 0038); `email`, `display_name` and `idp_subject` are
//! the clear columns of before migration 31, empty once the start-up step has sealed them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub deactivated_at: Option<DateTimeUtc>,
    pub idp_subject: Option<String>,
    pub email_sealed: Option<Vec<u8>>,
    pub email_index: Option<Vec<u8>>,
    pub display_name_sealed: Option<Vec<u8>>,
    pub idp_subject_sealed: Option<Vec<u8>>,
    pub idp_subject_index: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
