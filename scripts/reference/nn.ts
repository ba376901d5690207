/** Reference runners for nn.json cases, keyed by the case's `fn`. */
import type { Registry } from './types.js';

export const registry: Registry = {};
