//! The inventory of stored text (issue 13): every text and every binary column of the schema,
//! with what it may hold. A test (`tests/tests/api/inventory.rs`) compares it with the
//! migrated PostgreSQL schema both ways, so a new column cannot be added without saying here
//! whether it can hold personal data — and if it can, it must be a sealed column.

/// What a text column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// A value from a closed vocabulary the code defines (a state, a role, a code, a kind) or
    /// a version, key or number the platform makes.
    Code,
    /// A pseudonym or a reference that means something only in another system (the
    /// citizen's pseudonym, the referrer's case reference, an idempotency key, a keyed
    /// fingerprint).
    Reference,
    /// About the partnership, not about a person: names of tenants, organisations, offers,
    /// studies, instruments, wards; a webhook's address; an API client's name.
    Organisational,
    /// Kept in clear by decision (ADR 0038): a ward's contact at the hospital (the ward's own
    /// published work contact). Users' e-mail addresses, display names and identity-provider
    /// subjects are sealed (`users.*_sealed`).
    Staff,
    /// A digest or a hash (API client secrets, the audit chain).
    Digest,
    /// A document the platform writes from ids, codes and times only (outbox and webhook
    /// payloads, a delivery's transport error).
    Payload,
    /// Written in clear before a migration added its sealed column — free text before
    /// migration 25, users' login data (address, name, identity-provider subject) before
    /// migration 31; sealed and
    /// emptied at start-up and never written again (`peerbro_persistence::seal_clear_text`).
    Emptied,
}

/// Every text column: (table, column, what it holds).
pub const TEXT_COLUMNS: &[(&str, &str, Holds)] = &[
    ("api_clients", "name", Holds::Organisational),
    ("api_clients", "previous_secret_hash", Holds::Digest),
    ("api_clients", "secret_hash", Holds::Digest),
    ("audit_checkpoints", "hash", Holds::Digest),
    ("audit_entries", "action", Holds::Code),
    ("audit_entries", "actor_roles", Holds::Code),
    ("audit_entries", "hash", Holds::Digest),
    ("audit_entries", "prev_hash", Holds::Digest),
    ("audit_entries", "purpose", Holds::Code),
    ("audit_entries", "subject_kind", Holds::Code),
    ("audit_pending", "action", Holds::Code),
    ("audit_pending", "actor_roles", Holds::Code),
    ("audit_pending", "purpose", Holds::Code),
    ("audit_pending", "subject_kind", Holds::Code),
    ("chat_contacts", "end_reason", Holds::Code),
    ("chat_conversations", "end_reason", Holds::Code),
    ("chat_conversations", "state", Holds::Code),
    ("chat_messages", "side", Holds::Code),
    ("citizens", "municipality", Holds::Code),
    ("citizens", "origin", Holds::Code),
    ("citizens", "pseudonym", Holds::Reference),
    ("consent_texts", "body", Holds::Organisational),
    ("consent_texts", "purpose", Holds::Code),
    ("consents", "evidence", Holds::Code),
    ("consents", "purpose", Holds::Code),
    ("enrolments", "status", Holds::Code),
    ("instruments", "items", Holds::Organisational),
    ("instruments", "key", Holds::Code),
    ("instruments", "respondent", Holds::Code),
    ("instruments", "scale", Holds::Organisational),
    ("instruments", "title", Holds::Organisational),
    ("legal_holds", "reason", Holds::Code),
    ("legal_holds", "subject_kind", Holds::Code),
    ("meetings", "form", Holds::Code),
    ("meetings", "status", Holds::Code),
    ("memberships", "role", Holds::Code),
    ("offers", "location", Holds::Organisational),
    ("offers", "offer_type", Holds::Code),
    ("offers", "title", Holds::Organisational),
    ("organisations", "kind", Holds::Code),
    ("organisations", "name", Holds::Organisational),
    ("outbox_events", "event_type", Holds::Code),
    ("outbox_events", "payload", Holds::Payload),
    ("peer_certificates", "kind", Holds::Code),
    ("peer_certificates", "result", Holds::Code),
    ("peer_screenings", "outcome", Holds::Code),
    ("peer_trainings", "course", Holds::Organisational),
    ("peer_transitions", "from_status", Holds::Code),
    ("peer_transitions", "reason", Holds::Emptied),
    ("peer_transitions", "to_status", Holds::Code),
    ("peer_workers", "kind", Holds::Code),
    ("peer_workers", "languages", Holds::Code),
    ("peer_workers", "offer_types", Holds::Code),
    ("peer_workers", "status", Holds::Code),
    (
        "placements",
        "supervision_arrangement",
        Holds::Organisational,
    ),
    ("placements", "ward", Holds::Organisational),
    ("placements", "ward_contact", Holds::Staff),
    ("questionnaire_responses", "mode", Holds::Code),
    ("questionnaire_responses", "offer_type", Holds::Code),
    ("questionnaire_responses", "point", Holds::Code),
    ("questionnaire_responses", "support_kind", Holds::Code),
    ("referral_transitions", "action", Holds::Code),
    ("referral_transitions", "decline_reason", Holds::Code),
    ("referral_transitions", "feedback", Holds::Emptied),
    ("referral_transitions", "from_state", Holds::Code),
    ("referral_transitions", "outcome", Holds::Code),
    ("referral_transitions", "to_state", Holds::Code),
    ("referrals", "case_reference", Holds::Reference),
    ("referrals", "decline_reason", Holds::Code),
    ("referrals", "feedback", Holds::Emptied),
    ("referrals", "fingerprint", Holds::Reference),
    ("referrals", "idempotency_key", Holds::Reference),
    ("referrals", "outcome", Holds::Code),
    ("referrals", "state", Holds::Code),
    ("seaql_migrations", "version", Holds::Code),
    ("studies", "data_controller", Holds::Organisational),
    ("studies", "ethics_reference", Holds::Organisational),
    ("studies", "protocol_reference", Holds::Organisational),
    ("studies", "title", Holds::Organisational),
    ("supervision_sessions", "format", Holds::Code),
    ("tenant_settings", "citizen_instrument_key", Holds::Code),
    ("tenant_settings", "peer_instrument_key", Holds::Code),
    ("tenants", "municipality", Holds::Code),
    ("tenants", "name", Holds::Organisational),
    ("tenants", "slug", Holds::Code),
    ("users", "display_name", Holds::Emptied),
    ("users", "email", Holds::Emptied),
    ("users", "idp_subject", Holds::Emptied),
    ("webhook_attempts", "error", Holds::Payload),
    ("webhook_deliveries", "event_type", Holds::Code),
    ("webhook_deliveries", "last_error", Holds::Payload),
    ("webhook_deliveries", "payload", Holds::Payload),
    ("webhook_deliveries", "status", Holds::Code),
    ("webhook_endpoints", "description", Holds::Organisational),
    ("webhook_endpoints", "event_types", Holds::Code),
    ("webhook_endpoints", "url", Holds::Organisational),
];

/// What a binary column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// Personal data sealed with its subject's key (AEAD, bound to tenant, table, column and
    /// row): unreadable once the subject is erased.
    SealedWithSubjectKey,
    /// Sealed with the tenant's key: a webhook signing secret; a user's e-mail address,
    /// display name and identity-provider subject (a user row exists before anyone knows whose subject key would fit it,
    /// ADR 0038).
    SealedWithTenantKey,
    /// A keyed digest under the tenant's key (a blind index).
    KeyedDigest,
    /// A key wrapped by the key above it.
    WrappedKey,
    /// The digest (SHA-256) of a random secret the server gave out once (a chat session's).
    SecretDigest,
    /// A public key made in a browser for one conversation (ADR 0046): not secret.
    PublicKey,
    /// Sealed in a browser with keys the server never holds (ADR 0046): a chat message.
    EndToEnd,
}

/// Every binary column: (table, column, what it holds).
pub const BINARY_COLUMNS: &[(&str, &str, Binary)] = &[
    ("chat_conversations", "citizen_key", Binary::PublicKey),
    ("chat_conversations", "peer_key", Binary::PublicKey),
    ("chat_conversations", "secret_digest", Binary::SecretDigest),
    ("chat_messages", "ciphertext", Binary::EndToEnd),
    ("citizens", "contact_sealed", Binary::SealedWithSubjectKey),
    ("citizens", "name_index", Binary::KeyedDigest),
    ("citizens", "name_sealed", Binary::SealedWithSubjectKey),
    (
        "peer_responses",
        "answers_sealed",
        Binary::SealedWithSubjectKey,
    ),
    (
        "peer_transitions",
        "reason_sealed",
        Binary::SealedWithSubjectKey,
    ),
    (
        "peer_workers",
        "contact_sealed",
        Binary::SealedWithSubjectKey,
    ),
    ("peer_workers", "name_sealed", Binary::SealedWithSubjectKey),
    (
        "questionnaire_responses",
        "answers_sealed",
        Binary::SealedWithSubjectKey,
    ),
    (
        "referral_transitions",
        "feedback_sealed",
        Binary::SealedWithSubjectKey,
    ),
    ("referrals", "feedback_sealed", Binary::SealedWithSubjectKey),
    ("referrals", "reason_sealed", Binary::SealedWithSubjectKey),
    ("subject_keys", "wrapped_key", Binary::WrappedKey),
    ("tenant_keys", "wrapped_key", Binary::WrappedKey),
    ("users", "display_name_sealed", Binary::SealedWithTenantKey),
    ("users", "email_index", Binary::KeyedDigest),
    ("users", "email_sealed", Binary::SealedWithTenantKey),
    ("users", "idp_subject_index", Binary::KeyedDigest),
    ("users", "idp_subject_sealed", Binary::SealedWithTenantKey),
    (
        "webhook_endpoints",
        "previous_secret_sealed",
        Binary::SealedWithTenantKey,
    ),
    (
        "webhook_endpoints",
        "secret_sealed",
        Binary::SealedWithTenantKey,
    ),
];
