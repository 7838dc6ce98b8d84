//! Referral rows to and from the domain's [`Referral`], shared by the repository and the
//! unit-of-work store of this context.

use peerbro_domain::ids::{
    CitizenId, OfferId, OrganisationId, PeerId, ReferralId, TenantId, UserId,
};
use peerbro_domain::referral::{MoveDetails, Referral, ReferralTransition};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, JoinType, Order, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, FromQueryResult as _,
    IdenStatic as _, Iterable as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::sealed_text::{self, MOVE_FEEDBACK, REFERRAL_FEEDBACK, SealedLine};
use crate::vault::{Vault, field_aad};

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored referral {what} does not parse"))
}

/// The associated data binding a sealed reason to its referral.
pub(super) fn reason_aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    field_aad(tenant, "referrals", "reason", id)
}

pub(super) fn parse_opt<T: std::str::FromStr>(
    value: Option<&str>,
    what: &str,
) -> DomainResult<Option<T>> {
    value
        .map(|v| v.parse().map_err(|_| corrupt(what)))
        .transpose()
}

/// The row of referral `id` (locked when `lock`).
pub(super) async fn find_row(
    tx: &Tx,
    tenant: TenantId,
    id: ReferralId,
    lock: bool,
) -> DomainResult<referrals::Model> {
    by_id::<referrals::Entity>(tx, tenant, id.as_uuid(), lock, "referral").await
}

/// A move as stored, its feedback line still sealed (`id`, the sealed bytes).
type StoredMove = (ReferralTransition, Uuid, Option<Vec<u8>>);

fn transition_from(t: referral_transitions::Model) -> DomainResult<StoredMove> {
    let move_ = ReferralTransition {
        from: t.from_state.parse().map_err(|_| corrupt("state"))?,
        to: t.to_state.parse().map_err(|_| corrupt("state"))?,
        action: t.action.parse().map_err(|_| corrupt("action"))?,
        at: t.at,
        actor: t.actor_id.map(UserId::from_uuid),
        details: MoveDetails {
            outcome: parse_opt(t.outcome.as_deref(), "outcome")?,
            decline_reason: parse_opt(t.decline_reason.as_deref(), "decline reason")?,
            feedback: None,
        },
    };
    Ok((move_, t.id, t.feedback_sealed))
}

pub(super) fn referral_from(
    r: referrals::Model,
    transitions: Vec<ReferralTransition>,
) -> DomainResult<Referral> {
    Ok(Referral {
        id: ReferralId::from_uuid(r.id),
        citizen_id: CitizenId::from_uuid(r.citizen_id),
        referrer_id: UserId::from_uuid(r.referrer_id),
        referrer_organisation_id: OrganisationId::from_uuid(r.referrer_organisation_id),
        state: r.state.parse().map_err(|_| corrupt("state"))?,
        reason: None,
        submitted_at: r.submitted_at,
        first_contact_at: r.first_contact_at,
        assigned_at: r.assigned_at,
        assigned_peer_id: r.assigned_peer_id.map(PeerId::from_uuid),
        requested_offer_id: r.requested_offer_id.map(OfferId::from_uuid),
        assigned_offer_id: r.assigned_offer_id.map(OfferId::from_uuid),
        outcome: parse_opt(r.outcome.as_deref(), "outcome")?,
        decline_reason: parse_opt(r.decline_reason.as_deref(), "decline reason")?,
        feedback: None,
        case_reference: r.case_reference,
        transitions,
    })
}

/// A referral as read, its latest feedback line still sealed.
pub(crate) type Head = (Referral, Option<Vec<u8>>);

/// Referrals with their feedback opened and, when `with_moves`, their transitions filled in
/// (reasons not decrypted): one more statement for the moves of a page, whatever its size,
/// and one for the citizens' keys when any feedback was written.
pub(crate) async fn load(
    tx: &Tx,
    tenant: TenantId,
    vault: &Vault,
    heads: Vec<Head>,
    with_moves: bool,
) -> DomainResult<Vec<Referral>> {
    let ids: Vec<Uuid> = heads.iter().map(|(r, _)| r.id.as_uuid()).collect();
    let mut moves: std::collections::HashMap<Uuid, Vec<StoredMove>> =
        std::collections::HashMap::new();
    if with_moves && !ids.is_empty() {
        for t in referral_transitions::Entity::find()
            .filter(referral_transitions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referral_transitions::Column::ReferralId.is_in(ids))
            .order_by_asc(referral_transitions::Column::Id)
            .all(tx)
            .await
            .map_err(unexpected)?
        {
            let referral = t.referral_id;
            moves.entry(referral).or_default().push(transition_from(t)?);
        }
    }
    let items = heads
        .into_iter()
        .map(|(referral, sealed)| {
            let stored = moves.remove(&referral.id.as_uuid()).unwrap_or_default();
            (referral, sealed, stored)
        })
        .collect();
    open_feedback(tx, tenant, vault, items).await
}

/// Fills in the referrals' moves and opens every feedback line — each referral's latest
/// (`sealed`) and its moves' — with one key look-up for all of them, made only when there is
/// a line to open.
async fn open_feedback(
    tx: &Tx,
    tenant: TenantId,
    vault: &Vault,
    items: Vec<(Referral, Option<Vec<u8>>, Vec<StoredMove>)>,
) -> DomainResult<Vec<Referral>> {
    let mut lines = Vec::new();
    let mut referrals = Vec::with_capacity(items.len());
    for (mut referral, sealed, moves) in items {
        let citizen = referral.citizen_id.as_uuid();
        let id = referral.id.as_uuid();
        lines.push(SealedLine::at(
            tenant,
            citizen,
            REFERRAL_FEEDBACK,
            id,
            sealed,
        ));
        for (move_, id, sealed) in moves {
            lines.push(SealedLine::at(tenant, citizen, MOVE_FEEDBACK, id, sealed));
            referral.transitions.push(move_);
        }
        referrals.push(referral);
    }
    let mut opened = sealed_text::open(vault, tx, tenant, &lines)
        .await?
        .into_iter();
    for referral in &mut referrals {
        referral.feedback = opened.next().flatten();
        for move_ in &mut referral.transitions {
            move_.details.feedback = opened.next().flatten();
        }
    }
    Ok(referrals)
}

/// One referral with its transitions in one statement (the row left-joined to its moves,
/// one result row per move), and its feedback opened: the read path of a point look-up.
/// Returns the row too (its sealed reason).
pub(crate) async fn load_one(
    tx: &Tx,
    tenant: TenantId,
    vault: &Vault,
    id: ReferralId,
) -> DomainResult<(referrals::Model, Referral)> {
    let mut query = Query::select();
    for column in referrals::Column::iter() {
        query.expr_as(
            Expr::col((referrals::Entity, column)),
            Alias::new(format!("r_{}", column.as_str())),
        );
    }
    for column in referral_transitions::Column::iter() {
        query.expr_as(
            Expr::col((referral_transitions::Entity, column)),
            Alias::new(format!("t_{}", column.as_str())),
        );
    }
    query
        .from(referrals::Entity)
        .join(
            JoinType::LeftJoin,
            referral_transitions::Entity,
            Condition::all()
                .add(
                    Expr::col((
                        referral_transitions::Entity,
                        referral_transitions::Column::TenantId,
                    ))
                    .equals((referrals::Entity, referrals::Column::TenantId)),
                )
                .add(
                    Expr::col((
                        referral_transitions::Entity,
                        referral_transitions::Column::ReferralId,
                    ))
                    .equals((referrals::Entity, referrals::Column::Id)),
                ),
        )
        .and_where(Expr::col((referrals::Entity, referrals::Column::TenantId)).eq(tenant.as_uuid()))
        .and_where(Expr::col((referrals::Entity, referrals::Column::Id)).eq(id.as_uuid()))
        .order_by(
            (
                referral_transitions::Entity,
                referral_transitions::Column::Id,
            ),
            Order::Asc,
        );
    let rows = tx.query_all(&query).await.map_err(unexpected)?;
    let mut row = None;
    let mut transitions = Vec::new();
    for result in rows {
        if row.is_none() {
            row = Some(referrals::Model::from_query_result(&result, "r_").map_err(unexpected)?);
        }
        // A referral without moves joins one row of nulls.
        if let Some(t) = referral_transitions::Model::from_query_result_optional(&result, "t_")
            .map_err(unexpected)?
        {
            transitions.push(transition_from(t)?);
        }
    }
    let row = row.ok_or(DomainError::NotFound {
        resource: "referral",
    })?;
    let referral = referral_from(row.clone(), Vec::new())?;
    let sealed = row.feedback_sealed.clone();
    let referral = open_feedback(tx, tenant, vault, vec![(referral, sealed, transitions)])
        .await?
        .pop()
        .ok_or_else(|| corrupt("referral"))?;
    Ok((row, referral))
}
