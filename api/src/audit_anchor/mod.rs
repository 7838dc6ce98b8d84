//! Audit anchors (issue 13): the head of every tenant's audit chain — its length and the hash
//! of its newest entry — signed with the server's token-signing key as a JWS and written to a
//! sink outside the database (a file, a syslog collector, an object store with a retention
//! lock). `peerbro audit verify --anchor FILE` then notices a chain that lost its newest
//! entries, which the chain alone cannot show: its remaining entries still link up.
//!
//! The anchor carries none of an access token's claims (`sub`, `aud`, `iss`, `exp`), so it can
//! never pass as one, and its header names its own type.

pub mod cli;
pub mod heads;
pub mod schedule;

use anyhow::Context as _;
use jsonwebtoken::{Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::KeyMaterial;

/// The `typ` of an anchor's header.
pub const ANCHOR_TYPE: &str = "peerbro-audit-anchor";

/// One tenant's chain head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The tenant's id.
    pub tenant: uuid::Uuid,
    /// Its slug, for people reading the anchor.
    pub slug: String,
    /// Entries in the chain (the newest entry's position; 0 for an empty chain).
    pub seq: i64,
    /// The newest entry's hash (empty for an empty chain).
    pub hash: String,
}

/// The heads of every chain at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// When (seconds since the epoch).
    pub iat: i64,
    /// The heads, by slug.
    pub heads: Vec<Head>,
}

/// The anchor signed as a compact JWS.
///
/// # Errors
/// Without a signing key, or when signing fails.
pub fn sign(keys: &KeyMaterial, anchor: &Anchor) -> anyhow::Result<String> {
    let key = keys.encoding_key().context(
        "no signing key is configured: set PEERBRO_JWT_PRIVATE_KEY_FILE (the embedded SQLite \
         default uses its development key)",
    )?;
    let mut header = Header::new(keys.algorithm());
    header.typ = Some(ANCHOR_TYPE.to_owned());
    header.kid = keys.signing_kid().map(str::to_owned);
    Ok(jsonwebtoken::encode(&header, anchor, key)?)
}

/// The anchor in `jws`, its signature checked with the server's verification key.
///
/// # Errors
/// When the signature, the type or the content does not hold.
pub fn open(keys: &KeyMaterial, jws: &str) -> anyhow::Result<Anchor> {
    let header = jsonwebtoken::decode_header(jws.trim()).context("the anchor is not a JWS")?;
    anyhow::ensure!(
        header.typ.as_deref() == Some(ANCHOR_TYPE),
        "the file is not a peerbro audit anchor"
    );
    let key = keys
        .decoding_key(header.kid.as_deref())
        .context("no key verifies the anchor's signature")?;
    let mut validation = Validation::new(keys.algorithm());
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    let data = jsonwebtoken::decode::<Anchor>(jws.trim(), key, &validation)
        .context("the anchor's signature does not hold: it was altered or signed by another key")?;
    Ok(data.claims)
}

/// What an anchored head says of a chain as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Against {
    /// The chain still holds the anchored entry, unchanged.
    Holds,
    /// The chain ends before the anchored entry: its newest entries are gone.
    Truncated {
        /// Entries the anchor saw.
        anchored: i64,
        /// Entries left.
        left: i64,
    },
    /// The anchored entry is there but differs.
    Differs,
    /// Retention has removed the anchored entry (ADR 0045): the chain now starts after
    /// `through`, so the anchor can no longer be compared. Not a sign of tampering: only the
    /// oldest entries, at least 183 days old, are ever removed.
    Pruned {
        /// The last entry removed.
        through: i64,
    },
}

/// Compares an anchored head with the chain's length now, the last entry retention removed
/// (0 for none), and the chain's hash at the anchored entry.
#[must_use]
pub fn compare(
    head: &Head,
    entries_now: i64,
    pruned_through: i64,
    hash_now: Option<&str>,
) -> Against {
    if head.seq == 0 {
        return Against::Holds;
    }
    if entries_now < head.seq {
        return Against::Truncated {
            anchored: head.seq,
            left: entries_now,
        };
    }
    if head.seq < pruned_through {
        return Against::Pruned {
            through: pruned_through,
        };
    }
    if hash_now == Some(head.hash.as_str()) {
        Against::Holds
    } else {
        Against::Differs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: i64) -> Head {
        Head {
            tenant: uuid::Uuid::nil(),
            slug: "t".to_owned(),
            seq,
            hash: "h".to_owned(),
        }
    }

    #[test]
    fn a_shorter_chain_is_truncated_and_another_hash_differs() {
        assert_eq!(compare(&head(5), 5, 0, Some("h")), Against::Holds);
        assert_eq!(compare(&head(5), 9, 0, Some("h")), Against::Holds);
        assert_eq!(
            compare(&head(5), 4, 0, None),
            Against::Truncated {
                anchored: 5,
                left: 4
            }
        );
        assert_eq!(compare(&head(5), 5, 0, Some("x")), Against::Differs);
        assert_eq!(compare(&head(0), 0, 0, None), Against::Holds);
    }

    #[test]
    fn an_anchor_older_than_the_retention_checkpoint_is_pruned_not_broken() {
        // The checkpoint entry itself is still compared (by its kept hash).
        assert_eq!(compare(&head(5), 9, 5, Some("h")), Against::Holds);
        assert_eq!(compare(&head(5), 9, 5, Some("x")), Against::Differs);
        assert_eq!(
            compare(&head(5), 9, 6, None),
            Against::Pruned { through: 6 }
        );
        // A truncated tail is still found after a prune.
        assert_eq!(
            compare(&head(9), 8, 6, None),
            Against::Truncated {
                anchored: 9,
                left: 8
            }
        );
    }
}
