/**
 * Opens a series volume and streams it into a vtkImageData that the views share.
 *
 * The image is allocated at once with the full geometry (so every view can frame it
 * and the first slice can be drawn), then filled chunk by chunk from the middle
 * outwards; the views redraw as chunks arrive. The vtkImageData lives and dies with
 * this hook.
 *
 * Opening is bound by the page's main thread, which also reads the HTTP response bodies
 * and, under software GL, shares two cores with the server's decoding and the GPU
 * process. So nothing touches the whole volume before the first slice: the middle chunk
 * is asked for as soon as the geometry is known, the scalar range is kept from the chunks
 * instead of vtk.js scanning every voxel, the slices still missing are set to air a few
 * at a time between other tasks, and while the rest streams in the views redraw a few
 * times a second rather than once per chunk.
 */
import { useLayoutEffect, useState } from 'react';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { ApiClient } from '../../../api';
import { actions } from '../../../app/appStore';
import { viewportActions, viewportStore, type GroupId } from '../model/viewportStore';
import type { LoadedVolume } from '../model/sliceTools';
import { chunkOrder } from './chunkOrder';

/** Not-yet-loaded voxels read as air, so unloaded slices are black, not mid-grey. */
const UNLOADED_HU = -1024;
/** Two requests in flight: the next chunk is already on its way while one is copied. */
const PARALLEL_CHUNK_REQUESTS = 2;
/**
 * After the middle chunk (the server's preferred size, so it is ready soonest), chunks this
 * many times larger: fewer round trips, each still only a few MB.
 */
const LATER_CHUNK_FACTOR = 4;
/** Slices set to air per step: a few MB, a few ms, so a response body is never kept waiting. */
const AIR_FILL_SLICES = 8;
/**
 * While the volume streams in, views and progress redraw at most this often (the first
 * and last chunks at once): under software GL every redraw composites the whole page, and
 * redrawing per chunk cost the GPU process more CPU than the server spent decoding.
 */
const REDRAW_INTERVAL_MS = 150;

/** What a slice of the volume holds so far. */
const ZERO = 0; // allocated, not written: reads as water, so it is never drawn
const AIR = 1; // the stand-in for its data
const DATA = 2;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Lets queued tasks (network reads, rendering, input) run between steps of a long job. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function rangeOf(values: Int16Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * The volume of `seriesId` for viewport `group`: its load progress, geometry and opening
 * errors go to that group's state (group a's also to the app's open series).
 */
export function useVolumeImage(api: ApiClient, group: GroupId, seriesId: number | null): LoadedVolume | null {
  const [volume, setVolume] = useState<LoadedVolume | null>(null);

  // A layout effect, so the requests leave before the views' effects create their WebGL
  // contexts, which block the main thread.
  useLayoutEffect(() => {
    // Reset the group before it paints, so no view frames the new series with the old geometry.
    viewportActions.beginOpen(group, seriesId);
    if (seriesId === null) return;
    let cancelled = false;
    let imageData: vtkImageData | null = null;
    let shown = false;
    let redrawTimer: ReturnType<typeof setTimeout> | undefined;
    const seriesRequest = api.getSeries(seriesId);
    seriesRequest.catch(() => undefined); // reported where it is awaited

    void (async () => {
      try {
        const info = await api.openVolume(seriesId);
        if (cancelled) return;
        const { geometry } = info;
        const [nx, ny, nz] = geometry.dims;
        const sliceVoxels = nx * ny;
        // Zero-filled and committed lazily: writing all of it here would hold up the first slice.
        const voxels = new Int16Array(sliceVoxels * nz);
        const sliceState = new Uint8Array(nz);
        let slicesLoaded = 0;
        let slicesDrawable = 0;

        const image = vtkImageData.newInstance();
        image.setDimensions(nx, ny, nz);
        image.setSpacing([...geometry.spacingMm]);
        image.setOrigin([...geometry.originMm]);
        // Both are column-major with columns = voxel axes in LPS, so it passes straight through.
        image.setDirection(geometry.direction);
        const scalars = vtkDataArray.newInstance({ name: 'HU', numberOfComponents: 1, values: voxels });
        // vtk.js would scan every voxel for the range on the first draw (and keep that stale
        // value); it is kept from the chunks instead: the loaded data, and air while slices miss.
        const loadedRange = { min: Infinity, max: -Infinity };
        const updateRange = (): void => {
          const missing = slicesLoaded < nz;
          scalars.setRange(
            {
              min: missing ? Math.min(loadedRange.min, UNLOADED_HU) : loadedRange.min,
              max: missing ? Math.max(loadedRange.max, UNLOADED_HU) : loadedRange.max,
            },
            0,
          );
        };
        updateRange();
        image.getPointData().setScalars(scalars);
        imageData = image;
        viewportActions.setLoad(group, { sliceCount: nz, slicesLoaded: 0, complete: false, error: null });

        let lastRedraw = -Infinity;
        const redraw = (): void => {
          clearTimeout(redrawTimer);
          redrawTimer = undefined;
          lastRedraw = performance.now();
          scalars.modified();
          image.modified();
          viewportActions.setLoad(group, {
            slicesLoaded,
            complete: slicesLoaded === nz,
            revision: viewportStore.getState().groups[group].load.revision + 1,
          });
        };
        const requestRedraw = (now: boolean): void => {
          if (now) redraw();
          else if (redrawTimer === undefined) {
            redrawTimer = setTimeout(redraw, Math.max(0, lastRedraw + REDRAW_INTERVAL_MS - performance.now()));
          }
        };

        const order = chunkOrder(nz, info.chunkSlices, info.chunkSlices * LATER_CHUNK_FACTOR);
        const queue = [...order];
        const fetchChunks = async (): Promise<void> => {
          for (let chunk = queue.shift(); chunk && !cancelled; chunk = queue.shift()) {
            const bytes = await api.getVolumeChunk(seriesId, chunk.firstSlice, chunk.sliceCount);
            if (cancelled) return;
            const expectedBytes = chunk.sliceCount * sliceVoxels * 2;
            if (bytes.byteLength !== expectedBytes) {
              throw new Error(
                `slices ${chunk.firstSlice}–${chunk.firstSlice + chunk.sliceCount - 1} came back with ${bytes.byteLength} bytes, expected ${expectedBytes}`,
              );
            }
            const chunkVoxels = new Int16Array(bytes);
            voxels.set(chunkVoxels, chunk.firstSlice * sliceVoxels);
            for (let k = chunk.firstSlice; k < chunk.firstSlice + chunk.sliceCount; k++) {
              if (sliceState[k] === ZERO) slicesDrawable++;
              sliceState[k] = DATA;
            }
            const chunkRange = rangeOf(chunkVoxels);
            loadedRange.min = Math.min(loadedRange.min, chunkRange.min);
            loadedRange.max = Math.max(loadedRange.max, chunkRange.max);
            slicesLoaded += chunk.sliceCount;
            updateRange();
            // The middle chunk holds the slice every view opens on: it is drawn at once.
            requestRedraw(chunk === order[0] || slicesLoaded === nz);
          }
        };
        const fetching = Promise.all(Array.from({ length: PARALLEL_CHUNK_REQUESTS }, fetchChunks));
        fetching.catch(() => undefined); // reported where it is awaited

        // Air into the slices not yet loaded, middle first (where the views open), so the
        // views can draw them black, and have their GL set up, before the data arrives.
        const fillMissingWithAir = async (): Promise<void> => {
          for (const piece of chunkOrder(nz, AIR_FILL_SLICES)) {
            await yieldToEventLoop();
            if (cancelled) return;
            let filled = false;
            for (let k = piece.firstSlice; k < piece.firstSlice + piece.sliceCount; k++) {
              if (sliceState[k] !== ZERO) continue;
              voxels.fill(UNLOADED_HU, k * sliceVoxels, (k + 1) * sliceVoxels);
              sliceState[k] = AIR;
              slicesDrawable++;
              filled = true;
            }
            if (filled) requestRedraw(false);
          }
        };
        const filling = fillMissingWithAir();

        const series = await seriesRequest;
        if (cancelled) return;
        setVolume({
          seriesId,
          imageData: image,
          geometry,
          voxels,
          huAt([i, j, k]) {
            if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz || sliceState[k] !== DATA) return null;
            return voxels[i + j * nx + k * sliceVoxels];
          },
          isSliceLoaded: (k) => sliceState[k] === DATA,
          isSliceDrawable: (k) => sliceState[k] === DATA || sliceState[k] === AIR,
          isEverySliceDrawable: () => slicesDrawable === nz,
        });
        viewportActions.seriesOpened(group, series, geometry);
        if (group === 'a') actions.seriesOpened(series);
        shown = true;
        await Promise.all([fetching, filling]);
      } catch (error) {
        if (cancelled) return;
        const message = `Could not load series ${seriesId}: ${describe(error)}`;
        if (shown) viewportActions.setLoad(group, { error: message });
        else {
          cancelled = true; // stop streaming a volume that will not be shown
          clearTimeout(redrawTimer);
          viewportActions.openFailed(group, message);
          if (group === 'a') actions.openFailed(message);
        }
      }
    })();

    return () => {
      cancelled = true;
      clearTimeout(redrawTimer);
      setVolume(null);
      imageData?.delete();
    };
  }, [api, group, seriesId]);

  // Drop a volume of the previous series in the same render that changes the series, so the
  // views release their mappers in the same commit in which the image is deleted.
  return volume && volume.seriesId === seriesId ? volume : null;
}
