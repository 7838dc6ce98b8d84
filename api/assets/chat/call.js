// Video calls on the chat pages (ADR 0046): WebRTC, media straight between the two browsers
// (DTLS-SRTP); the offer, the answer and the ICE candidates travel as sealed signal messages
// of the conversation, so the server relays them without reading them. STUN/TURN servers
// come from the server's PEERBRO_CHAT_ICE_SERVERS (GET /chat/ice-servers).

/** One call in one conversation. `talk` sends the signals; `local`/`remote` are <video>s. */
export class Call {
  constructor(talk, { local, remote, onState }) {
    Object.assign(this, { talk, local, remote, onState });
    this.pc = null;
    this.pending = [];
    this.offer = null;
  }

  async connection() {
    if (this.pc) return this.pc;
    const iceServers = await fetch('/chat/ice-servers').then((r) => r.json()).catch(() => []);
    // A citizen's browser uses only a TURN relay when there is one, so that the peer's
    // browser never learns the citizen's address from the ICE candidates.
    const relay = this.talk.side === 'CITIZEN' && iceServers
      .some((server) => [].concat(server.urls).some((url) => /^turns?:/.test(url)));
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relay ? 'relay' : 'all' });
    pc.onicecandidate = (event) => {
      if (event.candidate) {
        this.talk.signal({ kind: 'candidate', candidate: event.candidate.toJSON() }).catch(() => {});
      }
    };
    pc.ontrack = (event) => { this.remote.srcObject = event.streams[0]; };
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    this.media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    for (const track of this.media.getTracks()) pc.addTrack(track, this.media);
    this.local.srcObject = this.media;
    this.pc = pc;
    return pc;
  }

  /** Calls the other side. */
  async start() {
    const pc = await this.connection();
    await pc.setLocalDescription(await pc.createOffer());
    await this.talk.signal({ kind: 'offer', sdp: pc.localDescription.sdp });
    this.onState('calling');
  }

  /** Answers the offer that came in. */
  async accept() {
    if (!this.offer) return;
    const pc = await this.connection();
    await pc.setRemoteDescription({ type: 'offer', sdp: this.offer });
    this.offer = null;
    await this.flush();
    await pc.setLocalDescription(await pc.createAnswer());
    await this.talk.signal({ kind: 'answer', sdp: pc.localDescription.sdp });
  }

  /** A signal from the other side. */
  async handle(signal) {
    if (signal.kind === 'offer') {
      this.offer = signal.sdp;
      this.onState('ringing');
    } else if (signal.kind === 'answer' && this.pc) {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
      await this.flush();
    } else if (signal.kind === 'candidate') {
      this.pending.push(signal.candidate);
      await this.flush();
    } else if (signal.kind === 'hangup') {
      this.stop(false);
    }
  }

  async flush() {
    if (!this.pc?.remoteDescription) return;
    for (const candidate of this.pending.splice(0)) {
      await this.pc.addIceCandidate(candidate).catch(() => {});
    }
  }

  /** Ends the call (`tell`: and says so to the other side). */
  stop(tell = true) {
    if (tell && this.pc) this.talk.signal({ kind: 'hangup' }).catch(() => {});
    for (const track of this.media?.getTracks() ?? []) track.stop();
    this.pc?.close();
    this.pc = null;
    this.offer = null;
    this.pending = [];
    this.local.srcObject = null;
    this.remote.srcObject = null;
    this.onState('ended');
  }
}

/**
 * Wires a page's call controls (#call-start, #call-accept, #call-hangup, #call-state and the
 * videos #video-local, #video-remote) to `talk`; returns the call, so that the page can stop
 * it when the conversation ends.
 */
export function wireCall(talk, $) {
  const labels = {
    calling: 'Ringer op …', ringing: 'Der ringes op: tag imod eller afvis.',
    connecting: 'Forbinder …', connected: 'Videoopkald i gang.', ended: '',
    failed: 'Opkaldet kunne ikke forbindes.', disconnected: 'Forbindelsen blev afbrudt.',
  };
  const call = new Call(talk, {
    local: $('video-local'),
    remote: $('video-remote'),
    onState: (state) => {
      $('call-state').textContent = labels[state] ?? '';
      $('call-accept').hidden = state !== 'ringing';
      $('call-hangup').hidden = !['calling', 'ringing', 'connecting', 'connected'].includes(state);
      $('call-start').hidden = state !== 'ended';
      $('videos').hidden = !['connecting', 'connected', 'calling'].includes(state);
      $('call').dataset.state = state;
    },
  });
  talk.onSignal = (signal) => call.handle(signal).catch(() => {});
  $('call-start').onclick = () => call.start().catch((e) => { $('call-state').textContent = e.message; });
  $('call-accept').onclick = () => call.accept().catch((e) => { $('call-state').textContent = e.message; });
  $('call-hangup').onclick = () => call.stop();
  return call;
}
