use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::error::{Conflict, DomainError};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T19:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn key(byte: u8) -> ChatKey {
    ChatKey::from_bytes("key", &[byte; KEY_BYTES]).unwrap()
}

fn code(result: DomainResult<impl std::fmt::Debug>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn a_conversation_waits_is_taken_handed_over_and_ended() {
    let (a, b) = (UserId::new(), UserId::new());
    let mut c = Conversation::open(OfferId::new(), key(1), now());
    assert_eq!(c.state, ChatState::Waiting);
    assert_eq!(
        code(c.sender(Participant::Citizen)),
        "CONFLICT",
        "nobody to write to yet"
    );

    c.take(a, key(2), now() + Duration::seconds(90)).unwrap();
    assert_eq!(
        (c.state, c.peer, c.key_epoch),
        (ChatState::Active, Some(a), 1)
    );
    assert_eq!(c.waited_seconds(now() + Duration::hours(1)), 90);
    assert_eq!(c.sender(Participant::Citizen).unwrap(), ChatSide::Citizen);
    assert_eq!(c.sender(Participant::Peer(a)).unwrap(), ChatSide::Peer);
    assert_eq!(code(c.sender(Participant::Peer(b))), "FORBIDDEN");
    assert_eq!(code(c.take(b, key(3), now())), "CONFLICT", "taken already");

    assert_eq!(code(c.hand_over(b, a)), "FORBIDDEN", "only the peer on it");
    assert_eq!(code(c.hand_over(a, a)), "VALIDATION");
    c.hand_over(a, b).unwrap();
    assert_eq!(
        (c.state, c.peer, c.peer_key),
        (ChatState::HandingOver, Some(b), None)
    );
    assert_eq!(
        code(c.sender(Participant::Citizen)),
        "CONFLICT",
        "nobody on it"
    );
    assert_eq!(
        code(c.take(a, key(2), now())),
        "CONFLICT",
        "handed to b, not a"
    );
    c.take(b, key(4), now() + Duration::minutes(5)).unwrap();
    assert_eq!((c.state, c.key_epoch), (ChatState::Active, 2));
    assert_eq!(c.peer_key, Some(key(4)));
    assert_eq!(
        c.waited_seconds(now() + Duration::hours(1)),
        90,
        "first take counts"
    );
    assert!(!c.includes(Participant::Peer(a)), "the first peer is out");

    assert_eq!(code(c.end(Participant::Peer(a), false, now())), "FORBIDDEN");
    c.end(Participant::Peer(b), false, now()).unwrap();
    assert_eq!(
        (c.state, c.end),
        (ChatState::Ended, Some(ChatEnd::PeerEnded))
    );
    assert_eq!(c.peer_key, None);
    let Err(DomainError::Conflict(Conflict::ChatNotActive { state })) =
        c.sender(Participant::Citizen)
    else {
        panic!("an ended conversation accepts nothing");
    };
    assert_eq!(state, "ENDED");
    assert_eq!(code(c.end(Participant::Citizen, false, now())), "CONFLICT");
}

#[test]
fn only_a_peer_blocks_and_the_citizen_may_leave_any_time() {
    let peer = UserId::new();
    let mut waiting = Conversation::open(OfferId::new(), key(1), now());
    assert_eq!(
        code(waiting.end(Participant::Citizen, true, now())),
        "FORBIDDEN"
    );
    waiting.end(Participant::Citizen, false, now()).unwrap();
    assert_eq!(waiting.end, Some(ChatEnd::CitizenLeft));

    let mut c = Conversation::open(OfferId::new(), key(1), now());
    c.take(peer, key(2), now()).unwrap();
    c.end(Participant::Peer(peer), true, now()).unwrap();
    assert_eq!(c.end, Some(ChatEnd::Blocked));

    let mut idle = Conversation::open(OfferId::new(), key(1), now());
    idle.expire(now());
    assert_eq!(idle.end, Some(ChatEnd::Expired));
    idle.expire(now() + Duration::hours(1));
    assert_eq!(idle.ended_at, Some(now()), "expiring twice changes nothing");
}

#[test]
fn keys_and_ciphertexts_are_checked() {
    assert_eq!(code(ChatKey::from_bytes("key", &[7; 31])), "VALIDATION");
    assert_eq!(code(ChatKey::from_bytes("key", &[7; 33])), "VALIDATION");
    assert_eq!(code(ChatKey::from_bytes("key", &[0; 32])), "VALIDATION");
    assert!(
        check_ciphertext(&[1; MAX_CIPHERTEXT_BYTES]).is_ok(),
        "at the limit"
    );
    assert_eq!(
        code(check_ciphertext(&[1; MAX_CIPHERTEXT_BYTES + 1])),
        "VALIDATION"
    );
    assert_eq!(code(check_ciphertext(&[])), "VALIDATION");
}
