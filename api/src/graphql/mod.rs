//! The GraphQL API: `POST /graphql` (JSON), GraphiQL on `GET /graphql` with its assets served
//! from the binary so that it works offline.

mod api_clients;
mod chat;
mod coordination;
pub mod cost;
mod errors;
mod ids;
mod loaders;
mod node;
mod offers;
mod outcomes;
mod peers;
mod people;
mod referrals;
mod research;
pub(crate) mod scalars;
mod subscriptions;
mod tenancy;
pub(crate) mod time;
mod webhooks;

use async_graphql::dataloader::DataLoader;
use async_graphql::{MergedObject, MergedSubscription, Schema};
use peerbro_domain::RequestContext;

use crate::wiring::Services;

pub use chat::session as chat_session;
pub use chat::{ChatCaller, ChatPoll};
pub use errors::{GqlResultExt, to_gql, with_codes};
pub use subscriptions::SubscriberToken;

/// All queries.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    tenancy::TenancyQuery,
    people::PeopleQuery,
    people::RetentionQuery,
    people::ConsentTextsQuery,
    peers::PeersQuery,
    referrals::ReferralsQuery,
    webhooks::WebhooksQuery,
    api_clients::ApiClientsQuery,
    offers::OffersQuery,
    coordination::CoordinationQuery,
    outcomes::OutcomesQuery,
    outcomes::ReportsQuery,
    outcomes::PeerRoundsQuery,
    research::ResearchQuery,
    chat::ChatQuery,
    chat::ChatStatisticsQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    tenancy::TenancyMutation,
    people::PeopleMutation,
    people::LegalHoldMutation,
    people::PeerLegalHoldMutation,
    people::RetentionMutation,
    people::ConsentTextsMutation,
    peers::PeersMutation,
    referrals::ReferralsMutation,
    webhooks::WebhooksMutation,
    api_clients::ApiClientsMutation,
    offers::OffersMutation,
    outcomes::OutcomesMutation,
    outcomes::PeerRoundsMutation,
    research::ResearchMutation,
    chat::ChatMutation,
);

/// All subscriptions.
#[derive(MergedSubscription, Default)]
pub struct Subscription(subscriptions::ReferralSubscription, chat::ChatSubscription);

/// The schema type.
pub type PeerbroSchema = Schema<Query, Mutation, Subscription>;

fn bare_schema() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
}

/// The schema for `POST /graphql` and its cost check, which the handler runs on each document
/// before async-graphql validates or runs it. This schema has no extension: with one,
/// async-graphql runs the extension chain (and a type look-up) around every field it resolves,
/// a cost that grows with every row of a list.
#[derive(Clone)]
pub struct HttpSchema {
    /// The schema.
    pub schema: PeerbroSchema,
    /// The cost limits, checked by the handler.
    pub cost: cost::CostLimit,
}

/// Builds the schemas with the cost limits of [`cost`]: the HTTP one (the handler checks the
/// cost) and the WebSocket's (the check runs as an extension, as async-graphql's WebSocket
/// engine parses each subscription itself). Request data (context, loaders) is attached per
/// request, never here.
///
/// # Errors
/// When the schema's own SDL cannot be read back (a bug, caught by the tests).
pub fn build_schema(limits: cost::CostLimits) -> anyhow::Result<(HttpSchema, PeerbroSchema)> {
    let model = std::sync::Arc::new(cost::CostModel::from_sdl(&sdl())?);
    let check = cost::CostLimit::new(model, limits);
    let socket = bare_schema().extension(check.clone()).finish();
    let http = HttpSchema {
        schema: bare_schema().finish(),
        cost: check,
    };
    Ok((http, socket))
}

/// The SDL, as written to `schema.graphql`.
#[must_use]
pub fn sdl() -> String {
    bare_schema().finish().sdl()
}

/// Attaches what one request's resolvers need ([`fill_request_data`]).
#[must_use]
pub fn with_request_data(
    mut request: async_graphql::Request,
    services: &Services,
    ctx: RequestContext,
) -> async_graphql::Request {
    fill_request_data(&mut request.data, services, ctx);
    request
}

/// What one request's (or one subscriber's) resolvers need: the use cases, the caller's
/// context and DataLoaders made from it — per request, so a batch can only ever query the
/// caller's tenant. The loaders keep nothing between loads.
pub fn fill_request_data(data: &mut async_graphql::Data, services: &Services, ctx: RequestContext) {
    let organisations = DataLoader::new(
        loaders::OrganisationLoader::new(services.tenancy.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    );
    let offers = DataLoader::new(
        loaders::OfferLoader::new(services.offers.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    )
    .max_batch_size(100);
    data.insert(DataLoader::new(
        loaders::UserLoader::new(services.tenancy.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    ));
    data.insert(DataLoader::new(
        loaders::PeerLoader::new(services.peers.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    ));
    data.insert(DataLoader::new(
        loaders::PseudonymLoader::new(services.referrals.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    ));
    data.insert(DataLoader::new(
        loaders::EnrolmentPseudonymLoader::new(services.offers.clone(), ctx.clone()),
        peerbro_persistence::ReadScope::spawner(),
    ));
    data.insert(people::consent_loader(services.people.clone(), ctx.clone()));
    data.insert(peers::supervision_loader(
        services.peers.clone(),
        ctx.clone(),
    ));
    data.insert(webhooks::webhook_loader(
        services.webhooks.clone(),
        ctx.clone(),
    ));
    data.insert(offers::session_loader(services.offers.clone(), ctx.clone()));
    data.insert(services.tenancy.clone());
    data.insert(services.people.clone());
    data.insert(services.peers.clone());
    data.insert(services.referrals.clone());
    data.insert(services.webhooks.clone());
    data.insert(services.api_clients.clone());
    data.insert(services.outcomes.clone());
    data.insert(services.reports.clone());
    data.insert(services.national.clone());
    data.insert(services.research.clone());
    data.insert(services.retention.clone());
    data.insert(services.consent_texts.clone());
    data.insert(services.offers.clone());
    data.insert(services.coordination.clone());
    data.insert(services.chat.clone());
    data.insert(services.chat_statistics.clone());
    data.insert(ctx);
    data.insert(organisations);
    data.insert(offers);
}
