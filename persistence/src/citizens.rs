//! Writing citizen rows: registration (a new data key, the sealed row, consents and their
//! audit entries) and consents, inside a caller's transaction. Shared by the citizen adapter and
//! by referral submission, which registers the citizen it refers — neither adapter calls the
//! other.

use peerbro_domain::ids::{CitizenId, TenantId};
use peerbro_domain::people::{BirthYear, Citizen, ConsentRecord, check_shown_versions};
use peerbro_domain::privacy::{AuditAction, AuditEvent, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{Conflict, DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set};
use uuid::Uuid;

use crate::audit::append;
use crate::db::Tx;
use crate::entities::privacy::{citizens, consent_texts, consents};
use crate::errors::{map_unique, unexpected};
use crate::vault::{BLIND_INDEX, Vault, field_aad};

pub(crate) const KIND: SubjectKind = SubjectKind::Citizen;

pub(crate) fn event(action: AuditAction, id: Uuid, purpose: Purpose) -> AuditEvent {
    AuditEvent::new(action, KIND, id, purpose)
}

/// Reads the current text versions of the purposes `records` name a version for (one
/// statement, only when one is named) and lets the domain judge them
/// ([`check_shown_versions`]).
async fn check_named_versions(
    tx: &Tx,
    tenant: TenantId,
    records: &[ConsentRecord],
) -> DomainResult<()> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
    let named: Vec<&str> = records
        .iter()
        .filter(|r| r.text_version.is_some())
        .map(|r| r.purpose.as_str())
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let current: std::collections::HashMap<String, i32> = consent_texts::Entity::find()
        .select_only()
        .column(consent_texts::Column::Purpose)
        .column_as(consent_texts::Column::Version.max(), "current")
        .filter(consent_texts::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consent_texts::Column::Purpose.is_in(named))
        .group_by(consent_texts::Column::Purpose)
        .into_tuple::<(String, i32)>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect();
    check_shown_versions(records, |purpose| {
        current
            .get(purpose.as_str())
            .and_then(|v| u32::try_from(*v).ok())
    })
}

/// Inserts consent records, each naming the version of its purpose's text in force — read by
/// the insert itself (ADR 0044), so recording a consent costs no extra round trip. A record
/// that names the version its client showed is checked first against the current one, in the
/// same transaction (one more statement, only then), and stored with that version.
///
/// # Errors
/// `Conflict::ConsentTextChanged` when a named version is not current; nothing is inserted.
pub(crate) async fn insert_consent_rows(
    tx: &Tx,
    tenant: TenantId,
    citizen: CitizenId,
    records: &[ConsentRecord],
) -> DomainResult<()> {
    use consents::Column as C;
    use sea_orm::ColumnTrait as _;
    use sea_orm::ConnectionTrait as _;
    use sea_orm::sea_query::{Expr, Query, QueryStatementBuilder as _};
    if records.is_empty() {
        return Ok(());
    }
    check_named_versions(tx, tenant, records).await?;
    let mut insert = Query::insert();
    insert.into_table(consents::Entity).columns([
        C::TenantId,
        C::Id,
        C::CitizenId,
        C::Purpose,
        C::Given,
        C::At,
        C::RecordedBy,
        C::Evidence,
        C::TextVersion,
    ]);
    for record in records {
        let in_force = Query::select()
            .expr(consent_texts::Column::Version.max())
            .from(consent_texts::Entity)
            .and_where(consent_texts::Column::TenantId.eq(tenant.as_uuid()))
            .and_where(consent_texts::Column::Purpose.eq(record.purpose.as_str()))
            .to_owned();
        insert.values_panic([
            tenant.as_uuid().into(),
            Uuid::now_v7().into(),
            citizen.as_uuid().into(),
            record.purpose.as_str().into(),
            record.given.into(),
            record.at.into(),
            record.recorded_by.map(|u| u.as_uuid()).into(),
            record.evidence.as_str().into(),
            record.text_version.map_or_else(
                || Expr::SubQuery(None, Box::new(in_force.into_sub_query_statement())),
                |named| Expr::value(i64::from(named)),
            ),
        ]);
    }
    let statement = tx.get_database_backend().build(&insert);
    tx.execute_raw(statement).await.map_err(unexpected)?;
    Ok(())
}

/// Registers `citizen` inside `tx`: a new data key, the sealed row, the consents and their
/// audit entries. Used by the citizen adapter and by referral submission, which registers the citizen it
/// refers.
pub(crate) async fn insert_citizen(
    vault: &Vault,
    tx: &Tx,
    ctx: &RequestContext,
    citizen: &Citizen,
    consents: &[ConsentRecord],
    purpose: Purpose,
) -> DomainResult<()> {
    let tenant = ctx.tenant_id()?;
    let id = citizen.id.as_uuid();
    // Read once for both the new subject key and the name index.
    let tenant_key = vault.tenant_key_to_seal(tx, tenant).await?;
    let key = vault
        .create_subject_key_under(tx, tenant, &tenant_key, id)
        .await?;
    let mut model = citizens::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(id),
        pseudonym: Set(citizen.pseudonym.as_str().to_owned()),
        municipality: Set(citizen.municipality.clone()),
        origin: Set(citizen.origin.as_str().to_owned()),
        user_id: Set(citizen.user_id.map(|u| u.as_uuid())),
        created_by: Set(citizen.created_by.map(|u| u.as_uuid())),
        created_at: Set(citizen.created_at),
        erased_at: Set(None),
        ..Default::default()
    };
    let keys = CitizenKeys {
        subject: &key,
        tenant: &tenant_key,
    };
    seal_citizen(vault, tenant, &keys, citizen, &mut model)?;
    model.insert(tx).await.map_err(|e| {
        // `citizens_tenant_pseudonym_key` on PostgreSQL, `citizens.pseudonym` on SQLite.
        map_unique(
            e,
            "pseudonym",
            Conflict::PseudonymTaken,
            Duplicate::CitizenUser,
        )
    })?;
    let mut events = vec![event(AuditAction::Create, id, purpose)];
    insert_consents(tx, ctx, citizen.id, consents, purpose, &mut events).await?;
    append(tx, ctx, &events).await
}

/// Inserts consent records inside `tx`, adding their audit events to `events`.
pub(crate) async fn insert_consents(
    tx: &Tx,
    ctx: &RequestContext,
    citizen: CitizenId,
    consents: &[ConsentRecord],
    purpose: Purpose,
    events: &mut Vec<AuditEvent>,
) -> DomainResult<()> {
    let tenant = ctx.tenant_id()?;
    if consents.is_empty() {
        return Ok(());
    }
    insert_consent_rows(tx, tenant, citizen, consents).await?;
    events.extend(
        consents
            .iter()
            .map(|_| event(AuditAction::Consent, citizen.as_uuid(), purpose)),
    );
    Ok(())
}

/// The keys a citizen's row is sealed with: theirs, and the tenant key (from
/// `Vault::tenant_key_to_seal`) for the name index.
pub(crate) struct CitizenKeys<'a> {
    pub(crate) subject: &'a SecretKey,
    pub(crate) tenant: &'a SecretKey,
}

/// Seals the personal fields of `citizen` into `model`.
pub(crate) fn seal_citizen(
    vault: &Vault,
    tenant: TenantId,
    keys: &CitizenKeys<'_>,
    citizen: &Citizen,
    model: &mut citizens::ActiveModel,
) -> DomainResult<()> {
    let key = keys.subject;
    let id = citizen.id.as_uuid();
    let name = citizen
        .name
        .as_ref()
        .ok_or_else(|| DomainError::Conflict(peerbro_domain::Conflict::CitizenErased))?;
    model.name_sealed = Set(vault.seal(
        key,
        &field_aad(tenant, "citizens", "name", id),
        name.expose(),
    )?);
    model.name_index = Set(vault.digest_under(keys.tenant, BLIND_INDEX, &name.normalised())?);
    model.contact_sealed = Set(citizen
        .contact
        .as_ref()
        .map(|c| {
            vault.seal(
                key,
                &field_aad(tenant, "citizens", "contact", id),
                c.expose(),
            )
        })
        .transpose()?);
    model.birth_year = Set(citizen.birth_year.map(BirthYear::value));
    Ok(())
}
