import { describe, expect, it } from 'vitest';
import { chunkOrder, middleSlice } from './chunkOrder';

describe('chunkOrder', () => {
  it('starts with the chunk holding the middle slice and alternates outwards', () => {
    const order = chunkOrder(80, 8);
    expect(middleSlice(80)).toBe(39);
    expect(order.map((c) => c.firstSlice)).toEqual([32, 40, 24, 48, 16, 56, 8, 64, 0, 72]);
  });

  it('covers every slice exactly once, with a short last chunk', () => {
    const order = chunkOrder(21, 4);
    const seen = new Array(21).fill(0);
    for (const c of order) for (let k = c.firstSlice; k < c.firstSlice + c.sliceCount; k++) seen[k]++;
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(order.find((c) => c.firstSlice === 20)?.sliceCount).toBe(1);
  });

  it('handles a single-slice series', () => {
    expect(chunkOrder(1, 16)).toEqual([{ firstSlice: 0, sliceCount: 1 }]);
  });
});
