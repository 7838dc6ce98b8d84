//! Research use cases: tenant admins register studies and scope researchers to them,
//! coordinators record a citizen's consent to a study, and a study's researchers export its
//! pseudonymised data — only of citizens taking part, quasi-identifiers generalised, every
//! export audited.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::authz::{COORDINATING, require_actor, require_any};
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, StudyId, UserId};
use crate::outcomes::{InstrumentRepository, ResponseFilter, ResponseRepository};
use crate::page::{Page, PageRequest};
use crate::people::CitizenRepository;
use crate::research::export::{Quasi, age_band, generalise, iso_week};
use crate::research::ports::{Participant, Study, StudyRepository, StudyScope};
use crate::research::study::{StudyConsent, StudyDraft, takes_part};

/// One exported row: one answered questionnaire of one participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRow {
    /// The study pseudonym.
    pub pseudonym: String,
    /// Age band (or `*`).
    pub age_band: String,
    /// Municipality (or `*`).
    pub municipality: String,
    /// Kind of offer (or `*`).
    pub offer_type: String,
    /// ISO week the support's first answer was given.
    pub start_week: String,
    /// Measurement point.
    pub point: String,
    /// Instrument key.
    pub instrument: String,
    /// Its version.
    pub version: u32,
    /// The item answers, in order.
    pub answers: Vec<u8>,
}

/// A study's export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyExport {
    /// The study.
    pub study: Study,
    /// The rows, by pseudonym and week.
    pub rows: Vec<ExportRow>,
    /// Participants in it.
    pub participants: usize,
}

/// The research use cases.
#[derive(Clone)]
pub struct ResearchService {
    pub(super) studies: Arc<dyn StudyRepository>,
    responses: Arc<dyn ResponseRepository>,
    instruments: Arc<dyn InstrumentRepository>,
    pub(super) citizens: Arc<dyn CitizenRepository>,
    pub(super) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ResearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResearchService").finish_non_exhaustive()
    }
}

fn require_admin(ctx: &RequestContext) -> DomainResult<()> {
    require_any(
        ctx,
        &[Role::TenantAdmin],
        DomainError::Forbidden("only tenant admins register studies and their researchers"),
    )
}

impl ResearchService {
    /// Over its ports.
    #[must_use]
    pub fn new(
        studies: Arc<dyn StudyRepository>,
        responses: Arc<dyn ResponseRepository>,
        instruments: Arc<dyn InstrumentRepository>,
        citizens: Arc<dyn CitizenRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            studies,
            responses,
            instruments,
            citizens,
            clock,
        }
    }

    /// Registers a study (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `Validation` naming the field.
    pub async fn create(&self, ctx: &RequestContext, draft: StudyDraft) -> DomainResult<Study> {
        require_admin(ctx)?;
        let study = Study {
            id: StudyId::new(),
            study: draft.validated()?,
            created_at: self.clock.now(),
        };
        self.studies.create(ctx, &study).await?;
        Ok(study)
    }

    /// Scopes a researcher to a study (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; as [`StudyRepository::add_researcher`].
    pub async fn add_researcher(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        user: UserId,
    ) -> DomainResult<Study> {
        require_admin(ctx)?;
        self.studies.add_researcher(ctx, study, user).await?;
        self.studies.get(ctx, study).await
    }

    /// Studies: every one for coordinators and tenant admins, their own for researchers.
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn studies(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<Study>> {
        if crate::authz::holds_any(ctx, &COORDINATING) {
            return self.studies.list(ctx, StudyScope::All, page).await;
        }
        let actor = require_actor(ctx)?;
        if actor.has(Role::Researcher) {
            return self
                .studies
                .list(ctx, StudyScope::Researcher(actor.user_id()), page)
                .await;
        }
        Err(DomainError::Forbidden(
            "studies are for coordinators, tenant admins and their researchers",
        ))
    }

    /// Records a citizen's consent to a study, or its withdrawal, under the study's current
    /// information sheet (coordinators and tenant admins, with the citizen).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` (`study`, `citizen`).
    pub async fn record_consent(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        citizen: CitizenId,
        given: bool,
    ) -> DomainResult<StudyConsent> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("coordinators record a citizen's consent to a study"),
        )?;
        let found = self.studies.get(ctx, study).await?;
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

    /// The study's export for one of its researchers: every answered questionnaire of the
    /// citizens taking part, under per-study pseudonyms, with quasi-identifiers generalised
    /// to the tenant's disclosure threshold; audited per participant.
    ///
    /// # Errors
    /// `Forbidden` unless a researcher; `NotFound` (`study`) for a study they are not scoped
    /// to (or of another tenant).
    pub async fn export(&self, ctx: &RequestContext, study: StudyId) -> DomainResult<StudyExport> {
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Researcher) {
            return Err(DomainError::Forbidden(
                "only a study's researchers export it",
            ));
        }
        let found = self.studies.get(ctx, study).await?;
        if !self
            .studies
            .is_researcher(ctx, study, actor.user_id())
            .await?
        {
            return Err(DomainError::NotFound { resource: "study" });
        }
        let mut histories: HashMap<CitizenId, Vec<StudyConsent>> = HashMap::new();
        for c in self.studies.consents(ctx, study).await? {
            histories.entry(c.citizen_id).or_default().push(c);
        }
        let mut taking_part: Vec<CitizenId> = histories
            .into_iter()
            .filter(|(_, h)| takes_part(h, found.study.information_sheet_version))
            .map(|(c, _)| c)
            .collect();
        taking_part.sort_unstable();
        let participants = self.studies.participants(ctx, study, &taking_part).await?;
        if participants.is_empty() {
            // An empty filter would read everyone: nobody takes part, nothing is read.
            return Ok(StudyExport {
                study: found,
                rows: Vec::new(),
                participants: 0,
            });
        }
        let by_citizen: HashMap<CitizenId, &Participant> =
            participants.iter().map(|p| (p.citizen_id, p)).collect();
        let answers = self
            .responses
            .responses(
                ctx,
                &ResponseFilter {
                    citizens: participants.iter().map(|p| p.citizen_id).collect(),
                    ..ResponseFilter::default()
                },
            )
            .await?;
        let mut ids: Vec<_> = answers.iter().map(|r| r.instrument_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let instruments: HashMap<_, _> = self
            .instruments
            .by_ids(ctx, &ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut started: BTreeMap<_, DateTime<Utc>> = BTreeMap::new();
        for r in &answers {
            let at = started.entry(r.support).or_insert(r.answered_at);
            *at = (*at).min(r.answered_at);
        }
        let today = self.clock.today();
        let mut rows = Vec::new();
        let mut quasi = Vec::new();
        for r in answers {
            let (Some(p), Some(i)) = (
                by_citizen.get(&r.citizen_id),
                instruments.get(&r.instrument_id),
            ) else {
                continue;
            };
            let q = Quasi {
                person: p.pseudonym.clone(),
                age_band: age_band(p.birth_year, today),
                municipality: p.municipality.clone(),
                offer_type: r.offer_type.as_str().to_owned(),
            };
            rows.push(ExportRow {
                pseudonym: p.pseudonym.clone(),
                age_band: String::new(),
                municipality: String::new(),
                offer_type: String::new(),
                start_week: iso_week(started.get(&r.support).map_or(today, |at| at.date_naive())),
                point: r.point.as_str().to_owned(),
                instrument: i.instrument.definition().key.clone(),
                version: i.instrument.definition().version,
                answers: r.answers,
            });
            quasi.push(q);
        }
        let settings = self.responses.settings(ctx).await?;
        let keep = generalise(&mut quasi, settings.disclosure_threshold as usize);
        let mut kept: Vec<ExportRow> = rows
            .into_iter()
            .zip(quasi)
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((mut row, q), _)| {
                row.age_band = q.age_band;
                row.municipality = q.municipality;
                row.offer_type = q.offer_type;
                row
            })
            .collect();
        kept.sort_by(|a, b| {
            (&a.pseudonym, &a.start_week, &a.point).cmp(&(&b.pseudonym, &b.start_week, &b.point))
        });
        Ok(StudyExport {
            study: found,
            participants: participants.len(),
            rows: kept,
        })
    }
}
