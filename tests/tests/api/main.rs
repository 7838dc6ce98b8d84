//! Black-box tests: each starts the real server against a fresh database and talks HTTP to it,
//! on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_screens;
mod api_clients;
mod audit_sealing;
mod auth;
mod bad_input;
mod callers;
mod citizen_app;
mod consent_proxy;
mod coordination;
mod failure;
mod foreign_ids;
mod foreign_keys;
mod http;
mod idle;
mod isolation;
mod links;
mod metrics;
mod node;
mod offers;
mod organisations;
mod peer_app;
mod peers;
mod people;
mod query_cost;
mod rate_limits;
mod referral_lists;
mod referrals;
mod rls;
mod schema;
mod shutdown;
mod statements;
mod subscriptions;
mod users;
mod webhooks;
