/** `backprop info`: the compute backend, and a model summary (zoo model, JSON spec or trained folder). */
import * as fs from 'node:fs';
import { init, backendInfo } from '../index.js';
import type { Module } from '../nn/module.js';
import { summary, formatSummary } from '../train/models.js';
import { CliError, type Log } from './errors.js';
import { build, parseShape, resolveArchitecture } from './factories.js';
import { loadTrained } from './model-file.js';

export async function infoCmd(flags: { model?: string; inputShape?: string; classes?: number; backend?: string }, out: Log): Promise<void> {
  await init(flags.backend ? { backend: flags.backend } : {});
  const b = backendInfo();
  const bi = b.info as { variant?: string; threads?: number; simd?: boolean };
  out(`backend: ${b.backend}${bi.variant ? ` (${bi.variant}, ${bi.threads ?? 1} threads, SIMD ${bi.simd ? 'yes' : 'no'})` : ''}`);
  for (const [name, why] of Object.entries(b.skipped)) out(`  skipped ${name}: ${why}`);
  if (flags.model === undefined) return;
  if (flags.model === '') throw new CliError('--model is empty; name a zoo model, a JSON spec or a trained model folder', 2);
  let model: Module;
  let shape: number[];
  let title: string;
  if (fs.existsSync(flags.model) && fs.statSync(flags.model).isDirectory()) {
    const t = await loadTrained(flags.model);
    model = t.model;
    shape = t.meta.inputShape;
    title = `${flags.model}: ${'zoo' in t.meta.architecture ? t.meta.architecture.zoo : 'custom'} for ${t.meta.task}${t.meta.classes ? ` (${t.meta.classes.length} classes)` : ''}, input [${shape}]`;
  } else {
    shape = flags.inputShape ? parseShape(flags.inputShape) : [1, 28, 28];
    const k = flags.classes ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 1_000_000)
      throw new CliError(`--classes must be an integer in [1, 1,000,000], got ${flags.classes}`, 2);
    model = build(await resolveArchitecture(flags.model, shape, k));
    title = `${flags.model}: input [${shape}], ${k} outputs`;
  }
  out(title);
  out(formatSummary(summary(model, shape)));
}
