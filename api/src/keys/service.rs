//! Rotation and retirement over every tenant (ADR 0043), and the check at start-up that
//! every tenant key opens.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use peerbro_domain::tenancy::TenantRepository;
use peerbro_persistence::{
    EpochStatus, KeptEpoch, KeyRotation, Keyring, TenantRotation, plan_retirement,
};
use serde::Serialize;

/// One tenant's key.
#[derive(Clone, Debug, Serialize)]
pub struct TenantKey {
    /// The tenant's slug.
    pub tenant: String,
    /// The epoch wrapping it (`null`: the master key, before any rotation).
    pub epoch: Option<i32>,
    /// Whether the tenant has a key yet.
    pub has_key: bool,
    /// Whether it opens with the master key and keyring configured.
    pub opens: bool,
}

/// `peerbro keys status`.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The keyring's epochs, oldest first.
    pub epochs: Vec<EpochStatus>,
    /// Every tenant's key.
    pub tenants: Vec<TenantKey>,
}

/// One tenant in a rotation.
#[derive(Clone, Debug, Serialize)]
pub struct TenantRotated {
    /// The tenant's slug.
    pub tenant: String,
    /// What was done.
    #[serde(flatten)]
    pub rotation: TenantRotation,
}

/// `peerbro keys rotate`.
#[derive(Clone, Debug, Serialize)]
pub struct RotationReport {
    /// The epoch every tenant key is now under.
    pub epoch: i32,
    /// Per tenant.
    pub tenants: Vec<TenantRotated>,
}

/// `peerbro keys retire`.
#[derive(Clone, Debug, Serialize)]
pub struct RetireReport {
    /// Epochs whose keys were destroyed now.
    pub destroyed: Vec<i32>,
    /// Epochs kept, and why.
    pub kept: Vec<KeptEpoch>,
}

/// Rotation and retirement over every tenant.
#[derive(Clone)]
pub struct KeyService {
    rotation: KeyRotation,
    keyring: Keyring,
    tenants: Arc<dyn TenantRepository>,
}

impl std::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyService").finish_non_exhaustive()
    }
}

impl KeyService {
    /// The service over `rotation`, `keyring` and the tenant registry.
    #[must_use]
    pub fn new(
        rotation: KeyRotation,
        keyring: Keyring,
        tenants: Arc<dyn TenantRepository>,
    ) -> Self {
        Self {
            rotation,
            keyring,
            tenants,
        }
    }

    /// Every tenant's key and the keyring's epochs.
    ///
    /// # Errors
    /// A database or keyring failure.
    pub async fn status(&self) -> anyhow::Result<Status> {
        let mut tenants = Vec::new();
        for tenant in self.tenants.all().await? {
            let state = self.rotation.state(tenant.id).await?;
            tenants.push(TenantKey {
                tenant: tenant.slug.as_str().to_owned(),
                epoch: state.as_ref().and_then(|s| s.epoch),
                has_key: state.is_some(),
                opens: state.is_none_or(|s| s.opens),
            });
        }
        Ok(Status {
            epochs: self.keyring.status()?,
            tenants,
        })
    }

    /// Refuses to serve when a tenant key does not open: the master key or keyring is not the
    /// one the database was made with, or the database is a backup older than the window.
    ///
    /// # Errors
    /// Naming the tenants whose keys do not open.
    pub async fn check_opens(&self) -> anyhow::Result<()> {
        let status = self.status().await?;
        let closed: Vec<String> = status
            .tenants
            .iter()
            .filter(|t| !t.opens)
            .map(|t| match t.epoch {
                Some(epoch) => format!("{} (epoch {epoch})", t.tenant),
                None => format!("{} (master key)", t.tenant),
            })
            .collect();
        anyhow::ensure!(
            closed.is_empty(),
            "the keys of {} do not open: PEERBRO_MASTER_KEY_FILE or PEERBRO_KEYRING_FILE is not \
             the one this database was made with, or the database is a backup whose epoch has \
             been destroyed (ADR 0043)",
            closed.join(", ")
        );
        Ok(())
    }

    /// Moves every tenant key to the rotation's epoch, tenant by tenant; the epoch is marked
    /// finished once all are there (a failure leaves it open, and the next run resumes it).
    ///
    /// # Errors
    /// A database or keyring failure; tenants done before it stay done.
    pub async fn rotate(
        &self,
        now: DateTime<Utc>,
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> anyhow::Result<RotationReport> {
        let epoch = self.keyring.rotation_target(now)?;
        let tenants = self.tenants.all().await?;
        let due = tenants.len() as u64;
        let mut report = Vec::new();
        for (done, tenant) in tenants.iter().enumerate() {
            progress(tenant.slug.as_str(), done as u64, due);
            let rotation = self.rotation.rotate(tenant.id, epoch, now).await?;
            report.push(TenantRotated {
                tenant: tenant.slug.as_str().to_owned(),
                rotation,
            });
        }
        progress("", due, due);
        self.keyring.complete(epoch, now)?;
        Ok(RotationReport {
            epoch,
            tenants: report,
        })
    }

    /// Destroys the epochs [`plan_retirement`] allows at `now`.
    ///
    /// # Errors
    /// A database or keyring failure.
    pub async fn retire(
        &self,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> anyhow::Result<RetireReport> {
        let mut in_use = BTreeSet::new();
        for tenant in self.tenants.all().await? {
            if let Some(epoch) = self.rotation.state(tenant.id).await?.and_then(|s| s.epoch) {
                in_use.insert(epoch);
            }
        }
        let (destroyed, kept) = plan_retirement(&self.keyring.status()?, &in_use, now, window);
        if !destroyed.is_empty() {
            self.keyring.destroy(&destroyed, now)?;
        }
        Ok(RetireReport { destroyed, kept })
    }

    /// Whether a rotation is due at `now`: the newest epoch's rotation has not finished, or
    /// finished at least `every` ago.
    ///
    /// # Errors
    /// When the keyring cannot be read.
    pub fn rotation_due(
        &self,
        now: DateTime<Utc>,
        every: chrono::Duration,
    ) -> anyhow::Result<bool> {
        let epochs = self.keyring.status()?;
        Ok(match epochs.last() {
            None => true,
            Some(newest) => newest.completed_at.is_none_or(|done| done + every <= now),
        })
    }
}
