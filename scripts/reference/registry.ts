/** All families' runners merged (a fn registered twice is a bug: the later one would silently win). */
import { registry as ops } from './ops.js';
import { registry as nn } from './nn.js';
import { registry as losses } from './losses.js';
import { registry as optim } from './optim.js';
import { registry as sched } from './sched.js';
import { registry as training } from './training.js';
import { registry as tensorFns } from './tensor.js';
import type { Registry } from './types.js';

export function allRunners(): Registry {
  const out: Registry = {};
  for (const r of [ops, nn, losses, optim, sched, training, tensorFns])
    for (const [fn, run] of Object.entries(r)) {
      if (fn in out) throw new Error(`reference: two runners registered for ${fn}`);
      out[fn] = run;
    }
  return out;
}
