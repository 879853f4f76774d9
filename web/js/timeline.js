// End-to-end requests, failures and p99 per virtual second, from the
// snapshots' timeline rows; redrawn only when rows arrive. The scenario's
// faults are marked on it (active red, healed grey, the next one named in
// the corner) and so are the discovery polls, after which callers stop
// sending to dead instances.

const WINDOW_S = 120;

export class Timeline {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.rows = [];
    this.faults = []; // [{at_s, until_s, what}]
    this.poll = 0; // discovery poll interval, s
    this.verdicts = []; // the canary judge's: [{t_s, verdict}]
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  clear() { this.rows = []; this.draw(); }

  // The scenario's timeline, from the topology message.
  setScenario(faults, pollS) {
    this.faults = Array.isArray(faults) ? faults : [];
    this.poll = Number(pollS) > 0 ? Number(pollS) : 0;
    this.draw();
  }

  // The judge's verdicts so far (summary.json's deployments[].verdicts).
  setVerdicts(deployments) {
    const v = [];
    for (const d of deployments ?? []) for (const x of d.verdicts ?? []) v.push({ t_s: x.t_s, verdict: x.verdict, version: d.version });
    if (v.length !== this.verdicts.length) { this.verdicts = v; this.draw(); }
  }

  // Each fault's state at virtual time t: upcoming, active or healed.
  static faultState(f, t) {
    if (t < f.at_s) return 'upcoming';
    return f.until_s != null && t >= f.until_s ? 'healed' : 'active';
  }

  // Requests and failures over the last `seconds` of virtual time shown.
  recent(seconds) {
    if (!this.rows.length) return { requests: 0, failed: 0 };
    const last = this.rows[this.rows.length - 1].t_s;
    let requests = 0, failed = 0;
    for (let i = this.rows.length - 1; i >= 0 && this.rows[i].t_s > last - seconds; i--) {
      requests += this.rows[i].requests;
      failed += this.rows[i].failed;
    }
    return { requests, failed };
  }

  add(rows) {
    if (!rows || !rows.length) return;
    for (const r of rows) this.rows.push(r);
    if (this.rows.length > 3600) this.rows.splice(0, this.rows.length - 3600);
    this.draw();
  }

  draw() {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = { l: 40, r: 46, t: 16, b: 18 };
    const W = w - pad.l - pad.r, H = h - pad.t - pad.b;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#8b949e';
    ctx.fillText('req/s', 4, 11);
    ctx.textAlign = 'right';
    ctx.fillText('p99 ms', w - 4, 11);
    ctx.textAlign = 'left';
    if (!this.rows.length || W <= 0 || H <= 0) return;
    const last = this.rows[this.rows.length - 1].t_s;
    const t0 = Math.max(0, last - WINDOW_S);
    const rows = this.rows.filter((r) => r.t_s >= t0);
    const maxReq = Math.max(1, ...rows.map((r) => r.requests));
    const maxP = Math.max(1, ...rows.map((r) => r.p99_ms));
    const x = (t) => pad.l + ((t - t0) / Math.max(1, Math.min(WINDOW_S, last - t0 + 1))) * W;
    const yr = (v) => pad.t + H - (v / maxReq) * H;
    const yp = (v) => pad.t + H - (v / maxP) * H;
    ctx.strokeStyle = '#30363d';
    ctx.beginPath(); ctx.moveTo(pad.l, pad.t + H); ctx.lineTo(pad.l + W, pad.t + H); ctx.stroke();
    ctx.fillStyle = '#8b949e';
    ctx.fillText(String(Math.round(maxReq)), 4, pad.t + 8);
    ctx.fillText('0', 4, pad.t + H);
    ctx.textAlign = 'right';
    ctx.fillText(maxP.toFixed(maxP < 10 ? 1 : 0), w - 4, pad.t + 8);
    ctx.textAlign = 'center';
    ctx.fillText(`${t0.toFixed(0)} s`, pad.l, h - 4);
    ctx.fillText(`${last.toFixed(0)} s`, pad.l + W, h - 4);
    ctx.textAlign = 'left';
    const bw = Math.max(1, W / Math.max(rows.length, 1) - 1);
    const now = last + 1;
    for (const f of this.faults) {
      const state = Timeline.faultState(f, now);
      if (state === 'upcoming') continue;
      const a = Math.max(t0, f.at_s), b = Math.min(now, f.until_s ?? now);
      if (b < t0) continue;
      ctx.fillStyle = state === 'active' ? 'rgba(229,72,77,0.16)' : 'rgba(139,148,158,0.14)';
      ctx.fillRect(x(a), pad.t, Math.max(2, x(b) - x(a)), H);
    }
    if (this.poll) {
      ctx.strokeStyle = 'rgba(88,166,255,0.35)';
      ctx.setLineDash([2, 3]);
      for (let p = Math.ceil(t0 / this.poll) * this.poll; p <= now; p += this.poll) {
        if (p <= 0) continue;
        ctx.beginPath(); ctx.moveTo(x(p), pad.t); ctx.lineTo(x(p), pad.t + H); ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    const VERDICT = { pass: '#30a46c', marginal: '#f5a524', fail: '#e5484d' };
    for (const v of this.verdicts) {
      if (v.t_s < t0) continue;
      ctx.fillStyle = VERDICT[v.verdict] ?? '#8b949e';
      const X = x(v.t_s);
      ctx.beginPath(); ctx.moveTo(X - 4, pad.t); ctx.lineTo(X + 4, pad.t); ctx.lineTo(X, pad.t + 7); ctx.fill();
    }
    const next = this.faults.filter((f) => f.at_s >= now).sort((p, q) => p.at_s - q.at_s)[0];
    if (next) {
      ctx.fillStyle = '#f5a524';
      ctx.textAlign = 'right';
      ctx.fillText(`next: ${next.what} at ${next.at_s} s`.slice(0, 80), w - 50, 11);
      ctx.textAlign = 'left';
    }
    ctx.fillStyle = 'rgba(88,166,255,0.55)';
    for (const r of rows) ctx.fillRect(x(r.t_s), yr(r.requests), bw, pad.t + H - yr(r.requests));
    ctx.fillStyle = 'rgba(229,72,77,0.9)';
    for (const r of rows) if (r.failed) ctx.fillRect(x(r.t_s), yr(r.failed), bw, pad.t + H - yr(r.failed));
    ctx.strokeStyle = '#f5a524';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    rows.forEach((r, i) => { const X = x(r.t_s) + bw / 2, Y = yp(r.p99_ms); if (i) ctx.lineTo(X, Y); else ctx.moveTo(X, Y); });
    ctx.stroke();
  }
}
