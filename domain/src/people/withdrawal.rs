//! Consent that binds: a consent is recorded in a unit of work together with what it changes.
//! Withdrawing `REFERRAL_PROCESSING` ends every open referral of the citizen at once — active
//! support included — with the move `CONSENT_WITHDRAWN` and a feedback line the referrer sees
//! in the closed loop and the webhook announces; a course place it held goes to the next on
//! the waiting list. Withdrawing `RESEARCH_PARTICIPATION` withdraws every study consent in
//! force, so the citizen leaves every later export. The other purposes are checked where they
//! are used (contact before a match is proposed, outcome measurement before a questionnaire is
//! offered or answered, sharing the outcome before the referrer sees it), so their withdrawal
//! stops those uses from the next request on.

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::CitizenId;
use crate::people::consent::{ConsentPurpose, ConsentRecord};
use crate::people::service::PeopleService;
use crate::privacy::Purpose;
use crate::referral::model::{MoveDetails, ReferralAction};
use crate::referral::moves::release_course_place;

/// The feedback line of `CONSENT_WITHDRAWN`: what the referrer reads when a referral ended
/// because the citizen withdrew their consent to its processing.
const CONSENT_WITHDRAWN_FEEDBACK: &str = "Borgeren har trukket sit samtykke til behandling af henvisningen tilbage; forløbet er afsluttet.";

impl PeopleService {
    /// Records `record` for citizen `id` and, for a withdrawal of `REFERRAL_PROCESSING`, ends
    /// the citizen's open referrals — all in one transaction.
    ///
    /// # Errors
    /// `NotFound` for a citizen not in the tenant; `Unavailable` when the database is gone
    /// (nothing was recorded then).
    pub(super) async fn record_and_apply(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        record: &ConsentRecord,
        purpose: Purpose,
    ) -> DomainResult<()> {
        let mut uow = self.transactions.begin(ctx).await?;
        uow.consents().record(ctx, id, record, purpose).await?;
        if !record.given && record.purpose == ConsentPurpose::ReferralProcessing {
            for referral_id in uow.referrals().open_of_citizen(id).await? {
                let mut referral = uow.referrals().lock(referral_id).await?;
                let known = referral.transitions.len();
                let held_course = referral.assigned_offer_id;
                referral.apply(
                    ReferralAction::ConsentWithdrawn,
                    MoveDetails {
                        feedback: Some(CONSENT_WITHDRAWN_FEEDBACK.to_owned()),
                        ..MoveDetails::default()
                    },
                    record.recorded_by,
                    record.at,
                )?;
                if let Some(offer) = held_course {
                    release_course_place(uow.as_mut(), offer, referral_id, record.at).await?;
                }
                uow.referrals()
                    .save(&referral, &referral.transitions[known..])
                    .await?;
            }
        }
        if !record.given && record.purpose == ConsentPurpose::ResearchParticipation {
            uow.consents().withdraw_study_consents(id, record).await?;
        }
        uow.commit().await
    }
}
