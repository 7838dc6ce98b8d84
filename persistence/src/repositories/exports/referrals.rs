//! A citizen's referrals for their export: each with the organisation that referred, its
//! decrypted reason, its moves (feedback opened) and its one-to-one meetings.

use std::collections::HashMap;

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::access::{ExportedMeeting, ExportedMove, ExportedReferral};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use super::Opener;
use crate::db::Tx;
use crate::entities::offers::{meetings, offers};
use crate::entities::organisations;
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;
use crate::sealed_text::MOVE_FEEDBACK;

/// The titles of `ids`' offers.
pub(super) async fn offer_titles(
    tx: &Tx,
    tenant: TenantId,
    ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, String>> {
    Ok(offers::Entity::find()
        .filter(offers::Column::TenantId.eq(tenant.as_uuid()))
        .filter(offers::Column::Id.is_in(ids))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|o| (o.id, o.title))
        .collect())
}

/// The citizen's referrals, oldest first, and the meetings held or planned in them.
pub(super) async fn of_citizen(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
    opener: &Opener<'_>,
) -> DomainResult<(Vec<ExportedReferral>, Vec<ExportedMeeting>)> {
    let t = tenant.as_uuid();
    let rows = referrals::Entity::find()
        .filter(referrals::Column::TenantId.eq(t))
        .filter(referrals::Column::CitizenId.eq(citizen))
        .order_by_asc(referrals::Column::Id)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut moves: HashMap<Uuid, Vec<ExportedMove>> = HashMap::new();
    for m in referral_transitions::Entity::find()
        .filter(referral_transitions::Column::TenantId.eq(t))
        .filter(referral_transitions::Column::ReferralId.is_in(ids.iter().copied()))
        .order_by_asc(referral_transitions::Column::Id)
        .all(tx)
        .await
        .map_err(unexpected)?
    {
        moves.entry(m.referral_id).or_default().push(ExportedMove {
            feedback: opener.open(MOVE_FEEDBACK, m.id, m.feedback_sealed.as_deref())?,
            action: m.action,
            to: m.to_state,
            at: m.at,
            outcome: m.outcome,
            decline_reason: m.decline_reason,
        });
    }
    let referrers: Vec<Uuid> = rows.iter().map(|r| r.referrer_organisation_id).collect();
    let organisations: HashMap<Uuid, String> = organisations::Entity::find()
        .filter(organisations::Column::TenantId.eq(t))
        .filter(organisations::Column::Id.is_in(referrers))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let offered: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| [r.requested_offer_id, r.assigned_offer_id])
        .flatten()
        .collect();
    let titles = offer_titles(tx, tenant, offered).await?;
    let title = |id: Option<Uuid>| id.and_then(|id| titles.get(&id).cloned());
    let mut referrals = Vec::with_capacity(rows.len());
    for r in rows {
        referrals.push(ExportedReferral {
            id: r.id.to_string(),
            referred_by: organisations
                .get(&r.referrer_organisation_id)
                .cloned()
                .unwrap_or_default(),
            submitted_at: r.submitted_at,
            state: r.state,
            reason: opener.open(("referrals", "reason"), r.id, r.reason_sealed.as_deref())?,
            case_reference: r.case_reference,
            requested_offer: title(r.requested_offer_id),
            assigned_offer: title(r.assigned_offer_id),
            moves: moves.remove(&r.id).unwrap_or_default(),
        });
    }
    let meetings = meetings::Entity::find()
        .filter(meetings::Column::TenantId.eq(t))
        .filter(meetings::Column::ReferralId.is_in(ids))
        .order_by_asc(meetings::Column::Date)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|m| ExportedMeeting {
            referral_id: m.referral_id.to_string(),
            date: m.date,
            minutes: m.minutes,
            form: m.form,
            status: m.status,
        })
        .collect();
    Ok((referrals, meetings))
}
