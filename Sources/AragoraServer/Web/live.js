// Follows one debate over /ws. Each event is delivered once, in seq order: on a dropped connection it
// reconnects and asks the server to replay everything after the last seq it delivered (`replay_from_seq`),
// so nothing is lost and nothing is shown twice.
import { token } from './api.js';

export class LiveDebate {
  /**
   * onEvent(envelope): every debate event, in order, once.
   * onState(state, detail): 'connecting' | 'live' | 'reconnecting' | 'ended' | 'error'.
   * onResumed(fromSeq): the debate was taken over and resumed from a checkpoint: start over from the store.
   */
  constructor(debateId, { onEvent, onState, onResumed }) {
    this.id = debateId;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onResumed = onResumed;
    this.lastSeq = 0;
    this.stopped = false;
    this.attempt = 0;
    this.socket = null;
  }

  start() {
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }

  connect() {
    if (this.stopped) return;
    this.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // Browsers cannot send headers on a WebSocket: the token rides as a subprotocol, percent-encoded because a
    // subprotocol may not contain ':'. 'aragora' is the protocol the server answers with.
    const protocols = ['aragora'];
    const t = token.get();
    if (t) protocols.push(`access_token.${encodeURIComponent(t)}`);
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/ws`, protocols);
    } catch (e) {
      this.onState('error', `Cannot open the live connection: ${e.message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      socket.send(JSON.stringify({ type: 'subscribe', debate_id: this.id, replay_from_seq: this.lastSeq }));
      this.onState('live');
    };
    socket.onmessage = (message) => {
      let envelope;
      try { envelope = JSON.parse(message.data); } catch { return; }
      if (envelope.type === 'error') {
        this.onState('error', envelope.data?.message || 'the live stream reported an error');
        if (envelope.data?.code === 'forbidden' || /not found/.test(envelope.data?.message || '')) this.stop();
        return;
      }
      if (envelope.loop_id !== this.id || typeof envelope.seq !== 'number') return;  // control messages
      if (envelope.type === 'debate_resumed') {
        // Taken over from a checkpoint: what was shown after from_seq is replaced. Start again from the store.
        this.stop();
        this.onResumed?.(envelope.data?.from_seq);
        return;
      }
      if (envelope.seq <= this.lastSeq) return;  // already delivered before a reconnect
      this.lastSeq = envelope.seq;
      this.onEvent(envelope);
      if (envelope.type === 'debate_end') {
        this.onState('ended');
        this.stop();
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket || this.stopped) return;
      this.attempt += 1;
      // 1..8 s between attempts; a refused token closes the handshake, which says so after a few tries.
      const delay = Math.min(8000, 500 * 2 ** Math.min(this.attempt, 4));
      this.onState('reconnecting', this.attempt > 3 ? 'The live connection keeps dropping (is the token valid?)' : undefined);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }
}
