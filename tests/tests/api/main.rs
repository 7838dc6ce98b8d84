//! Black-box tests: each starts the real server against a fresh database and talks HTTP to it,
//! on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_clients;
mod auth;
mod bad_input;
mod http;
mod isolation;
mod offers;
mod organisations;
mod peers;
mod people;
mod referrals;
mod rls;
mod schema;
mod subscriptions;
mod users;
mod webhooks;
