//! A citizen and the studies of their partnership, in their own app: the studies collecting
//! data now (and those they have a consent record for), whether they take part, and their own
//! consent — given under the information sheet version they read — or its withdrawal.

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, StudyId};
use crate::page::{Page, PageRequest};
use crate::research::ports::{Study, StudyScope};
use crate::research::service::ResearchService;
use crate::research::study::{StudyConsent, takes_part};

/// A study as a citizen sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitizenStudy {
    /// The study.
    pub study: Study,
    /// Collecting data today: the citizen may join.
    pub recruiting: bool,
    /// They take part (their latest record is a consent under the current sheet).
    pub taking_part: bool,
    /// Their latest record, if any.
    pub latest: Option<StudyConsent>,
}

impl ResearchService {
    async fn own_citizen(&self, ctx: &RequestContext) -> DomainResult<CitizenId> {
        crate::people::own_citizen(
            self.citizens.as_ref(),
            ctx,
            DomainError::Forbidden("only citizens see and answer their own studies"),
        )
        .await
    }

    /// The citizen's studies, oldest first: those collecting data today and those they have
    /// a consent record for (citizens with a registered citizen record).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `Conflict` (`NOT_REGISTERED`) without a citizen record.
    pub async fn my_studies(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<CitizenStudy>> {
        let citizen = self.own_citizen(ctx).await?;
        let today = self.clock.today();
        let found = self
            .studies
            .list(ctx, StudyScope::Citizen { citizen, today }, page)
            .await?;
        let ids: Vec<StudyId> = found.items.iter().map(|s| s.id).collect();
        let history = self.studies.consents_of(ctx, citizen, &ids).await?;
        found.try_map(|study| {
            let mine: Vec<StudyConsent> = history
                .iter()
                .filter(|(id, _)| *id == study.id)
                .map(|(_, c)| c.clone())
                .collect();
            Ok(CitizenStudy {
                recruiting: study.study.starts_on <= today && today <= study.study.ends_on,
                taking_part: takes_part(&mine, study.study.information_sheet_version),
                latest: mine.iter().max_by_key(|c| c.at).cloned(),
                study,
            })
        })
    }

    /// The citizen's own consent to a study, or its withdrawal. A consent must name the
    /// information sheet version the citizen read, which must be the study's current one,
    /// and the study must be collecting data today; a withdrawal is always possible and takes
    /// them out of every later export.
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound` (`study`); `Conflict`: `NOT_REGISTERED`,
    /// `STUDY_CLOSED`, `NOT_CURRENT` (the sheet has changed).
    pub async fn set_my_consent(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        given: bool,
        sheet_read: u32,
    ) -> DomainResult<StudyConsent> {
        let citizen = self.own_citizen(ctx).await?;
        let found = self.studies.get(ctx, study).await?;
        let today = self.clock.today();
        if given {
            if today < found.study.starts_on || today > found.study.ends_on {
                return Err(DomainError::Conflict(Conflict::StudyClosed));
            }
            if sheet_read != found.study.information_sheet_version {
                return Err(DomainError::Conflict(Conflict::NotCurrentSheet));
            }
        }
        let consent = StudyConsent {
            citizen_id: citizen,
            given,
            information_sheet_version: found.study.information_sheet_version,
            at: self.clock.now(),
            recorded_by: ctx.actor().map(crate::context::Actor::user_id),
        };
        self.studies.record_consent(ctx, study, &consent).await?;
        Ok(consent)
    }
}
