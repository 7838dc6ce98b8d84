//! The Relay `Node` interface and `node(id:)` (ADR 0027): any object a client can read again by
//! itself, by the opaque global id it was given.

use async_graphql::{Context, ID, Interface, Object};
use peerbro_domain::DomainError;

use crate::graphql::api_clients::{ApiClient, ApiClientsQuery};
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::decode;
use crate::graphql::offers::{Offer, OffersQuery};
use crate::graphql::peers::{PeerWorker, PeersQuery};
use crate::graphql::people::{AccessPurpose, Citizen, PeopleQuery};
use crate::graphql::referrals::{Referral, ReferralStatus, ReferralsQuery};
use crate::graphql::tenancy::{Organisation, TenancyQuery, Tenant, User};
use crate::graphql::webhooks::{WebhookEndpoint, WebhooksQuery};

/// An object with a global id, readable again by itself through `node(id:)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "&ID",
    desc = "The object's global id. It is opaque: keep it and pass it back, never build one."
))]
pub enum Node {
    /// The partnership.
    Tenant(Tenant),
    /// An organisation.
    Organisation(Organisation),
    /// A user.
    User(User),
    /// A citizen (an audited read: give `purpose`).
    Citizen(Citizen),
    /// A peer worker (an audited read: give `purpose`).
    PeerWorker(PeerWorker),
    /// A referral as its handlers see it (an audited read: give `purpose`).
    Referral(Referral),
    /// A referral as its referrer and its citizen see it.
    ReferralStatus(ReferralStatus),
    /// An offer.
    Offer(Offer),
    /// A webhook endpoint.
    WebhookEndpoint(WebhookEndpoint),
    /// A partner system's API client.
    ApiClient(ApiClient),
}

/// `node(id:)`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object a global id names, read with the same rules as its own query (`offer`,
    /// `referralStatus`, …): `NOT_FOUND` when it does not exist or is not yours to see. Citizens,
    /// peer workers and referrals are audited reads and need `purpose`. Ids of objects that are
    /// not `Node`s (a meeting, an enrolment) and bare UUIDs are `VALIDATION` on `id`.
    async fn node(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: Option<AccessPurpose>,
    ) -> async_graphql::Result<Option<Node>> {
        let Some((kind, _)) = decode(id.as_str()) else {
            return Err(DomainError::validation(
                "id",
                "is not a global id from this API",
            ))
            .gql();
        };
        let purpose = |what: &str| {
            purpose.ok_or_else(|| {
                DomainError::validation("purpose", format!("is required to read a {what}"))
            })
        };
        let node = match kind.as_str() {
            "Tenant" => {
                let tenant = TenancyQuery.tenant(ctx).await?;
                if tenant.id != id {
                    return Err(DomainError::NotFound { resource: "tenant" }).gql();
                }
                Node::Tenant(tenant)
            }
            "Organisation" => Node::Organisation(TenancyQuery.organisation(ctx, id).await?),
            "User" => Node::User(TenancyQuery.user(ctx, id).await?),
            "Citizen" => {
                let purpose = purpose("Citizen").gql()?;
                Node::Citizen(PeopleQuery.citizen(ctx, id, purpose).await?)
            }
            "PeerWorker" => {
                let purpose = purpose("PeerWorker").gql()?;
                Node::PeerWorker(PeersQuery.peer_worker(ctx, id, purpose).await?)
            }
            "Referral" => {
                let purpose = purpose("Referral").gql()?;
                Node::Referral(ReferralsQuery.referral(ctx, id, purpose).await?)
            }
            "ReferralStatus" => {
                Node::ReferralStatus(ReferralsQuery.referral_status(ctx, id).await?)
            }
            "Offer" => Node::Offer(OffersQuery.offer(ctx, id).await?),
            "WebhookEndpoint" => {
                Node::WebhookEndpoint(WebhooksQuery.webhook_endpoint(ctx, id).await?)
            }
            "ApiClient" => Node::ApiClient(ApiClientsQuery.api_client(ctx, id).await?),
            other => {
                return Err(DomainError::validation(
                    "id",
                    format!("names an object of kind {other}, which is not a Node"),
                ))
                .gql();
            }
        };
        Ok(Some(node))
    }
}
