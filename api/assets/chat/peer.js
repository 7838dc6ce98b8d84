// The peer's chat page (ADR 0046): on duty for an offer, the queue, one conversation at a
// time. The token comes from the address's fragment (#token=…, never sent to the server in a
// URL) or the sign-in form, and is kept in this page's memory only.
import {
  ready, gql, connect, follow, Sealer, Talk, EVENTS, CONVERSATION, alertLine,
} from './chat.js';
import { wireCall } from './call.js';

const $ = (id) => document.getElementById(id);
const error = (e) => alertLine($('error'), e);
let token = null;
let me = null;
let client = null;
let queueStream = null;
let onDuty = false;
let current = null; // { talk, stream }
let lastEnded = null; // the talk just ended here, which may still be deleted
let lastQueue = [];

const QUEUE = `subscription($o: ID!) {
  chatQueueChanges(offerId: $o) { conversationId position waitingSeconds handedToYou }
}`;

function offerId() {
  return $('offer').value;
}

async function signIn(value) {
  token = value.trim();
  const data = await gql(`query {
    me { id displayName }
    offers(kind: ANONYMOUS_CHAT, first: 50) { nodes { id title } }
  }`, {}, token);
  me = data.me;
  $('sign-in').hidden = true;
  $('duty').hidden = false;
  $('me').textContent = me.displayName;
  $('offer').replaceChildren(...data.offers.nodes.map((offer) => {
    const option = document.createElement('option');
    option.value = offer.id;
    option.textContent = offer.title;
    return option;
  }));
  client = connect({ token });
  await refreshDuty();
}

async function refreshDuty() {
  onDuty = (await gql('query($o: ID!) { chatOnDuty(offerId: $o) }', { o: offerId() }, token)).chatOnDuty;
  $('duty-button').textContent = onDuty ? 'Gå af vagt' : 'Gå på vagt';
  $('duty-state').textContent = onDuty ? 'Du er på vagt.' : 'Du er ikke på vagt.';
  $('queue-panel').hidden = !onDuty;
  queueStream?.stop();
  queueStream = onDuty
    ? follow(client, QUEUE, () => ({ o: offerId() }), (data) => showQueue(data.chatQueueChanges), error)
    : null;
}

function showQueue(entries) {
  lastQueue = entries;
  $('queue-empty').hidden = entries.length > 0;
  $('queue').replaceChildren(...entries.map((entry) => {
    const item = document.createElement('li');
    const text = document.createElement('span');
    const minutes = Math.floor(entry.waitingSeconds / 60);
    text.textContent = `Nr. ${entry.position} · venter ${minutes} min.`
      + (entry.handedToYou ? ' · givet videre til dig' : '');
    const take = document.createElement('button');
    take.type = 'button';
    take.textContent = 'Tag samtalen';
    take.disabled = current !== null;
    take.dataset.conversation = entry.conversationId;
    take.addEventListener('click', () => takeChat(entry.conversationId).catch(error));
    item.append(text, take);
    return item;
  }));
}

async function colleagues() {
  const ids = (await gql('query($o: ID!) { chatPeersOnDuty(offerId: $o) }', { o: offerId() }, token))
    .chatPeersOnDuty.filter((id) => id !== me.id);
  $('colleague').replaceChildren(...ids.map((id, n) => {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = `Kollega ${n + 1} på vagt`;
    return option;
  }));
}

function status(conversation) {
  $('status').textContent = {
    WAITING: 'Venter.',
    ACTIVE: 'Du taler med borgeren.',
    HANDING_OVER: 'Givet videre: venter på, at kollegaen tager samtalen.',
    ENDED: 'Samtalen er slut.',
  }[conversation.state];
}

async function takeChat(id) {
  const sealer = new Sealer('PEER');
  let call = null;
  const taken = (await gql(`mutation($i: TakeChatInput!) {
    takeChat(input: $i) { conversation { ${CONVERSATION} } }
  }`, { i: { conversationId: id, peerKey: sealer.publicKey() } }, token)).takeChat.conversation;
  $('messages').replaceChildren();
  $('conversation').hidden = false;
  $('close').hidden = true;
  for (const button of ['end', 'block', 'erase']) $(button).disabled = false;
  let typingTimer;
  const talk = new Talk({
    side: 'PEER', sealer, list: $('messages'), ref: { id }, token,
    names: { mine: 'Dig', other: 'Borger' },
    onTyping: () => {
      $('typing').hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $('typing').hidden = true; }, 4000);
    },
    onConversation: (conversation) => {
      status(conversation);
      const mine = conversation.state === 'ACTIVE' && conversation.peerKey === sealer.publicKey();
      $('text').disabled = !mine;
      $('send').disabled = !mine;
      $('hand-over-button').disabled = !mine;
      $('safety').hidden = !mine;
      if (mine) $('safety-code').textContent = sealer.code;
      $('call').hidden = !mine;
      if (!mine && call?.pc) call.stop(false);
      if (!mine && conversation.state !== 'WAITING') leave(conversation);
    },
  });
  call = wireCall(talk, $);
  talk.sealer.attach(taken);
  const stream = follow(client, EVENTS, () => ({ c: { id }, after: talk.streamed }),
    (data) => talk.apply(data.chatEvents), error);
  current = { talk, stream, call };
  talk.onConversation(taken);
  await colleagues();
}

/** This page is done with the conversation: ended, or handed to a colleague. */
function leave(conversation) {
  if (!current) return;
  current.stream.stop();
  if (current.call?.pc) current.call.stop();
  current.talk.sealer.forget();
  lastEnded = conversation.state === 'ENDED' ? current.talk : null;
  current = null;
  showQueue(lastQueue);
  $('typing').hidden = true;
  $('safety').hidden = true;
  $('close').hidden = false;
  for (const input of ['text', 'send', 'hand-over-button']) $(input).disabled = true;
  for (const button of ['end', 'block']) $(button).disabled = true;
  $('erase').disabled = conversation.state !== 'ENDED';
  if (conversation.state !== 'ENDED') {
    $('status').textContent = 'Du har givet samtalen videre.';
    $('erase').disabled = true;
  }
}

$('compose').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text || !current) return;
  try {
    await current.talk.send(text);
    $('text').value = '';
    $('error').hidden = true;
  } catch (e) { error(e); }
});
$('text').addEventListener('input', () => current?.talk.typing());
$('hand-over').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!current || !$('colleague').value) return;
  const id = current.talk.conversation.id;
  try {
    const moved = (await gql(`mutation($i: HandOverChatInput!) {
      handOverChat(input: $i) { conversation { ${CONVERSATION} } }
    }`, { i: { conversationId: id, toPeer: $('colleague').value } }, token)).handOverChat;
    leave(moved.conversation);
  } catch (e) { error(e); }
});
$('hand-over').addEventListener('focusin', () => colleagues().catch(error));
const ending = (options) => async () => {
  const talk = current?.talk;
  if (!talk) return;
  try {
    await talk.end(options);
  } catch (e) { error(e); }
};
$('end').addEventListener('click', ending({}));
$('block').addEventListener('click', ending({ block: true }));
$('erase').addEventListener('click', async () => {
  const talk = current?.talk ?? lastEnded;
  if (!talk) return;
  try {
    await talk.end({ erase: true });
    $('messages').replaceChildren();
    $('erase').disabled = true;
    $('status').textContent = 'Samtalen er slut og slettet.';
  } catch (e) { error(e); }
});
$('close').addEventListener('click', () => {
  $('conversation').hidden = true;
  $('messages').replaceChildren();
});
$('duty-button').addEventListener('click', async () => {
  try {
    await gql(`mutation($i: SetChatDutyInput!) { setChatDuty(input: $i) { onDuty } }`,
      { i: { offerId: offerId(), onDuty: !onDuty } }, token);
    await refreshDuty();
  } catch (e) { error(e); }
});
$('offer').addEventListener('change', () => refreshDuty().catch(error));
$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('token').value).catch(error);
});

await ready;
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  history.replaceState(null, '', location.pathname);
  signIn(fragment.get('token')).catch((e) => { $('sign-in').hidden = false; error(e); });
} else {
  $('sign-in').hidden = false;
}
