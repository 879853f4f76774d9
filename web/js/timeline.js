// End-to-end requests, failures and p99 per virtual second, from the
// snapshots' timeline rows; redrawn only when rows arrive.

const WINDOW_S = 120;

export class Timeline {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.rows = [];
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  clear() { this.rows = []; this.draw(); }

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
