// The drawing both views share (web/js/paint.js), on a context that records
// what is asked of it: edges nobody waits for are dashed, calls are not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strokeTraffic, DASH } from '../js/paint.js';

// A 2D context that records each stroked path's dash and segments.
function recorder() {
  const strokes = [];
  let dash = [], segments = 0;
  return {
    strokes,
    setLineDash(d) { dash = d; },
    beginPath() { segments = 0; },
    moveTo() { segments++; },
    lineTo() {},
    stroke() { strokes.push({ dash, segments }); },
  };
}

test('edges nobody waits for are stroked dashed, calls solid, and the dash is reset', () => {
  const P = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 0, y: 10 }];
  const edges = [
    { a: 0, b: 1, rps: 10, err: 0, detached: false },
    { a: 0, b: 2, rps: 10, err: 0, detached: true },
    { a: 1, b: 2, rps: 10, err: 0, detached: true },
  ];
  const ctx = recorder();
  const px = 0.5;
  strokeTraffic(ctx, edges, P, { px, hover: -1, alpha: 0.5, width: 1, widthLit: 1 });
  const dashed = ctx.strokes.filter((s) => s.dash.length > 0);
  const solid = ctx.strokes.filter((s) => s.dash.length === 0);
  assert.deepEqual(dashed.map((s) => s.segments), [2], 'the two detached edges in one dashed path');
  assert.deepEqual(dashed[0].dash, DASH.map((d) => d * px), 'the dash scales with the zoom');
  assert.deepEqual(solid.map((s) => s.segments), [1]);
  let after = null;
  ctx.setLineDash = (d) => { after = d; };
  strokeTraffic(ctx, edges, P, { px, hover: -1, alpha: 0.5, width: 1, widthLit: 1 });
  assert.deepEqual(after, [], 'later drawing is solid again');
});
