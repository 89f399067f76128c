/**
 * Test-only hooks, installed when the page is opened with `?e2e=1`. They expose the
 * same pure geometry the views render with, so a test can find a lesion's pixels at
 * its expected place on screen without reaching into vtk.js.
 */
import type { Vec3 } from '../../../core/api/types';
import { actions, appStore, type AppState } from '../store/appStore';
import { canvasToWorld, clampToVolume, sliceCamera, sliceIndexAt, worldToCanvas, type SliceViewKind } from './viewGeometry';

export interface CanvasPoint {
  /** CSS pixels from the view canvas' top-left corner. */
  x: number;
  y: number;
  /** The same point in page (viewport) coordinates, for mouse events. */
  clientX: number;
  clientY: number;
  /** Whether the point falls inside the canvas. */
  inside: boolean;
}

export interface LongitudeDebug {
  worldToCanvas(view: SliceViewKind, lpsMm: Vec3): CanvasPoint | null;
  canvasToWorld(view: SliceViewKind, x: number, y: number): Vec3 | null;
  sliceIndexAt(view: SliceViewKind, lpsMm: Vec3): number | null;
  /** Move the linked crosshair (all views' slices) to an LPS point, as a click would. */
  setCursor(lpsMm: Vec3): void;
  getState(): AppState;
}

declare global {
  interface Window {
    __longitudeDebug?: LongitudeDebug;
  }
}

function cameraFor(view: SliceViewKind) {
  const { geometry, cursorLps, viewTransforms, viewportsPx } = appStore.getState();
  if (!geometry || !cursorLps) return null;
  return { geometry, cursorLps, camera: sliceCamera(geometry, view, viewTransforms[view], cursorLps, viewportsPx[view]) };
}

function canvasRect(view: SliceViewKind): DOMRect | null {
  return document.querySelector(`[data-testid="view-${view}"] .vtk-host`)?.getBoundingClientRect() ?? null;
}

export function installDebugHooks(): void {
  if (new URLSearchParams(window.location.search).get('e2e') !== '1') return;
  window.__longitudeDebug = {
    worldToCanvas(view, lpsMm) {
      const current = cameraFor(view);
      if (!current) return null;
      const [x, y] = worldToCanvas(current.camera, lpsMm.map(Number) as Vec3);
      const [w, h] = current.camera.viewportPx;
      const rect = canvasRect(view);
      return {
        x,
        y,
        clientX: (rect?.left ?? 0) + x,
        clientY: (rect?.top ?? 0) + y,
        inside: x >= 0 && y >= 0 && x < w && y < h,
      };
    },
    canvasToWorld(view, x, y) {
      const current = cameraFor(view);
      return current ? canvasToWorld(current.camera, [x, y], current.cursorLps) : null;
    },
    sliceIndexAt(view, lpsMm) {
      const current = cameraFor(view);
      return current ? sliceIndexAt(current.geometry, current.camera.frame, lpsMm) : null;
    },
    setCursor(lpsMm) {
      const { geometry } = appStore.getState();
      if (geometry) actions.setCursor(clampToVolume(geometry, lpsMm.map(Number) as Vec3));
    },
    getState: () => appStore.getState(),
  };
}
