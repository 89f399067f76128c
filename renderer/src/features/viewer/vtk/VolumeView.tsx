/**
 * The 3D view: GPU ray-cast volume rendering (vtkVolume + vtkVolumeMapper) of the
 * shared volume with a CT preset, rotated with vtk's trackball style. It starts once
 * every slice has arrived — uploading a 3D texture per chunk would cost more than it
 * shows. A large volume is drawn from its own half-resolution copy (see downsample.ts),
 * which the view makes and deletes with its pipeline. Orientation labels follow the camera.
 * Label masks handed in (the lesions) are drawn as surfaces in their colours, with a legend,
 * and can be hidden (useLabelSurfaces).
 */
import { useEffect, useRef, useState } from 'react';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import type { Vec3 } from '../../../../../core/api/types';
import { useStore } from '../../../app/createStore';
import { useGroup, viewportActions, viewportStore } from '../model/viewportStore';
import { downsampleXY, shouldDownsampleFor3d } from './downsample';
import { VOLUME_PRESETS } from '../model/presets';
import type { LoadedVolume } from '../model/sliceTools';
import { useVtkView } from './useVtkView';
import { useLabelSurfaces } from './useLabelSurfaces';
import { cssRgb } from '../model/lesionColours';
import type { VolumeLabel } from '../model/volumeLabels';
import { edgeLabels, volumeCenterLps, type EdgeLabels } from '../model/viewGeometry';
import { cross, normalizeOrZero, sub } from '../../../../../core/dicom/geometry';

interface Pipeline {
  actor: vtkVolume;
  mapper: vtkVolumeMapper;
  color: vtkColorTransferFunction;
  opacity: vtkPiecewiseFunction;
  /** 1 = the shared volume, 2 = its own copy at half the in-plane resolution. */
  reduction: 1 | 2;
}

const NO_LABELS: readonly VolumeLabel[] = [];

export function VolumeView({ volume, labels = NO_LABELS }: { volume: LoadedVolume | null; labels?: readonly VolumeLabel[] }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const complete = useGroup('a', (g) => g.load.complete);
  const load = useGroup('a', (g) => g.load);
  // The render window is made once there is a volume to draw, and then kept: its WebGL
  // context would otherwise be made while the first slices are awaited.
  const [windowWanted, setWindowWanted] = useState(false);
  if (complete && !windowWanted) setWindowWanted(true);
  const view = useVtkView(hostRef, 'a', '3d', { trackball: true, background: [0.02, 0.02, 0.03], enabled: windowWanted });
  const presetId = useStore(viewportStore, (s) => s.volumePresetId);
  const [pipeline, setPipeline] = useState<Pipeline | null>(null);
  const [orientation, setOrientation] = useState<EdgeLabels | null>(null);
  const labelsVisible = useStore(viewportStore, (s) => s.volumeLabelsVisible);
  const surfaces = useLabelSurfaces(pipeline ? view : null, volume?.geometry ?? null, labels, labelsVisible);

  useEffect(() => {
    if (!view || !volume || !complete) return;
    // A large volume gets its own half-resolution copy: vtk.js makes a Float32 texture
    // copy of whatever it is given, and that of the full volume is the page's largest block.
    let ownImage: vtkImageData | null = null;
    let geometry = volume.geometry;
    if (shouldDownsampleFor3d(volume.geometry)) {
      const reduced = downsampleXY(volume.voxels, volume.geometry);
      geometry = reduced.geometry;
      ownImage = vtkImageData.newInstance();
      ownImage.setDimensions(...geometry.dims);
      ownImage.setSpacing([...geometry.spacingMm]);
      ownImage.setOrigin([...geometry.originMm]);
      ownImage.setDirection(geometry.direction);
      const scalars = vtkDataArray.newInstance({ name: 'HU', numberOfComponents: 1, values: reduced.voxels });
      const full = volume.imageData.getPointData().getScalars().getRange(0);
      scalars.setRange({ min: full[0], max: full[1] }, 0);
      ownImage.getPointData().setScalars(scalars);
    }
    const mapper = vtkVolumeMapper.newInstance();
    mapper.setInputData(ownImage ?? volume.imageData);
    const spacing = geometry.spacingMm;
    // Half the finest voxel spacing: fine enough for CT, coarse enough for software GL.
    mapper.setSampleDistance(Math.max(0.5, Math.min(...spacing) * 0.7));
    mapper.setMaximumSamplesPerRay(2000);
    const actor = vtkVolume.newInstance();
    actor.setMapper(mapper);
    const color = vtkColorTransferFunction.newInstance();
    const opacity = vtkPiecewiseFunction.newInstance();
    const property = actor.getProperty();
    property.setRGBTransferFunction(0, color);
    property.setScalarOpacity(0, opacity);
    property.setInterpolationTypeToLinear();
    property.setScalarOpacityUnitDistance(0, Math.min(...spacing));
    view.renderer.addVolume(actor);

    // Start from the front (anterior view, head up), the way a 3D CT is first shown.
    const center = volumeCenterLps(volume.geometry);
    const camera = view.renderer.getActiveCamera();
    camera.setParallelProjection(false);
    camera.setFocalPoint(...center);
    camera.setPosition(center[0], center[1] - 1000, center[2]);
    camera.setViewUp(0, 0, 1);
    view.renderer.resetCamera();
    camera.zoom(1.3);
    view.renderer.resetCameraClippingRange();

    let frame = 0;
    const updateLabels = (): void => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const position = camera.getPosition() as Vec3;
        const focal = camera.getFocalPoint() as Vec3;
        const dop = normalizeOrZero(sub(focal, position));
        const up = normalizeOrZero(camera.getViewUp() as Vec3);
        setOrientation(edgeLabels(cross(dop, up), up));
      });
    };
    const subscription = camera.onModified(updateLabels);
    updateLabels();
    setPipeline({ actor, mapper, color, opacity, reduction: ownImage ? 2 : 1 });
    return () => {
      subscription.unsubscribe();
      if (frame) cancelAnimationFrame(frame);
      setPipeline(null);
      // When the whole view unmounts, its render window (useVtkView) is torn down first.
      if (!view.renderer.isDeleted()) {
        view.renderer.removeVolume(actor);
        view.requestRender();
      }
      actor.delete();
      mapper.delete();
      color.delete();
      opacity.delete();
      ownImage?.delete();
    };
  }, [view, volume, complete]);

  useEffect(() => {
    if (!view || !pipeline) return;
    const preset = VOLUME_PRESETS.find((p) => p.id === presetId) ?? VOLUME_PRESETS[0];
    pipeline.color.removeAllPoints();
    for (const [hu, r, g, b] of preset.colorPoints) pipeline.color.addRGBPoint(hu, r, g, b);
    pipeline.opacity.removeAllPoints();
    for (const [hu, alpha] of preset.opacityPoints) pipeline.opacity.addPoint(hu, alpha);
    const property = pipeline.actor.getProperty();
    property.setShade(preset.shade);
    property.setAmbient(preset.ambient);
    property.setDiffuse(preset.diffuse);
    property.setSpecular(preset.specular);
    property.setSpecularPower(preset.specularPower);
    view.requestRender();
  }, [view, pipeline, presetId]);

  const percent = load.sliceCount ? Math.floor((100 * load.slicesLoaded) / load.sliceCount) : 0;

  return (
    <div
      className="view view-3d"
      data-testid="view-3d"
      data-ready={pipeline ? 'true' : 'false'}
      data-reduction={pipeline?.reduction ?? undefined}
      data-labels={surfaces.length}
      data-labels-visible={labelsVisible ? 'true' : 'false'}
      onDoubleClick={() => viewportActions.toggleMaximized('a', '3d')}
    >
      <div className="vtk-host" ref={hostRef} />
      <div className="overlay">
        {orientation && pipeline && (
          <>
            <div className="orient orient-top" data-testid="orientation-3d-top">{orientation.top}</div>
            <div className="orient orient-bottom" data-testid="orientation-3d-bottom">{orientation.bottom}</div>
            <div className="orient orient-left" data-testid="orientation-3d-left">{orientation.left}</div>
            <div className="orient orient-right" data-testid="orientation-3d-right">{orientation.right}</div>
          </>
        )}
        {surfaces.length > 0 && labelsVisible && (
          <ul className="vr-legend" data-testid="vr-legend" aria-label="Lesion masks in 3D">
            {surfaces.map((s) => (
              <li key={s.key} data-testid="vr-label" data-key={s.key} data-name={s.name} data-rgb={s.rgb.join(',')} data-triangles={s.triangles}>
                <span className="vr-swatch" style={{ background: cssRgb(s.rgb) }} />
                {s.name}
              </li>
            ))}
          </ul>
        )}
        <div className="corner corner-tl">
          <span className="view-tag view-tag-3d">3D</span>
          {VOLUME_PRESETS.find((p) => p.id === presetId)?.label}
          {pipeline?.reduction === 2 && (
            <div className="dim" data-testid="vr-resolution" title="The 3D view draws a copy with every second voxel in x and y, to stay within memory; the slice views are at full resolution.">
              3D at ½ resolution
            </div>
          )}
        </div>
        {volume && !complete && !load.error && (
          <div className="view-message">3D view opens when the volume has loaded ({percent}%)</div>
        )}
        <div className="corner corner-br">drag: rotate · shift-drag: pan · wheel: zoom</div>
      </div>
    </div>
  );
}
