/**
 * The page's one typed store: the validated settings, the last frame from the worker, and the few
 * pieces of view state (playing, the hovered neuron, the click-to-add class, custom points). Views read
 * `store` and subscribe to changes; every settings change goes through `update()` (validate → URL →
 * worker → listeners). The worker channel lives here too, so no view talks to the worker on its own.
 */
import { diffKeys, normalize, toHash, type PgState } from './state.js';
import type { Point } from './datasets.js';
import type { Frame, FromWorker, ToWorker } from './protocol.js';
import { notify } from './notices.js';

/** A frame plus the last points the worker sent (it sends them only when they change). */
export type ViewFrame = Frame & { points0: { train: Point[]; val: Point[]; test: Point[] } };

/** What the big heatmap shows instead of the output while a node is hovered or focused. */
export type Hover = { kind: 'neuron'; layer: number; unit: number; label: string } | { kind: 'feature'; index: number; label: string };

export interface Store {
  state: PgState;
  frame: ViewFrame | null;
  playing: boolean;
  hover: Hover | null;
  /** −1: clicking the heatmap does nothing; 0–4 adds a point of that class; 9 removes the nearest. */
  addClass: number;
  customPoints: Point[] | null;
}

export const store: Store = {
  state: null as unknown as PgState,
  frame: null,
  playing: false,
  hover: null,
  addClass: -1,
  customPoints: null,
};

type StateListener = (changed: (keyof PgState)[]) => void;
const stateListeners: StateListener[] = [];
const hoverListeners: (() => void)[] = [];
const playListeners: (() => void)[] = [];

/** Called after every settings change with the keys that changed (empty: refresh everything). */
export const onState = (fn: StateListener): void => void stateListeners.push(fn);
export const onHover = (fn: () => void): void => void hoverListeners.push(fn);
export const onPlaying = (fn: () => void): void => void playListeners.push(fn);

export function writeHash(): void {
  const h = `#${toHash(store.state)}`;
  if (location.hash !== h) history.replaceState(null, '', h);
}

/** Replace the settings wholesale (already validated), write the URL and tell the listeners. */
export function setState(next: PgState, opts: { tellWorker?: boolean } = {}): (keyof PgState)[] {
  const changed = store.state ? diffKeys(store.state, next) : [];
  store.state = next;
  writeHash();
  if (opts.tellWorker !== false && changed.length) send({ type: 'config', state: next });
  for (const fn of stateListeners) fn(changed);
  return changed;
}

/** Apply a change from a control: validate, write the URL, tell the worker (which decides live vs rebuild). */
export function update(patch: Partial<PgState>): void {
  const notes: string[] = [];
  const next = normalize({ ...store.state, ...patch }, notes);
  notify(notes, 'info');
  if (!diffKeys(store.state, next).length) return;
  setState(next);
}

export function setHover(h: Hover | null): void {
  const same = JSON.stringify(h) === JSON.stringify(store.hover);
  store.hover = h;
  if (!same) for (const fn of hoverListeners) fn();
}

export function setPlaying(p: boolean): void {
  store.playing = p;
  for (const fn of playListeners) fn();
}

// ------------------------------------------------------------------------------------ the worker
const pending = new Map<number, (m: FromWorker) => void>();
let nextId = 1;
let worker: Worker | null = null;

export function startWorker(onMessage: (m: FromWorker) => void): void {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if ('id' in m && m.id !== undefined && pending.has(m.id)) {
      pending.get(m.id)!(m);
      pending.delete(m.id);
    }
    onMessage(m);
  };
}

export const send = (m: ToWorker, transfer: Transferable[] = []): void => worker!.postMessage(m, transfer);

export function request<T extends FromWorker>(make: (id: number) => ToWorker): Promise<T> {
  const id = nextId++;
  return new Promise((res) => {
    pending.set(id, res as (m: FromWorker) => void);
    send(make(id));
  });
}
