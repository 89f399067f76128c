import { describe, expect, it } from 'vitest';
import { distanceToSegment, hitTest, type DrawnMeasurement } from './hitTest';

const line = (id: number, a: [number, number], b: [number, number]): DrawnMeasurement => ({
  id,
  handlesPx: [a, b],
  paths: [{ points: [a, b], closed: false }],
});

describe('hitTest', () => {
  it('measures the distance to a segment, not its line', () => {
    expect(distanceToSegment([5, 3], [0, 0], [10, 0])).toBe(3);
    expect(distanceToSegment([13, 4], [0, 0], [10, 0])).toBe(5);
  });

  it('finds a handle within its radius before the line it sits on', () => {
    const items = [line(1, [100, 100], [200, 100])];
    expect(hitTest(items, [104, 103])).toEqual({ id: 1, part: 'handle', index: 0 });
    expect(hitTest(items, [150, 104])).toEqual({ id: 1, part: 'body' });
    expect(hitTest(items, [150, 110])).toBeNull();
  });

  it('prefers the selected measurement’s handle where two overlap', () => {
    const items = [line(1, [100, 100], [200, 100]), line(2, [102, 100], [102, 200])];
    expect(hitTest(items, [101, 100], null)).toEqual({ id: 1, part: 'handle', index: 0 });
    expect(hitTest(items, [101, 100], 2)).toEqual({ id: 2, part: 'handle', index: 0 });
  });

  it('hits a closed outline on its closing edge and the readout by its box', () => {
    const roi: DrawnMeasurement = {
      id: 7,
      handlesPx: [],
      paths: [{ points: [[0, 0], [100, 0], [100, 100], [0, 100]], closed: true }],
      labelBox: { x: 120, y: 0, width: 80, height: 16 },
    };
    expect(hitTest([roi], [2, 50])).toEqual({ id: 7, part: 'body' });
    expect(hitTest([roi], [50, 50])).toBeNull(); // the inside is left to the image
    expect(hitTest([roi], [150, 8])).toEqual({ id: 7, part: 'body' });
  });
});
