import { describe, expect, it } from 'vitest';
import { Module, Parameter } from '../../src/nn/module.js';
import { tensor } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';
import {
  learningCurvesSpec,
  confusionMatrixSpec,
  decisionBoundary,
  complexityCurveSpec,
  imageGridSVG,
  renderSVG,
} from '../../src/viz/plots.js';
import { imageGrid, tensorToImage, colorAt } from '../../src/viz/image.js';
import { History } from '../../src/train/history.js';
import { markGroups, parseXml, texts, walk } from './xml.js';

const history = History.fromJSON({
  epochs: [0, 1, 2, 3].map((e) => ({
    epoch: e,
    loss: 1 / (e + 1),
    valLoss: [0.9, 0.6, 0.5, 0.55][e]!,
    accuracy: 0.5 + e * 0.1,
    valAccuracy: 0.5 + e * 0.09,
    lr: 0.1,
  })),
});

describe('plots render to valid SVG with the expected marks', () => {
  it('learning curves: a panel per quantity, train and validation lines, best epoch marked', async () => {
    const spec = learningCurvesSpec(history);
    expect((spec.usermeta as { bestEpoch: number }).bestEpoch).toBe(3); // valLoss min at epoch index 2 → 1-based 3
    const svg = parseXml(await renderSVG(spec));
    expect(svg.name).toBe('svg');
    expect(markGroups(svg, 'line').length).toBe(4); // 2 panels × (train, validation)
    for (const g of markGroups(svg, 'line')) expect(g.children[0]!.attrs.d).toMatch(/^M[\d.,-]+(L[\d.,-]+){3}$/); // 4 epochs each
    expect(markGroups(svg, 'rule').length).toBe(2); // best-epoch rule in each panel
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['loss', 'accuracy', 'train', 'validation', 'best: 3', 'epoch']));
  });

  it('learning curves without validation mark the best training loss', async () => {
    const h = History.fromJSON({
      epochs: [
        { epoch: 0, loss: 2 },
        { epoch: 1, loss: 1 },
        { epoch: 2, loss: 1.5 },
      ],
    });
    const spec = learningCurvesSpec(h);
    expect((spec.usermeta as { bestEpoch: number }).bestEpoch).toBe(2);
    const svg = parseXml(await renderSVG(spec));
    expect(markGroups(svg, 'line').length).toBe(1);
    expect(() => learningCurvesSpec({ epochs: [] })).toThrow(ValueError);
  });

  it('confusion matrix: k×k cells with counts', async () => {
    const m = [
      [5, 1, 0],
      [2, 7, 1],
      [0, 0, 9],
    ];
    const svg = parseXml(await renderSVG(confusionMatrixSpec(m, { labels: ['cat', 'dog', 'owl'] })));
    const rects = markGroups(svg, 'rect')[0]!.children.filter((c) => c.name === 'path');
    expect(rects.length).toBe(9);
    const cellTexts = markGroups(svg, 'text')[0]!.children.map((c) => [...walk(c)].find((n) => n.name === 'text')?.text ?? c.text);
    expect(cellTexts.map(Number).sort((a, b) => a - b)).toEqual([0, 0, 0, 1, 1, 2, 5, 7, 9]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['cat', 'dog', 'owl', 'predicted', 'actual']));
    expect(() => confusionMatrixSpec([[1, 2]])).toThrow(ShapeError);
  });

  it('decision boundary: grid cells coloured by the model, points on top', async () => {
    // class = x > y  (a linear model with scores [y - x, x - y])
    class Diag extends Module {
      w = new Parameter(
        tensor([
          [-1, 1],
          [1, -1],
        ]),
      );
      forward(x: Tensor) {
        return x.matmul(this.w.t());
      }
    }
    const x = tensor([
      [0, 1],
      [1, 0],
      [2, 3],
      [3, 1],
      [0.5, 0.2],
    ]);
    const y = [0, 1, 0, 1, 1];
    const spec = decisionBoundary(new Diag(), x, y, { resolution: 10 });
    const cells = (spec.layer as { data: { values: { x: number; x2: number; y: number; y2: number; class: string }[] } }[])[0]!.data.values;
    expect(cells.length).toBe(100);
    for (const c of cells) {
      const cx = (c.x + c.x2) / 2;
      const cy = (c.y + c.y2) / 2;
      if (Math.abs(cx - cy) > 1e-6) expect(c.class).toBe(cx > cy ? '1' : '0'); // scores [y-x, x-y]: argmax 1 when x > y
    }
    const svg = parseXml(await renderSVG(spec));
    expect(markGroups(svg, 'rect')[0]!.children.length).toBe(100);
    expect(markGroups(svg, 'symbol')[0]!.children.length).toBe(5);
    expect(() => decisionBoundary(new Diag(), tensor([[1, 2, 3]]), [0])).toThrow(ShapeError);
  });

  it('complexity curve: train and test lines, best test complexity marked', async () => {
    const rows = [1, 2, 4, 8, 16].map((c, i) => ({ complexity: c, trainError: 0.5 / (i + 1), testError: [0.5, 0.3, 0.2, 0.25, 0.4][i]! }));
    const spec = complexityCurveSpec(rows, { xTitle: 'hidden units', logX: true });
    const svg = parseXml(await renderSVG(spec));
    expect(markGroups(svg, 'line').length).toBe(2);
    expect(markGroups(svg, 'rule').length).toBe(1);
    expect(texts(svg)).toEqual(expect.arrayContaining(['train', 'test', 'hidden units']));
  });
});

describe('images', () => {
  it('colour maps hit their end points', () => {
    expect(colorAt(0, 'hot')).toEqual([0, 0, 0]);
    expect(colorAt(1, 'hot')).toEqual([255, 255, 255]);
    expect(colorAt(0.5, 'gray')).toEqual([128, 128, 128]);
    expect(colorAt(NaN)).toEqual([0, 0, 0]);
  });
  it('tensorToImage normalises to the tensor range', () => {
    const img = tensorToImage(
      tensor([
        [0, 1],
        [2, 4],
      ]),
    );
    expect(Array.from(img.data.filter((_, i) => i % 4 === 0))).toEqual([0, 64, 128, 255]);
    expect(() => tensorToImage(tensor([[[1]], [[2]]]))).toThrow(ShapeError);
  });
  it('imageGrid tiles N images with padding, and embeds in SVG', async () => {
    const x = tensor(
      Array.from({ length: 5 }, (_, n) => [
        [
          [n, 0],
          [0, n],
        ],
      ]),
    ); // [5,1,2,2]
    const g = imageGrid(x, { ncol: 3, padding: 1, scale: 2 });
    expect([g.width, g.height]).toEqual([3 * 4 + 4, 2 * 4 + 3]);
    // top-left pixel of tile 0 (value 0 → own range [0,0] → black)
    expect(g.data[(1 * g.width + 1) * 4]).toBe(0);
    // padding stays background white
    expect(g.data[0]).toBe(255);
    const svg = parseXml(await imageGridSVG(g, { title: 'filters' }));
    const img = [...walk(svg)].find((n) => n.name === 'image')!;
    expect(img.attrs.href).toMatch(/^data:image\/png;base64,/);
    expect(texts(svg)).toContain('filters');
  });
});
