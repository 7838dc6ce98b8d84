//! The unit of work: one tenant transaction that a use case reads and writes through, seen as
//! the stores of each context. The store implementations live with their context's adapter
//! (`repositories/<context>/store.rs`); this file only opens, hands out and commits.

use async_trait::async_trait;
use peerbro_domain::ids::TenantId;
use peerbro_domain::offers::{CourseStore, MeetingStore};
use peerbro_domain::people::ConsentStore;
use peerbro_domain::referral::{PeerPlaces, ReferralStore};
use peerbro_domain::unit_of_work::{Transactions, UnitOfWork};
use peerbro_domain::{DomainResult, RequestContext};

use crate::db::{Database, Tx};
use crate::vault::Vault;

/// Begins [`SeaUnit`]s on a database.
#[derive(Clone, Debug)]
pub struct SeaTransactions {
    db: Database,
    vault: Vault,
}

impl SeaTransactions {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

#[async_trait]
impl Transactions for SeaTransactions {
    async fn begin(&self, ctx: &RequestContext) -> DomainResult<Box<dyn UnitOfWork>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin_write(tenant).await?;
        Ok(Box::new(SeaUnit {
            tx,
            tenant,
            vault: self.vault.clone(),
        }))
    }
}

/// A tenant transaction in progress; dropped without [`UnitOfWork::commit`], it rolls back.
pub(crate) struct SeaUnit {
    pub(crate) tx: Tx,
    pub(crate) tenant: TenantId,
    /// Seals and opens the free text a unit writes (a referral's feedback).
    pub(crate) vault: Vault,
}

#[async_trait]
impl UnitOfWork for SeaUnit {
    fn referrals(&mut self) -> &mut dyn ReferralStore {
        self
    }

    fn courses(&mut self) -> &mut dyn CourseStore {
        self
    }

    fn peer_places(&mut self) -> &mut dyn PeerPlaces {
        self
    }

    fn meetings(&mut self) -> &mut dyn MeetingStore {
        self
    }

    fn consents(&mut self) -> &mut dyn ConsentStore {
        self
    }

    async fn commit(self: Box<Self>) -> DomainResult<()> {
        self.tx.commit().await
    }
}
