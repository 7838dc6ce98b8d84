//! A page of referrals for a list: only the columns a list shows (never the sealed reason, the
//! idempotency key or the fingerprint; the feedback line still sealed), optionally joined to the organisation that referred
//! each, in one statement; cells decoded by position.
//!
//! Decoding by position through sqlx, instead of sea-orm's by-name `FromQueryResult`, matters
//! on a page of fifty: sea-orm looks each column up by name and formats an error text for
//! every NULL it meets in an optional column (issue 10, docs/performance.md).

use peerbro_domain::ids::{
    CitizenId, OfferId, OrganisationId, PeerId, ReferralId, TenantId, UserId,
};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::referral::{Referral, ReferralFilter};
use peerbro_domain::tenancy::{Organisation, OrganisationKind, OrganisationName};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DbErr, EntityTrait as _, FromQueryResult, JoinType, QueryFilter as _,
    QueryResult, QuerySelect as _, RelationDef,
};

use super::filtered;
use super::rows::{Head, corrupt, parse_opt};
use crate::db::Tx;
use crate::entities::organisations;
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::repositories::keyset;

/// The referral columns a list reads, in the order [`Head`] decodes them.
const HEAD: [referrals::Column; 15] = [
    referrals::Column::Id,
    referrals::Column::CitizenId,
    referrals::Column::ReferrerId,
    referrals::Column::ReferrerOrganisationId,
    referrals::Column::State,
    referrals::Column::SubmittedAt,
    referrals::Column::FirstContactAt,
    referrals::Column::AssignedAt,
    referrals::Column::AssignedPeerId,
    referrals::Column::RequestedOfferId,
    referrals::Column::AssignedOfferId,
    referrals::Column::Outcome,
    referrals::Column::DeclineReason,
    referrals::Column::FeedbackSealed,
    referrals::Column::CaseReference,
];

/// The organisation columns that follow [`HEAD`] when joined.
const ORGANISATION: [organisations::Column; 4] = [
    organisations::Column::Name,
    organisations::Column::Kind,
    organisations::Column::CreatedAt,
    organisations::Column::UpdatedAt,
];

/// One cell by position, on either database.
fn cell<T>(res: &QueryResult, index: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::Row as _;
    let decoded = if let Some(row) = res.try_as_pg_row() {
        row.try_get(index)
    } else if let Some(row) = res.try_as_sqlite_row() {
        row.try_get(index)
    } else {
        return Err(DbErr::Type("a list row from an unknown driver".to_owned()));
    };
    decoded.map_err(|err| DbErr::Type(format!("list column {index}: {err}")))
}

/// An organisation's cells: name, kind, created, changed.
type OrganisationCells = (
    String,
    String,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

/// A list row as stored: the referral's head, its sealed feedback, and its organisation when
/// `JOINED`.
struct Row<const JOINED: bool> {
    referral: Referral,
    feedback: Option<Vec<u8>>,
    organisation: Option<OrganisationCells>,
}

impl<const JOINED: bool> FromQueryResult for Row<JOINED> {
    fn from_query_result(res: &QueryResult, _pre: &str) -> Result<Self, DbErr> {
        let state: String = cell(res, 4)?;
        let outcome: Option<String> = cell(res, 11)?;
        let decline: Option<String> = cell(res, 12)?;
        let parse = |what| DbErr::Type(format!("stored referral {what} does not parse"));
        let referral = Referral {
            id: ReferralId::from_uuid(cell(res, 0)?),
            citizen_id: CitizenId::from_uuid(cell(res, 1)?),
            referrer_id: UserId::from_uuid(cell(res, 2)?),
            referrer_organisation_id: OrganisationId::from_uuid(cell(res, 3)?),
            state: state.parse().map_err(|_| parse("state"))?,
            reason: None,
            submitted_at: cell(res, 5)?,
            first_contact_at: cell(res, 6)?,
            assigned_at: cell(res, 7)?,
            assigned_peer_id: cell::<Option<uuid::Uuid>>(res, 8)?.map(PeerId::from_uuid),
            requested_offer_id: cell::<Option<uuid::Uuid>>(res, 9)?.map(OfferId::from_uuid),
            assigned_offer_id: cell::<Option<uuid::Uuid>>(res, 10)?.map(OfferId::from_uuid),
            outcome: parse_opt(outcome.as_deref(), "outcome").map_err(|_| parse("outcome"))?,
            decline_reason: parse_opt(decline.as_deref(), "decline reason")
                .map_err(|_| parse("decline reason"))?,
            feedback: None,
            case_reference: cell(res, 14)?,
            transitions: Vec::new(),
        };
        let organisation = if JOINED {
            let at = HEAD.len();
            Some((
                cell(res, at)?,
                cell(res, at + 1)?,
                cell(res, at + 2)?,
                cell(res, at + 3)?,
            ))
        } else {
            None
        };
        Ok(Self {
            referral,
            feedback: cell(res, 13)?,
            organisation,
        })
    }
}

/// The join from a referral to the organisation that referred it (same tenant).
fn referred_by() -> RelationDef {
    referrals::Entity::belongs_to(organisations::Entity)
        .from((
            referrals::Column::TenantId,
            referrals::Column::ReferrerOrganisationId,
        ))
        .to((organisations::Column::TenantId, organisations::Column::Id))
        .into()
}

/// A page of `filter`'s referrals (heads: no reasons, no moves, feedback sealed), with each
/// one's organisation when `organisations`.
pub(super) async fn page(
    tx: &Tx,
    tenant: TenantId,
    filter: &ReferralFilter,
    page: &PageRequest,
    organisations: bool,
) -> DomainResult<Page<(Head, Option<Organisation>)>> {
    let select = keyset(filtered(tenant, filter), referrals::Column::Id, page)
        .select_only()
        .columns(HEAD);
    let rows = if organisations {
        let mut select = select.join(JoinType::InnerJoin, referred_by());
        for column in ORGANISATION {
            select = select.expr(Expr::col((organisations::Entity, column)));
        }
        select.into_model::<Row<true>>().all(tx).await
    } else {
        select.into_model::<Row<false>>().all(tx).await.map(|rows| {
            rows.into_iter()
                .map(|r| Row {
                    referral: r.referral,
                    feedback: r.feedback,
                    organisation: None,
                })
                .collect()
        })
    }
    .map_err(unexpected)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let organisation = row
                .organisation
                .map(|(name, kind, created_at, updated_at)| {
                    Ok::<_, DomainError>(Organisation {
                        id: row.referral.referrer_organisation_id,
                        name: OrganisationName::parse(&name)
                            .map_err(|_| corrupt("organisation name"))?,
                        kind: kind
                            .parse::<OrganisationKind>()
                            .map_err(|_| corrupt("organisation kind"))?,
                        created_at,
                        updated_at,
                    })
                })
                .transpose()?;
            Ok(((row.referral, row.feedback), organisation))
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Page::from_probe(items, page))
}

/// The join from a referral to its citizen (same tenant).
fn about() -> RelationDef {
    referrals::Entity::belongs_to(citizens::Entity)
        .from((referrals::Column::TenantId, referrals::Column::CitizenId))
        .to((citizens::Column::TenantId, citizens::Column::Id))
        .into()
}

/// The citizen pseudonyms of the referrals `ids` that `filter` lets through, in one
/// statement.
pub(super) async fn pseudonyms(
    tx: &Tx,
    tenant: peerbro_domain::ids::TenantId,
    filter: &ReferralFilter,
    ids: &[ReferralId],
) -> DomainResult<std::collections::HashMap<ReferralId, String>> {
    let rows: Vec<(uuid::Uuid, String)> = filtered(tenant, filter)
        .select_only()
        .column(referrals::Column::Id)
        .column(citizens::Column::Pseudonym)
        .join(JoinType::InnerJoin, about())
        .filter(referrals::Column::Id.is_in(ids.iter().map(|r| r.as_uuid())))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    Ok(rows
        .into_iter()
        .map(|(id, pseudonym)| (ReferralId::from_uuid(id), pseudonym))
        .collect())
}
