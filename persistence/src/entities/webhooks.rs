//! Webhook endpoints, deliveries and attempts.

pub mod webhook_endpoints {
    //! An endpoint; its secrets only as ciphertext under the tenant key.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_endpoints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub url: String,
        pub description: Option<String>,
        pub event_types: String,
        pub enabled: bool,
        pub secret_sealed: Vec<u8>,
        pub previous_secret_sealed: Option<Vec<u8>>,
        pub previous_secret_until: Option<DateTimeUtc>,
        pub secret_rotated_at: Option<DateTimeUtc>,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook_deliveries {
    //! One event's delivery to one endpoint.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub endpoint_id: Uuid,
        pub event_id: Uuid,
        pub event_type: String,
        pub payload: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: Option<DateTimeUtc>,
        pub last_status_code: Option<i32>,
        pub last_error: Option<String>,
        pub delivered_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook_attempts {
    //! One attempt of a delivery.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub delivery_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i32,
        pub at: DateTimeUtc,
        pub status_code: Option<i32>,
        pub error: Option<String>,
        pub duration_ms: i32,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
