/**
 * Pure view geometry for the MPR views: which voxel axis each view slices along, the
 * camera that shows it in radiological convention, orientation labels, and the
 * mapping between patient LPS millimetres and canvas pixels. No vtk.js, no DOM: the
 * vtk camera is set from these numbers, and e2e tests use the same numbers to find a
 * lesion on screen.
 */
import type { Mat3, Vec3, VolumeGeometry } from '../../../../../core/api/types';
import {
  add,
  cross,
  directionColumn,
  dot,
  indexToLps,
  lpsToIndex,
  norm,
  normalizeOrZero as normalize,
  orientationLabel,
  scale,
  sub,
} from '../../../../../core/dicom/geometry';

export type SliceViewKind = 'axial' | 'coronal' | 'sagittal';
export const SLICE_VIEWS: readonly SliceViewKind[] = ['axial', 'coronal', 'sagittal'];

/**
 * Radiological display convention, as the camera's direction of projection (from the
 * viewer into the patient) and view-up, in LPS:
 * - axial: seen from the feet — patient Right on screen left, Anterior at top;
 * - coronal: seen from the front — patient Right on screen left, Superior at top;
 * - sagittal: seen from the patient's left — Anterior on screen left, Superior at top.
 */
const CANONICAL: Record<SliceViewKind, { dop: Vec3; up: Vec3 }> = {
  axial: { dop: [0, 0, 1], up: [0, -1, 0] },
  coronal: { dop: [0, 1, 0], up: [0, 0, 1] },
  sagittal: { dop: [-1, 0, 0], up: [0, 0, 1] },
};

/** Nearest voxel index, or null outside the volume. */
export function voxelAt(geometry: VolumeGeometry, lps: Vec3): Vec3 | null {
  const ijk = lpsToIndex(geometry, lps).map(Math.round) as Vec3;
  for (let a = 0; a < 3; a++) if (ijk[a] < 0 || ijk[a] > geometry.dims[a] - 1) return null;
  return ijk;
}

/** LPS of the centre voxel — where a freshly opened series puts its crosshair. */
export function initialCursorLps(geometry: VolumeGeometry): Vec3 {
  return indexToLps(geometry, geometry.dims.map((n) => Math.floor((n - 1) / 2)) as Vec3);
}

/** Keep a point inside the volume's voxel-centre box (so every view shows a real slice). */
export function clampToVolume(geometry: VolumeGeometry, lps: Vec3): Vec3 {
  const ijk = lpsToIndex(geometry, lps).map((v, a) =>
    Math.min(Math.max(v, 0), geometry.dims[a] - 1),
  ) as Vec3;
  return indexToLps(geometry, ijk);
}

// ---- view frames -----------------------------------------------------------------

export interface ViewFrame {
  kind: SliceViewKind;
  /** Voxel axis the view slices along (0 = i, 1 = j, 2 = k). */
  sliceAxis: 0 | 1 | 2;
  /** Unit plane normal, pointing away from the viewer (camera direction of projection). */
  dop: Vec3;
  /** Unit screen-up direction in LPS. */
  up: Vec3;
  /** Unit screen-right direction in LPS (dop × up). */
  right: Vec3;
}

const PERMUTATIONS: [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2][] = [
  [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0],
];

/**
 * Which voxel axis each view slices along: the assignment (a permutation, so no two
 * views share an axis) whose axes best match the views' canonical normals. For an
 * ordinary axial CT this is axial→k, coronal→j, sagittal→i.
 */
export function sliceAxes(direction: Mat3): Record<SliceViewKind, 0 | 1 | 2> {
  let best = PERMUTATIONS[0];
  let bestScore = -Infinity;
  for (const perm of PERMUTATIONS) {
    let score = 0;
    SLICE_VIEWS.forEach((kind, v) => {
      score += Math.abs(dot(directionColumn(direction, perm[v]), CANONICAL[kind].dop));
    });
    if (score > bestScore + 1e-9) {
      bestScore = score;
      best = perm;
    }
  }
  return { axial: best[0], coronal: best[1], sagittal: best[2] };
}

/**
 * The camera frame of a view. The image is shown in its own voxel plane (no
 * resampling): the normal is that plane's, signed like the radiological convention.
 * Screen-up is the convention's up (anterior for axial, superior otherwise) projected
 * into the plane, so an oblique or rotated acquisition is still shown upright and the
 * orientation labels say how far it is from a true plane.
 */
export function viewFrame(kind: SliceViewKind, geometry: VolumeGeometry): ViewFrame {
  const sliceAxis = sliceAxes(geometry.direction)[kind];
  const inPlane = ([0, 1, 2] as const).filter((a) => a !== sliceAxis) as (0 | 1 | 2)[];
  const canonical = CANONICAL[kind];
  const colA = normalize(directionColumn(geometry.direction, inPlane[0]));
  const colB = normalize(directionColumn(geometry.direction, inPlane[1]));
  let dop = normalize(cross(colA, colB));
  if (dot(dop, canonical.dop) < 0) dop = scale(dop, -1);
  let up = sub(canonical.up, scale(dop, dot(canonical.up, dop)));
  if (norm(up) < 0.1) {
    // The plane is nearly perpendicular to the conventional up (extreme obliques):
    // fall back to the in-plane voxel axis nearest to it.
    const upCol = Math.abs(dot(colA, canonical.up)) >= Math.abs(dot(colB, canonical.up)) ? colA : colB;
    up = dot(upCol, canonical.up) < 0 ? scale(upCol, -1) : upCol;
    up = sub(up, scale(dop, dot(up, dop)));
  }
  up = normalize(up);
  const right = cross(dop, up);
  return { kind, sliceAxis, dop, up, right };
}

/** Slice index (along the view's slice axis) that contains `lps`, clamped to the volume. */
export function sliceIndexAt(geometry: VolumeGeometry, frame: ViewFrame, lps: Vec3): number {
  const index = Math.round(lpsToIndex(geometry, lps)[frame.sliceAxis]);
  return Math.min(Math.max(index, 0), geometry.dims[frame.sliceAxis] - 1);
}

/** Scrolling "down" (wheel down, ArrowDown, PageDown) moves towards these LPS directions. */
const SCROLL_DOWN_LPS: Record<SliceViewKind, Vec3> = {
  axial: [0, 0, -1], // towards the feet, as a stack is read head to feet
  coronal: [0, 1, 0], // towards the back
  sagittal: [1, 0, 0], // towards the patient's left
};

/** Move `lps` by `steps` whole slices along the view's slice axis (positive = scroll down). */
export function stepSlice(geometry: VolumeGeometry, frame: ViewFrame, lps: Vec3, steps: number): Vec3 {
  const column = directionColumn(geometry.direction, frame.sliceAxis);
  const sign = dot(column, SCROLL_DOWN_LPS[frame.kind]) >= 0 ? 1 : -1;
  const ijk = lpsToIndex(geometry, lps);
  const axis = frame.sliceAxis;
  // Snap to the slice centre first, so stepping always lands exactly on a slice.
  const target = Math.round(ijk[axis]) + sign * steps;
  ijk[axis] = Math.min(Math.max(target, 0), geometry.dims[axis] - 1);
  return indexToLps(geometry, ijk);
}

// ---- camera and screen mapping -----------------------------------------------------

export interface ViewTransform {
  /** 1 = the whole volume fits the view. */
  zoom: number;
  /** Pan of the view centre from the volume centre, in mm along screen right and up. */
  panMm: [number, number];
}

export const IDENTITY_VIEW_TRANSFORM: ViewTransform = { zoom: 1, panMm: [0, 0] };

export interface SliceCamera {
  frame: ViewFrame;
  focalPointMm: Vec3;
  positionMm: Vec3;
  /** Half the viewport height in mm (vtk's parallel scale). */
  parallelScaleMm: number;
  /** Viewport size in CSS pixels. */
  viewportPx: [number, number];
}

function volumeCorners(geometry: VolumeGeometry): Vec3[] {
  const corners: Vec3[] = [];
  const [nx, ny, nz] = geometry.dims;
  // Voxel edges, not centres: the image occupies half a voxel beyond the outer centres.
  for (const i of [-0.5, nx - 0.5]) for (const j of [-0.5, ny - 0.5]) for (const k of [-0.5, nz - 0.5]) {
    corners.push(indexToLps(geometry, [i, j, k]));
  }
  return corners;
}

export function volumeCenterLps(geometry: VolumeGeometry): Vec3 {
  return indexToLps(geometry, geometry.dims.map((n) => (n - 1) / 2) as Vec3);
}

/** Parallel scale (mm) at zoom 1: the volume's in-plane extent fits the viewport with a small margin. */
export function fitParallelScaleMm(geometry: VolumeGeometry, frame: ViewFrame, viewportPx: [number, number]): number {
  const center = volumeCenterLps(geometry);
  let halfWidth = 0;
  let halfHeight = 0;
  for (const corner of volumeCorners(geometry)) {
    const d = sub(corner, center);
    halfWidth = Math.max(halfWidth, Math.abs(dot(d, frame.right)));
    halfHeight = Math.max(halfHeight, Math.abs(dot(d, frame.up)));
  }
  const [w, h] = viewportPx;
  const aspect = w > 0 && h > 0 ? h / w : 1;
  return Math.max(halfHeight, halfWidth * aspect, 1) * 1.04;
}

export function sliceCamera(
  geometry: VolumeGeometry,
  kind: SliceViewKind,
  transform: ViewTransform,
  cursorLps: Vec3,
  viewportPx: [number, number],
): SliceCamera {
  const frame = viewFrame(kind, geometry);
  const center = volumeCenterLps(geometry);
  // In-plane: volume centre plus pan. Along the normal: on the displayed slice plane.
  const inPlane = add(add(center, scale(frame.right, transform.panMm[0])), scale(frame.up, transform.panMm[1]));
  const focalPointMm = add(inPlane, scale(frame.dop, dot(sub(cursorLps, inPlane), frame.dop)));
  const diagonalMm = norm(sub(volumeCorners(geometry)[0], volumeCorners(geometry)[7]));
  const positionMm = sub(focalPointMm, scale(frame.dop, diagonalMm + 100));
  const parallelScaleMm = fitParallelScaleMm(geometry, frame, viewportPx) / Math.max(transform.zoom, 1e-3);
  return { frame, focalPointMm, positionMm, parallelScaleMm, viewportPx };
}

/** Pixels per millimetre on screen for this camera. */
export function pixelsPerMm(camera: SliceCamera): number {
  return camera.viewportPx[1] / (2 * camera.parallelScaleMm);
}

/** LPS (mm) → canvas CSS pixels, origin at the canvas' top-left corner, y down. */
export function worldToCanvas(camera: SliceCamera, lps: Vec3): [number, number] {
  const d = sub(lps, camera.focalPointMm);
  const s = pixelsPerMm(camera);
  const [w, h] = camera.viewportPx;
  return [w / 2 + dot(d, camera.frame.right) * s, h / 2 - dot(d, camera.frame.up) * s];
}

/** Canvas CSS pixels → LPS (mm) on the plane through `planePointLps` with the view's normal. */
export function canvasToWorld(camera: SliceCamera, canvasPx: [number, number], planePointLps: Vec3): Vec3 {
  const s = pixelsPerMm(camera);
  const [w, h] = camera.viewportPx;
  const onFocalPlane = add(
    add(camera.focalPointMm, scale(camera.frame.right, (canvasPx[0] - w / 2) / s)),
    scale(camera.frame.up, (h / 2 - canvasPx[1]) / s),
  );
  const { dop } = camera.frame;
  return add(onFocalPlane, scale(dop, dot(sub(planePointLps, onFocalPlane), dop)));
}

/**
 * The pan that keeps the point under `canvasPx` fixed while the zoom changes from
 * `before.zoom` to `zoom` (zooming towards the mouse).
 */
export function zoomAboutPoint(
  geometry: VolumeGeometry,
  kind: SliceViewKind,
  before: ViewTransform,
  zoom: number,
  canvasPx: [number, number],
  cursorLps: Vec3,
  viewportPx: [number, number],
): ViewTransform {
  const cameraBefore = sliceCamera(geometry, kind, before, cursorLps, viewportPx);
  const anchor = canvasToWorld(cameraBefore, canvasPx, cursorLps);
  const cameraAfter = sliceCamera(geometry, kind, { zoom, panMm: before.panMm }, cursorLps, viewportPx);
  const [x, y] = worldToCanvas(cameraAfter, anchor);
  const s = pixelsPerMm(cameraAfter);
  return {
    zoom,
    panMm: [before.panMm[0] + (x - canvasPx[0]) / s, before.panMm[1] - (y - canvasPx[1]) / s],
  };
}

// ---- orientation labels ------------------------------------------------------------

export interface EdgeLabels {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

/** Labels for the four screen edges of a camera with these screen-right and screen-up directions. */
export function edgeLabels(rightLps: Vec3, upLps: Vec3): EdgeLabels {
  return {
    left: orientationLabel(scale(rightLps, -1)),
    right: orientationLabel(rightLps),
    top: orientationLabel(upLps),
    bottom: orientationLabel(scale(upLps, -1)),
  };
}
