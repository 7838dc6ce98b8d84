//! Referrals and their transitions.

pub mod referrals {
    //! A referral; the reason only as ciphertext under the citizen's key.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "referrals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub citizen_id: Uuid,
        pub referrer_id: Uuid,
        pub referrer_organisation_id: Uuid,
        pub state: String,
        pub reason_sealed: Option<Vec<u8>>,
        pub idempotency_key: Option<String>,
        pub fingerprint: Option<String>,
        pub submitted_at: DateTimeUtc,
        pub first_contact_at: Option<DateTimeUtc>,
        pub assigned_at: Option<DateTimeUtc>,
        pub assigned_peer_id: Option<Uuid>,
        pub outcome: Option<String>,
        pub decline_reason: Option<String>,
        /// A value written before feedback was sealed; emptied at start-up
        /// (`crate::legacy`), never written.
        pub feedback: Option<String>,
        pub case_reference: Option<String>,
        pub updated_at: DateTimeUtc,
        pub requested_offer_id: Option<Uuid>,
        pub assigned_offer_id: Option<Uuid>,
        /// The latest feedback line, sealed with the citizen's key.
        pub feedback_sealed: Option<Vec<u8>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod referral_transitions {
    //! Every move of a referral.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "referral_transitions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub referral_id: Uuid,
        pub from_state: String,
        pub to_state: String,
        pub action: String,
        pub at: DateTimeUtc,
        pub actor_id: Option<Uuid>,
        pub outcome: Option<String>,
        pub decline_reason: Option<String>,
        /// A value written before feedback was sealed; emptied at start-up
        /// (`crate::legacy`), never written.
        pub feedback: Option<String>,
        /// The move's feedback line, sealed with the citizen's key.
        pub feedback_sealed: Option<Vec<u8>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
