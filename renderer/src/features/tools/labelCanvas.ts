/**
 * Drawing a slice's label image onto a 2D view: the coloured voxels, exactly on the image
 * (an affine map from three voxel centres), then their outlines in screen pixels. Shared by
 * the lesion-mask layer and the AI-proposal layer.
 */
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';
import { worldToCanvas, type SliceCamera } from '../viewer';
import { indexToLps } from '../../../../core/dicom/geometry';
import { inPlaneAxes, type SliceAxis } from './maskSlice';

export type ToCanvas = (x: number, y: number) => [number, number];

export interface SlicePlacement {
  camera: SliceCamera;
  geometry: VolumeGeometry;
  axis: SliceAxis;
  sliceIndex: number;
  dpr: number;
}

/**
 * Paint `rgba` (iw × ih, the slice's in-plane voxels) through `scratch` onto `ctx`; leaves
 * ctx in screen pixels (scaled by dpr) and returns the voxel → canvas map for outlines.
 */
export function paintLabelSlice(ctx: CanvasRenderingContext2D, scratch: HTMLCanvasElement, rgba: Uint8ClampedArray<ArrayBuffer>, iw: number, ih: number, p: SlicePlacement): ToCanvas {
  scratch.width = iw;
  scratch.height = ih;
  scratch.getContext('2d')!.putImageData(new ImageData(rgba, iw, ih), 0, 0);
  const [a, b] = inPlaneAxes(p.axis);
  const ijk = (ia: number, ib: number): Vec3 => {
    const v: Vec3 = [0, 0, 0];
    v[p.axis] = p.sliceIndex;
    v[a] = ia;
    v[b] = ib;
    return v;
  };
  const o = worldToCanvas(p.camera, indexToLps(p.geometry, ijk(0, 0)));
  const ea = worldToCanvas(p.camera, indexToLps(p.geometry, ijk(1, 0)));
  const eb = worldToCanvas(p.camera, indexToLps(p.geometry, ijk(0, 1)));
  const { dpr } = p;
  ctx.imageSmoothingEnabled = false;
  ctx.setTransform(dpr * (ea[0] - o[0]), dpr * (ea[1] - o[1]), dpr * (eb[0] - o[0]), dpr * (eb[1] - o[1]), dpr * o[0], dpr * o[1]);
  ctx.drawImage(scratch, -0.5, -0.5);
  // Outlines in screen pixels: thin at any zoom.
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return (x, y) => [o[0] + x * (ea[0] - o[0]) + y * (eb[0] - o[0]), o[1] + x * (ea[1] - o[1]) + y * (eb[1] - o[1])];
}

/** Stroke one label's edge segments ([x0, y0, x1, y1, …] in voxel units) with the current style. */
export function strokeEdges(ctx: CanvasRenderingContext2D, segs: number[], toCanvas: ToCanvas): void {
  ctx.beginPath();
  for (let s = 0; s < segs.length; s += 4) {
    const [x0, y0] = toCanvas(segs[s], segs[s + 1]);
    const [x1, y1] = toCanvas(segs[s + 2], segs[s + 3]);
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
  }
  ctx.stroke();
}
