// The native engine: `microsim serve` simulates and streams over a WebSocket
// at /ws (protocol in web/README.md). Same shape as WasmEngine.

export class SocketEngine {
  constructor({ onSnapshot, onError }) {
    this.onSnapshot = onSnapshot;
    this.onError = onError;
    this.kind = 'native';
    this.ws = null;
    this.lastSummary = null;
    this.t_ms = 0;
    this.speed = 1;
  }

  start({ arch, scenario, seed, scale, regions, speed, paused }) {
    this.close();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      let gotTopology = false;
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'start', arch, scenario: scenario || null, seed, scale, regions }));
        this.send({ type: 'speed', x: speed ?? 1 });
        if (paused) this.send({ type: 'pause' });
      };
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (msg.type === 'topology') { gotTopology = true; resolve(msg.topology); }
        else if (msg.type === 'snapshot') {
          this.lastSummary = msg.snapshot.summary;
          this.t_ms = msg.snapshot.t_ms;
          this.onSnapshot(msg.snapshot);
        } else if (msg.type === 'error') {
          if (!gotTopology) reject(msg.message); else this.onError(msg.message);
        }
      };
      ws.onerror = () => { if (!gotTopology) reject(`cannot connect to ${url}`); };
      ws.onclose = () => { if (this.ws === ws && gotTopology) this.onError('the server closed the connection'); };
    });
  }

  send(obj) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj)); }
  frame() {}
  fault(fault) { this.send({ type: 'fault', fault }); }
  kill(instance, hang) { this.send({ type: 'kill', instance, hang: !!hang }); }
  heal() { this.send({ type: 'heal' }); }
  setSpeed(x) { this.speed = x; this.send({ type: 'speed', x }); }
  pause() { this.send({ type: 'pause' }); }
  play() { this.send({ type: 'play' }); }
  // The protocol has no single step: play for a moment, then pause.
  step(virtualMs) {
    this.send({ type: 'play' });
    setTimeout(() => this.send({ type: 'pause' }), Math.max(50, virtualMs / this.speed));
  }
  summary() { return this.lastSummary; }
  nowMs() { return this.t_ms; }
  close() {
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
  }
}
