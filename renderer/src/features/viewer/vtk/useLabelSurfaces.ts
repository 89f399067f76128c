/**
 * Label masks in the 3D view: each mask a closed surface in its own colour (marching cubes on
 * the smoothed mask, see model/volumeLabels), placed in patient LPS by the series grid's
 * direction and origin. The surfaces are drawn in a layer over the volume rendering, through
 * the same camera: a lesion inside the liver would otherwise be hidden by the parenchyma the
 * preset makes opaque; the surfaces still hide one another by depth, and turning the volume
 * shows where each lies. Surfaces are made when a label arrives or its version changes, and
 * every vtk object is deleted when the label goes, the view goes, or the component unmounts.
 */
import { useEffect, useRef, useState } from 'react';
import '@kitware/vtk.js/Rendering/OpenGL/Actor';
import '@kitware/vtk.js/Rendering/OpenGL/PolyDataMapper';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import type { VolumeGeometry } from '../../../../../core/api/types';
import { SURFACE_LEVEL, surfaceField, surfaceStep, type VolumeLabel } from '../model/volumeLabels';
import type { Rgb } from '../model/lesionColours';
import type { VtkView } from './useVtkView';

/** What the view shows of a label (for the legend and the e2e checks): plain numbers. */
export interface LabelSurfaceInfo {
  key: string;
  name: string;
  rgb: Rgb;
  triangles: number;
}

interface Surface {
  version: string;
  info: LabelSurfaceInfo;
  actor: vtkActor;
  mapper: vtkMapper;
  polyData: vtkPolyData;
}

/** Column-major 4×4 from scaled voxel index space (i·sx, j·sy, k·sz) to LPS: the grid's rotation and origin. */
function gridMatrix(geometry: VolumeGeometry): Float32Array {
  const d = geometry.direction;
  const o = geometry.originMm;
  return Float32Array.from([d[0], d[1], d[2], 0, d[3], d[4], d[5], 0, d[6], d[7], d[8], 0, o[0], o[1], o[2], 1]);
}

function makeSurface(label: VolumeLabel, geometry: VolumeGeometry): Surface {
  const field = surfaceField(label.crop, surfaceStep(label.crop));
  const spacing = geometry.spacingMm;
  const image = vtkImageData.newInstance();
  image.setDimensions(...field.dims);
  image.setSpacing(spacing.map((s) => s * field.stepVoxels) as [number, number, number]);
  image.setOrigin(field.originIjk.map((v, a) => v * spacing[a]) as [number, number, number]);
  image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'inside', numberOfComponents: 1, values: field.values }));
  const marching = vtkImageMarchingCubes.newInstance({ contourValue: SURFACE_LEVEL, computeNormals: true, mergePoints: true });
  marching.setInputData(image);
  const polyData = marching.getOutputData() as vtkPolyData;
  marching.delete();
  image.delete();

  const mapper = vtkMapper.newInstance({ scalarVisibility: false });
  mapper.setInputData(polyData);
  const actor = vtkActor.newInstance();
  actor.setMapper(mapper);
  actor.setUserMatrix(gridMatrix(geometry));
  const property = actor.getProperty();
  const [r, g, b] = label.rgb;
  property.setColor(r / 255, g / 255, b / 255);
  property.setAmbient(0.25);
  property.setDiffuse(0.8);
  property.setSpecular(0.25);
  property.setSpecularPower(20);
  const triangles = polyData.getPolys().getNumberOfCells();
  return { version: label.version, info: { key: label.key, name: label.name, rgb: label.rgb, triangles }, actor, mapper, polyData };
}

function deleteSurface(s: Surface): void {
  s.actor.delete();
  s.mapper.delete();
  s.polyData.delete();
}

/**
 * Draw `labels` in `view` (masks on the grid of `geometry`, the full-resolution series grid);
 * returns what is drawn, in the labels' order.
 */
export function useLabelSurfaces(view: VtkView | null, geometry: VolumeGeometry | null, labels: readonly VolumeLabel[], visible: boolean): LabelSurfaceInfo[] {
  const layerRef = useRef<{ renderer: vtkRenderer; surfaces: Map<string, Surface> } | null>(null);
  const [drawn, setDrawn] = useState<LabelSurfaceInfo[]>([]);

  // The layer and its surfaces live as long as the view and the grid they are placed on.
  useEffect(() => {
    if (!view || !geometry) return;
    const surfaces = new Map<string, Surface>();
    // Over the volume (layer 1 keeps the volume's colours, clears the depth), through its camera;
    // the mouse still turns the volume's renderer, so the camera's clipping follows the volume.
    const renderer = vtkRenderer.newInstance();
    renderer.setLayer(1);
    renderer.setInteractive(false);
    renderer.setActiveCamera(view.renderer.getActiveCamera());
    view.renderWindow.setNumberOfLayers(2);
    view.renderWindow.addRenderer(renderer);
    layerRef.current = { renderer, surfaces };
    return () => {
      layerRef.current = null;
      for (const s of surfaces.values()) {
        renderer.removeActor(s.actor);
        deleteSurface(s);
      }
      surfaces.clear();
      // When the whole view unmounts, its render window (useVtkView) is torn down first.
      if (!view.renderWindow.isDeleted()) {
        view.renderWindow.removeRenderer(renderer);
        view.renderWindow.setNumberOfLayers(1);
        view.requestRender();
      }
      renderer.delete();
      setDrawn([]);
    };
  }, [view, geometry]);

  // Bring the surfaces in step with the labels: new and changed ones made, gone ones deleted.
  useEffect(() => {
    const layer = layerRef.current;
    if (!view || !geometry || !layer) return;
    const { renderer, surfaces } = layer;
    const wanted = new Map(labels.map((l) => [l.key, l]));
    let changed = false;
    for (const [key, s] of surfaces) {
      const label = wanted.get(key);
      if (label && label.version === s.version && label.name === s.info.name && label.rgb.join() === s.info.rgb.join()) continue;
      renderer.removeActor(s.actor);
      deleteSurface(s);
      surfaces.delete(key);
      changed = true;
    }
    for (const label of labels) {
      if (surfaces.has(label.key) || label.crop.voxelCount === 0) continue;
      const s = makeSurface(label, geometry);
      s.actor.setVisibility(visible);
      renderer.addActor(s.actor);
      surfaces.set(label.key, s);
      changed = true;
    }
    if (changed) view.requestRender();
    setDrawn(labels.flatMap((l) => surfaces.get(l.key)?.info ?? []));
    // `visible` is applied by the effect below (a new surface is made hidden or shown as it is then).
  }, [view, geometry, labels]);

  useEffect(() => {
    const layer = layerRef.current;
    if (!view || !layer) return;
    for (const s of layer.surfaces.values()) s.actor.setVisibility(visible);
    view.requestRender();
  }, [view, visible, drawn]);

  return drawn;
}
