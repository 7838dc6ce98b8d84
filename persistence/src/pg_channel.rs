//! Following a PostgreSQL notification channel on a connection of its own, outside the pool
//! (so that it is never counted as a request's nor takes one's place), with the pool's options
//! (server, role, TLS): the caller cache's `peerbro_callers` and the chat's `peerbro_chat`.
//! The connection is probed when quiet, and made again a second after it is lost.

use std::time::Duration;

/// How often the listener checks its connection when no notification arrives.
pub(crate) const PROBE_EVERY: Duration = Duration::from_secs(10);
/// How long the probe may take before the connection counts as lost.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a follower of a channel does as the connection comes and goes.
pub(crate) trait Follower: Send + Sync {
    /// The channel.
    const CHANNEL: &'static str;
    /// What stops working while not connected (for the log).
    const MEANWHILE: &'static str;
    /// Listening (again): notifications may have been missed before.
    fn connected(&self);
    /// Not listening (the connection failed or the pool closed).
    fn lost(&self);
    /// A notification's payload.
    fn notified(&self, payload: &str);
}

/// Follows `F::CHANNEL` for `follower` while `pool` is open.
pub(crate) async fn follow<F: Follower>(pool: sqlx::PgPool, follower: std::sync::Arc<F>) {
    use sqlx::postgres::PgListener;
    loop {
        if pool.is_closed() {
            follower.lost();
            return;
        }
        let own = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .connect_lazy_with((*pool.connect_options()).clone());
        let connected = async {
            let mut listener = PgListener::connect_with(&own).await?;
            listener.eager_reconnect(false);
            listener.listen(F::CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match connected {
            Ok(mut listener) => {
                follower.connected();
                tracing::debug!(channel = F::CHANNEL, "listening");
                receive(&mut listener, follower.as_ref()).await;
                follower.lost();
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(
                    channel = F::CHANNEL,
                    "the listener lost its connection: {} until it is back",
                    F::MEANWHILE
                );
            }
            Err(err) => {
                follower.lost();
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(channel = F::CHANNEL, error = %err, "cannot listen: {}", F::MEANWHILE);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Handles notifications until the connection fails or stops answering a probe.
async fn receive<F: Follower>(listener: &mut sqlx::postgres::PgListener, follower: &F) {
    loop {
        // `try_recv` may be cancelled (sqlx 0.8.2 and later, sqlx#3467).
        match tokio::time::timeout(PROBE_EVERY, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => follower.notified(notification.payload()),
            Ok(Ok(None) | Err(_)) => return,
            Err(_quiet) => {
                let probe = sqlx::query("SELECT 1").execute(&mut *listener);
                if !matches!(tokio::time::timeout(PROBE_TIMEOUT, probe).await, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
