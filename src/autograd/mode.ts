/** Grad mode: whether ops record the graph. `noGrad(fn)` turns it off for fn (like torch.no_grad). */

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

/** Run `fn` without recording the autograd graph. */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Run `fn` with graph recording on (e.g. inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
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
