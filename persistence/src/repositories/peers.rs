//! Peer workers (name and contact sealed with the peer's key, every access audited),
//! supervision, placements and tenant settings.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::NaiveDate;
use peerbro_domain::ids::{OrganisationId, PeerId, PlacementId, SupervisionId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::{
    Certificate, DEFAULT_SUPERVISION_LIMIT_DAYS, Employment, PeerChange, PeerFilter,
    PeerRepository, PeerStatus, PeerWorker, Placement, PlacementCheck, PlacementFilter, Screening,
    SupervisionSession, Training, Transition,
};
use peerbro_domain::privacy::{AuditAction, AuditEvent, Personal, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, Condition, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::keyset;
use super::rows::by_id;
use super::tenancy::organisation_from;
use crate::audit::{append, append_reads};
use crate::db::{Database, Tx};
use crate::entities::organisations;
use crate::entities::peers::{
    peer_certificates, peer_employments, peer_screenings, peer_trainings, peer_transitions,
    peer_workers, placements, supervision_attendees, supervision_sessions,
};
use crate::errors::{map_db, unexpected};
use crate::vault::{Vault, field_aad};

/// [`PeerRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaPeerRepository {
    db: Database,
    vault: Vault,
}

const KIND: SubjectKind = SubjectKind::PeerWorker;

fn event(action: AuditAction, id: Uuid, purpose: Purpose) -> AuditEvent {
    AuditEvent::new(action, KIND, id, purpose)
}

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored peer {what} does not parse"))
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').filter(|s| !s.is_empty())
}

fn to_i32(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(|_| DomainError::validation("hours", "too large"))
}

fn to_u32(n: i32, what: &str) -> DomainResult<u32> {
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

fn placement_from(m: placements::Model) -> DomainResult<Placement> {
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

impl SeaPeerRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    /// Loads whole peers (history included) for `rows`, decrypting with one key look-up.
    async fn load(
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
                                reason: t.reason,
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

    fn seal_profile(
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
    async fn append_history(
        &self,
        tx: &Tx,
        tenant: TenantId,
        peer: &PeerWorker,
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
            peer_transitions::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                peer_id: Set(p),
                from_status: Set(tr.from.as_str().to_owned()),
                to_status: Set(tr.to.as_str().to_owned()),
                at: Set(tr.at),
                actor_id: Set(tr.actor.map(|a| a.as_uuid())),
                reason: Set(tr.reason.clone()),
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

async fn last_supervised_map(
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

#[async_trait]
impl PeerRepository for SeaPeerRepository {
    #[tracing::instrument(skip_all, fields(peer = %peer.id))]
    async fn create(
        &self,
        ctx: &RequestContext,
        peer: &PeerWorker,
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let key = self
            .vault
            .create_subject_key(&tx, tenant, peer.id.as_uuid())
            .await?;
        let mut model = peer_workers::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(peer.id.as_uuid()),
            user_id: Set(peer.user_id.map(|u| u.as_uuid())),
            kind: Set(peer.kind.as_str().to_owned()),
            organisation_id: Set(peer.organisation_id.as_uuid()),
            created_at: Set(peer.created_at),
            ..Default::default()
        };
        self.seal_profile(tenant, &key, peer, &mut model)?;
        model
            .insert(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::PeerUser))?;
        if let Some(e) = &peer.employment {
            peer_employments::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                peer_id: Set(peer.id.as_uuid()),
                organisation_id: Set(e.organisation_id.as_uuid()),
                weekly_hours_tenths: Set(to_i32(e.weekly_hours_tenths)?),
                start_on: Set(e.start),
                end_on: Set(e.end),
            }
            .insert(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::Employment))?;
        }
        self.append_history(&tx, tenant, peer, (0, 0, 0, 0)).await?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Create, peer.id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, false).await?;
        let peer = self
            .load(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        append_reads(&tx, ctx, KIND, [id.as_uuid()], purpose).await?;
        tx.commit().await?;
        Ok(peer)
    }

    async fn peer_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<PeerId>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(row.map(|r| PeerId::from_uuid(r.id)))
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: PeerFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<PeerWorker>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(status) = filter.status {
            query = query.filter(peer_workers::Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(peer_workers::Column::Kind.eq(kind.as_str()));
        }
        let rows = keyset(query, peer_workers::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let page = Page::from_probe(self.load(&tx, tenant, rows).await?, page);
        append_reads(
            &tx,
            ctx,
            KIND,
            page.items.iter().map(|x| x.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    #[tracing::instrument(skip_all, fields(peer = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: PeerChange,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let mut peer = self
            .load(&tx, tenant, vec![row.clone()])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        let known = (
            peer.screenings.len(),
            peer.certificates.len(),
            peer.trainings.len(),
            peer.transitions.len(),
        );
        change(&mut peer)?;
        let keys = self.vault.subject_keys(&tx, tenant, &[row.id]).await?;
        let key = keys.get(&row.id).ok_or_else(|| corrupt("key"))?;
        let mut model = row.into_active_model();
        self.seal_profile(tenant, key, &peer, &mut model)?;
        model.update(&tx).await.map_err(unexpected)?;
        self.append_history(&tx, tenant, &peer, known).await?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Update, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        Ok(peer)
    }

    async fn needing_supervision(
        &self,
        ctx: &RequestContext,
        cutoff: NaiveDate,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, Option<NaiveDate>)>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let active = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::Status.eq(PeerStatus::Active.as_str()))
            .order_by_asc(peer_workers::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = active.iter().map(|p| p.id).collect();
        let last = last_supervised_map(&tx, tenant, Some(&ids)).await?;
        let due: Vec<peer_workers::Model> = active
            .into_iter()
            .filter(|p| last.get(&p.id).is_none_or(|d| *d < cutoff))
            .collect();
        let mut peers: Vec<(PeerWorker, Option<NaiveDate>)> = self
            .load(&tx, tenant, due)
            .await?
            .into_iter()
            .map(|p| {
                let date = last.get(&p.id.as_uuid()).copied();
                (p, date)
            })
            .collect();
        peers.sort_by_key(|(p, d)| (*d, p.id));
        append_reads(
            &tx,
            ctx,
            KIND,
            peers.iter().map(|(p, _)| p.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(peers)
    }

    async fn record_supervision(
        &self,
        ctx: &RequestContext,
        session: &SupervisionSession,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let ids: Vec<Uuid> = session.attendees.iter().map(PeerId::as_uuid).collect();
        let found = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        if found.len() != ids.len() {
            return Err(DomainError::NotFound {
                resource: "peer worker",
            });
        }
        supervision_sessions::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(session.id.as_uuid()),
            held_on: Set(session.held_on),
            supervisor_id: Set(session.supervisor.as_uuid()),
            format: Set(session.format.as_str().to_owned()),
            created_at: Set(session.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::SupervisionSession))?;
        supervision_attendees::Entity::insert_many(ids.iter().map(|p| {
            supervision_attendees::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                session_id: Set(session.id.as_uuid()),
                peer_id: Set(*p),
                held_on: Set(session.held_on),
            }
        }))
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn supervision_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        find_row(&tx, tenant, peer, false).await?;
        let session_ids: Vec<Uuid> = supervision_attendees::Entity::find()
            .filter(supervision_attendees::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_attendees::Column::PeerId.eq(peer.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|a| a.session_id)
            .collect();
        let query = supervision_sessions::Entity::find()
            .filter(supervision_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_sessions::Column::Id.is_in(session_ids));
        let rows = keyset(query, supervision_sessions::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
        let mut attendees: HashMap<Uuid, Vec<PeerId>> = HashMap::new();
        for a in supervision_attendees::Entity::find()
            .filter(supervision_attendees::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_attendees::Column::SessionId.is_in(ids))
            .all(&tx)
            .await
            .map_err(unexpected)?
        {
            attendees
                .entry(a.session_id)
                .or_default()
                .push(PeerId::from_uuid(a.peer_id));
        }
        tx.commit().await?;
        let sessions = rows
            .into_iter()
            .map(|s| {
                Ok(SupervisionSession {
                    id: SupervisionId::from_uuid(s.id),
                    held_on: s.held_on,
                    supervisor: UserId::from_uuid(s.supervisor_id),
                    format: s
                        .format
                        .parse()
                        .map_err(|_| corrupt("supervision format"))?,
                    attendees: attendees.remove(&s.id).unwrap_or_default(),
                    created_at: s.created_at,
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(sessions, page))
    }

    async fn last_supervised(
        &self,
        ctx: &RequestContext,
        peers: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let ids: Vec<Uuid> = peers.iter().map(PeerId::as_uuid).collect();
        let last = last_supervised_map(&tx, tenant, Some(&ids)).await?;
        tx.commit().await?;
        Ok(last
            .into_iter()
            .map(|(k, v)| (PeerId::from_uuid(k), v))
            .collect())
    }

    async fn supervision_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        crate::settings::read(&self.db, ctx.tenant_id()?)
            .await?
            .map_or(Ok(DEFAULT_SUPERVISION_LIMIT_DAYS), |r| {
                to_u32(r.supervision_limit_days, "limit")
            })
    }

    async fn set_supervision_limit_days(
        &self,
        ctx: &RequestContext,
        days: u32,
    ) -> DomainResult<()> {
        crate::settings::write(
            &self.db,
            ctx.tenant_id()?,
            crate::settings::Setting::SupervisionLimitDays,
            to_i32(days)?,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(placement = %placement.id))]
    async fn create_placement(
        &self,
        ctx: &RequestContext,
        placement: &Placement,
        check: PlacementCheck,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        // Lock the peer: two placements for one peer are decided one after the other.
        let row = find_row(&tx, tenant, placement.peer_id, true).await?;
        let peer = self
            .load(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        let unit = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.eq(placement.unit_id.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?
            .ok_or(DomainError::NotFound {
                resource: "organisation",
            })?;
        let existing = placements::Entity::find()
            .filter(placements::Column::TenantId.eq(tenant.as_uuid()))
            .filter(placements::Column::PeerId.eq(placement.peer_id.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(placement_from)
            .collect::<DomainResult<Vec<_>>>()?;
        check(&peer, &existing, &organisation_from(unit)?)?;
        placements::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(placement.id.as_uuid()),
            peer_id: Set(placement.peer_id.as_uuid()),
            unit_id: Set(placement.unit_id.as_uuid()),
            ward: Set(placement.ward.clone()),
            start_on: Set(placement.start),
            end_on: Set(placement.end),
            weekly_hours_tenths: Set(to_i32(placement.weekly_hours_tenths)?),
            ward_contact: Set(placement.ward_contact.clone()),
            supervision_arrangement: Set(placement.supervision_arrangement.clone()),
            created_at: Set(placement.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::Placement))?;
        tx.commit().await
    }

    async fn placements(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            placements::Entity::find().filter(placements::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(unit) = filter.unit_id {
            query = query.filter(placements::Column::UnitId.eq(unit.as_uuid()));
        }
        if let Some(peer) = filter.peer_id {
            query = query.filter(placements::Column::PeerId.eq(peer.as_uuid()));
        }
        if let Some(day) = filter.active_on {
            query = query.filter(placements::Column::StartOn.lte(day)).filter(
                Condition::any()
                    .add(placements::Column::EndOn.is_null())
                    .add(placements::Column::EndOn.gte(day)),
            );
        }
        let rows = keyset(query, placements::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(placement_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page))
    }
}
