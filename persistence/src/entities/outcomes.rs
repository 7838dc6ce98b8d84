//! Answered questionnaires; the answers only as ciphertext under the citizen's key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questionnaire_responses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub citizen_id: Uuid,
    pub support_kind: String,
    pub support_id: Uuid,
    pub offer_id: Option<Uuid>,
    pub offer_type: String,
    pub point: String,
    pub mode: String,
    pub instrument_id: Uuid,
    pub answers_sealed: Option<Vec<u8>>,
    pub answered_at: DateTimeUtc,
    pub entered_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
