// The citizen's chat page (ADR 0046): no account; the session lives in this page's memory and
// is lost with it, as are the keys.
import {
  ready, gql, connect, follow, Sealer, Talk, EVENTS, CONVERSATION, danish, alertLine,
} from './chat.js';
import { wireCall } from './call.js';

const $ = (id) => document.getElementById(id);
const [, , tenant, offerId] = location.pathname.split('/').map(decodeURIComponent);
const DAYS = { MONDAY: 'mandag', TUESDAY: 'tirsdag', WEDNESDAY: 'onsdag', THURSDAY: 'torsdag',
  FRIDAY: 'fredag', SATURDAY: 'lørdag', SUNDAY: 'søndag' };
const error = (e) => alertLine($('error'), e);

async function load() {
  await ready;
  const { chatOffer: offer } = await gql(`query($t: String!, $o: ID!) {
    chatOffer(tenant: $t, offerId: $o) { title openNow nextOpensAt slots { weekday opens closes } }
  }`, { t: tenant, o: offerId });
  $('loading').hidden = true;
  $('title').textContent = offer.title;
  document.title = `${offer.title} – anonym chat`;
  for (const slot of offer.slots) {
    const item = document.createElement('li');
    item.textContent = `${DAYS[slot.weekday]} ${slot.opens.slice(0, 5)}–${slot.closes.slice(0, 5)}`;
    $('hours').append(item);
  }
  if (offer.openNow) {
    $('start').hidden = false;
  } else {
    $('closed').hidden = false;
    $('next-open').textContent = offer.nextOpensAt
      ? `Den åbner igen ${danish(offer.nextOpensAt)}.` : 'Den har ingen åbningstider lige nu.';
  }
}

function status(conversation) {
  const text = {
    WAITING: conversation.position
      ? `Du er nummer ${conversation.position} i køen. En peer-medarbejder tager din samtale så snart som muligt.`
      : 'Du er i køen.',
    ACTIVE: 'Du taler med en peer-medarbejder.',
    HANDING_OVER: 'Du bliver sat videre til en anden peer-medarbejder …',
    ENDED: {
      BLOCKED: 'Samtalen er afsluttet af peer-medarbejderen.',
      EXPIRED: conversation.takenAt
        ? 'Samtalen er lukket efter lang tids stilhed.'
        : 'Chatten er lukket, og ingen nåede at tage din samtale. Prøv igen, når chatten åbner.',
    }[conversation.end] ?? 'Samtalen er slut. Tak fordi du skrev.',
  }[conversation.state];
  $('status').textContent = text;
}

async function start() {
  $('start-button').disabled = true;
  const sealer = new Sealer('CITIZEN');
  let started;
  try {
    started = (await gql(`mutation($i: StartChatInput!) {
      startChat(input: $i) { session conversation { ${CONVERSATION} } }
    }`, { i: { tenant, offerId, citizenKey: sealer.publicKey() } })).startChat;
  } catch (e) {
    $('start-button').disabled = false;
    error(e);
    return;
  }
  $('start').hidden = true;
  $('conversation').hidden = false;
  const ref = { session: started.session };
  let typingTimer;
  let stream;
  let call = null;
  const talk = new Talk({
    side: 'CITIZEN', sealer, list: $('messages'), ref,
    names: { mine: 'Dig', other: 'Peer-medarbejder' },
    onTyping: () => {
      $('typing').hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $('typing').hidden = true; }, 4000);
    },
    onConversation: (conversation) => {
      status(conversation);
      const active = conversation.state === 'ACTIVE' && sealer.epoch === conversation.keyEpoch;
      $('text').disabled = !active;
      $('send').disabled = !active;
      $('safety').hidden = !active;
      if (active) $('safety-code').textContent = sealer.code;
      $('call').hidden = !active;
      if (!active && call?.pc) call.stop(false);
      if (conversation.state === 'ENDED') {
        $('leave').disabled = true;
        $('typing').hidden = true;
        sealer.forget();
        stream?.stop();
        client.dispose();
      }
    },
  });
  call = wireCall(talk, $);
  status(started.conversation);
  const client = connect({ chatSession: started.session });
  stream = follow(client, EVENTS, () => ({ c: ref, after: talk.streamed }),
    (data) => talk.apply(data.chatEvents), error);
  $('compose').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('text').value.trim();
    if (!text) return;
    try {
      await talk.send(text);
      $('text').value = '';
      $('error').hidden = true;
    } catch (e) { error(e); }
  });
  $('text').addEventListener('input', () => talk.typing());
  $('leave').addEventListener('click', () => talk.end().catch(error));
  $('erase').addEventListener('click', async () => {
    if (!confirm('Afslut samtalen og slet alle beskeder i den?')) return;
    try {
      await talk.end({ erase: true });
      $('messages').replaceChildren();
      $('erase').disabled = true;
      $('status').textContent = 'Samtalen er slut og slettet.';
    } catch (e) { error(e); }
  });
}

$('start-button').addEventListener('click', start);
load().catch((e) => { $('loading').hidden = true; error(e); });
