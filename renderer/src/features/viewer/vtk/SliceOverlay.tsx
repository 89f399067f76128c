/**
 * The DOM layer over a slice view: linked crosshair lines, orientation labels derived
 * from the camera, and the corner annotations a reader expects (patient, study,
 * image number, spacing, window).
 */
import type { Vec3, VolumeGeometry } from '../../../../../core/api/types';
import { useGroup, type GroupId } from '../model/viewportStore';
import { formatPersonName } from '../../../ui/format';
import { SLICE_VIEWS, edgeLabels, viewFrame, worldToCanvas, type SliceCamera, type SliceViewKind } from '../model/viewGeometry';
import { cross, dot, norm } from '../../../../../core/dicom/geometry';

export const VIEW_LABELS: Record<SliceViewKind | '3d', string> = {
  axial: 'AX',
  coronal: 'COR',
  sagittal: 'SAG',
  '3d': '3D',
};

/** Gap around the crosshair centre, so the lines never hide what is being pointed at. */
const CROSSHAIR_GAP_PX = 14;

interface Props {
  group: GroupId;
  kind: SliceViewKind;
  camera: SliceCamera;
  geometry: VolumeGeometry;
  cursorLps: Vec3;
  sliceIndex: number;
  sliceCount: number;
  sliceLoaded: boolean;
  zoom: number;
}

/** Group b's test ids carry a suffix (view-axial-b); group a's are unchanged. */
const suffixed = (kind: string, group: GroupId): string => (group === 'a' ? kind : `${kind}-b`);

function CrosshairLines({ group, kind, camera, geometry, cursorLps }: Pick<Props, 'group' | 'kind' | 'camera' | 'geometry' | 'cursorLps'>) {
  const [w, h] = camera.viewportPx;
  const [cx, cy] = worldToCanvas(camera, cursorLps);
  const reach = w + h;
  const lines = SLICE_VIEWS.filter((other) => other !== kind).flatMap((other) => {
    // The other view's plane cuts this one along (this normal × that normal).
    const along = cross(camera.frame.dop, viewFrame(other, geometry).dop);
    if (norm(along) < 1e-6) return [];
    const sx = dot(along, camera.frame.right);
    const sy = -dot(along, camera.frame.up);
    const length = Math.hypot(sx, sy);
    const [ux, uy] = [sx / length, sy / length];
    return [-1, 1].map((sign) => (
      <line
        key={`${other}${sign}`}
        className={`crosshair crosshair-${other}`}
        x1={cx + sign * ux * CROSSHAIR_GAP_PX}
        y1={cy + sign * uy * CROSSHAIR_GAP_PX}
        x2={cx + sign * ux * reach}
        y2={cy + sign * uy * reach}
      />
    ));
  });
  return (
    <svg className="crosshair-layer" width={w} height={h} data-testid={`crosshair-${suffixed(kind, group)}`} data-x={cx.toFixed(1)} data-y={cy.toFixed(1)}>
      {lines}
    </svg>
  );
}

export function SliceOverlay(props: Props) {
  const { group, kind, camera, geometry, cursorLps, sliceIndex, sliceCount, sliceLoaded, zoom } = props;
  const series = useGroup(group, (g) => g.series);
  const huWindow = useGroup(group, (g) => g.window);
  const id = suffixed(kind, group);
  const labels = edgeLabels(camera.frame.right, camera.frame.up);
  const axis = camera.frame.sliceAxis;
  const inPlane = [0, 1, 2].filter((a) => a !== axis);
  const spacing = geometry.spacingMm;

  return (
    <div className="overlay">
      <CrosshairLines group={group} kind={kind} camera={camera} geometry={geometry} cursorLps={cursorLps} />
      <div className="orient orient-top" data-testid={`orientation-${id}-top`}>{labels.top}</div>
      <div className="orient orient-bottom" data-testid={`orientation-${id}-bottom`}>{labels.bottom}</div>
      <div className="orient orient-left" data-testid={`orientation-${id}-left`}>{labels.left}</div>
      <div className="orient orient-right" data-testid={`orientation-${id}-right`}>{labels.right}</div>

      <div className="corner corner-tl">
        <div>
          <span className={`view-tag view-tag-${kind}`}>{VIEW_LABELS[kind]}</span>
          {series && <span className="strong">{formatPersonName(series.patient.name)}</span>}
        </div>
        {series && (
          <div>
            {series.patient.patientId}
            {series.patient.sex ? ` · ${series.patient.sex}` : ''}
            {series.patient.birthDate ? ` · ${series.patient.birthDate}` : ''}
          </div>
        )}
      </div>
      <div className="corner corner-tr">
        {series && (
          <>
            <div className="strong study-date" data-testid={`study-date-${id}`}>{series.study.date ?? 'no study date'}</div>
            <div>{series.study.description}</div>
            <div>{[series.seriesNumber !== null ? `Se ${series.seriesNumber}` : '', series.description].filter(Boolean).join(' · ')}</div>
          </>
        )}
      </div>
      <div className="corner corner-bl">
        <div data-testid={`slice-label-${id}`}>
          Im {sliceIndex + 1}/{sliceCount}
          {!sliceLoaded && <span className="loading-note"> · loading…</span>}
        </div>
        <div>
          Px {spacing[inPlane[0]].toFixed(2)}×{spacing[inPlane[1]].toFixed(2)} mm · Sp {spacing[axis].toFixed(2)} mm
        </div>
      </div>
      <div className="corner corner-br">
        <div>
          W {Math.round(huWindow.widthHu)} L {Math.round(huWindow.centerHu)}
        </div>
        <div>Zoom {zoom.toFixed(2)}×</div>
      </div>
    </div>
  );
}
