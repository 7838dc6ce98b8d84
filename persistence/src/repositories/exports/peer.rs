//! A peer worker's whole record for their export: profile and employment, the pipeline, their
//! changes of status with the reasons (opened with their key), placements, supervision
//! attended and their own questionnaire rounds. No citizen they supported is read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::access::ExportedAnswers;
use peerbro_domain::privacy::peer_access::{
    ExportedEmployment, ExportedPeer, ExportedPlacement, ExportedStatusMove, ExportedSupervision,
    PeerExport, PipelineFact,
};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use super::{Opener, instrument_titles, look_ups, partnership};
use crate::db::Tx;
use crate::entities::organisations;
use crate::entities::peer_responses;
use crate::entities::peers::{
    peer_certificates, peer_employments, peer_screenings, peer_trainings, peer_transitions,
    peer_workers, placements, supervision_attendees, supervision_sessions,
};
use crate::errors::unexpected;
use crate::sealed_text::PEER_MOVE_REASON;

/// Names of organisations `ids`.
async fn names(tx: &Tx, tenant: TenantId, ids: Vec<Uuid>) -> DomainResult<HashMap<Uuid, String>> {
    Ok(organisations::Entity::find()
        .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
        .filter(organisations::Column::Id.is_in(ids))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn pipeline(tx: &Tx, t: Uuid, p: Uuid) -> DomainResult<Vec<PipelineFact>> {
    let mut facts: Vec<PipelineFact> = peer_screenings::Entity::find()
        .filter(peer_screenings::Column::TenantId.eq(t))
        .filter(peer_screenings::Column::PeerId.eq(p))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|s| PipelineFact {
            kind: "SCREENING".to_owned(),
            what: s.outcome,
            on: s.held_on,
        })
        .collect();
    facts.extend(
        peer_certificates::Entity::find()
            .filter(peer_certificates::Column::TenantId.eq(t))
            .filter(peer_certificates::Column::PeerId.eq(p))
            .all(tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|c| PipelineFact {
                kind: "CERTIFICATE".to_owned(),
                what: format!("{} {}", c.kind, c.result),
                on: c.checked_on,
            }),
    );
    facts.extend(
        peer_trainings::Entity::find()
            .filter(peer_trainings::Column::TenantId.eq(t))
            .filter(peer_trainings::Column::PeerId.eq(p))
            .all(tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|c| PipelineFact {
                kind: "TRAINING".to_owned(),
                what: c.course,
                on: c.completed_on,
            }),
    );
    facts.sort_by(|a, b| (a.on, &a.kind).cmp(&(b.on, &b.kind)));
    Ok(facts)
}

async fn supervision(tx: &Tx, t: Uuid, p: Uuid) -> DomainResult<Vec<ExportedSupervision>> {
    let attended: Vec<Uuid> = supervision_attendees::Entity::find()
        .filter(supervision_attendees::Column::TenantId.eq(t))
        .filter(supervision_attendees::Column::PeerId.eq(p))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|a| a.session_id)
        .collect();
    Ok(supervision_sessions::Entity::find()
        .filter(supervision_sessions::Column::TenantId.eq(t))
        .filter(supervision_sessions::Column::Id.is_in(attended))
        .order_by_asc(supervision_sessions::Column::HeldOn)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|s| ExportedSupervision {
            held_on: s.held_on,
            format: s.format,
        })
        .collect())
}

async fn rounds(
    tx: &Tx,
    t: Uuid,
    p: Uuid,
    opener: &Opener<'_>,
) -> DomainResult<Vec<ExportedAnswers>> {
    let rows = peer_responses::Entity::find()
        .filter(peer_responses::Column::TenantId.eq(t))
        .filter(peer_responses::Column::PeerId.eq(p))
        .order_by_asc(peer_responses::Column::Round)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let used: Vec<Uuid> = rows.iter().map(|r| r.instrument_id).collect();
    let titles = instrument_titles(tx, t, used).await?;
    rows.into_iter()
        .map(|r| {
            let answers = opener.answers("peer_responses", r.id, r.answers_sealed.as_deref())?;
            Ok(ExportedAnswers {
                instrument: titles.get(&r.instrument_id).cloned().unwrap_or_default(),
                point: format!("ROUND_{}", r.round),
                answered_at: r.answered_at,
                answers,
            })
        })
        .collect()
}

/// The record of peer `p`, read in `tx` after the export was audited.
pub(super) async fn record(
    tx: &Tx,
    tenant: TenantId,
    row: peer_workers::Model,
    opener: &Opener<'_>,
    at: DateTime<Utc>,
) -> DomainResult<PeerExport> {
    let (t, p) = (tenant.as_uuid(), row.id);
    let employment = peer_employments::Entity::find()
        .filter(peer_employments::Column::TenantId.eq(t))
        .filter(peer_employments::Column::PeerId.eq(p))
        .one(tx)
        .await
        .map_err(unexpected)?;
    let placed = placements::Entity::find()
        .filter(placements::Column::TenantId.eq(t))
        .filter(placements::Column::PeerId.eq(p))
        .order_by_asc(placements::Column::StartOn)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut named: Vec<Uuid> = placed.iter().map(|pl| pl.unit_id).collect();
    named.push(row.organisation_id);
    named.extend(employment.iter().map(|e| e.organisation_id));
    let names = names(tx, tenant, named).await?;
    let name_of = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let mut moves = Vec::new();
    for m in peer_transitions::Entity::find()
        .filter(peer_transitions::Column::TenantId.eq(t))
        .filter(peer_transitions::Column::PeerId.eq(p))
        .order_by_asc(peer_transitions::Column::Id)
        .all(tx)
        .await
        .map_err(unexpected)?
    {
        moves.push(ExportedStatusMove {
            reason: opener.open(PEER_MOVE_REASON, m.id, m.reason_sealed.as_deref())?,
            from: m.from_status,
            to: m.to_status,
            at: m.at,
        });
    }
    Ok(PeerExport {
        partnership: partnership(tx, tenant).await?,
        generated_at: at,
        peer: ExportedPeer {
            id: p.to_string(),
            name: opener.open(("peer_workers", "name"), p, Some(&row.name_sealed))?,
            contact: opener.open(
                ("peer_workers", "contact"),
                p,
                row.contact_sealed.as_deref(),
            )?,
            kind: row.kind,
            status: row.status,
            languages: split(&row.languages),
            offer_types: split(&row.offer_types),
            max_matches: row.max_matches,
            organisation: name_of(&row.organisation_id),
            registered_at: row.created_at,
        },
        employment: employment.map(|e| ExportedEmployment {
            organisation: name_of(&e.organisation_id),
            weekly_hours_tenths: e.weekly_hours_tenths,
            start_on: e.start_on,
            end_on: e.end_on,
        }),
        pipeline: pipeline(tx, t, p).await?,
        moves,
        placements: placed
            .into_iter()
            .map(|pl| ExportedPlacement {
                unit: name_of(&pl.unit_id),
                ward: pl.ward,
                start_on: pl.start_on,
                end_on: pl.end_on,
                weekly_hours_tenths: pl.weekly_hours_tenths,
                supervision_arrangement: pl.supervision_arrangement,
            })
            .collect(),
        supervision: supervision(tx, t, p).await?,
        questionnaires: rounds(tx, t, p, opener).await?,
        look_ups: look_ups::of_subject(opener.vault, tx, tenant, p).await?,
    })
}
