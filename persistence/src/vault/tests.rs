//! The vault's cache of tenant keys.

use peerbro_domain::tenancy::{Tenant, TenantRepository as _, TenantSlug};

use super::*;
use crate::crypto::XChaCha;
use crate::db::Database;
use crate::repositories::SeaTenantRepository;

#[tokio::test]
async fn only_a_tenant_key_read_back_from_its_row_is_kept_in_memory() {
    let db = Database::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let tenant = Tenant::new(TenantSlug::parse("cache").unwrap(), "Cache", "Helsingør").unwrap();
    SeaTenantRepository::new(db.clone())
        .create(&tenant)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("vault-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let vault = Vault::new(Keyring::at(
        dir.join("keyring.json"),
        Arc::new(XChaCha),
        SecretKey::from_bytes([7; 32]),
    ));
    // Made in a transaction that rolls back: not kept, and not stored.
    let tx = db.begin(tenant.id).await.unwrap();
    let lost = vault.tenant_key(&tx, tenant.id).await.unwrap();
    drop(tx);
    assert!(
        vault.cached(tenant.id).is_none(),
        "a key that may roll back is not kept"
    );
    // Made and committed: still not kept until it is read back from its row.
    let tx = db.begin(tenant.id).await.unwrap();
    let made = vault.tenant_key(&tx, tenant.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_ne!(made, lost, "the rolled-back key was never stored");
    assert!(vault.cached(tenant.id).is_none());
    let tx = db.begin(tenant.id).await.unwrap();
    let read = vault.tenant_key(&tx, tenant.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read, made);
    assert_eq!(vault.cached(tenant.id), Some(made.clone()));
    // A clone of the vault (another repository) shares what was read.
    assert_eq!(vault.clone().cached(tenant.id), Some(made));
    db.close().await;
    std::fs::remove_dir_all(dir).ok();
}
