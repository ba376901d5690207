import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { data, tensor, FormatError, ValueError, type Tensor } from '../../src/index.js';

const dir = join(__dirname, '../fixtures/data/csv');
interface Case {
  file: string;
  options?: data.CsvOptions;
  code: string;
  line?: number;
  column?: number;
  offset?: number;
  why: string;
}
const cases: Case[] = JSON.parse(readFileSync(join(dir, 'bad/cases.json'), 'utf8'));

function expectFormatError(fn: () => unknown, c: Case, file: string) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `${c.file} should be rejected (${c.why})`).toBeInstanceOf(FormatError);
  const fe = err as FormatError;
  expect(fe.code, `${c.file}: ${fe.message}`).toBe(c.code);
  expect(fe.location.file).toBe(file);
  if (c.line !== undefined) expect(fe.location.line, fe.message).toBe(c.line);
  if (c.column !== undefined) expect(fe.location.column, fe.message).toBe(c.column);
  if (c.offset !== undefined) expect(fe.location.offset, fe.message).toBe(c.offset);
  expect(fe.message).toContain(file);
}

describe('CSV malformed corpus', () => {
  it('has at least 18 cases', () => expect(cases.length).toBeGreaterThanOrEqual(18));
  for (const c of cases) {
    it(`parseCsv rejects ${c.file} (${c.why}) with ${c.code}`, () => {
      const bytes = readFileSync(join(dir, 'bad', c.file));
      expectFormatError(() => data.parseCsv(new Uint8Array(bytes), { ...c.options, file: c.file }), c, c.file);
    });
    if (c.options?.missing !== 'mean')
      it(`streamCsv (row by row) rejects ${c.file} with ${c.code}`, async () => {
        const path = join(dir, 'bad', c.file);
        let err: unknown;
        try {
          for await (const _row of data.streamCsv(path, c.options)) void _row;
        } catch (e) {
          err = e;
        }
        expectFormatError(
          () => {
            if (err) throw err;
          },
          c,
          path,
        );
      });
    it(`loadCsv (streaming) rejects ${c.file} with ${c.code}`, async () => {
      const path = join(dir, 'bad', c.file);
      let err: unknown;
      try {
        await data.loadCsv(path, c.options);
      } catch (e) {
        err = e;
      }
      expectFormatError(
        () => {
          if (err) throw err;
        },
        c,
        path,
      );
    });
  }
});

describe('CSV parsing', () => {
  it('types columns, strips the BOM, parses strict numbers', async () => {
    const t = await data.loadCsv(join(dir, 'good/iris-like.csv'));
    expect(t.names).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(t.types).toMatchObject({ sepal_length: 'number', species: 'string' });
    expect(t.length).toBe(7);
    expect(Array.from(t.column('sepal_length') as Float64Array).slice(-1)).toEqual([-0.15]);
    expect(Array.from(t.column('sepal_width') as Float64Array).slice(-1)).toEqual([2]);
    const { x, y, classes, featureNames } = t.toTensors({ target: 'species' });
    expect(x.shape).toEqual([7, 4]);
    expect(x.dtype).toBe('float32');
    expect(y!.dtype).toBe('int32');
    expect(classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(y!.toArray()).toEqual([0, 0, 1, 1, 2, 2, 0]);
    expect(featureNames).toHaveLength(4);
    const ds = t.toDataset({ target: 'species' });
    expect(ds.length).toBe(7);
  });
  it('sync and streaming parsers agree', async () => {
    for (const f of ['iris-like.csv', 'no-header.csv']) {
      const opts = f === 'no-header.csv' ? { header: false } : {};
      const a = data.parseCsv(readFileSync(join(dir, 'good', f), 'utf8'), opts);
      const b = await data.loadCsv(join(dir, 'good', f), opts);
      expect(b.names).toEqual(a.names);
      expect(b.toTable()).toEqual(a.toTable());
      expect(Array.from(b.lines)).toEqual(Array.from(a.lines));
    }
  });
  it('delimiter, quoted fields, bools and the missing-value policies', () => {
    const text = readFileSync(join(dir, 'good/houses.csv'), 'utf8');
    expect(() => data.parseCsv(text, { delimiter: ';' })).toThrow(FormatError);
    const dropped = data.parseCsv(text, { delimiter: ';', missing: 'drop' });
    expect(dropped.length).toBe(3);
    expect(dropped.droppedRows).toBe(2);
    expect(dropped.column('city')).toEqual(['Paris', 'Lyon', 'Saint-Étienne, Loire']);
    expect(dropped.types.garden).toBe('bool');
    expect(Array.from(dropped.column('garden') as Float64Array)).toEqual([1, 0, 1]);
    const mean = data.parseCsv(text, { delimiter: ';', missing: 'mean' });
    expect(Array.from(mean.column('rooms') as Float64Array)).toEqual([3, 2, 5, 3, 2]);
    expect((mean.column('price') as Float64Array)[4]).toBeCloseTo((410.5 + 190 + 260.25 + 230) / 4, 10);
    expect(mean.column('city')[4]).toBe('Paris "centre"');
    const filled = data.parseCsv(text, { delimiter: ';', missing: { fill: { rooms: 0, price: -1 } } });
    expect((filled.column('rooms') as Float64Array)[3]).toBe(0);
    expect((filled.column('price') as Float64Array)[4]).toBe(-1);
    expect(() => data.parseCsv(text, { delimiter: ';', missing: { fill: 'x' } })).toThrow(ValueError);
  });
  it('"", "12abc", "1e999", "NaN" never become numbers', () => {
    for (const bad of ['', '12abc', '1e999', 'NaN', 'Infinity', '0x10', '1,5'.replace(',', ' ')]) {
      const text = `x\n1\n"${bad}"\n`;
      let out: unknown;
      try {
        out = data.parseCsv(text, { columns: { x: 'number' } });
      } catch (e) {
        out = e;
      }
      expect(out, JSON.stringify(bad)).toBeInstanceOf(FormatError);
    }
    // an undeclared column with text is a text column, and text never becomes a feature number
    const t = data.parseCsv('x,y\n1,2\n12abc,3\n');
    expect(t.types.x).toBe('string');
    expect(() => t.toTensors({ target: 'y' })).toThrow(ValueError);
  });
  it('blank lines: skipped, except inside one-column data where they are missing values', () => {
    expect(data.parseCsv('\n\na,b\n\n1,2\n  \n3,4\n\n\n').length).toBe(2);
    expect(data.parseCsv('x\n1\n2\n\n\n').length).toBe(2);
    let err: unknown;
    try {
      data.parseCsv('x\n1\n\n2\n');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_CSV_MISSING', location: { line: 3 } });
    expect(() => data.parseCsv('x\n1\n""\n')).toThrow(FormatError);
    expect(Array.from(data.parseCsv('x\n1\n""\n', { missing: { fill: 7 } }).column('x') as Float64Array)).toEqual([1, 7]);
  });
  it('line numbers count line breaks inside quoted fields', () => {
    let err: unknown;
    try {
      data.parseCsv('a,b\n"multi\nline",1\n"x\r\ny",2\n3\n');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_CSV_RAGGED', location: { line: 6 } });
  });
  it('a CSV table feeds a ColumnTransformer fitted on the training rows', () => {
    const text = 'area,city,price\n50,Paris,300\n80,Lyon,200\n65,Paris,280\n120,Nice,350\n';
    const t = data.parseCsv(text);
    const table = t.toTable();
    const trainRows = { area: (table.area as Float64Array).slice(0, 3), city: (table.city as string[]).slice(0, 3) };
    const testRows = { area: (table.area as Float64Array).slice(3), city: (table.city as string[]).slice(3) };
    const ct = new data.ColumnTransformer([
      { name: 'num', transformer: new data.StandardScaler(), columns: ['area'] },
      { name: 'cat', transformer: new data.OneHotEncoder({ handleUnknown: 'ignore' }), columns: ['city'] },
    ]).fit(trainRows);
    expect(ct.getFeatureNamesOut()).toEqual(['num__area', 'cat__city_Lyon', 'cat__city_Paris']);
    const xt = ct.transform(testRows).toArray() as number[][];
    expect(xt[0]!.slice(1)).toEqual([0, 0]); // Nice was not in the training rows
    expect(xt[0]![0]).toBeGreaterThan(2);
  });
  it('header: false uses names or c0..', () => {
    const t = data.parseCsv('1,2\n3,4\n', { header: false });
    expect(t.names).toEqual(['c0', 'c1']);
    const u = data.parseCsv('1,2\n3,4\n', { header: false, names: ['a', 'b'] });
    expect(u.toTensors({ target: 'b' }).y!.toArray()).toEqual([2, 4]);
    expect(() => u.toTensors({ target: 'zz' })).toThrow(ValueError);
  });
  it('streams a large file (200k rows) into typed columns', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bp-csv-'));
    const path = join(d, 'big.csv');
    const rows = ['a,b,label'];
    for (let i = 0; i < 200_000; i++) rows.push(`${i},${(i * 0.5).toFixed(1)},${i % 3}`);
    writeFileSync(path, rows.join('\n') + '\n');
    const t = await data.loadCsv(path, { columns: { label: 'int' } });
    expect(t.length).toBe(200_000);
    expect((t.column('b') as Float64Array)[199_999]).toBe(99_999.5);
    const { x, y } = t.toTensors({ target: 'label' });
    expect(x.shape).toEqual([200_000, 2]);
    expect(y!.dtype).toBe('int32');
  });
  it('streamCsv yields typed rows equal to loadCsv, and feeds an async DataLoader', async () => {
    const path = join(dir, 'good/iris-like.csv');
    const table = await data.loadCsv(path);
    const rows: data.CsvRow[] = [];
    for await (const r of data.streamCsv(path, { inferRows: 3 })) rows.push(r);
    expect(rows.length).toBe(table.length);
    expect(rows.map((r) => r.petal_length)).toEqual(Array.from(table.column('petal_length') as Float64Array));
    expect(rows.map((r) => r.species)).toEqual(table.column('species'));
    const ds = new data.CsvStreamDataset(
      path,
      { columns: { sepal_length: 'number', sepal_width: 'number', petal_length: 'number', petal_width: 'number', species: 'string' } },
      (r) => ({ x: tensor([r.sepal_length as number, r.petal_width as number]), species: r.species }),
    );
    const loader = new data.DataLoader(ds, { batchSize: 3 });
    const batches: { x: Tensor; species: string[] }[] = [];
    for await (const b of loader as AsyncIterable<{ x: Tensor; species: string[] }>) batches.push(b);
    expect(batches.map((b) => b.x.shape)).toEqual([
      [3, 2],
      [3, 2],
      [1, 2],
    ]);
    expect(batches[2]!.species).toEqual(['setosa']);
    expect(() => [...ds]).toThrow();
    await expect(
      (async () => {
        for await (const _ of data.streamCsv(path, { missing: 'mean' })) void _;
      })(),
    ).rejects.toBeInstanceOf(ValueError);
  });
  it('reports a missing file as a FormatError', async () => {
    await expect(data.loadCsv('/nonexistent/x.csv')).rejects.toMatchObject({ code: 'E_CSV_NOT_FOUND' });
  });
});
