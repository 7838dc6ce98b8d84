use std::sync::Arc;

use chrono::{Duration, NaiveTime, Weekday};

use super::*;
use crate::chat::conversation::KEY_BYTES;
use crate::chat::session::SECRET_BYTES;
use crate::chat::{ChatEnd, ChatKey, ChatState, OpeningHours, Slot};
use crate::chat::{SecretDigest, SecretSource};
use crate::context::Role;
use crate::ids::TenantId;
use crate::testing::chat::MemoryChat;
use crate::testing::{SteppedClock, member, noon};

fn key(byte: u8) -> ChatKey {
    ChatKey::from_bytes("key", &[byte; KEY_BYTES]).unwrap()
}

/// Thursdays 10:00–22:00 on the Danish clock (the tests' noon is a Thursday, 13:00 there).
fn thursdays() -> OpeningHours {
    OpeningHours::new(vec![Slot {
        weekday: Weekday::Thu,
        opens: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        closes: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
    }])
    .unwrap()
}

struct Fixture {
    chat: ChatService,
    store: Arc<MemoryChat>,
    clock: Arc<SteppedClock>,
    tenant: TenantId,
    offer: OfferId,
}

fn fixture() -> Fixture {
    let store = Arc::new(MemoryChat::default());
    let clock = SteppedClock::at(noon());
    let tenant = TenantId::new();
    let offer = store.add_offer(tenant, thursdays());
    let counter = Arc::new(std::sync::atomic::AtomicU8::new(0));
    let secrets: SecretSource = Arc::new(move || {
        [counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed); SECRET_BYTES]
    });
    let digest: SecretDigest = Arc::new(|s: &[u8]| s.iter().rev().copied().collect());
    Fixture {
        chat: ChatService::new(store.clone(), clock.clone(), secrets, digest),
        store,
        clock,
        tenant,
        offer,
    }
}

fn code<T: std::fmt::Debug>(r: DomainResult<T>) -> &'static str {
    r.unwrap_err().code()
}

#[tokio::test]
async fn a_whole_conversation_queue_take_messages_hand_over_end() {
    let f = fixture();
    let (a, a_id) = member(f.tenant, &[Role::Peer], None);
    let (b, b_id) = member(f.tenant, &[Role::Peer], None);
    let (conversation, session) = f.chat.start(f.tenant, f.offer, key(1)).await.unwrap();
    assert_eq!(conversation.state, ChatState::Waiting);
    assert_eq!(f.chat.citizen_status(&session).await.unwrap().1, Some(1));

    // A peer not on duty sees no queue and takes nothing.
    assert_eq!(code(f.chat.queue(&a, f.offer).await), "FORBIDDEN");
    assert_eq!(
        code(f.chat.take(&a, conversation.id, key(2)).await),
        "FORBIDDEN"
    );
    f.chat.set_duty(&a, f.offer, true).await.unwrap();
    f.chat.set_duty(&b, f.offer, true).await.unwrap();
    let queue = f.chat.queue(&a, f.offer).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].position, 1);

    f.clock.set(noon() + Duration::seconds(45));
    let taken = f.chat.take(&a, conversation.id, key(2)).await.unwrap();
    assert_eq!((taken.state, taken.key_epoch), (ChatState::Active, 1));
    assert_eq!(f.chat.citizen_status(&session).await.unwrap().1, None);
    assert_eq!(
        code(f.chat.take(&b, conversation.id, key(3)).await),
        "CONFLICT"
    );

    let from_citizen = f
        .chat
        .citizen_send(&session, 1, false, vec![1, 2, 3])
        .await
        .unwrap();
    let from_peer = f
        .chat
        .send(&a, conversation.id, 1, false, vec![4, 5])
        .await
        .unwrap();
    assert_eq!((from_citizen.seq, from_peer.seq), (1, 2));
    assert_eq!(from_peer.side, super::super::ChatSide::Peer);
    assert_eq!(
        code(f.chat.send(&b, conversation.id, 1, false, vec![9]).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(f.chat.messages(&b, conversation.id, 0, 10).await),
        "FORBIDDEN"
    );
    let read = f.chat.citizen_messages(&session, 1, 10).await.unwrap();
    assert_eq!(read.iter().map(|m| m.seq).collect::<Vec<_>>(), [2]);

    // Typing is relayed live, only by those who may write.
    f.chat.citizen_typing(&session).await.unwrap();
    f.chat.typing(&a, conversation.id).await.unwrap();
    assert_eq!(code(f.chat.typing(&b, conversation.id).await), "FORBIDDEN");
    assert_eq!(
        f.store.typed(),
        [
            super::super::ChatSide::Citizen,
            super::super::ChatSide::Peer
        ]
    );

    // Handed over: only a peer on duty; the new peer takes it with a new key.
    let (c, c_id) = member(f.tenant, &[Role::Peer], None);
    assert_eq!(
        code(f.chat.hand_over(&a, conversation.id, c_id).await),
        "CONFLICT"
    );
    f.chat.hand_over(&a, conversation.id, b_id).await.unwrap();
    assert_eq!(
        code(f.chat.citizen_send(&session, 1, false, vec![1]).await),
        "CONFLICT"
    );
    assert_eq!(
        code(f.chat.take(&c, conversation.id, key(4)).await),
        "FORBIDDEN"
    );
    let handed = f.chat.take(&b, conversation.id, key(4)).await.unwrap();
    assert_eq!(handed.key_epoch, 2);
    assert_eq!(
        code(f.chat.send(&a, conversation.id, 2, false, vec![1]).await),
        "FORBIDDEN"
    );
    let stale = f
        .chat
        .citizen_send(&session, 1, false, vec![1])
        .await
        .unwrap_err();
    assert_eq!(
        stale.to_string(),
        "conflict: the conversation's keys changed (key epoch 2): seal the message again"
    );
    f.chat
        .citizen_send(&session, 2, false, vec![7])
        .await
        .unwrap();

    // Ended: it accepts nothing; the contact is counted without a link to the conversation.
    f.clock.set(noon() + Duration::minutes(20));
    let ended = f.chat.end(&b, conversation.id, false, false).await.unwrap();
    assert_eq!(ended.end, Some(ChatEnd::PeerEnded));
    assert_eq!(
        code(f.chat.citizen_send(&session, 2, false, vec![1]).await),
        "CONFLICT"
    );
    let contacts = f.store.contacts(f.tenant);
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].waited_seconds, Some(45));
    assert_eq!(contacts[0].talked_seconds, Some(20 * 60 - 45));
    assert_eq!(contacts[0].end, "PEER_ENDED");
    let _ = a_id;
}

#[tokio::test]
async fn the_session_secret_is_the_citizens_only_way_in() {
    let f = fixture();
    let (_, session) = f.chat.start(f.tenant, f.offer, key(1)).await.unwrap();
    let mut wrong = session.clone();
    wrong.secret[0] ^= 1;
    assert_eq!(code(f.chat.citizen_view(&wrong).await), "NOT_FOUND");
    let mut elsewhere = session.clone();
    elsewhere.tenant = TenantId::new();
    assert_eq!(code(f.chat.citizen_view(&elsewhere).await), "NOT_FOUND");
    assert!(!format!("{session:?}").contains(&format!("{:?}", session.secret)));
    f.chat.citizen_view(&session).await.unwrap();
}

#[tokio::test]
async fn outside_the_hours_the_chat_says_when_it_opens() {
    let f = fixture();
    f.clock.set(noon() + Duration::hours(10)); // Thursday 23:00 in Copenhagen
    let err = f.chat.start(f.tenant, f.offer, key(1)).await.unwrap_err();
    assert_eq!(err.code(), "CONFLICT");
    assert!(
        err.to_string().contains("2026-11-26T09:00:00+00:00"),
        "{err}"
    );
    let (coordinator, _) = member(f.tenant, &[Role::Coordinator], None);
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    assert_eq!(
        code(
            f.chat
                .set_hours(&peer, f.offer, OpeningHours::default())
                .await
        ),
        "FORBIDDEN"
    );
    let every_day = (0..7)
        .map(|d| Slot {
            weekday: Weekday::try_from(d).unwrap(),
            opens: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            closes: NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
        })
        .collect();
    f.chat
        .set_hours(&coordinator, f.offer, OpeningHours::new(every_day).unwrap())
        .await
        .unwrap();
    f.chat.start(f.tenant, f.offer, key(1)).await.unwrap();
    assert_eq!(
        code(f.chat.start(f.tenant, OfferId::new(), key(1)).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn either_side_deletes_the_conversation_and_only_peers_block() {
    let f = fixture();
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    let (citizen_user, _) = member(f.tenant, &[Role::Citizen], None);
    assert_eq!(
        code(f.chat.set_duty(&citizen_user, f.offer, true).await),
        "FORBIDDEN"
    );
    f.chat.set_duty(&peer, f.offer, true).await.unwrap();
    let (c, session) = f.chat.start(f.tenant, f.offer, key(1)).await.unwrap();
    f.chat.take(&peer, c.id, key(2)).await.unwrap();
    f.chat
        .citizen_send(&session, 1, false, vec![1])
        .await
        .unwrap();
    f.chat.send(&peer, c.id, 1, true, vec![2]).await.unwrap();
    assert_eq!(f.store.stored(f.tenant, c.id), 2);
    let ended = f.chat.citizen_end(&session, false, true).await.unwrap();
    assert_eq!(ended.end, Some(ChatEnd::CitizenLeft));
    assert_eq!(f.store.stored(f.tenant, c.id), 0, "deleted at once");

    let (c, session) = f.chat.start(f.tenant, f.offer, key(1)).await.unwrap();
    f.chat.take(&peer, c.id, key(2)).await.unwrap();
    f.chat
        .citizen_send(&session, 1, false, vec![1])
        .await
        .unwrap();
    let blocked = f.chat.end(&peer, c.id, true, false).await.unwrap();
    assert_eq!(blocked.end, Some(ChatEnd::Blocked));
    assert_eq!(
        code(f.chat.citizen_send(&session, 1, false, vec![1]).await),
        "CONFLICT"
    );
    assert_eq!(f.store.stored(f.tenant, c.id), 1);
    f.chat.end(&peer, c.id, false, true).await.unwrap();
    assert_eq!(
        f.store.stored(f.tenant, c.id),
        0,
        "the peer deletes it after the end"
    );
    assert_eq!(
        code(f.chat.end(&peer, c.id, false, false).await),
        "CONFLICT"
    );
}
