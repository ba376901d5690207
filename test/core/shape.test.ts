import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  inferReshape,
  isContiguous,
  normAxes,
  normAxis,
  numel,
  viewStrides,
} from '../../src/core/shape.js';
import { IndexError, ShapeError, ValueError, fmtShape } from '../../src/core/errors.js';

describe('shape math', () => {
  it('numel and contiguous strides', () => {
    expect(numel([])).toBe(1);
    expect(numel([2, 0, 3])).toBe(0);
    expect(numel([2, 3, 4])).toBe(24);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('broadcasting follows NumPy/PyTorch rules', () => {
    expect(broadcastShapes([3, 4], [4])).toEqual([3, 4]);
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([1], [0])).toEqual([0]);
    expect(broadcastShapes([5, 1, 1], [1, 6, 1])).toEqual([5, 6, 1]);
  });

  it('a broadcast failure is a ShapeError naming the op and both shapes', () => {
    expect(() => broadcastShapes([3, 4], [2, 4], 'add')).toThrow(ShapeError);
    expect(() => broadcastShapes([3, 4], [2, 4], 'add')).toThrow('add: shapes [3,4] and [2,4] cannot be broadcast together');
  });

  it('broadcast strides are 0 along expanded dims', () => {
    expect(broadcastStrides([3, 1], [1, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([4], [1], [3, 4])).toEqual([0, 1]);
  });

  it('negative axes normalise; out of range is an IndexError with the valid range', () => {
    expect(normAxis(-1, 3)).toBe(2);
    expect(normAxis(-3, 3)).toBe(0);
    expect(normAxis(0, 0)).toBe(0); // a 0-d tensor accepts dim 0 and -1, like PyTorch
    expect(normAxis(-1, 0)).toBe(0);
    expect(() => normAxis(3, 3, 'sum')).toThrow(IndexError);
    expect(() => normAxis(-4, 3, 'sum')).toThrow('sum: dimension out of range (expected to be in range of [-3, 2], but got -4)');
    expect(() => normAxis(1.5, 3)).toThrow(ValueError);
  });

  it('normAxes sorts, dedups and defaults to all dims', () => {
    expect(normAxes(undefined, 3)).toEqual([0, 1, 2]);
    expect(normAxes([-1, 0], 3)).toEqual([0, 2]);
    expect(normAxes(1, 3)).toEqual([1]);
    expect(() => normAxes([1, -2], 3, 'sum')).toThrow(/appears multiple times/);
  });

  it('inferReshape resolves one -1 and checks numel', () => {
    expect(inferReshape([2, 3, 4], [-1, 4])).toEqual([6, 4]);
    expect(inferReshape([2, 3], [6])).toEqual([6]);
    expect(inferReshape([0, 3], [-1, 3])).toEqual([0, 3]);
    expect(() => inferReshape([2, 3], [4])).toThrow(ShapeError);
    expect(() => inferReshape([2, 3], [4])).toThrow('reshape: shape [4] is invalid for input of size 6');
    expect(() => inferReshape([2, 3], [-1, -1])).toThrow(ValueError);
    expect(() => inferReshape([2, 3], [-1, 4])).toThrow(ShapeError);
  });

  it('isContiguous ignores size-1 dims', () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(isContiguous([1, 3], [99, 1])).toBe(true);
  });

  it('viewStrides: merges and splits contiguous runs, refuses to merge across a transpose', () => {
    // contiguous [2,3,4] → [6,4] and [2,12]
    expect(viewStrides([2, 3, 4], [12, 4, 1], [6, 4])).toEqual([4, 1]);
    expect(viewStrides([2, 3, 4], [12, 4, 1], [2, 3, 2, 2])).toEqual([12, 4, 2, 1]);
    // transposed [3,2] (strides [1,3]) cannot be flattened without a copy
    expect(viewStrides([3, 2], [1, 3], [6])).toBeNull();
    // but adding a unit dim is fine
    const v = viewStrides([3, 2], [1, 3], [3, 1, 2])!;
    expect([v[0], v[2]]).toEqual([1, 3]);
    // a sliced tensor (every second row) keeps its outer stride when splitting the inner dim
    expect(viewStrides([2, 4], [8, 1], [2, 2, 2])).toEqual([8, 2, 1]);
    expect(viewStrides([2, 4], [8, 1], [8])).toBeNull();
  });

  it('fmtShape spells shapes the way every message does', () => {
    expect(fmtShape([64, 784])).toBe('[64,784]');
    expect(fmtShape([])).toBe('[]');
  });
});
