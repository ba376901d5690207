/**
 * `npm run test:onnx-conformance` — ONNX's own backend node tests (Debian `libonnx-testdata`: a
 * model.onnx plus test_data_set_N/{input,output}_K.pb per test) run through `importOnnxBytes` with
 * ONNX's tolerances (rtol 1e-3, atol 1e-5).
 *
 * `expected.json` (next to this file) records per test "pass" or the named reason it does not pass.
 * The run fails when a test recorded as "pass" no longer passes, or when anything throws an error that
 * is not one of backprop's typed errors; it prints the totals per reason. A test that passes but is
 * recorded with a reason is reported as an improvement (`--update` rewrites the file).
 *
 *   npm run test:onnx-conformance [-- --update] [-- --only <substring>] [-- --verbose]
 *   ONNX_TESTDATA=/path/to/onnx/backend/test/data/node overrides the folder.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackpropError } from '../../src/core/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { decodeModelProto, decodeTensorProto, OnnxDataType, type ModelProto, type TensorProto } from '../../src/io/onnx/proto.js';
import { protoToTensor } from '../../src/io/onnx/tensors.js';
import { OnnxModule } from '../../src/io/onnx/import.js';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = process.env.ONNX_TESTDATA ?? '/usr/include/onnx/backend/test/data/node';
const EXPECTED = join(here, 'expected.json');
const RTOL = 1e-3;
const ATOL = 1e-5;
const argv = process.argv.slice(2);
const update = argv.includes('--update');
const verbose = argv.includes('--verbose');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '') : null;

/** A reason a test does not pass; `untyped` marks an error that is not a BackpropError. */
interface Outcome {
  result: string;
  untyped?: boolean;
  detail?: string;
}

class Mismatch extends Error {}

const FLOATS = new Set<number>([OnnxDataType.FLOAT, OnnxDataType.DOUBLE, OnnxDataType.FLOAT16, OnnxDataType.BFLOAT16]);

/**
 * A test-data tensor. ONNX 1.12 stores bfloat16 test values as UINT16 bit patterns; where the model
 * declares BFLOAT16, the bits are read as bfloat16 (what the model means).
 */
function readPb(path: string, declared: number | undefined): TensorProto {
  const p = decodeTensorProto(new Uint8Array(readFileSync(path)));
  if (declared === OnnxDataType.BFLOAT16 && p.dataType === OnnxDataType.UINT16) p.dataType = OnnxDataType.BFLOAT16;
  return p;
}

function compare(got: Tensor, want: Tensor, wantType: number, k: number): void {
  if (got.shape.join(',') !== want.shape.join(','))
    throw new Mismatch(`output ${k}: shape [${got.shape.join(',')}], expected [${want.shape.join(',')}]`);
  const float = FLOATS.has(wantType);
  if (float !== (got.dtype === 'float32' || got.dtype === 'float64'))
    throw new Mismatch(`output ${k}: dtype ${got.dtype} for ONNX type ${wantType}`);
  if ((wantType === OnnxDataType.BOOL) !== (got.dtype === 'bool'))
    throw new Mismatch(`output ${k}: dtype ${got.dtype} for ONNX type ${wantType}`);
  const a = got.dataSync();
  const b = want.dataSync();
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    const ok = float ? (Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= ATOL + RTOL * Math.abs(y)) : x === y;
    if (!ok) throw new Mismatch(`output ${k}[${i}] = ${x}, expected ${y}`);
  }
}

function reasonOf(e: unknown): Outcome {
  if (e instanceof Mismatch) return { result: 'wrong result', detail: e.message };
  if (e instanceof BackpropError) {
    const m = /operator "([^"]+)" is not supported/.exec(e.message);
    if (m) return { result: `unsupported operator ${m[1]}`, detail: e.message };
    return { result: e.code, detail: e.message };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { result: `untyped ${err.name}`, untyped: true, detail: `${err.message}\n${err.stack ?? ''}` };
}

function runTest(dir: string): Outcome {
  let model: ModelProto;
  let m: OnnxModule;
  try {
    model = decodeModelProto(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
    const g = model.graph!;
    for (const v of [...g.input, ...g.output]) if (!v.type?.tensorType) return { result: 'non-tensor graph value (sequence/optional/map)' };
    m = new OnnxModule(model, {});
  } catch (e) {
    return reasonOf(e);
  }
  const g = model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const inputs = g.input.filter((v) => !inits.has(v.name));
  const sets = readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort();
  if (sets.length === 0) return { result: 'no test data' };
  try {
    for (const s of sets) {
      const files = readdirSync(join(dir, s));
      const ins: Tensor[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const f = join(dir, s, `input_${i}.pb`);
        if (!files.includes(`input_${i}.pb`)) throw new BackpropError('E_CONFORMANCE_DATA', `missing ${f}`);
        ins.push(protoToTensor(readPb(f, inputs[i]!.type?.tensorType?.elemType)));
      }
      const out = m.forward(...ins);
      const outs = Array.isArray(out) ? out : [out];
      for (let k = 0; k < g.output.length; k++) {
        const f = `output_${k}.pb`;
        if (!files.includes(f)) continue;
        const p = readPb(join(dir, s, f), g.output[k]!.type?.tensorType?.elemType);
        compare(outs[k]!, protoToTensor(p), p.dataType ?? 0, k);
      }
    }
  } catch (e) {
    return reasonOf(e);
  }
  return { result: 'pass' };
}

if (!existsSync(DATA)) {
  console.error(
    `onnx conformance: ${DATA} not found; install Debian's libonnx-testdata (apt-get install libonnx-testdata) or set ONNX_TESTDATA`,
  );
  process.exit(2);
}
const expected: Record<string, string> = existsSync(EXPECTED) ? (JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, string>) : {};
const tests = readdirSync(DATA)
  .filter((d) => d.startsWith('test_') && (only === null || d.includes(only)))
  .sort();
const results: Record<string, string> = {};
const totals = new Map<string, number>();
const regressions: string[] = [];
const untyped: string[] = [];
const improved: string[] = [];
const t0 = Date.now();
for (const t of tests) {
  const o = runTest(join(DATA, t));
  results[t] = o.result;
  const bucket = o.result.startsWith('unsupported operator') ? 'unsupported operator' : o.result;
  totals.set(bucket, (totals.get(bucket) ?? 0) + 1);
  if (verbose && o.result !== 'pass') console.log(`${t}: ${o.result}${o.detail ? ` — ${o.detail.split('\n')[0]}` : ''}`);
  if (o.untyped) untyped.push(`${t}: ${o.detail}`);
  const was = expected[t];
  if (was === 'pass' && o.result !== 'pass')
    regressions.push(`${t}: recorded pass, now ${o.result}${o.detail ? ` (${o.detail.split('\n')[0]})` : ''}`);
  if (was !== undefined && was !== 'pass' && o.result === 'pass') improved.push(t);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
const pass = totals.get('pass') ?? 0;
console.log(`onnx conformance: ${pass} of ${tests.length} pass (${secs} s)`);
for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1])) if (k !== 'pass') console.log(`  ${String(v).padStart(4)}  ${k}`);
if (improved.length)
  console.log(`${improved.length} test(s) now pass that expected.json records as failing (run with --update): ${improved.join(', ')}`);
for (const t of tests)
  if (Object.keys(expected).length && expected[t] === undefined && only === null && !update)
    console.log(`new test not in expected.json: ${t} (${results[t]})`);
if (update) {
  const merged = only === null ? results : { ...expected, ...results };
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, merged[k]!]),
  );
  writeFileSync(EXPECTED, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`wrote ${EXPECTED}`);
}
for (const u of untyped) console.error(`UNTYPED ERROR ${u}`);
for (const r of regressions) console.error(`REGRESSION ${r}`);
if (untyped.length || (regressions.length && !update)) process.exit(1);
