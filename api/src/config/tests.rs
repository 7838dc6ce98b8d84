//! Unit tests of `config.rs`.

use std::path::PathBuf;

use super::*;

#[test]
fn the_sqlite_file_is_found_in_the_url() {
    let s = Settings::default();
    assert_eq!(s.sqlite_file(), Some(PathBuf::from("peerbro.db")));
    let s = Settings {
        database_url: "sqlite::memory:".to_owned(),
        ..Settings::default()
    };
    assert_eq!(s.sqlite_file(), None);
}

#[test]
fn a_public_key_without_an_algorithm_is_refused() {
    let s = Settings {
        jwt_public_key_file: Some(PathBuf::from("k.pem")),
        ..Settings::default()
    };
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("PEERBRO_JWT_ALGORITHM"), "{err}");
}

#[test]
fn ice_servers_must_be_webrtc_ice_servers() {
    for good in [
        "[]",
        r#"[{"urls": "stun:stun.example.dk"}]"#,
        r#"[{"urls": ["turn:t.example.dk"], "username": "u", "credential": "c"}]"#,
    ] {
        let s = Settings {
            chat_ice_servers: good.to_owned(),
            ..Settings::default()
        };
        assert!(s.validate().is_ok(), "{good}");
    }
    for bad in [
        "",
        "{}",
        r#"{"urls": "stun:x"}"#,
        r#"[{"url": "stun:x"}]"#,
        r#"["stun:x"]"#,
    ] {
        let s = Settings {
            chat_ice_servers: bad.to_owned(),
            ..Settings::default()
        };
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("PEERBRO_CHAT_ICE_SERVERS"), "{bad}: {err}");
    }
}
