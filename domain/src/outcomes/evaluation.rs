//! Change over time: per citizen (their scores at each point and the change from baseline,
//! per CHIME dimension) and over the tenant (paired change with its n, mean, 95 % interval
//! and effect size, per dimension, for all supports or those of one offer or offer type).
//! A statistic over persons is given only when at least the tenant's disclosure threshold of
//! persons are in it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::authz::{COORDINATING, require_any};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, InstrumentId, OfferId};
use crate::outcomes::instrument::{ChimeDimension, Scores};
use crate::outcomes::ports::{ResponseFilter, StoredInstrument};
use crate::outcomes::response::{OutcomeSettings, QuestionnaireResponse, SupportRef};
use crate::outcomes::schedule::MeasurementPoint;
use crate::outcomes::service::OutcomeService;
use crate::outcomes::sums::{ChangeSummary, ChangeSums, Pairs, comparable};
use crate::people::OfferType;
use crate::privacy::Purpose;

/// Which change to compute over the tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeQuery {
    /// The instrument (all its versions); the tenant's citizen instrument when none.
    pub instrument_key: Option<String>,
    /// Baseline to this point (end or follow-up).
    pub to: MeasurementPoint,
    /// Only supports of this offer.
    pub offer: Option<OfferId>,
    /// Only supports of this kind.
    pub offer_type: Option<OfferType>,
    /// Only pairs whose later point was answered in `[from, to)` (a report's period).
    pub answered: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// One scored answer of a citizen.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredResponse {
    /// The answer.
    pub response: QuestionnaireResponse,
    /// Its scores.
    pub scores: Scores,
}

/// A citizen's change on one support from baseline to a later point.
#[derive(Clone, Debug, PartialEq)]
pub struct CitizenChange {
    /// The support.
    pub support: SupportRef,
    /// The later point.
    pub to: MeasurementPoint,
    /// The dimension (`None`: over all items).
    pub dimension: Option<ChimeDimension>,
    /// Score at baseline.
    pub before: f64,
    /// Score at the later point.
    pub after: f64,
}

/// A citizen's outcomes.
#[derive(Clone, Debug, PartialEq)]
pub struct CitizenOutcomes {
    /// Every answer, oldest first, with its scores.
    pub responses: Vec<ScoredResponse>,
    /// The changes from baseline.
    pub changes: Vec<CitizenChange>,
}

/// Scores of each answer, by support and point.
type Scored = BTreeMap<SupportRef, BTreeMap<MeasurementPoint, (CitizenId, Scores, DateTime<Utc>)>>;

fn score_all(
    responses: &[QuestionnaireResponse],
    instruments: &HashMap<InstrumentId, &StoredInstrument>,
) -> DomainResult<Vec<Scores>> {
    responses
        .iter()
        .map(|r| {
            let instrument = instruments.get(&r.instrument_id).ok_or_else(|| {
                DomainError::Unknown(anyhow::anyhow!("an answer names an unknown instrument"))
            })?;
            instrument.instrument.score(&r.answers)
        })
        .collect()
}

fn by_support(responses: &[QuestionnaireResponse], scores: Vec<Scores>) -> Scored {
    let mut out: Scored = BTreeMap::new();
    for (r, s) in responses.iter().zip(scores) {
        out.entry(r.support)
            .or_default()
            .insert(r.point, (r.citizen_id, s, r.answered_at));
    }
    out
}

impl OutcomeService {
    async fn versions_of(
        &self,
        ctx: &RequestContext,
        key: &str,
    ) -> DomainResult<Vec<StoredInstrument>> {
        let versions = self.instruments.versions(ctx, key.trim()).await?;
        if versions.is_empty() {
            return Err(DomainError::validation(
                "instrumentKey",
                "the tenant has no instrument with this key",
            ));
        }
        Ok(versions)
    }

    /// The paired change from baseline to `query.to` over the tenant's supports (coordinators
    /// and tenant admins). Answers to every version of the instrument are paired when their
    /// scales agree; statistics appear only over at least the disclosure threshold of persons.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` (`to`: not end or follow-up; `instrumentKey`: unknown).
    pub async fn change(
        &self,
        ctx: &RequestContext,
        query: &ChangeQuery,
    ) -> DomainResult<ChangeSummary> {
        let settings = self.responses.settings(ctx).await?;
        Ok(self
            .change_sums(ctx, query, &settings)
            .await?
            .publish(settings.disclosure_threshold))
    }

    /// The sums behind [`OutcomeService::change`], before disclosure control (coordinators,
    /// tenant admins and the system; `settings` are the tenant's).
    ///
    /// # Errors
    /// As [`OutcomeService::change`].
    pub async fn change_sums(
        &self,
        ctx: &RequestContext,
        query: &ChangeQuery,
        settings: &OutcomeSettings,
    ) -> DomainResult<ChangeSums> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("only coordinators and tenant admins see outcome statistics"),
        )?;
        if query.to == MeasurementPoint::Baseline {
            return Err(DomainError::validation("to", "must be END or FOLLOW_UP"));
        }
        let key = query
            .instrument_key
            .as_deref()
            .unwrap_or(&settings.citizen_instrument_key)
            .trim()
            .to_owned();
        let versions = self.versions_of(ctx, &key).await?;
        let usable = comparable(&versions);
        let responses = self
            .responses
            .responses(
                ctx,
                &ResponseFilter {
                    citizen: None,
                    citizens: Vec::new(),
                    instruments: usable.iter().map(|v| v.id).collect(),
                    offer: query.offer,
                    offer_type: query.offer_type,
                },
            )
            .await?;
        let lookup = usable.iter().map(|v| (v.id, *v)).collect();
        let scored = by_support(&responses, score_all(&responses, &lookup)?);
        let mut persons = HashSet::new();
        let mut pairs = Pairs::default();
        for points in scored.values() {
            let (Some((citizen, before, _)), Some((_, after, at))) = (
                points.get(&MeasurementPoint::Baseline),
                points.get(&query.to),
            ) else {
                continue;
            };
            if query
                .answered
                .is_some_and(|(from, to)| *at < from || *at >= to)
            {
                continue;
            }
            persons.insert(*citizen);
            pairs.push(before, after);
        }
        // Every dimension the newest version measures, paired or not.
        let measured = ChimeDimension::ALL
            .iter()
            .copied()
            .filter(|d| {
                usable.last().is_some_and(|v| {
                    v.instrument
                        .definition()
                        .items
                        .iter()
                        .any(|i| i.dimension == *d)
                })
            })
            .collect();
        pairs.sums(key, persons.len(), Some(measured))
    }

    /// One citizen's answers with their scores, and their change from baseline per support
    /// and dimension (coordinators; an audited read of the citizen under `purpose`).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for a citizen of another tenant.
    pub async fn citizen_outcomes(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<CitizenOutcomes> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("only coordinators and tenant admins read a citizen's outcomes"),
        )?;
        let responses = self
            .responses
            .responses(
                ctx,
                &ResponseFilter {
                    citizen: Some((citizen, purpose)),
                    ..ResponseFilter::default()
                },
            )
            .await?;
        let mut ids: Vec<InstrumentId> = responses.iter().map(|r| r.instrument_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let instruments = self.instruments.by_ids(ctx, &ids).await?;
        let lookup = instruments.iter().map(|v| (v.id, v)).collect();
        let scores = score_all(&responses, &lookup)?;
        let mut changes = Vec::new();
        for (support, points) in &by_support(&responses, scores.clone()) {
            let Some((_, before, _)) = points.get(&MeasurementPoint::Baseline) else {
                continue;
            };
            for to in [MeasurementPoint::End, MeasurementPoint::FollowUp] {
                let Some((_, after, _)) = points.get(&to) else {
                    continue;
                };
                changes.push(CitizenChange {
                    support: *support,
                    to,
                    dimension: None,
                    before: before.overall,
                    after: after.overall,
                });
                for (d, b) in &before.by_dimension {
                    if let Some(a) = after.by_dimension.get(d) {
                        changes.push(CitizenChange {
                            support: *support,
                            to,
                            dimension: Some(*d),
                            before: *b,
                            after: *a,
                        });
                    }
                }
            }
        }
        Ok(CitizenOutcomes {
            responses: responses
                .into_iter()
                .zip(scores)
                .map(|(response, scores)| ScoredResponse { response, scores })
                .collect(),
            changes,
        })
    }
}
