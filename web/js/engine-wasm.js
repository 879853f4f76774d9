// The in-browser engine: sim-wasm's Viewer (sim-core's live Session) in the
// page. Each animation frame tells it the wall time elapsed; it steps virtual
// time within its own frame budget and hands back a snapshot when sim-core
// says one is due. Duration, pacing, snapshot interval, validation and error
// texts are all sim-core's.

import init, { Viewer } from '../pkg/sim_wasm.js';
import { LiveEngine } from './engine-live.js';

let ready = null;

export class WasmEngine extends LiveEngine {
  constructor(handlers) {
    super(handlers);
    this.kind = 'wasm';
    this.viewer = null;
    this.lastSummary = null;
  }

  // `scenario` is the scenario's name (for graph.json's args and errors).
  async start({ archText, scenario, scenarioText, seed, scale, regions }) {
    ready ??= init();
    await ready;
    this.close();
    // The constructor throws a string naming the problem; the caller shows it.
    this.viewer = new Viewer(archText, scenario ?? undefined, scenarioText ?? undefined,
      JSON.stringify({ seed, scale, regions }));
    return JSON.parse(this.viewer.topology());
  }

  frame(wallMs) {
    if (!this.viewer) return;
    const snap = this.viewer.frame(wallMs);
    if (snap) this.emit(JSON.parse(snap));
  }

  emit(snap) {
    this.lastSummary = snap.summary;
    this.onSnapshot(snap);
  }

  // Throws sim-core's message when the command is refused.
  command(obj) { if (this.viewer) this.viewer.command(JSON.stringify(obj)); }
  summary() { return this.viewer ? JSON.parse(this.viewer.summary()) : this.lastSummary; }
  nowMs() { return this.viewer ? this.viewer.now_ms() : 0; }
  close() { if (this.viewer) { this.viewer.free(); this.viewer = null; } }
}
