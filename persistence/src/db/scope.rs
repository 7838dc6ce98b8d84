//! The request's read scope: one transaction for a whole read request, shared by every
//! resolver and DataLoader batch that runs in it.
//!
//! The transport opens a [`ReadScope`] around a GraphQL query or a REST `GET` and runs the
//! request inside it ([`ReadScope::run`]). The scope holds no transaction until a port call
//! asks [`Database::begin`](super::Database::begin) for one; that first call opens it (the
//! tenant setting sent with `BEGIN`, one round trip) and every later call in the same tenant
//! shares it. [`ReadScope::finish`] commits it once the response is built; a request whose
//! commit fails is answered `UNAVAILABLE` instead of with what it read, because an audited
//! read's look-up entry is written in the same transaction and must not be lost.
//!
//! The scope travels as a tokio task-local, so that ports keep their signatures; work spawned
//! from a request (DataLoader batches) carries it along through [`ReadScope::spawner`].
//! Mutations never run in a scope: their use cases keep their own transactions and locks.

use std::future::Future;
use std::sync::Arc;

use peerbro_domain::ids::TenantId;
use peerbro_domain::{DomainError, DomainResult};

use super::tx::OwnTx;

/// A DataLoader's batch, as async-graphql hands it to its spawner.
pub type Batch = std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

tokio::task_local! {
    static SCOPE: Arc<ReadScope>;
}

/// One read request's shared transaction, opened lazily.
#[derive(Default)]
pub struct ReadScope {
    tx: tokio::sync::Mutex<Option<(TenantId, Arc<OwnTx>)>>,
}

impl std::fmt::Debug for ReadScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadScope").finish_non_exhaustive()
    }
}

impl ReadScope {
    /// A scope with no transaction yet.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Runs `fut` inside this scope.
    pub async fn run<F: Future>(self: &Arc<Self>, fut: F) -> F::Output {
        SCOPE.scope(self.clone(), fut).await
    }

    /// The scope the current task runs in, if any.
    #[must_use]
    pub fn current() -> Option<Arc<Self>> {
        SCOPE.try_with(Clone::clone).ok()
    }

    /// A spawner for DataLoaders that runs each batch in the scope of the task that started
    /// it (or in none, outside a scope).
    pub fn spawner() -> impl Fn(Batch) + Send + Sync + 'static {
        |fut| {
            match Self::current() {
                Some(scope) => tokio::spawn(async move { scope.run(fut).await }),
                None => tokio::spawn(fut),
            };
        }
    }

    /// The shared transaction for `tenant`, opened by `open` on first use; `None` when the
    /// scope already acts in another tenant (the caller then opens one of its own).
    pub(super) async fn shared<F, Fut>(
        &self,
        tenant: TenantId,
        open: F,
    ) -> DomainResult<Option<Arc<OwnTx>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = DomainResult<OwnTx>>,
    {
        let mut slot = self.tx.lock().await;
        match &*slot {
            Some((scoped, tx)) if *scoped == tenant => Ok(Some(tx.clone())),
            Some(_) => Ok(None),
            None => {
                let tx = Arc::new(open().await?);
                *slot = Some((tenant, tx.clone()));
                Ok(Some(tx))
            }
        }
    }

    /// Commits the shared transaction, if one was opened.
    ///
    /// # Errors
    /// `UNAVAILABLE` when the commit fails or a statement in the transaction failed; the
    /// request must then not be answered with what it read.
    pub async fn finish(&self) -> DomainResult<()> {
        let Some((_, tx)) = self.tx.lock().await.take() else {
            return Ok(());
        };
        match Arc::try_unwrap(tx) {
            Ok(tx) => tx.commit().await,
            // Every port call has returned when the request's response is built; a handle
            // still held means work outlived the request, so nothing is reported committed.
            Err(_) => Err(DomainError::Unknown(anyhow::anyhow!(
                "the request's read transaction is still in use after the request"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use peerbro_domain::tenancy::{Tenant, TenantRepository as _, TenantSlug};
    use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

    use super::*;
    use crate::db::Database;
    use crate::repositories::SeaTenantRepository;

    async fn setup() -> (Database, TenantId) {
        let db = Database::connect("sqlite::memory:", 2).await.unwrap();
        db.migrate().await.unwrap();
        let tenant =
            Tenant::new(TenantSlug::parse("scope").unwrap(), "Scope", "Helsingør").unwrap();
        SeaTenantRepository::new(db.clone())
            .create(&tenant)
            .await
            .unwrap();
        (db, tenant.id)
    }

    fn select_one() -> Statement {
        Statement::from_string(DbBackend::Sqlite, "SELECT 1")
    }

    #[tokio::test]
    async fn port_calls_in_a_scope_share_one_transaction_committed_by_finish() {
        let (db, tenant) = setup().await;
        let before = db.stats().transactions;
        let scope = ReadScope::new();
        scope
            .run(async {
                // A use case that decides its own commit gets a transaction of its own.
                let own = db.begin_write(tenant).await.unwrap();
                assert!(matches!(own, crate::db::Tx::Own(_)));
                own.commit().await.unwrap();
                for _ in 0..3 {
                    let tx = db.begin(tenant).await.unwrap();
                    assert!(matches!(tx, crate::db::Tx::Shared(_)));
                    tx.query_one_raw(select_one()).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
            .await;
        assert_eq!(db.stats().transactions - before, 2, "one shared, one own");
        scope.finish().await.unwrap();
        // Outside a scope every call has its own.
        let tx = db.begin(tenant).await.unwrap();
        assert!(matches!(tx, crate::db::Tx::Own(_)));
    }

    #[tokio::test]
    async fn a_failed_statement_in_the_shared_transaction_fails_the_request() {
        let (db, tenant) = setup().await;
        let scope = ReadScope::new();
        scope
            .run(async {
                let tx = db.begin(tenant).await.unwrap();
                let bad = Statement::from_string(DbBackend::Sqlite, "SELECT * FROM no_such_table");
                assert!(tx.query_one_raw(bad).await.is_err());
                tx.commit().await.unwrap();
                let tx = db.begin(tenant).await.unwrap();
                tx.query_one_raw(select_one()).await.unwrap();
            })
            .await;
        assert!(matches!(
            scope.finish().await,
            Err(DomainError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn a_loader_batch_spawned_in_a_scope_runs_in_it() {
        let (db, tenant) = setup().await;
        let scope = ReadScope::new();
        let before = db.stats().transactions;
        scope
            .run(async {
                let tx = db.begin(tenant).await.unwrap();
                drop(tx);
                let (done, wait) = tokio::sync::oneshot::channel();
                let db = db.clone();
                ReadScope::spawner()(Box::pin(async move {
                    let shared = db.begin(tenant).await.unwrap();
                    done.send(matches!(shared, crate::db::Tx::Shared(_))).ok();
                }));
                assert!(
                    wait.await.unwrap(),
                    "the batch shares the request's transaction"
                );
            })
            .await;
        assert_eq!(db.stats().transactions - before, 1);
        scope.finish().await.unwrap();
    }
}
