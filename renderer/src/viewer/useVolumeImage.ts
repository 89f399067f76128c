/**
 * Opens a series volume and streams it into a vtkImageData that the views share.
 *
 * The image is allocated at once with the full geometry (so every view can frame it
 * and the first slice can be drawn), then filled chunk by chunk from the middle
 * outwards; each chunk marks the data modified so the views redraw. The vtkImageData
 * lives and dies with this hook.
 */
import { useEffect, useState } from 'react';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import type { ApiClient } from '../api';
import { actions, appStore } from '../store/appStore';
import { chunkOrder } from './chunkOrder';
import { initialCursorLps } from './viewGeometry';

/** Not-yet-loaded voxels read as air, so unloaded slices are black, not mid-grey. */
const UNLOADED_HU = -1024;
/** Two requests in flight: the next chunk is already on its way while one is copied. */
const PARALLEL_CHUNK_REQUESTS = 2;

export interface LoadedVolume {
  seriesId: number;
  imageData: vtkImageData;
  geometry: VolumeGeometry;
  /** HU at a voxel index, null outside the volume or while its slice has not arrived. */
  huAt(voxel: Vec3): number | null;
  isSliceLoaded(k: number): boolean;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function useVolumeImage(api: ApiClient, seriesId: number | null): LoadedVolume | null {
  const [volume, setVolume] = useState<LoadedVolume | null>(null);

  useEffect(() => {
    if (seriesId === null) return;
    let cancelled = false;
    let imageData: vtkImageData | null = null;

    void (async () => {
      try {
        const [info, series] = await Promise.all([api.openVolume(seriesId), api.getSeries(seriesId)]);
        if (cancelled) return;
        const { geometry } = info;
        const [nx, ny, nz] = geometry.dims;
        const sliceVoxels = nx * ny;
        const voxels = new Int16Array(sliceVoxels * nz).fill(UNLOADED_HU);
        const loaded = new Uint8Array(nz);

        const image = vtkImageData.newInstance();
        image.setDimensions(nx, ny, nz);
        image.setSpacing([...geometry.spacingMm]);
        image.setOrigin([...geometry.originMm]);
        // Both are column-major with columns = voxel axes in LPS, so it passes straight through.
        image.setDirection(geometry.direction);
        const scalars = vtkDataArray.newInstance({ name: 'HU', numberOfComponents: 1, values: voxels });
        image.getPointData().setScalars(scalars);
        imageData = image;

        setVolume({
          seriesId,
          imageData: image,
          geometry,
          huAt([i, j, k]) {
            if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz || !loaded[k]) return null;
            return voxels[i + j * nx + k * sliceVoxels];
          },
          isSliceLoaded: (k) => loaded[k] === 1,
        });
        actions.seriesOpened(series, geometry, initialCursorLps(geometry));
        actions.setLoad({ sliceCount: nz, slicesLoaded: 0, complete: false, error: null });

        const queue = chunkOrder(nz, info.chunkSlices);
        let slicesLoaded = 0;
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
            voxels.set(new Int16Array(bytes), chunk.firstSlice * sliceVoxels);
            loaded.fill(1, chunk.firstSlice, chunk.firstSlice + chunk.sliceCount);
            scalars.modified();
            image.modified();
            slicesLoaded += chunk.sliceCount;
            actions.setLoad({
              slicesLoaded,
              complete: slicesLoaded === nz,
              revision: appStore.getState().load.revision + 1,
            });
          }
        };
        await Promise.all(Array.from({ length: PARALLEL_CHUNK_REQUESTS }, fetchChunks));
      } catch (error) {
        if (cancelled) return;
        const message = `Could not load series ${seriesId}: ${describe(error)}`;
        if (imageData) actions.setLoad({ error: message });
        else actions.openFailed(message);
      }
    })();

    return () => {
      cancelled = true;
      setVolume(null);
      imageData?.delete();
    };
  }, [api, seriesId]);

  // Drop a volume of the previous series in the same render that changes the series, so the
  // views release their mappers in the same commit in which the image is deleted.
  return volume && volume.seriesId === seriesId ? volume : null;
}
