//! The query of `GET /api/v1/referrals`: paging and the narrowings a case-worker's list takes.

use chrono::{DateTime, Utc};
use peerbro_domain::DomainError;
use peerbro_domain::referral::{CaseReference, ReferralNarrowing};
use serde::Deserialize;
use utoipa::IntoParams;

/// Paging and narrowing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub(super) limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub(super) cursor: Option<String>,
    /// Only these states, comma-separated (`SUBMITTED,ACCEPTED`); all when left out or empty.
    #[param(
        pattern = "^$|^(SUBMITTED|ACCEPTED|ASSIGNED|IN_CONTACT|ACTIVE|COMPLETED|ENDED_EARLY|NO_CONTACT|WITHDRAWN|DECLINED)(,(SUBMITTED|ACCEPTED|ASSIGNED|IN_CONTACT|ACTIVE|COMPLETED|ENDED_EARLY|NO_CONTACT|WITHDRAWN|DECLINED))*$"
    )]
    states: Option<String>,
    /// Only referrals submitted at or after this instant (RFC 3339).
    #[param(format = DateTime)]
    submitted_after: Option<String>,
    /// Only referrals submitted before this instant (RFC 3339).
    #[param(format = DateTime)]
    submitted_before: Option<String>,
    /// Only referrals with this case reference (yours, as given when submitting).
    #[param(pattern = "^[A-Za-z0-9._/:#-]{1,40}$")]
    case_reference: Option<String>,
}

impl ListParams {
    pub(super) fn narrowing(&self) -> Result<ReferralNarrowing, DomainError> {
        let states =
            match self.states.as_deref() {
                None | Some("") => Vec::new(),
                Some(names) => names
                    .split(',')
                    .map(|s| {
                        s.trim().parse::<peerbro_domain::referral::ReferralState>().map_err(|_| {
                        DomainError::validation(
                            "states",
                            "must be referral states separated by commas (SUBMITTED,ACCEPTED)",
                        )
                    })
                    })
                    .collect::<Result<_, _>>()?,
            };
        let instant = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| {
                    DateTime::parse_from_rfc3339(s)
                        .map(|at| at.with_timezone(&Utc))
                        .map_err(|_| DomainError::validation(field, "is not an RFC 3339 instant"))
                })
                .transpose()
        };
        // Its bounds are checked by the use case, as for GraphQL.
        Ok(ReferralNarrowing {
            states,
            submitted_after: instant("submittedAfter", &self.submitted_after)?,
            submitted_before: instant("submittedBefore", &self.submitted_before)?,
            case_reference: self
                .case_reference
                .as_deref()
                .map(CaseReference::parse)
                .transpose()?,
        })
    }
}
