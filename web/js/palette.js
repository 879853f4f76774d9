// Colours of the viewer, and health as a colour. The legend in index.html
// repeats the node colours.

export const COLORS = {
  background: '#0d1117',
  up: '#30a46c', idle: '#2b5e48', degraded: '#f5a524', down: '#e5484d', zombie: '#a371f7', starting: '#58a6ff',
  edge: 'rgba(120,160,220,', edgeErr: 'rgba(229,72,77,', particle: '#9cc3ff', particleErr: '#ff5a5f',
  label: '#c9d1d9', hover: '#fff',
};

// A node's colour from its state name (an instance state of the topology, or
// a state a view derives, such as "degraded") and its rates: 2 % or more
// failing is degraded, no traffic is idle.
export function healthColor(state, rps, err) {
  if (state === 'down') return COLORS.down;
  if (state === 'zombie') return COLORS.zombie;
  if (state === 'starting') return COLORS.starting;
  if (state === 'degraded') return COLORS.degraded;
  if (err > 0 && err >= 0.02 * (rps + err)) return COLORS.degraded;
  return rps > 0 ? COLORS.up : COLORS.idle;
}
