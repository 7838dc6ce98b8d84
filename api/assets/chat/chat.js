// The chat pages' shared part (ADR 0046): the GraphQL calls, the live connection and the
// end-to-end encryption. Keys live in this page's memory only; the server sees public keys
// and ciphertext.
//
// Crypto, all libsodium (vendored, see vendor/README.md):
// - each side makes an X25519 key pair for the conversation (crypto_kx_keypair); the citizen
//   is the kx "client", the peer the "server";
// - crypto_kx_*_session_keys give one key per direction; every message is
//   crypto_secretbox_easy (XSalsa20-Poly1305) under the sender's direction key with a random
//   24-byte nonce, sent as base64url(nonce || box);
// - a hand-over gives the conversation a new peer key and a new key epoch: the keys of an
//   earlier epoch are gone from both pages, so nobody reads across a hand-over;
// - the safety code is BLAKE2b-64 of both public keys, as three groups of four digits.
import sodium from './vendor/libsodium-wrappers.mjs';

export const ready = sodium.ready;
/** The largest ciphertext the server accepts (bytes, before base64url). */
export const MAX_CIPHERTEXT = 8192;

const variant = () => sodium.base64_variants.URLSAFE_NO_PADDING;
export const b64 = (bytes) => sodium.to_base64(bytes, variant());
export const unb64 = (text) => sodium.from_base64(text, variant());

/** A GraphQL error as the page shows it: the code and the server's message. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** One GraphQL request over HTTP; `token` for peers, none for citizens. */
export async function gql(query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST', headers, body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('UNAVAILABLE', 'Ingen forbindelse til serveren.');
  }
  const body = await response.json().catch(() => null);
  if (body?.errors?.length) {
    const error = body.errors[0];
    throw new ApiError(error.extensions?.code ?? 'ERROR', error.message);
  }
  if (!body?.data) throw new ApiError('UNAVAILABLE', `Serveren svarede ${response.status}.`);
  return body.data;
}

/** The live connection (graphql-transport-ws on /graphql). */
export function connect(connectionParams) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return globalThis.graphqlWs.createClient({
    url: `${scheme}://${location.host}/graphql`,
    connectionParams,
    retryAttempts: 20,
    shouldRetry: () => true,
  });
}

/**
 * Follows a subscription; starts it again (with `variables()` read anew) when it fails or
 * the connection drops, until `stop()` is called.
 */
export function follow(client, query, variables, onData, onTrouble) {
  let stopped = false;
  let unsubscribe = () => {};
  const start = () => {
    unsubscribe = client.subscribe({ query, variables: variables() }, {
      next: (result) => {
        if (result.errors?.length) {
          onTrouble(new ApiError(result.errors[0].extensions?.code ?? 'ERROR', result.errors[0].message));
        } else if (result.data) onData(result.data);
      },
      error: (error) => {
        onTrouble(error);
        if (!stopped) setTimeout(start, 1000);
      },
      complete: () => {},
    });
  };
  start();
  return { stop: () => { stopped = true; unsubscribe(); } };
}

/** Both public keys as a short code the two sides can read to each other. */
export function safetyCode(citizenKey, peerKey) {
  const both = new Uint8Array(64);
  both.set(unb64(citizenKey), 0);
  both.set(unb64(peerKey), 32);
  const digest = sodium.crypto_generichash(8, both);
  let n = 0n;
  for (const byte of digest) n = (n << 8n) | BigInt(byte);
  const digits = (n % 1000000000000n).toString().padStart(12, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}`;
}

/**
 * One side's keys for one conversation. `side` is 'CITIZEN' or 'PEER'. `attach` derives the
 * direction keys for the conversation's current epoch; an earlier epoch's keys are dropped.
 */
export class Sealer {
  constructor(side) {
    this.side = side;
    this.pair = sodium.crypto_kx_keypair();
    this.epoch = null;
  }

  publicKey() {
    return b64(this.pair.publicKey);
  }

  /** Derives the keys for `conversation` (its citizenKey, peerKey and keyEpoch). */
  attach(conversation) {
    if (!conversation.peerKey) return false;
    if (this.epoch === conversation.keyEpoch) return true;
    const citizen = this.side === 'CITIZEN';
    const mine = citizen ? conversation.citizenKey : conversation.peerKey;
    if (mine !== this.publicKey()) return false;
    const other = unb64(citizen ? conversation.peerKey : conversation.citizenKey);
    const keys = citizen
      ? sodium.crypto_kx_client_session_keys(this.pair.publicKey, this.pair.privateKey, other)
      : sodium.crypto_kx_server_session_keys(this.pair.publicKey, this.pair.privateKey, other);
    if (this.keys) {
      sodium.memzero(this.keys.sharedRx);
      sodium.memzero(this.keys.sharedTx);
    }
    this.keys = keys;
    this.epoch = conversation.keyEpoch;
    this.code = safetyCode(conversation.citizenKey, conversation.peerKey);
    return true;
  }

  /** Seals `content` (an object) for the other side; null when it would be too long. */
  seal(content) {
    const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
    const box = sodium.crypto_secretbox_easy(sodium.from_string(JSON.stringify(content)), nonce,
      this.keys.sharedTx);
    const sealed = new Uint8Array(nonce.length + box.length);
    sealed.set(nonce, 0);
    sealed.set(box, nonce.length);
    return sealed.length > MAX_CIPHERTEXT ? null : b64(sealed);
  }

  /** Opens a relayed message; null when it is not of this epoch or does not verify. */
  open(message) {
    if (!this.keys || message.keyEpoch !== this.epoch) return null;
    const key = message.side === this.side ? this.keys.sharedTx : this.keys.sharedRx;
    try {
      const sealed = unb64(message.ciphertext);
      const nonce = sealed.subarray(0, sodium.crypto_secretbox_NONCEBYTES);
      const box = sealed.subarray(sodium.crypto_secretbox_NONCEBYTES);
      return JSON.parse(sodium.to_string(sodium.crypto_secretbox_open_easy(box, nonce, key)));
    } catch {
      return null;
    }
  }

  /** Forgets every key. */
  forget() {
    if (this.keys) {
      sodium.memzero(this.keys.sharedRx);
      sodium.memzero(this.keys.sharedTx);
    }
    sodium.memzero(this.pair.privateKey);
    this.keys = null;
    this.epoch = null;
  }
}

/** The conversation's fields every page reads. */
export const CONVERSATION = `id offerId state openedAt takenAt endedAt end citizenKey peerKey
  keyEpoch waitedSeconds position`;
/** The live events of one conversation. */
export const EVENTS = `subscription($c: ChatRef!, $after: Int!) {
  chatEvents(conversation: $c, after: $after) {
    conversation { ${CONVERSATION} }
    messages { seq side keyEpoch signal ciphertext sentAt }
    typing
  }
}`;
export const SEND = `mutation($i: SendChatMessageInput!) {
  sendChatMessage(input: $i) { message { seq side keyEpoch signal ciphertext sentAt } }
}`;
export const TYPING = 'mutation($i: ChatTypingInput!) { chatTyping(input: $i) { relayed } }';
export const END = `mutation($i: EndChatInput!) { endChat(input: $i) { conversation { ${CONVERSATION} } } }`;

/** Appends one line of the conversation to `list`. */
export function show(list, who, text, kind) {
  const item = document.createElement('li');
  item.className = kind;
  const name = document.createElement('span');
  name.className = 'who';
  name.textContent = who;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(name, body);
  list.append(item);
  item.scrollIntoView({ block: 'end' });
}

/** Danish date and time, Copenhagen clock. */
export function danish(at) {
  return new Intl.DateTimeFormat('da-DK', {
    weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit',
    timeZone: 'Europe/Copenhagen',
  }).format(new Date(at));
}

/** Shows an error in the page's alert line. */
export function alertLine(element, error) {
  element.hidden = false;
  const messages = {
    RATE_LIMITED: 'Der er sendt for meget på kort tid. Vent et øjeblik og prøv igen.',
    UNAVAILABLE: 'Serveren svarer ikke lige nu. Prøv igen om lidt.',
    CHAT_CLOSED: 'Chatten er lukket.',
    CHAT_NOT_ACTIVE: 'Samtalen er ikke i gang.',
    STALE_KEY: 'Samtalen er givet videre; beskeden blev ikke sendt.',
  };
  element.textContent = messages[error.code] ?? error.message ?? String(error);
}

/**
 * One conversation on a page: opens what the live stream and the page's own sends bring,
 * each message once (by its number), in the keys of its epoch. `names` labels the sides.
 */
export class Talk {
  constructor({ side, sealer, list, ref, token, names, onConversation, onTyping }) {
    Object.assign(this, { side, sealer, list, ref, token, names, onConversation, onTyping });
    this.seen = new Set();
    this.streamed = 0;
    this.conversation = null;
    this.lastTyping = 0;
  }

  /** A chatEvents event. */
  apply(event) {
    if (event.typing && event.typing !== this.side) this.onTyping();
    const later = [];
    for (const message of event.messages) {
      this.streamed = Math.max(this.streamed, message.seq);
      if (message.keyEpoch === this.sealer.epoch) this.receive(message);
      else later.push(message);
    }
    this.sealer.attach(event.conversation);
    let unreadable = 0;
    for (const message of later) if (!this.receive(message) && !message.signal) unreadable += 1;
    if (unreadable) {
      show(this.list, '', `${unreadable} ${unreadable === 1 ? 'besked' : 'beskeder'} fra før samtalen blev givet videre kan ikke læses her.`, 'note');
    }
    this.conversation = event.conversation;
    this.onConversation(event.conversation);
  }

  /** Shows one relayed message; false when it cannot be opened with this page's keys. */
  receive(message) {
    if (this.seen.has(message.seq)) return true;
    const content = this.sealer.open(message);
    if (!content) return false;
    this.seen.add(message.seq);
    if (message.signal || content.type === 'signal') {
      if (message.side !== this.side) this.onSignal?.(content);
      return true;
    }
    if (content.type !== 'text') return true;
    const mine = message.side === this.side;
    show(this.list, mine ? this.names.mine : this.names.other, content.text, mine ? 'mine' : 'theirs');
    return true;
  }

  /** Seals and sends a text. */
  async send(text) {
    const ciphertext = this.sealer.seal({ type: 'text', text });
    if (!ciphertext) throw new ApiError('TOO_LONG', 'Beskeden er for lang.');
    const data = await gql(SEND, {
      i: { conversation: this.ref, keyEpoch: this.sealer.epoch, ciphertext },
    }, this.token);
    this.receive(data.sendChatMessage.message);
  }

  /** Seals and relays a call signal (WebRTC offer, answer, candidate, hang-up). */
  async signal(content) {
    const ciphertext = this.sealer.seal({ type: 'signal', ...content });
    if (!ciphertext) throw new ApiError('TOO_LONG', 'Signalet er for langt.');
    const data = await gql(SEND, {
      i: { conversation: this.ref, keyEpoch: this.sealer.epoch, ciphertext, signal: true },
    }, this.token);
    this.seen.add(data.sendChatMessage.message.seq);
  }

  /** Tells the other side this one is typing (at most every three seconds). */
  typing() {
    const now = Date.now();
    if (now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    gql(TYPING, { i: { conversation: this.ref } }, this.token).catch(() => {});
  }

  /** Ends the conversation (`erase`: and deletes its messages). */
  async end({ block = false, erase = false } = {}) {
    const data = await gql(END, { i: { conversation: this.ref, block, delete: erase } }, this.token);
    this.conversation = data.endChat.conversation;
    this.onConversation(this.conversation);
  }
}
