//! Peers' own questionnaire rounds (issue 12, the second target group): a peer answers the
//! tenant's peer instrument about their own recovery and role at a baseline when they first
//! became active, then every `peer_round_days` while they stay active, each round open for
//! [`ANSWER_WINDOW_DAYS`]. Answering is voluntary and only by the peer themself; coordinators
//! see the paired change from baseline to each peer's latest round, over enough peers only.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};

use crate::authz::{COORDINATING, require_actor, require_any};
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult, Duplicate};
use crate::ids::{InstrumentId, PeerId, PeerResponseId};
use crate::outcomes::instrument::{Respondent, Scores};
use crate::outcomes::ports::{PeerResponse, StoredInstrument};
use crate::outcomes::schedule::ANSWER_WINDOW_DAYS;
use crate::outcomes::service::OutcomeService;
use crate::outcomes::sums::{ChangeSummary, ChangeSums, Pairs, comparable};
use crate::people::PeerStatus;
use crate::privacy::Purpose;

/// One round of a peer's own questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerRound {
    /// 0 for the baseline, then 1, 2, …
    pub round: u32,
    /// The day it opens.
    pub opens_on: NaiveDate,
    /// The last day it can be answered.
    pub closes_on: NaiveDate,
}

/// The round open on `today` for a peer active since `since`, with rounds every `every` days.
#[must_use]
pub fn open_round(since: NaiveDate, today: NaiveDate, every: u32) -> Option<PeerRound> {
    let elapsed = u64::try_from((today - since).num_days()).ok()?;
    let round = u32::try_from(elapsed / u64::from(every.max(1))).ok()?;
    let opens_on = since.checked_add_days(Days::new(u64::from(round) * u64::from(every)))?;
    let closes_on = opens_on.checked_add_days(Days::new(u64::from(ANSWER_WINDOW_DAYS) - 1))?;
    (today <= closes_on).then_some(PeerRound {
        round,
        opens_on,
        closes_on,
    })
}

/// What a peer sees of their own questionnaire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyPeerQuestionnaire {
    /// The round open today and not yet answered, if any.
    pub due: Option<PeerRound>,
    /// The version to answer (the tenant's peer instrument, newest).
    pub instrument: Option<StoredInstrument>,
    /// Their answers so far, oldest first.
    pub answered: Vec<PeerResponse>,
}

impl OutcomeService {
    async fn own_peer(&self, ctx: &RequestContext) -> DomainResult<(PeerId, Option<NaiveDate>)> {
        let actor = require_actor(ctx)?;
        let refusal = "only peers with a peer record answer the peer questionnaire";
        if !actor.has(Role::Peer) {
            return Err(DomainError::Forbidden(refusal));
        }
        let peer = self
            .peers
            .peer_id_of_user(ctx, actor.user_id())
            .await?
            .ok_or(DomainError::Forbidden(refusal))?;
        let record = self
            .peers
            .get(ctx, peer, Purpose::OutcomeEvaluation)
            .await?;
        let since = (record.status == PeerStatus::Active)
            .then(|| {
                record
                    .transitions
                    .iter()
                    .find(|t| t.to == PeerStatus::Active)
                    .map(|t| t.at.date_naive())
            })
            .flatten();
        Ok((peer, since))
    }

    async fn peer_instrument(
        &self,
        ctx: &RequestContext,
        key: &str,
    ) -> DomainResult<Option<StoredInstrument>> {
        Ok(self
            .instruments
            .versions(ctx, key)
            .await?
            .pop()
            .filter(|v| v.instrument.definition().respondent == Respondent::Peer))
    }

    /// The signed-in peer's own questionnaire: the round due (while they are active), the
    /// version to answer and their answers so far.
    ///
    /// # Errors
    /// `Forbidden` unless a peer with a peer record.
    pub async fn my_peer_questionnaire(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<MyPeerQuestionnaire> {
        let (peer, since) = self.own_peer(ctx).await?;
        let settings = self.responses.settings(ctx).await?;
        let answered = self.peer_responses.responses(ctx, Some(peer), &[]).await?;
        let due = since
            .and_then(|s| open_round(s, self.clock.today(), settings.peer_round_days))
            .filter(|r| answered.iter().all(|a| a.round != r.round));
        Ok(MyPeerQuestionnaire {
            due,
            instrument: self
                .peer_instrument(ctx, &settings.peer_instrument_key)
                .await?,
            answered,
        })
    }

    /// The peer's answer to the round open today, in the tenant's current peer instrument.
    ///
    /// # Errors
    /// `Forbidden` unless a peer with a peer record; `Validation` (`answers`); `Conflict`:
    /// `NOT_CURRENT` (another version), `NOT_DUE` (not active, or the round is not open),
    /// `DUPLICATE` (answered already).
    pub async fn answer_peer_questionnaire(
        &self,
        ctx: &RequestContext,
        round: u32,
        instrument: InstrumentId,
        answers: &[u8],
    ) -> DomainResult<(PeerResponse, Scores)> {
        let (peer, since) = self.own_peer(ctx).await?;
        let settings = self.responses.settings(ctx).await?;
        let current = self
            .peer_instrument(ctx, &settings.peer_instrument_key)
            .await?
            .filter(|i| i.id == instrument)
            .ok_or(DomainError::Conflict(Conflict::NotCurrentInstrument))?;
        let scores = current.instrument.score(answers)?;
        let open = since.and_then(|s| open_round(s, self.clock.today(), settings.peer_round_days));
        if open.is_none_or(|r| r.round != round) {
            let answered = self.peer_responses.responses(ctx, Some(peer), &[]).await?;
            if answered.iter().any(|a| a.round == round) {
                return Err(Duplicate::Response.into());
            }
            return Err(DomainError::Conflict(Conflict::QuestionnaireNotDue));
        }
        let response = PeerResponse {
            id: PeerResponseId::new(),
            peer_id: peer,
            round,
            instrument_id: current.id,
            answers: answers.to_vec(),
            answered_at: self.clock.now(),
        };
        self.peer_responses.record(ctx, &response).await?;
        Ok((response, scores))
    }

    /// The paired change of peers from their baseline to their latest later round, per CHIME
    /// dimension (coordinators and tenant admins), over at least the disclosure threshold of
    /// peers only.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn peer_change(&self, ctx: &RequestContext) -> DomainResult<ChangeSummary> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("only coordinators and tenant admins see outcome statistics"),
        )?;
        let settings = self.responses.settings(ctx).await?;
        let key = settings.peer_instrument_key.clone();
        let versions = self.instruments.versions(ctx, &key).await?;
        let usable: HashMap<InstrumentId, &StoredInstrument> = comparable(&versions)
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let ids: Vec<InstrumentId> = usable.keys().copied().collect();
        let answers = if ids.is_empty() {
            Vec::new()
        } else {
            self.peer_responses.responses(ctx, None, &ids).await?
        };
        let mut by_peer: BTreeMap<PeerId, BTreeMap<u32, Scores>> = BTreeMap::new();
        for a in &answers {
            let Some(instrument) = usable.get(&a.instrument_id) else {
                continue;
            };
            let scores = instrument.instrument.score(&a.answers)?;
            by_peer
                .entry(a.peer_id)
                .or_default()
                .insert(a.round, scores);
        }
        Ok(pair_rounds(key, &by_peer)?.publish(settings.disclosure_threshold))
    }
}

/// The sums of each peer's change from their baseline (round 0) to their latest later round;
/// peers without both are left out.
fn pair_rounds(
    key: String,
    by_peer: &BTreeMap<PeerId, BTreeMap<u32, Scores>>,
) -> DomainResult<ChangeSums> {
    let mut pairs = Pairs::default();
    let mut persons = 0;
    for rounds in by_peer.values() {
        let (Some(before), Some((_, after))) = (
            rounds.get(&0),
            rounds.iter().next_back().filter(|(r, _)| **r > 0),
        ) else {
            continue;
        };
        persons += 1;
        pairs.push(before, after);
    }
    pairs.sums(key, persons, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::instrument::ChimeDimension;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn rounds_open_every_period_for_the_answer_window() {
        let since = day(2027, 1, 1);
        // The baseline opens on the first active day and closes 41 days later.
        let r = open_round(since, since, 182).unwrap();
        assert_eq!(
            (r.round, r.opens_on, r.closes_on),
            (0, since, day(2027, 2, 11))
        );
        assert_eq!(open_round(since, day(2027, 2, 11), 182).unwrap().round, 0);
        assert_eq!(open_round(since, day(2027, 2, 12), 182), None);
        // Round 1 opens 182 days after the start.
        assert_eq!(open_round(since, day(2027, 7, 1), 182), None);
        let one = open_round(since, day(2027, 7, 2), 182).unwrap();
        assert_eq!((one.round, one.opens_on), (1, day(2027, 7, 2)));
        assert_eq!(open_round(since, day(2028, 1, 1), 182).unwrap().round, 2);
        // Before the start nothing is open.
        assert_eq!(open_round(since, day(2026, 12, 31), 182), None);
    }

    fn scores(overall: f64) -> Scores {
        Scores {
            by_dimension: BTreeMap::from([(ChimeDimension::Hope, overall)]),
            overall,
        }
    }

    /// Baseline to the latest later round: peer A 1 → 3 (round 2, not round 1's 2), peer B
    /// 2 → 2; peer C has no later round and peer D no baseline, so neither counts.
    #[test]
    fn each_peer_pairs_their_baseline_with_their_latest_round() {
        let peers: Vec<PeerId> = (0..4).map(|_| PeerId::new()).collect();
        let by_peer = BTreeMap::from([
            (
                peers[0],
                BTreeMap::from([(0, scores(1.0)), (1, scores(2.0)), (2, scores(3.0))]),
            ),
            (
                peers[1],
                BTreeMap::from([(0, scores(2.0)), (1, scores(2.0))]),
            ),
            (peers[2], BTreeMap::from([(0, scores(4.0))])),
            (
                peers[3],
                BTreeMap::from([(1, scores(0.0)), (2, scores(4.0))]),
            ),
        ]);
        let sums = pair_rounds("k".to_owned(), &by_peer).unwrap();
        assert_eq!(sums.persons, 2);
        assert_eq!(sums.overall.n, 2);
        assert!((sums.overall.change - 2.0).abs() < 1e-12);
        assert!((sums.overall.before - 3.0).abs() < 1e-12);
        assert_eq!(sums.dimensions.len(), 1);
        // Two peers are under any threshold: nothing is published.
        assert_eq!(sums.publish(3).persons, None);
    }
}
