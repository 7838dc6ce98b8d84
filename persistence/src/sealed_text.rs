//! Free text about a person, sealed with that person's key: the feedback line a referrer sees
//! (the citizen's key) and the reason given for a peer worker's change of status (the peer's
//! key). Every text column and its class is listed in `peerbro_migration::inventory`; this
//! module seals and opens the ones classed `Sealed` that are free text.
//!
//! Once the subject is erased their key is gone and the line opens to nothing.

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::SecretKey;
use uuid::Uuid;

use crate::db::Tx;
use crate::vault::{Vault, field_aad};

/// A sealed line waiting to be opened.
#[derive(Clone, Debug)]
pub(crate) struct SealedLine {
    /// Whose key sealed it.
    pub subject: Uuid,
    /// Where it lives (bound into the ciphertext).
    pub aad: Vec<u8>,
    /// The ciphertext.
    pub sealed: Vec<u8>,
}

impl SealedLine {
    /// The line in `table`.`column` of row `row`, if there is one.
    pub(crate) fn at(
        tenant: TenantId,
        subject: Uuid,
        (table, column): (&str, &str),
        row: Uuid,
        sealed: Option<Vec<u8>>,
    ) -> Option<Self> {
        sealed.map(|sealed| Self {
            subject,
            aad: field_aad(tenant, table, column, row),
            sealed,
        })
    }
}

/// A referral's latest feedback line.
pub(crate) const REFERRAL_FEEDBACK: (&str, &str) = ("referrals", "feedback");
/// A referral move's feedback line.
pub(crate) const MOVE_FEEDBACK: (&str, &str) = ("referral_transitions", "feedback");
/// The reason for a peer worker's change of status.
pub(crate) const PEER_MOVE_REASON: (&str, &str) = ("peer_transitions", "reason");

/// Seals `text` in `table`.`column` of `row` with `key`.
pub(crate) fn seal(
    vault: &Vault,
    key: &SecretKey,
    tenant: TenantId,
    (table, column): (&str, &str),
    row: Uuid,
    text: &str,
) -> DomainResult<Vec<u8>> {
    vault.seal(key, &field_aad(tenant, table, column, row), text)
}

/// Opens `lines` in order with one key look-up (none at all when there is nothing to open).
/// A line whose subject was erased opens to `None`.
pub(crate) async fn open(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    lines: &[Option<SealedLine>],
) -> DomainResult<Vec<Option<String>>> {
    let mut subjects: Vec<Uuid> = lines.iter().flatten().map(|l| l.subject).collect();
    if subjects.is_empty() {
        return Ok(vec![None; lines.len()]);
    }
    subjects.sort_unstable();
    subjects.dedup();
    let keys = vault.subject_keys(tx, tenant, &subjects).await?;
    lines
        .iter()
        .map(|line| {
            line.as_ref()
                .and_then(|l| keys.get(&l.subject).map(|key| (l, key)))
                .map(|(l, key)| vault.open(key, &l.aad, &l.sealed))
                .transpose()
        })
        .collect()
}
