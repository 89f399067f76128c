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

describe('chunkOrder with larger later chunks', () => {
  it('fetches the middle chunk at the server size, then the rest in larger chunks outwards', () => {
    const order = chunkOrder(300, 8, 32);
    expect(order[0]).toEqual({ firstSlice: 144, sliceCount: 8 });
    expect(order.slice(1, 5)).toEqual([
      { firstSlice: 152, sliceCount: 32 },
      { firstSlice: 112, sliceCount: 32 },
      { firstSlice: 184, sliceCount: 32 },
      { firstSlice: 80, sliceCount: 32 },
    ]);
    const seen = new Array(300).fill(0);
    for (const c of order) for (let k = c.firstSlice; k < c.firstSlice + c.sliceCount; k++) seen[k]++;
    expect(seen.every((n) => n === 1)).toBe(true);
    // 144 below the middle chunk = 4 × 32 + 16; 148 above it = 4 × 32 + 20.
    expect(order.filter((c) => c.sliceCount < 32).map((c) => c.sliceCount).sort((a, b) => a - b)).toEqual([8, 16, 20]);
  });
});
