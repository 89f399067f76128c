/**
 * TEST HOOKS for the end-to-end specs (e2e/*.e2e.ts) — not part of the product.
 *
 * The specs drive the production build (serve mode serves out/renderer), so the hooks ship
 * with it, but apart: renderer/src/main.tsx imports this module dynamically, only when the
 * page is opened with `?e2e=1`, so it is its own chunk that a reader's browser never loads.
 * It sets one global, `window.__longitudeDebug` (frozen), and nothing else. It exposes the
 * same pure geometry the views render with, so a test can find a lesion's pixels at their
 * expected place on screen without reaching into vtk.js, and it can only do what a click can
 * (move the crosshair, choose a lesion): no API access, no clinical data written.
 */
import type { Vec3 } from '../../../../core/api/types';
import { appStore, type AppState } from '../../app/appStore';
import { selectLesion } from '../lesions';
import { toolStore, type ToolState } from '../tools';
import {
  viewportActions,
  viewportStore,
  type GroupId,
  type ViewportGroup,
  type ViewportState,
  canvasToWorld,
  clampToVolume,
  sliceCamera,
  sliceIndexAt,
  worldToCanvas,
  type SliceViewKind,
} from '../viewer';

/** A slice view by its test-id name: "axial" (group a) or "axial-b" (the comparison exam). */
export type DebugViewName = SliceViewKind | `${SliceViewKind}-b`;

/** The app state, group a's viewer state at the top level (as before groups), and the rest. */
export type DebugState = AppState & ViewportGroup & { viewport: ViewportState; tools: ToolState };

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
  worldToCanvas(view: DebugViewName, lpsMm: Vec3): CanvasPoint | null;
  canvasToWorld(view: DebugViewName, x: number, y: number): Vec3 | null;
  sliceIndexAt(view: DebugViewName, lpsMm: Vec3): number | null;
  /** Move the linked crosshair (all views' slices) of a group to an LPS point, as a click would. */
  setCursor(lpsMm: Vec3, group?: GroupId): void;
  getState(): DebugState;
  /** Choose a lesion as the lesion table does (the viewer centres on it). */
  selectLesion(lesionId: number | null): void;
}

declare global {
  interface Window {
    __longitudeDebug?: LongitudeDebug;
  }
}

function parseView(name: DebugViewName): { group: GroupId; kind: SliceViewKind } {
  return name.endsWith('-b') ? { group: 'b', kind: name.slice(0, -2) as SliceViewKind } : { group: 'a', kind: name as SliceViewKind };
}

function cameraFor(name: DebugViewName) {
  const { group, kind } = parseView(name);
  const { geometry, cursorLps, viewTransforms, viewportsPx } = viewportStore.getState().groups[group];
  if (!geometry || !cursorLps) return null;
  return { geometry, cursorLps, camera: sliceCamera(geometry, kind, viewTransforms[kind], cursorLps, viewportsPx[kind]) };
}

function canvasRect(view: DebugViewName): DOMRect | null {
  return document.querySelector(`[data-testid="view-${view}"] .vtk-host`)?.getBoundingClientRect() ?? null;
}

export function installDebugHooks(): void {
  // main.tsx checks this too, before fetching the chunk; a second look costs nothing.
  if (new URLSearchParams(window.location.search).get('e2e') !== '1') return;
  window.__longitudeDebug = Object.freeze<LongitudeDebug>({
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
    setCursor(lpsMm, group = 'a') {
      const { geometry } = viewportStore.getState().groups[group];
      if (geometry) viewportActions.setCursor(group, clampToVolume(geometry, lpsMm.map(Number) as Vec3));
    },
    getState: () => {
      const viewport = viewportStore.getState();
      return { ...appStore.getState(), ...viewport.groups.a, series: viewport.groups.a.series, viewport, tools: toolStore.getState() };
    },
    selectLesion,
  });
}
