/**
 * The input features' names, in a module of their own that imports nothing, so that modules the
 * state module re-exports (state-diff.ts) can use them while state.ts is still loading.
 */
export const FEATURES = ['x', 'y', 'xSquared', 'ySquared', 'xTimesY', 'sinX', 'sinY'] as const;
/** The raw inputs X₁, X₂ on and every derived feature off (the default, and some challenges' start). */
export const RAW_INPUTS = {
  x: true,
  y: true,
  xSquared: false,
  ySquared: false,
  xTimesY: false,
  sinX: false,
  sinY: false,
} as const satisfies Record<(typeof FEATURES)[number], boolean>;
