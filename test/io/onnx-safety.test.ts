import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackpropError,
  FormatError,
  NotSupportedError,
  Rng,
  Tensor,
  checkExternalLocation,
  decodeOnnxModel,
  exportOnnx,
  importOnnx,
  importOnnxBytes,
  nn,
  noGrad,
  randn,
  saveOnnx,
} from '../../src/index.js';
import { encodeModelProto, type ModelProto } from '../../src/io/onnx/proto.js';
import { ZOO } from './onnx-models.js';

let root: string;
let modelDir: string;
let outside: string;
const rng = new Rng(99);
const model = new nn.Sequential(new nn.Linear(8, 16, { rng }), new nn.ReLU(), new nn.Linear(16, 4, { rng }));
model.eval();
const example = randn([2, 8], { rng });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bp-onnx-'));
  modelDir = join(root, 'model');
  outside = join(root, 'outside');
  mkdirSync(modelDir);
  mkdirSync(outside);
  mkdirSync(join(modelDir, 'sub'));
  writeFileSync(join(outside, 'secret.bin'), new Uint8Array(4096).fill(7));
  symlinkSync(join(outside, 'secret.bin'), join(modelDir, 'link.bin'));
  symlinkSync(outside, join(modelDir, 'linkdir'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<BackpropError> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BackpropError);
    expect((e as BackpropError).code).toBe(code);
    return e as BackpropError;
  }
  throw new Error(`expected ${code}`);
}

/** A model whose big initializers live in `weights.bin`, with every location replaced by `loc`. */
async function modelWithLocation(loc: string, tweak: (m: ModelProto) => void = () => undefined): Promise<string> {
  const dir = mkdtempSync(join(modelDir, 'case-'));
  const path = join(dir, 'm.onnx');
  await saveOnnx(model, example, path, { externalData: 'weights.bin', externalThreshold: 0 });
  const proto = decodeOnnxModel(readFileSync(path));
  for (const t of proto.graph!.initializer) for (const e of t.externalData) if (e.key === 'location') e.value = loc;
  tweak(proto);
  writeFileSync(path, encodeModelProto(proto));
  return path;
}

const ESCAPES: [string, string][] = [
  ['parent', '../secret.bin'],
  ['nested parent', 'a/../../secret.bin'],
  ['harmless-looking parent (refused, not cleaned)', 'sub/../weights.bin'],
  ['deep parent', '../../outside/secret.bin'],
  ['absolute POSIX', '/etc/passwd'],
  ['drive letter backslash', 'C:\\Windows\\win.ini'],
  ['drive letter slash', 'c:/secret.bin'],
  ['drive-relative', 'C:secret.bin'],
  ['UNC backslash', '\\\\host\\share\\secret.bin'],
  ['UNC slash', '//host/share/secret.bin'],
  ['file URL', 'file:///etc/passwd'],
  ['http URL', 'http://example.com/weights.bin'],
  ['backslash parent', '..\\secret.bin'],
  ['mixed separators', 'sub\\..\\..\\secret.bin'],
  ['home folder', '~/.ssh/id_rsa'],
  ['NUL byte', 'weights.bin\u0000.png'],
  ['empty', ''],
  ['dots only', '...'],
  ['empty segment', 'sub//weights.bin'],
  ['trailing dot (Windows strips it)', 'weights.bin.'],
  ['absolute backslash', '\\secret.bin'],
];

describe('ONNX external data: locations confined to the model folder (load)', () => {
  it(`the corpus has at least 15 escape attempts (${ESCAPES.length} strings + 2 symlinks)`, () =>
    expect(ESCAPES.length + 2).toBeGreaterThanOrEqual(15));

  for (const [what, loc] of ESCAPES)
    it(`refuses ${what}: ${JSON.stringify(loc)}`, async () => {
      const p = await modelWithLocation(loc);
      const e = await expectCode(importOnnx(p), 'E_ONNX_EXTERNAL_PATH');
      expect(e.message).toContain("model's folder");
    });

  it('refuses a symlinked file leading outside', async () => {
    const p = await modelWithLocation('../link.bin'); // the '..' is refused first …
    await expectCode(importOnnx(p), 'E_ONNX_EXTERNAL_PATH');
    // … so put the model next to the link itself.
    const direct = join(modelDir, 'direct.onnx');
    writeFileSync(direct, readFileSync(await modelWithLocation('link.bin')));
    await expectCode(importOnnx(direct), 'E_ONNX_EXTERNAL_PATH');
  });

  it('refuses a symlinked folder leading outside', async () => {
    const direct = join(modelDir, 'direct2.onnx');
    writeFileSync(direct, readFileSync(await modelWithLocation('linkdir/secret.bin')));
    await expectCode(importOnnx(direct), 'E_ONNX_EXTERNAL_PATH');
  });

  it('checks offset and length against the file before reading', async () => {
    const big = await modelWithLocation('weights.bin', (m) => {
      const e = m.graph!.initializer[0]!.externalData.find((x) => x.key === 'offset')!;
      e.value = '999999999';
    });
    await expectCode(importOnnx(big), 'E_ONNX_EXTERNAL_RANGE');
    const wrongLen = await modelWithLocation('weights.bin', (m) => {
      m.graph!.initializer[0]!.externalData.find((x) => x.key === 'length')!.value = '12';
    });
    await expectCode(importOnnx(wrongLen), 'E_ONNX_EXTERNAL');
    const negative = await modelWithLocation('weights.bin', (m) => {
      m.graph!.initializer[0]!.externalData.find((x) => x.key === 'offset')!.value = '-4';
    });
    await expectCode(importOnnx(negative), 'E_ONNX_EXTERNAL');
    const missing = await modelWithLocation('nothere.bin');
    await expectCode(importOnnx(missing), 'E_ONNX_EXTERNAL_MISSING');
  });

  it('refuses external data when imported from bytes (no folder to resolve against)', async () => {
    const p = await modelWithLocation('weights.bin');
    await expectCode(importOnnx(readFileSync(p)), 'E_ONNX_EXTERNAL');
  });

  it('loads legitimate external data (also in a sub-folder), matching backprop and onnxruntime', async () => {
    const p = join(modelDir, 'good.onnx');
    await saveOnnx(model, example, p, { externalData: 'sub/good.bin', externalThreshold: 0 });
    const proto = decodeOnnxModel(readFileSync(p));
    expect(proto.graph!.initializer.every((t) => t.dataLocation === 1)).toBe(true);
    const m = await importOnnx(p);
    const x = randn([3, 8], { rng });
    const ref = noGrad(() => model.call(x)) as Tensor;
    expect(Array.from((noGrad(() => m.call(x)) as Tensor).dataSync())).toEqual(Array.from(ref.dataSync()));
    const s = await ort.InferenceSession.create(p);
    const r = await s.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [3, 8]) });
    const y = r.output!.data as Float32Array;
    ref.dataSync().forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(1e-5));
  });
});

describe('ONNX external data: locations confined to the model folder (save)', () => {
  for (const [what, loc] of ESCAPES)
    it(`refuses to write ${what}: ${JSON.stringify(loc)}`, async () => {
      await expectCode(saveOnnx(model, example, join(modelDir, 'out.onnx'), { externalData: loc }), 'E_ONNX_EXTERNAL_PATH');
      expect(existsSync(join(modelDir, 'out.onnx'))).toBe(false);
    });
  it('refuses to write through a symlinked folder or onto a symlink', async () => {
    await expectCode(saveOnnx(model, example, join(modelDir, 'out.onnx'), { externalData: 'linkdir/w.bin' }), 'E_ONNX_EXTERNAL_PATH');
    await expectCode(saveOnnx(model, example, join(modelDir, 'out.onnx'), { externalData: 'link.bin' }), 'E_ONNX_EXTERNAL_PATH');
    expect(readdirSync(outside)).toEqual(['secret.bin']);
    expect(readFileSync(join(outside, 'secret.bin')).every((b) => b === 7)).toBe(true);
  });
  it('location rules are pure string checks usable anywhere', () => {
    expect(checkExternalLocation('./weights/a.bin')).toEqual(['weights', 'a.bin']);
    expect(() => checkExternalLocation('a/../b')).toThrow(FormatError);
  });
});

// ---------------------------------------------------------------- malformed graphs and limits

function mlpProto(): ModelProto {
  return decodeOnnxModel(exportOnnx(model, example));
}
const enc = (m: ModelProto) => encodeModelProto(m);

describe('ONNX import: malformed graphs are typed errors', () => {
  const cases: [string, () => Uint8Array, string, object?][] = [
    ['empty bytes → no graph', () => new Uint8Array(0), 'E_ONNX_GRAPH'],
    ['truncated protobuf', () => exportOnnx(model, example).slice(0, 100), 'E_ONNX_PROTOBUF'],
    [
      'unknown operator',
      () => {
        const m = mlpProto();
        m.graph!.node[0]!.opType = 'LaunchMissiles';
        return enc(m);
      },
      'E_ONNX_UNSUPPORTED_OP',
    ],
    [
      'custom domain',
      () => {
        const m = mlpProto();
        m.graph!.node[0]!.domain = 'com.evil';
        return enc(m);
      },
      'E_ONNX_UNSUPPORTED_OP',
    ],
    [
      'dangling input name',
      () => {
        const m = mlpProto();
        m.graph!.node[1]!.input[0] = 'nowhere';
        return enc(m);
      },
      'E_ONNX_GRAPH',
    ],
    [
      'nodes out of order',
      () => {
        const m = mlpProto();
        m.graph!.node.reverse();
        return enc(m);
      },
      'E_ONNX_GRAPH',
    ],
    [
      'output never computed',
      () => {
        const m = mlpProto();
        m.graph!.output[0]!.name = 'ghost';
        return enc(m);
      },
      'E_ONNX_GRAPH',
    ],
    [
      'value defined twice',
      () => {
        const m = mlpProto();
        m.graph!.node[1]!.output[0] = m.graph!.node[0]!.output[0]!;
        return enc(m);
      },
      'E_ONNX_GRAPH',
    ],
    [
      'duplicate initializer',
      () => {
        const m = mlpProto();
        m.graph!.initializer.push(m.graph!.initializer[0]!);
        return enc(m);
      },
      'E_ONNX_GRAPH',
    ],
    [
      'Gemm at opset 5 (pre-7 broadcast rules)',
      () => {
        const m = mlpProto();
        m.opsetImport[0]!.version = 5;
        return enc(m);
      },
      'E_ONNX_OPSET',
    ],
    [
      'raw data shorter than the shape',
      () => {
        const m = mlpProto();
        const t = m.graph!.initializer[0]!;
        t.rawData = t.rawData!.slice(4);
        return enc(m);
      },
      'E_ONNX_TENSOR',
    ],
    [
      'negative dim',
      () => {
        const m = mlpProto();
        m.graph!.initializer[0]!.dims[0] = -3;
        return enc(m);
      },
      'E_ONNX_TENSOR',
    ],
    [
      'INT64 beyond int32',
      () => {
        const m = mlpProto();
        const t = m.graph!.initializer[0]!;
        t.dataType = 7;
        t.dims = [1];
        t.rawData = new Uint8Array(new BigInt64Array([1n << 40n]).buffer);
        return enc(m);
      },
      'E_ONNX_INT64_RANGE',
    ],
    [
      'unsupported data type (string)',
      () => {
        const m = mlpProto();
        m.graph!.initializer[0]!.dataType = 8;
        return enc(m);
      },
      'E_ONNX_DTYPE',
    ],
    ['node count above the cap', () => exportOnnx(model, example), 'E_ONNX_LIMIT', { maxNodes: 2 }],
    ['tensor above the element cap', () => exportOnnx(model, example), 'E_ONNX_LIMIT', { maxElements: 10 }],
    [
      'subgraph attribute',
      () => {
        const m = mlpProto();
        m.graph!.node[0]!.attribute.push({
          name: 'then_branch',
          type: 5,
          g: { node: [], initializer: [], input: [], output: [], valueInfo: [] },
          floats: [],
          ints: [],
          strings: [],
          tensors: [],
          graphs: [],
        });
        return enc(m);
      },
      'E_ONNX_UNSUPPORTED_OP',
    ],
    ['pickle instead of ONNX', () => new Uint8Array([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0]), 'E_PICKLE_REFUSED'],
  ];
  for (const [what, make, code, opts] of cases)
    it(`${what} → ${code}`, async () => {
      await expectCode(importOnnx(make(), opts ?? {}), code);
    });

  it('caps nesting depth (graphs inside attributes inside graphs …)', () => {
    // Build 200 levels of Graph → Node → Attribute(g) → Graph … by hand.
    let g: Record<string, unknown> = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
    for (let i = 0; i < 200; i++)
      g = {
        node: [
          {
            input: [],
            output: [],
            opType: 'If',
            attribute: [{ name: 'b', type: 5, g, floats: [], ints: [], strings: [], tensors: [], graphs: [] }],
          },
        ],
        initializer: [],
        input: [],
        output: [],
        valueInfo: [],
      };
    const bytes = encodeModelProto({ opsetImport: [{ version: 17 }], metadataProps: [], graph: g as never });
    const e = (() => {
      try {
        importOnnxBytes(bytes);
      } catch (err) {
        return err as BackpropError;
      }
      return null;
    })();
    expect(e?.code).toBe('E_ONNX_DEPTH');
  });

  it('runtime failures name the node and stay typed', () => {
    const m = importOnnxBytes(exportOnnx(model, example));
    const e = (() => {
      try {
        m.call(randn([2, 5]));
      } catch (err) {
        return err as BackpropError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(BackpropError);
    expect(e!.message).toMatch(/input|shape/);
  });

  it('exportOnnx returns a plain Uint8Array (not a Node Buffer, whose slice() would share memory)', () => {
    const b = exportOnnx(model, example);
    expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
    const c = b.slice();
    c[0] = c[0]! ^ 1;
    expect(c[0]).not.toBe(b[0]);
  });

  it('unsupported exports name the primitive', () => {
    class Odd extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.scatterAdd(1, x.argmax(1, true), x);
      }
    }
    expect(() => exportOnnx(new Odd(), example)).toThrow(NotSupportedError);
  });
});

describe('ONNX import: mutation fuzzing', () => {
  it('bit flips, truncations, splices and varint edits of valid models raise only typed errors', () => {
    const seeds = ZOO.filter((z) => !z.name.includes('unrolled'))
      .slice(0, 12)
      .map((z) => {
        const r = new Rng(5);
        const m = z.build(r);
        m.eval();
        const x = z.input(2, r);
        return { bytes: exportOnnx(m, x, { ...(z.opset ? { opset: z.opset } : {}) }), x: Array.isArray(x) ? x : [x] };
      });
    const fr = new Rng(2024);
    const N = 1500;
    let typed = 0;
    let ran = 0;
    let wrapped = 0;
    for (let it = 0; it < N; it++) {
      const seed = seeds[it % seeds.length]!;
      let b: Uint8Array = seed.bytes.slice();
      const kind = fr.int(0, 4);
      if (kind === 0)
        for (let k = fr.int(1, 4); k > 0; k--) {
          const i = fr.int(0, b.length);
          b[i] = b[i]! ^ (1 << fr.int(0, 8));
        }
      else if (kind === 1) b = b.slice(0, fr.int(0, b.length));
      else if (kind === 2) {
        const o = seeds[fr.int(0, seeds.length)]!.bytes;
        const cut = fr.int(0, b.length);
        const from = fr.int(0, o.length);
        const s = new Uint8Array(cut + o.length - from);
        s.set(b.subarray(0, cut));
        s.set(o.subarray(from), cut);
        b = s;
      } else {
        // Overwrite a byte with a long varint continuation (huge lengths / values).
        const i = fr.int(0, b.length);
        b[i] = 0xff;
        if (i + 1 < b.length) b[i + 1] = 0xff;
      }
      try {
        const m = importOnnxBytes(b, { maxElements: 1 << 20 });
        ran++;
        noGrad(() => m.call(...seed.x));
      } catch (e) {
        if (!(e instanceof BackpropError)) throw new Error(`untyped ${String(e)} on mutation ${it} (kind ${kind})`, { cause: e });
        if (e.code === 'E_ONNX_RUNTIME') wrapped++;
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(N / 3);
    // Enough mutants survive import to exercise the interpreter too (weights, attributes, shapes).
    expect(ran).toBeGreaterThan(N / 10);
    // Wrapped (non-backprop) runtime failures are allowed but should be rare.
    expect(wrapped).toBeLessThan(N / 20);
  });
});
