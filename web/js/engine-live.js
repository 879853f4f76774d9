// What the two live engines share: the page's controls become sim-core's
// live commands ({"type":"kill",...}; see sim-core/src/live/command.rs), the
// same JSON whether the wasm Viewer or `microsim serve`'s /ws applies them.
// The engines differ only in how a command travels: `command(obj)`.
//
// Every engine (WasmEngine, SocketEngine, ReplayEngine) has the same shape:
//   start(opts) -> Promise<topology>   frame(wallMs)   fault(obj)   kill(id, hang)
//   heal()   setSpeed(x)   pause()   play()   step(virtualMs)   summary()   nowMs()   close()
// and calls onSnapshot(snapshot) / onError(message) given at construction.

export class LiveEngine {
  constructor({ onSnapshot, onError }) {
    this.onSnapshot = onSnapshot;
    this.onError = onError;
  }

  fault(fault) { this.command({ type: 'fault', fault }); }
  deploy(deploy) { this.command({ type: 'deploy', deploy }); }
  kill(instance, hang) { this.command({ type: 'kill', instance, hang: !!hang }); }
  heal() { this.command({ type: 'heal' }); }
  setSpeed(x) { this.command({ type: 'speed', x }); }
  pause() { this.command({ type: 'pause' }); }
  play() { this.command({ type: 'play' }); }
  step(virtualMs) { this.command({ type: 'step', ms: virtualMs }); }
}
