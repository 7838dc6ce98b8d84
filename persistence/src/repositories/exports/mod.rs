//! The right of access (issue 13): everything held about one citizen, read in one tenant
//! transaction, decrypted with the citizen's key, the export itself audited (`EXPORT`) in the
//! same transaction before the look-up history is read, so the document lists itself.
//! Nothing of another person is read into it: a meeting names no peer, a move no actor.

mod courses;
mod look_ups;
mod peer;
mod referrals;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::ids::{CitizenId, PeerId, TenantId};
use peerbro_domain::privacy::access::{
    CitizenExport, ExportedCitizen, ExportedConsent, ExportedConsentText, SubjectExports,
};
use peerbro_domain::privacy::peer_access::PeerExport;
use peerbro_domain::privacy::{AuditAction, AuditEvent, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use crate::audit::append;
use crate::db::{Database, Tx};
use crate::entities::peers::peer_workers;
use crate::entities::privacy::{citizens, consent_texts, consents};
use crate::entities::tenants;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::vault::{Vault, field_aad};

/// [`SubjectExports`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaSubjectExports {
    db: Database,
    vault: Vault,
}

impl SeaSubjectExports {
    /// Over `db`, opening with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

/// Opens the subject's sealed fields; every field opens to `None` once they are erased.
pub(super) struct Opener<'a> {
    vault: &'a Vault,
    tenant: TenantId,
    key: Option<SecretKey>,
}

impl Opener<'_> {
    /// The field `table`.`column` of row `row`, if sealed there and the key still exists.
    pub(super) fn open(
        &self,
        (table, column): (&str, &str),
        row: Uuid,
        sealed: Option<&[u8]>,
    ) -> DomainResult<Option<String>> {
        match (&self.key, sealed) {
            (Some(key), Some(sealed)) => self
                .vault
                .open(key, &field_aad(self.tenant, table, column, row), sealed)
                .map(Some),
            _ => Ok(None),
        }
    }
}

impl Opener<'_> {
    /// Answers sealed as JSON in `table`.`answers_sealed` of row `row` (none once erased).
    pub(super) fn answers(
        &self,
        table: &str,
        row: Uuid,
        sealed: Option<&[u8]>,
    ) -> DomainResult<Vec<u8>> {
        Ok(self
            .open((table, "answers_sealed"), row, sealed)?
            .map(|text| serde_json::from_str::<Vec<u8>>(&text))
            .transpose()
            .map_err(|_| DomainError::Unknown(anyhow::anyhow!("stored answers do not parse")))?
            .unwrap_or_default())
    }
}

/// The titles of instruments `ids`.
pub(super) async fn instrument_titles(
    tx: &Tx,
    tenant: Uuid,
    ids: Vec<Uuid>,
) -> DomainResult<std::collections::HashMap<Uuid, String>> {
    use crate::entities::instruments;
    Ok(instruments::Entity::find()
        .filter(instruments::Column::TenantId.eq(tenant))
        .filter(instruments::Column::Id.is_in(ids))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|i| (i.id, i.title))
        .collect())
}

async fn consents_of(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
) -> DomainResult<Vec<ExportedConsent>> {
    Ok(consents::Entity::find()
        .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consents::Column::CitizenId.eq(citizen))
        .order_by_asc(consents::Column::At)
        .order_by_asc(consents::Column::Id)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|c| ExportedConsent {
            purpose: c.purpose,
            given: c.given,
            at: c.at,
            evidence: c.evidence,
            text_version: c.text_version.and_then(|v| u32::try_from(v).ok()),
        })
        .collect())
}

/// The wording of every text version `consents` name.
async fn texts_of(
    tx: &Tx,
    tenant: TenantId,
    consents: &[ExportedConsent],
) -> DomainResult<Vec<ExportedConsentText>> {
    let named: std::collections::BTreeSet<(&str, u32)> = consents
        .iter()
        .filter_map(|c| c.text_version.map(|v| (c.purpose.as_str(), v)))
        .collect();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let purposes: std::collections::BTreeSet<&str> = named.iter().map(|(p, _)| *p).collect();
    Ok(consent_texts::Entity::find()
        .filter(consent_texts::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consent_texts::Column::Purpose.is_in(purposes))
        .order_by_asc(consent_texts::Column::Purpose)
        .order_by_asc(consent_texts::Column::Version)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .filter_map(|t| {
            let version = u32::try_from(t.version).ok()?;
            named
                .contains(&(t.purpose.as_str(), version))
                .then_some(ExportedConsentText {
                    purpose: t.purpose,
                    version,
                    text: t.body,
                    published_at: t.published_at,
                })
        })
        .collect())
}

pub(super) async fn partnership(tx: &Tx, tenant: TenantId) -> DomainResult<String> {
    tenants::Entity::find_by_id(tenant.as_uuid())
        .one(tx)
        .await
        .map_err(unexpected)?
        .map(|t| t.name)
        .ok_or(DomainError::NotFound { resource: "tenant" })
}

/// Audits the export of `subject`; done first, so the history the document carries ends with
/// it.
async fn audit_export(
    tx: &Tx,
    ctx: &RequestContext,
    kind: SubjectKind,
    subject: Uuid,
) -> DomainResult<()> {
    append(
        tx,
        ctx,
        &[AuditEvent::new(
            AuditAction::Export,
            kind,
            subject,
            Purpose::CitizenRequest,
        )],
    )
    .await
}

#[async_trait]
impl SubjectExports for SeaSubjectExports {
    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn citizen(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        at: DateTime<Utc>,
    ) -> DomainResult<CitizenExport> {
        let tenant = ctx.tenant_id()?;
        let c = id.as_uuid();
        let tx = self.db.begin(tenant).await?;
        let row = by_id::<citizens::Entity>(&tx, tenant, c, false, "citizen").await?;
        audit_export(&tx, ctx, SubjectKind::Citizen, c).await?;
        let opener = Opener {
            vault: &self.vault,
            tenant,
            key: self.vault.subject_keys(&tx, tenant, &[c]).await?.remove(&c),
        };
        let citizen = ExportedCitizen {
            id: c.to_string(),
            pseudonym: row.pseudonym,
            name: opener.open(("citizens", "name"), c, Some(&row.name_sealed))?,
            contact: opener.open(("citizens", "contact"), c, row.contact_sealed.as_deref())?,
            birth_year: row.birth_year,
            municipality: row.municipality,
            origin: row.origin,
            registered_at: row.created_at,
        };
        let (referrals, meetings) = referrals::of_citizen(&tx, tenant, c, &opener).await?;
        let consents = consents_of(&tx, tenant, c).await?;
        let export = CitizenExport {
            partnership: partnership(&tx, tenant).await?,
            generated_at: at,
            citizen,
            consent_texts: texts_of(&tx, tenant, &consents).await?,
            consents,
            referrals,
            enrolments: courses::enrolments(&tx, tenant, c).await?,
            attendance: courses::attendance(&tx, tenant, c).await?,
            meetings,
            questionnaires: courses::questionnaires(&tx, tenant, c, &opener).await?,
            studies: courses::studies(&tx, tenant, c).await?,
            look_ups: look_ups::of_subject(&self.vault, &tx, tenant, c).await?,
        };
        tx.commit().await?;
        Ok(export)
    }

    #[tracing::instrument(skip_all, fields(peer = %id))]
    async fn peer(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        at: DateTime<Utc>,
    ) -> DomainResult<PeerExport> {
        let tenant = ctx.tenant_id()?;
        let p = id.as_uuid();
        let tx = self.db.begin(tenant).await?;
        let row = by_id::<peer_workers::Entity>(&tx, tenant, p, false, "peer worker").await?;
        audit_export(&tx, ctx, SubjectKind::PeerWorker, p).await?;
        let opener = Opener {
            vault: &self.vault,
            tenant,
            key: self.vault.subject_keys(&tx, tenant, &[p]).await?.remove(&p),
        };
        let export = peer::record(&tx, tenant, row, &opener, at).await?;
        tx.commit().await?;
        Ok(export)
    }
}
