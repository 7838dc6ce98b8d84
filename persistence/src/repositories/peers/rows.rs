//! The peer repository value and its rows: to and from the domain's peer worker (decrypting,
//! the history tables) and the last supervision of each peer.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use peerbro_domain::ids::{OrganisationId, PeerId, PlacementId, TenantId, UserId};
use peerbro_domain::people::{
    Certificate, Employment, PeerWorker, Placement, Screening, Training, Transition,
};
use peerbro_domain::privacy::{AuditAction, AuditEvent, Personal, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::peers::{
    peer_certificates, peer_employments, peer_screenings, peer_trainings, peer_transitions,
    peer_workers, placements, supervision_attendees,
};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::sealed_text::{self, PEER_MOVE_REASON};
use crate::vault::{Vault, field_aad};

pub(super) const KIND: SubjectKind = SubjectKind::PeerWorker;

pub(super) fn event(action: AuditAction, id: Uuid, purpose: Purpose) -> AuditEvent {
    AuditEvent::new(action, KIND, id, purpose)
}

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored peer {what} does not parse"))
}

pub(super) fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').filter(|s| !s.is_empty())
}

pub(super) fn to_i32(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(|_| DomainError::validation("hours", "too large"))
}

pub(super) fn to_u32(n: i32, what: &str) -> DomainResult<u32> {
    u32::try_from(n).map_err(|_| corrupt(what))
}

/// Children of many peers, grouped by peer, in insertion (id) order.
macro_rules! children {
    ($tx:expr, $tenant:expr, $ids:expr, $entity:ident) => {{
        let rows = $entity::Entity::find()
            .filter($entity::Column::TenantId.eq($tenant.as_uuid()))
            .filter($entity::Column::PeerId.is_in($ids.iter().copied()))
            .order_by_asc($entity::Column::Id)
            .all($tx)
            .await
            .map_err(unexpected)?;
        let mut grouped: HashMap<Uuid, Vec<$entity::Model>> = HashMap::new();
        for row in rows {
            grouped.entry(row.peer_id).or_default().push(row);
        }
        grouped
    }};
}

pub(super) fn placement_from(m: placements::Model) -> DomainResult<Placement> {
    Ok(Placement {
        id: PlacementId::from_uuid(m.id),
        peer_id: PeerId::from_uuid(m.peer_id),
        unit_id: OrganisationId::from_uuid(m.unit_id),
        ward: m.ward,
        start: m.start_on,
        end: m.end_on,
        weekly_hours_tenths: to_u32(m.weekly_hours_tenths, "hours")?,
        ward_contact: m.ward_contact,
        supervision_arrangement: m.supervision_arrangement,
        created_at: m.created_at,
    })
}

/// [`PeerRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaPeerRepository {
    pub(super) db: Database,
    pub(super) vault: Vault,
}

impl SeaPeerRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    /// Loads whole peers (history included) for `rows`, decrypting with one key look-up.
    pub(super) async fn load(
        &self,
        tx: &Tx,
        tenant: TenantId,
        rows: Vec<peer_workers::Model>,
    ) -> DomainResult<Vec<PeerWorker>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = self.vault.subject_keys(tx, tenant, &ids).await?;
        let mut screenings = children!(tx, tenant, ids, peer_screenings);
        let mut certificates = children!(tx, tenant, ids, peer_certificates);
        let mut trainings = children!(tx, tenant, ids, peer_trainings);
        let mut transitions = children!(tx, tenant, ids, peer_transitions);
        let mut employments: HashMap<Uuid, peer_employments::Model> =
            peer_employments::Entity::find()
                .filter(peer_employments::Column::TenantId.eq(tenant.as_uuid()))
                .filter(peer_employments::Column::PeerId.is_in(ids.iter().copied()))
                .all(tx)
                .await
                .map_err(unexpected)?
                .into_iter()
                .map(|e| (e.peer_id, e))
                .collect();
        rows.into_iter()
            .map(|row| {
                let id = row.id;
                let open = |column: &str, sealed: &[u8], key: &SecretKey| {
                    self.vault
                        .open(key, &field_aad(tenant, "peer_workers", column, id), sealed)
                        .map(Personal::from_storage)
                };
                let (name, contact) = match keys.get(&id) {
                    Some(key) => (
                        Some(open("name", &row.name_sealed, key)?),
                        row.contact_sealed
                            .as_deref()
                            .map(|c| open("contact", c, key))
                            .transpose()?,
                    ),
                    None => (None, None),
                };
                Ok(PeerWorker {
                    id: PeerId::from_uuid(id),
                    user_id: row.user_id.map(UserId::from_uuid),
                    kind: row.kind.parse().map_err(|_| corrupt("kind"))?,
                    status: row.status.parse().map_err(|_| corrupt("status"))?,
                    name,
                    contact,
                    languages: split(&row.languages).map(str::to_owned).collect(),
                    offer_types: split(&row.offer_types)
                        .map(|o| o.parse().map_err(|_| corrupt("offer type")))
                        .collect::<DomainResult<BTreeSet<_>>>()?,
                    max_matches: u8::try_from(row.max_matches).map_err(|_| corrupt("capacity"))?,
                    organisation_id: OrganisationId::from_uuid(row.organisation_id),
                    created_at: row.created_at,
                    screenings: screenings
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|s| {
                            Ok(Screening {
                                held_on: s.held_on,
                                interviewer: UserId::from_uuid(s.interviewer_id),
                                outcome: s.outcome.parse().map_err(|_| corrupt("outcome"))?,
                            })
                        })
                        .collect::<DomainResult<_>>()?,
                    certificates: certificates
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| {
                            Ok(Certificate {
                                kind: c.kind.parse().map_err(|_| corrupt("certificate"))?,
                                checked_on: c.checked_on,
                                result: c
                                    .result
                                    .parse()
                                    .map_err(|_| corrupt("certificate result"))?,
                            })
                        })
                        .collect::<DomainResult<_>>()?,
                    trainings: trainings
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| Training {
                            course: t.course,
                            completed_on: t.completed_on,
                        })
                        .collect(),
                    transitions: transitions
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| {
                            Ok(Transition {
                                from: t.from_status.parse().map_err(|_| corrupt("status"))?,
                                to: t.to_status.parse().map_err(|_| corrupt("status"))?,
                                at: t.at,
                                actor: t.actor_id.map(UserId::from_uuid),
                                reason: keys
                                    .get(&id)
                                    .zip(t.reason_sealed.as_deref())
                                    .map(|(key, sealed)| {
                                        self.vault.open(
                                            key,
                                            &field_aad(
                                                tenant,
                                                PEER_MOVE_REASON.0,
                                                PEER_MOVE_REASON.1,
                                                t.id,
                                            ),
                                            sealed,
                                        )
                                    })
                                    .transpose()?,
                            })
                        })
                        .collect::<DomainResult<_>>()?,
                    employment: employments
                        .remove(&id)
                        .map(|e| {
                            Ok::<_, DomainError>(Employment {
                                organisation_id: OrganisationId::from_uuid(e.organisation_id),
                                weekly_hours_tenths: to_u32(e.weekly_hours_tenths, "hours")?,
                                start: e.start_on,
                                end: e.end_on,
                            })
                        })
                        .transpose()?,
                })
            })
            .collect()
    }

    pub(super) fn seal_profile(
        &self,
        tenant: TenantId,
        key: &SecretKey,
        peer: &PeerWorker,
        model: &mut peer_workers::ActiveModel,
    ) -> DomainResult<()> {
        let id = peer.id.as_uuid();
        let name = peer.name.as_ref().ok_or_else(|| corrupt("name"))?;
        model.name_sealed = Set(self.vault.seal(
            key,
            &field_aad(tenant, "peer_workers", "name", id),
            name.expose(),
        )?);
        model.contact_sealed = Set(peer
            .contact
            .as_ref()
            .map(|c| {
                self.vault.seal(
                    key,
                    &field_aad(tenant, "peer_workers", "contact", id),
                    c.expose(),
                )
            })
            .transpose()?);
        model.status = Set(peer.status.as_str().to_owned());
        model.languages = Set(peer.languages.join(","));
        model.offer_types = Set(peer
            .offer_types
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(","));
        model.max_matches = Set(i32::from(peer.max_matches));
        Ok(())
    }

    /// Inserts the history entries of `peer` beyond the first `known` of each kind.
    pub(super) async fn append_history(
        &self,
        tx: &Tx,
        tenant: TenantId,
        peer: &PeerWorker,
        key: &SecretKey,
        known: (usize, usize, usize, usize),
    ) -> DomainResult<()> {
        let t = tenant.as_uuid();
        let p = peer.id.as_uuid();
        for s in peer.screenings.iter().skip(known.0) {
            peer_screenings::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                peer_id: Set(p),
                held_on: Set(s.held_on),
                interviewer_id: Set(s.interviewer.as_uuid()),
                outcome: Set(s.outcome.as_str().to_owned()),
            }
            .insert(tx)
            .await
            .map_err(unexpected)?;
        }
        for c in peer.certificates.iter().skip(known.1) {
            peer_certificates::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                peer_id: Set(p),
                kind: Set(c.kind.as_str().to_owned()),
                checked_on: Set(c.checked_on),
                result: Set(c.result.as_str().to_owned()),
            }
            .insert(tx)
            .await
            .map_err(unexpected)?;
        }
        for tr in peer.trainings.iter().skip(known.2) {
            peer_trainings::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                peer_id: Set(p),
                course: Set(tr.course.clone()),
                completed_on: Set(tr.completed_on),
            }
            .insert(tx)
            .await
            .map_err(unexpected)?;
        }
        for tr in peer.transitions.iter().skip(known.3) {
            let id = Uuid::now_v7();
            peer_transitions::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                peer_id: Set(p),
                from_status: Set(tr.from.as_str().to_owned()),
                to_status: Set(tr.to.as_str().to_owned()),
                at: Set(tr.at),
                actor_id: Set(tr.actor.map(|a| a.as_uuid())),
                reason: Set(None),
                reason_sealed: Set(tr
                    .reason
                    .as_deref()
                    .map(|r| sealed_text::seal(&self.vault, key, tenant, PEER_MOVE_REASON, id, r))
                    .transpose()?),
            }
            .insert(tx)
            .await
            .map_err(unexpected)?;
        }
        Ok(())
    }
}

pub(crate) async fn find_row(
    tx: &Tx,
    tenant: TenantId,
    id: PeerId,
    lock: bool,
) -> DomainResult<peer_workers::Model> {
    by_id::<peer_workers::Entity>(tx, tenant, id.as_uuid(), lock, "peer worker").await
}

pub(super) async fn last_supervised_map(
    tx: &Tx,
    tenant: TenantId,
    peers: Option<&[Uuid]>,
) -> DomainResult<HashMap<Uuid, NaiveDate>> {
    let mut query = supervision_attendees::Entity::find()
        .filter(supervision_attendees::Column::TenantId.eq(tenant.as_uuid()));
    if let Some(peers) = peers {
        query = query.filter(supervision_attendees::Column::PeerId.is_in(peers.iter().copied()));
    }
    let mut last: HashMap<Uuid, NaiveDate> = HashMap::new();
    for row in query.all(tx).await.map_err(unexpected)? {
        let entry = last.entry(row.peer_id).or_insert(row.held_on);
        if row.held_on > *entry {
            *entry = row.held_on;
        }
    }
    Ok(last)
}
