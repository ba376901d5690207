/**
 * Grad mode: whether ops record the graph. `noGrad(fn)` turns it off for fn (like torch.no_grad).
 *
 * Async code: JavaScript has no portable async context (AsyncLocalStorage is Node-only), so grad mode
 * is one switch for the whole thread, as in PyTorch (where it is per thread). `noGrad(async () => …)`
 * — or `noGradAsync` — notices the returned promise and keeps grad recording off *until it settles*,
 * across every `await` inside. The price of a process-wide switch: code that runs concurrently with a
 * pending async noGrad block (another request, a training step started without awaiting the
 * evaluation) records no graph either; its `backward()` then fails with an error that says an async
 * noGrad block is still pending. Overlapping async blocks are counted, so grad comes back only when
 * the last one settles. Synchronous scopes (`noGrad(fn)`, `enableGrad(fn)`, `setGradEnabled`) take
 * precedence while they run.
 */

/** Set by synchronous scopes (noGrad, enableGrad, setGradEnabled); null = the default. */
let explicit: boolean | null = null;
/** Async noGrad blocks whose promise has not settled yet. */
let asyncHolds = 0;

/** Whether operations record the autograd graph right now: false inside `noGrad` (sync or pending async), `setGradEnabled(false)`, else true. */
export function isGradEnabled(): boolean {
  return explicit ?? asyncHolds === 0;
}

/** How many `noGrad(async …)` blocks are still pending (they keep grad off for the whole thread). */
export function pendingAsyncNoGrad(): number {
  return asyncHolds;
}

/**
 * Turn graph recording on or off (PyTorch's `torch.set_grad_enabled`); returns the previous state.
 * `true` while no async noGrad block is pending is the default state again (so a later
 * `noGrad(async …)` still covers its awaits); during one it forces recording on.
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = isGradEnabled();
  explicit = on ? (asyncHolds > 0 ? true : null) : false;
  return prev;
}

/** @internal Save the raw grad-mode state and set it (the engine's backward pass). */
export function swapGradMode(on: boolean | null): boolean | null {
  const prev = explicit;
  explicit = on;
  return prev;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Run `fn` without recording the autograd graph. When `fn` returns a promise (an async function),
 * recording stays off until that promise settles — see the module comment for what that means for
 * concurrent code.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = explicit;
  explicit = false;
  let out: T;
  try {
    out = fn();
  } finally {
    explicit = prev;
  }
  if (!isThenable(out)) return out;
  asyncHolds++;
  let released = false;
  const release = (): void => {
    if (!released) {
      released = true;
      asyncHolds--;
    }
  };
  return Promise.resolve(out).then(
    (v) => {
      release();
      return v;
    },
    (e: unknown) => {
      release();
      throw e;
    },
  ) as T;
}

/** `noGrad` for an async function, spelled out: grad recording stays off until its promise settles. */
export function noGradAsync<T>(fn: () => Promise<T> | T): Promise<T> {
  return Promise.resolve(noGrad(fn));
}

/** Run `fn` with graph recording on (e.g. inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  const prev = explicit;
  explicit = true;
  try {
    return fn();
  } finally {
    explicit = prev;
  }
}

let anomaly = false;

/** Anomaly mode: every op checks its forward output and backward gradients for NaN/Inf and names the op. */
export function setDetectAnomaly(on: boolean): void {
  anomaly = on;
}

export function isAnomalyEnabled(): boolean {
  return anomaly;
}

/** Run `fn` with anomaly detection on. */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomaly;
  anomaly = true;
  try {
    return fn();
  } finally {
    anomaly = prev;
  }
}
