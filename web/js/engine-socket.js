// The native engine: `microsim serve` runs sim-core's live Session and streams
// over a WebSocket at /ws (protocol in web/README.md). Same shape as WasmEngine;
// the commands are the same JSON.

import { LiveEngine } from './engine-live.js';

export class SocketEngine extends LiveEngine {
  constructor(handlers) {
    super(handlers);
    this.kind = 'native';
    this.ws = null;
    this.lastSummary = null;
    this.t_ms = 0;
  }

  start({ arch, scenario, seed, scale, regions, speed, paused }) {
    this.close();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      let gotTopology = false;
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'start', arch, scenario: scenario || null, options: { seed, scale, regions } }));
        this.setSpeed(speed ?? 1);
        if (paused) this.pause();
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

  command(obj) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj)); }
  frame() {}
  summary() { return this.lastSummary; }
  nowMs() { return this.t_ms; }
  close() {
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
  }
}
