import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../../core/api/types';
import { sliceCamera, worldToCanvas } from '../viewer';
import { layoutMeasurement, separateLabels } from './measurementLayout';

const geometry: VolumeGeometry = { dims: [200, 200, 50], spacingMm: [1, 1, 2], originMm: [-100, -100, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const camera = sliceCamera(geometry, 'axial', { zoom: 1, panMm: [0, 0] }, [0, 0, 50], [400, 400]);

describe('measurement layout', () => {
  it('puts the readout to the right of the measurement, level with its top, with its handles on the points', () => {
    const item = layoutMeasurement(camera, 1, 'length', [[-10, 0, 50], [10, 5, 50]], ['L1  20.6 mm']);
    const [a, b] = [worldToCanvas(camera, [-10, 0, 50]), worldToCanvas(camera, [10, 5, 50])];
    expect(item.handlesPx).toEqual([a, b]);
    expect(item.labelBox.x).toBeGreaterThan(Math.max(a[0], b[0]));
    expect(item.labelBox.y).toBeCloseTo(Math.min(a[1], b[1]), 6);
  });

  it('flips the readout to the left at the right edge of the view', () => {
    const item = layoutMeasurement(camera, 1, 'length', [[80, 0, 50], [95, 0, 50]], ['L1  15.0 mm']);
    expect(item.labelBox.x + item.labelBox.width).toBeLessThan(worldToCanvas(camera, [80, 0, 50])[0]);
  });

  it('stacks readouts that would overlap, with a leader line to the moved one', () => {
    const wide = sliceCamera(geometry, 'axial', { zoom: 1, panMm: [0, 0] }, [0, 0, 50], [800, 400]);
    const a = layoutMeasurement(wide, 1, 'bidirectional', [[-10, 0, 50], [10, 0, 50], [0, -5, 50], [0, 5, 50]], ['L1  20.0 × 10.0 mm']);
    const b = layoutMeasurement(wide, 2, 'ellipse', [[-4, -1, 50], [4, -1, 50], [0, -5, 50], [0, 3, 50]], ['L1  8.0 × 8.0 mm', '50.3 mm² · mean 45 ± 12 HU', 'min 20 · max 70 HU']);
    expect(a.labelBox.y).toBeCloseTo(b.labelBox.y, 6); // both level with the same top: they collide
    const [sa, sb] = separateLabels([a, b], [800, 400]);
    const boxA = sa.labelBox;
    const boxB = sb.labelBox;
    const apart = boxA.y + boxA.height <= boxB.y || boxB.y + boxB.height <= boxA.y || boxA.x + boxA.width <= boxB.x || boxB.x + boxB.width <= boxA.x;
    expect(apart).toBe(true);
    const moved = sa.labelBox.y !== a.labelBox.y ? sa : sb;
    expect(moved.leaderPx).toBeDefined();
    expect(moved.labelPx[1] - moved.labelBox.y).toBeCloseTo((moved === sa ? a : b).labelPx[1] - (moved === sa ? a : b).labelBox.y, 6);
  });
});
