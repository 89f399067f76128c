/**
 * The seam between a slice view and the reading tools drawn on it (measurements,
 * masks). The view knows nothing about them: it tells them what it shows, hands them the
 * left mouse button when they ask for it, and places their layers over the image.
 */
import type { ComponentType, PointerEvent } from 'react';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Vec3, VolumeGeometry } from '../../../../../core/api/types';
import type { GroupId } from './viewportStore';
import { sliceCamera, sliceIndexAt, type SliceCamera, type SliceViewKind, type ViewFrame, type ViewTransform } from './viewGeometry';
import { directionColumn, dot, indexToLps, lpsToIndex } from '../../../../../core/dicom/geometry';

/** A series volume as loaded for the views (features/viewer/vtk/useVolumeImage streams it in). */
export interface LoadedVolume {
  seriesId: number;
  imageData: vtkImageData;
  geometry: VolumeGeometry;
  /**
   * The voxels (Int16 HU, x fastest), shared with the image: read-only for everyone else.
   * Slices not loaded yet hold air or zeros (see isSliceLoaded).
   */
  voxels: Int16Array;
  /** HU at a voxel index, null outside the volume or while its slice has not arrived. */
  huAt(voxel: Vec3): number | null;
  isSliceLoaded(k: number): boolean;
  /** Whether slice k holds its data or, until then, air: drawing it shows nothing false. */
  isSliceDrawable(k: number): boolean;
  /** Whether every slice is drawable, so a view across the slices can be drawn. */
  isEverySliceDrawable(): boolean;
}

/** What a slice view shows right now. */
export interface SliceViewState {
  group: GroupId;
  kind: SliceViewKind;
  seriesId: number;
  camera: SliceCamera;
  geometry: VolumeGeometry;
  cursorLps: Vec3;
  /** A point on the centre plane of the slice on screen (LPS mm): tools draw on this plane. */
  slicePlaneLps: Vec3;
  sliceIndex: number;
  /** Distance between neighbouring slices along the view normal (mm). */
  sliceSpacingMm: number;
  volume: LoadedVolume | null;
}

export type CanvasPx = [number, number];

export interface SliceTools {
  /** Drawn over the image, under the crosshair and corner text (mask overlays). */
  Underlay: ComponentType<{ view: SliceViewState }>;
  /** Drawn over everything; its root lets the mouse through, its own controls may take it. */
  Overlay: ComponentType<{ view: SliceViewState }>;
  /** Left press (without shift) on the image. True: the tool takes this drag. */
  pointerDown(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): boolean;
  pointerMove(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): void;
  pointerUp(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): void;
  /** The mouse moved over the view with no button down (null: it left). Returns a CSS cursor or null. */
  hover(view: SliceViewState, px: CanvasPx | null): string | null;
}

/** The centre plane point of the slice containing `lps` (the slice on screen). */
export function slicePlanePoint(geometry: VolumeGeometry, frame: ViewFrame, lps: Vec3): Vec3 {
  const ijk = lpsToIndex(geometry, lps);
  ijk[frame.sliceAxis] = sliceIndexAt(geometry, frame, lps);
  return indexToLps(geometry, ijk);
}

/** Spacing between slices along the view normal (mm). */
export function sliceSpacingAlongNormal(geometry: VolumeGeometry, frame: ViewFrame): number {
  const column = directionColumn(geometry.direction, frame.sliceAxis);
  return geometry.spacingMm[frame.sliceAxis] * Math.abs(dot(column, frame.dop));
}

export function makeSliceViewState(
  group: GroupId,
  kind: SliceViewKind,
  seriesId: number,
  geometry: VolumeGeometry,
  transform: ViewTransform,
  cursorLps: Vec3,
  viewportPx: [number, number],
  volume: LoadedVolume | null,
): SliceViewState {
  const camera = sliceCamera(geometry, kind, transform, cursorLps, viewportPx);
  return {
    group,
    kind,
    seriesId,
    camera,
    geometry,
    cursorLps,
    slicePlaneLps: slicePlanePoint(geometry, camera.frame, cursorLps),
    sliceIndex: sliceIndexAt(geometry, camera.frame, cursorLps),
    sliceSpacingMm: sliceSpacingAlongNormal(geometry, camera.frame),
    volume,
  };
}
