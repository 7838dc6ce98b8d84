//! The keyring file.

use std::path::Path;

use super::*;
use crate::crypto::XChaCha;

fn keyring(dir: &Path, master: u8) -> Keyring {
    Keyring::at(
        dir.join("keyring.json"),
        Arc::new(XChaCha),
        SecretKey::from_bytes([master; 32]),
    )
}

#[test]
fn epochs_are_made_resumed_completed_and_destroyed_in_the_file() {
    let dir = std::env::temp_dir().join(format!("keyring-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let ring = keyring(&dir, 1);
    let (first, key) = ring.current().unwrap();
    assert_eq!(first, 1);
    // Another process reads the same key from the file.
    assert_eq!(keyring(&dir, 1).key(1).unwrap(), key);
    // A rotation makes a new epoch (the first one was made by a first use); one cut off
    // before it finished is resumed; a finished one is not.
    let now = Utc::now();
    assert_eq!(ring.rotation_target(now).unwrap(), 2);
    assert_eq!(ring.rotation_target(now).unwrap(), 2);
    ring.complete(2, now).unwrap();
    assert_eq!(ring.current().unwrap().0, 2);
    assert_eq!(ring.rotation_target(now).unwrap(), 3);
    ring.complete(3, now).unwrap();
    ring.destroy(&[1], now).unwrap();
    assert!(ring.key(1).is_err(), "a destroyed epoch opens nothing");
    assert!(keyring(&dir, 1).key(1).is_err());
    assert!(ring.key(3).is_ok());
    let text = std::fs::read_to_string(dir.join("keyring.json")).unwrap();
    assert!(!text.contains(&hex::encode(key.bytes())), "keys are sealed");
    // Another master key opens nothing in it.
    assert!(keyring(&dir, 2).key(3).is_err());
    let status = ring.status().unwrap();
    assert_eq!(status.len(), 3);
    assert!(status[0].destroyed_at.is_some() && status[0].completed_at.is_none());
    assert!(status[1].completed_at.is_some() && status[1].destroyed_at.is_none());
    std::fs::remove_dir_all(dir).ok();
}
