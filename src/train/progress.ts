/**
 * Progress display for `fit`. In Node on a TTY: a cli-progress bar per epoch; otherwise one plain line
 * per epoch. In the browser: nothing (use the `onBatchEnd`/`onEpochEnd` events). cli-progress and
 * `process` are only touched lazily, so bundlers never pull them into browser builds.
 */
import type { EpochLogs } from './history.js';

/** How `fit` reports progress: `'auto'` (a bar on a terminal, lines otherwise), `'bar'`, `'lines'`, or false for none. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | false;

export interface Progress {
  epochStart(epoch: number, epochs: number, batches: number | null): void;
  batch(done: number, loss: number): void;
  epochEnd(logs: EpochLogs): void;
  stop(): void;
}

const SILENT: Progress = { epochStart() {}, batch() {}, epochEnd() {}, stop() {} };

interface NodeStream {
  isTTY?: boolean;
  write(s: string): boolean;
}

function nodeStdout(): NodeStream | null {
  const p = (globalThis as { process?: { stdout?: NodeStream; versions?: { node?: string } } }).process;
  return p?.versions?.node && p.stdout ? p.stdout : null;
}

const fmtLr = (v: number): string => (v === 0 ? '0' : Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3))));

/** `loss 0.1234  accuracy 0.9612  valLoss 0.1502 …` */
export function formatLogs(logs: EpochLogs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'epoch' && k !== 'time')
    .map(([k, v]) => `${k} ${k === 'lr' ? fmtLr(v) : v.toFixed(4)}`)
    .join('  ');
}

export async function makeProgress(mode: ProgressMode): Promise<Progress> {
  if (mode === false) return SILENT;
  const out = nodeStdout();
  if (!out) return SILENT;
  const useBar = mode === 'bar' || (mode === 'auto' && out.isTTY === true);
  let epochs = 0;
  const line = (logs: EpochLogs): string =>
    `epoch ${logs.epoch + 1}/${epochs}  ${formatLogs(logs)}${logs.time !== undefined ? `  (${logs.time.toFixed(1)}s)` : ''}`;
  if (!useBar) {
    return {
      epochStart(_e, n) {
        epochs = n;
      },
      batch() {},
      epochEnd(logs) {
        out.write(line(logs) + '\n');
      },
      stop() {},
    };
  }
  const name = 'cli-progress';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- optional untyped package, imported by a variable name; its exports are checked before use
  const cp: any = await import(name);
  const Bar = cp.SingleBar ?? cp.default?.SingleBar;
  const preset = cp.Presets?.shades_classic ?? cp.default?.Presets?.shades_classic;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an instance of the untyped optional cli-progress SingleBar above
  let bar: any = null;
  return {
    epochStart(e, n, batches) {
      epochs = n;
      bar = new Bar(
        {
          format: `epoch ${e + 1}/${n} {bar} {value}/{total} batches  loss {loss}  {duration_formatted}`,
          hideCursor: false,
          clearOnComplete: true,
        },
        preset,
      );
      bar.start(batches ?? 0, 0, { loss: '-' });
    },
    batch(done, loss) {
      bar?.update(done, { loss: loss.toFixed(4) });
    },
    epochEnd(logs) {
      bar?.stop();
      bar = null;
      out.write(line(logs) + '\n');
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
