//! Questionnaires due and answered: the citizen's own list, the peer's and coordinator's
//! worklist, and answering — by the citizen in their app (`SELF_REPORTED`) or entered with
//! them by their peer, a facilitator of their course or a coordinator (`ENTERED_WITH`). Nothing
//! is due, and nothing can be answered, without the citizen's OUTCOME_MEASUREMENT consent.

use std::collections::HashMap;

use crate::authz::{COORDINATING, holds_any, require_actor};
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, PeerId, ResponseId};
use crate::outcomes::evaluation::ScoredResponse;
use crate::outcomes::ports::{StoredInstrument, SupportFilter};
use crate::outcomes::response::{
    AnswerInput, DueSupport, MeasuredSupport, OutcomeSettings, QuestionnaireResponse,
    oldest_relevant,
};
use crate::outcomes::schedule::AnswerMode;
use crate::outcomes::service::OutcomeService;
use crate::page::{Direction, Page, PageRequest};
use crate::people::{ConsentPurpose, has_consent};

/// Questionnaires due, with the instrument version to answer (none when the tenant has no
/// instrument under its citizen key: then nothing is due).
#[derive(Clone, Debug)]
pub struct DueList<L> {
    /// The instrument asked.
    pub instrument: Option<StoredInstrument>,
    /// The supports with open points.
    pub supports: L,
}

/// Who answers or enters a questionnaire.
enum Answerer {
    /// The citizen themself.
    Citizen(CitizenId),
    /// A peer.
    Peer(PeerId),
    /// A coordinator or tenant admin.
    Coordinating,
}

impl OutcomeService {
    async fn answerer(&self, ctx: &RequestContext) -> DomainResult<Answerer> {
        let actor = require_actor(ctx)?;
        if holds_any(ctx, &COORDINATING) {
            return Ok(Answerer::Coordinating);
        }
        if actor.has(Role::Peer)
            && let Some(peer) = self.peers.peer_id_of_user(ctx, actor.user_id()).await?
        {
            return Ok(Answerer::Peer(peer));
        }
        if actor.has(Role::Citizen) {
            return match self
                .citizens
                .citizen_id_of_user(ctx, actor.user_id())
                .await?
            {
                Some(citizen) => Ok(Answerer::Citizen(citizen)),
                None => Err(DomainError::Conflict(Conflict::NotRegisteredAsCitizen)),
            };
        }
        Err(DomainError::Forbidden(
            "questionnaires are answered by citizens, their peers and coordinators",
        ))
    }

    pub(super) async fn current_instrument(
        &self,
        ctx: &RequestContext,
        settings: &OutcomeSettings,
    ) -> DomainResult<Option<StoredInstrument>> {
        Ok(self
            .instruments
            .versions(ctx, &settings.citizen_instrument_key)
            .await?
            .pop())
    }

    /// The supports of `filter` with the points open today, consent considered.
    async fn open_points(
        &self,
        ctx: &RequestContext,
        settings: &OutcomeSettings,
        citizen: Option<CitizenId>,
        peer: Option<PeerId>,
    ) -> DomainResult<Vec<DueSupport>> {
        let today = self.clock.today();
        let filter = SupportFilter {
            citizen,
            peer,
            since: oldest_relevant(today, settings.follow_up_days),
        };
        let supports = self.responses.supports(ctx, &filter).await?;
        let mut citizens: Vec<CitizenId> = supports.iter().map(|s| s.citizen_id).collect();
        citizens.sort_unstable();
        citizens.dedup();
        let histories = self.citizens.consent_histories(ctx, &citizens).await?;
        let consented: HashMap<CitizenId, bool> = citizens
            .into_iter()
            .map(|c| {
                let given = histories
                    .get(&c)
                    .is_some_and(|h| has_consent(h, ConsentPurpose::OutcomeMeasurement));
                (c, given)
            })
            .collect();
        Ok(supports
            .into_iter()
            .filter_map(|support| {
                let consent = consented.get(&support.citizen_id).copied().unwrap_or(false);
                let due =
                    support
                        .span
                        .due(today, &support.answered, consent, settings.follow_up_days);
                (!due.is_empty()).then_some(DueSupport { support, due })
            })
            .collect())
    }

    /// The questionnaires the calling citizen is asked to answer today (a short list: each
    /// point is open for six weeks).
    ///
    /// # Errors
    /// `Forbidden` unless a citizen; `Conflict` (`NOT_REGISTERED`) without a citizen record.
    pub async fn my_questionnaires(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<DueList<Vec<DueSupport>>> {
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Citizen) {
            return Err(DomainError::Forbidden("only citizens have questionnaires"));
        }
        let Some(citizen) = self
            .citizens
            .citizen_id_of_user(ctx, actor.user_id())
            .await?
        else {
            return Err(DomainError::Conflict(Conflict::NotRegisteredAsCitizen));
        };
        let settings = self.responses.settings(ctx).await?;
        let Some(instrument) = self.current_instrument(ctx, &settings).await? else {
            return Ok(DueList {
                instrument: None,
                supports: Vec::new(),
            });
        };
        let supports = self
            .open_points(ctx, &settings, Some(citizen), None)
            .await?;
        Ok(DueList {
            instrument: Some(instrument),
            supports,
        })
    }

    /// The worklist of questionnaires to enter with citizens: a peer's own matches and
    /// courses, or every support of the tenant for coordinators; pseudonyms only.
    ///
    /// # Errors
    /// `Forbidden` unless a peer (with a peer record), coordinator or tenant admin.
    pub async fn due_questionnaires(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<DueList<Page<DueSupport>>> {
        let peer = match self.answerer(ctx).await {
            Ok(Answerer::Coordinating) => None,
            Ok(Answerer::Peer(peer)) => Some(peer),
            Ok(Answerer::Citizen(_)) | Err(DomainError::Conflict(_)) => {
                return Err(DomainError::Forbidden(
                    "the worklist is for peers and coordinators",
                ));
            }
            Err(e) => return Err(e),
        };
        let settings = self.responses.settings(ctx).await?;
        let instrument = self.current_instrument(ctx, &settings).await?;
        let all = if instrument.is_some() {
            self.open_points(ctx, &settings, None, peer).await?
        } else {
            Vec::new()
        };
        let total = page.wants_total().then_some(all.len() as u64);
        Ok(DueList {
            instrument,
            supports: page_in_memory(all, page).with_total(total),
        })
    }

    /// Answers a measurement point of a course of support: the citizen themself, or their
    /// peer, a facilitator of their course or a coordinator with them (the mode follows from
    /// who enters it). The answers are scored against the instrument before anything is kept.
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound` (`support`) for a support of another citizen,
    /// peer or tenant; `Validation` (`answers`); `Conflict`: `NOT_CURRENT` for another
    /// instrument version than the tenant asks, `CONSENT_NOT_IN_FORCE`, `NOT_DUE`, `DUPLICATE`.
    pub async fn answer(
        &self,
        ctx: &RequestContext,
        input: &AnswerInput,
    ) -> DomainResult<ScoredResponse> {
        let answerer = self.answerer(ctx).await?;
        let values = input.values()?;
        let support = self.responses.support(ctx, input.support).await?;
        let mode = match answerer {
            Answerer::Citizen(me) if me == support.citizen_id => AnswerMode::SelfReported,
            Answerer::Peer(me) if support.peers.contains(&me) => AnswerMode::EnteredWith,
            Answerer::Coordinating => AnswerMode::EnteredWith,
            // Another citizen's or peer's support does not exist for this caller.
            Answerer::Citizen(_) | Answerer::Peer(_) => {
                return Err(DomainError::NotFound {
                    resource: "support",
                });
            }
        };
        let settings = self.responses.settings(ctx).await?;
        let instrument = self
            .current_instrument(ctx, &settings)
            .await?
            .filter(|i| i.id == input.instrument_id)
            .ok_or(DomainError::Conflict(Conflict::NotCurrentInstrument))?;
        let scores = instrument.instrument.score(&values)?;
        self.check_open(ctx, &support, &settings, input).await?;
        let response = QuestionnaireResponse {
            id: ResponseId::new(),
            citizen_id: support.citizen_id,
            support: support.support,
            offer_id: support.offer_id,
            offer_type: support.offer_type,
            point: input.point,
            mode,
            instrument_id: instrument.id,
            answers: values,
            answered_at: self.clock.now(),
            entered_by: (mode == AnswerMode::EnteredWith)
                .then(|| ctx.actor().map(crate::context::Actor::user_id))
                .flatten(),
        };
        self.responses.record(ctx, &response).await?;
        Ok(ScoredResponse { response, scores })
    }

    async fn check_open(
        &self,
        ctx: &RequestContext,
        support: &MeasuredSupport,
        settings: &OutcomeSettings,
        input: &AnswerInput,
    ) -> DomainResult<()> {
        let consent = self
            .citizens
            .consent_given(ctx, support.citizen_id, ConsentPurpose::OutcomeMeasurement)
            .await?;
        if !consent {
            return Err(DomainError::Conflict(Conflict::NoOutcomeConsent));
        }
        let open = support.span.due(
            self.clock.today(),
            &support.answered,
            true,
            settings.follow_up_days,
        );
        if open.iter().any(|d| d.point == input.point) {
            Ok(())
        } else if support.answered.contains(&input.point) {
            Err(crate::error::Duplicate::Response.into())
        } else {
            Err(DomainError::Conflict(Conflict::QuestionnaireNotDue))
        }
    }
}

/// A page of a list computed in memory, ascending by support id, cursors being support ids.
fn page_in_memory(mut all: Vec<DueSupport>, page: &PageRequest) -> Page<DueSupport> {
    all.sort_by_key(|d| d.support.support.uuid());
    let limit = page.limit() as usize + 1;
    let rows: Vec<DueSupport> = match (page.direction(), page.cursor()) {
        (Direction::Forward, cursor) => all
            .into_iter()
            .filter(|d| cursor.is_none_or(|c| d.support.support.uuid() > c))
            .take(limit)
            .collect(),
        (Direction::Backward, cursor) => all
            .into_iter()
            .rev()
            .filter(|d| cursor.is_none_or(|c| d.support.support.uuid() < c))
            .take(limit)
            .collect(),
    };
    Page::from_probe(rows, page)
}
