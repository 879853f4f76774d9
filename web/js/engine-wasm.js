// The in-browser engine: sim-wasm's Viewer, stepped a small slice of virtual
// time per animation frame and snapshotted about five times a second.
//
// Every engine (this one, engine-socket.js, replay.js) has the same shape:
//   start(opts) -> Promise<topology>   frame(wallMs)   fault(obj)   kill(id, hang)
//   heal()   setSpeed(x)   pause()   play()   step(virtualMs)   summary()   close()
// and calls onSnapshot(snapshot) / onError(message) given at construction.

import init, { Viewer } from '../pkg/sim_wasm.js';

let ready = null;
const HOUR_MS = 3600 * 1000;
const SNAPSHOT_WALL_MS = 200;
const FRAME_BUDGET_MS = 8; // most wall time stepping may take in one frame

export class WasmEngine {
  constructor({ onSnapshot, onError }) {
    this.onSnapshot = onSnapshot;
    this.onError = onError;
    this.kind = 'wasm';
    this.viewer = null;
    this.speed = 1;
    this.paused = false;
    this.sinceSnap = 0;
    this.snapNow = false;
    this.done = false;
    this.lastSummary = null;
  }

  async start({ archText, scenarioText, seed, scale, regions }) {
    ready ??= init();
    await ready;
    this.close();
    // The constructor throws a string naming the problem; the caller shows it.
    this.viewer = new Viewer(archText, scenarioText ?? undefined, seed, scale, regions, HOUR_MS);
    this.done = false;
    const topo = JSON.parse(this.viewer.topology());
    this.snapNow = true;
    return topo;
  }

  // Advances virtual time by wallMs x speed (at most 100 ms of wall per frame,
  // so a stalled tab does not jump), within a time budget.
  frame(wallMs) {
    if (!this.viewer) return;
    if (!this.paused && !this.done) {
      let want = Math.min(wallMs, 100) * this.speed;
      const t0 = performance.now();
      const slice = Math.max(10, Math.min(want, 50));
      while (want > 0) {
        const ms = Math.min(slice, want);
        if (!this.viewer.step(ms)) { this.done = true; break; }
        want -= ms;
        if (performance.now() - t0 > FRAME_BUDGET_MS) break; // falls behind rather than drops frames
      }
    }
    this.sinceSnap += wallMs;
    if (this.snapNow || (this.sinceSnap >= SNAPSHOT_WALL_MS && !this.paused)) this.emit();
  }

  emit() {
    this.sinceSnap = 0;
    this.snapNow = false;
    const snap = JSON.parse(this.viewer.snapshot());
    this.lastSummary = snap.summary;
    this.onSnapshot(snap);
  }

  step(virtualMs) {
    if (!this.viewer) return;
    let left = virtualMs;
    while (left > 0) { const ms = Math.min(50, left); this.viewer.step(ms); left -= ms; }
    this.emit();
  }

  fault(obj) { this.viewer.apply(JSON.stringify(obj)); this.snapNow = true; }
  kill(id, hang) { this.viewer.kill_instance(id, !!hang); this.snapNow = true; }
  heal() { this.viewer.heal(); this.snapNow = true; }
  setSpeed(x) { this.speed = x; }
  pause() { this.paused = true; }
  play() { this.paused = false; }
  summary() { return this.viewer ? JSON.parse(this.viewer.summary()) : this.lastSummary; }
  nowMs() { return this.viewer ? this.viewer.now_ms() : 0; }
  close() { if (this.viewer) { this.viewer.free(); this.viewer = null; } }
}
