/**
 * Display presets for CT in Hounsfield units.
 *
 * Window/level: the conventional values (Radiopaedia, "Windowing (CT)"; RSNA/ACR
 * teaching files use the same within ±10 HU). Liver follows the portal-venous
 * liver window: centred just below enhancing parenchyma (~100 HU) so hypodense
 * metastases stand out.
 */
export interface WindowPreset {
  id: 'abdomen' | 'liver' | 'lung' | 'bone';
  label: string;
  widthHu: number;
  centerHu: number;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'abdomen', label: 'Abdomen', widthHu: 400, centerHu: 40 },
  { id: 'liver', label: 'Liver', widthHu: 150, centerHu: 90 },
  { id: 'lung', label: 'Lung', widthHu: 1500, centerHu: -600 },
  { id: 'bone', label: 'Bone', widthHu: 2000, centerHu: 500 },
];

export const DEFAULT_WINDOW = WINDOW_PRESETS[0];

/** Narrowest window a drag can reach; a zero width would divide by zero in the shader. */
export const MIN_WINDOW_WIDTH_HU = 1;

/**
 * 3D volume-rendering presets: colour and opacity transfer functions over HU.
 * Bone follows 3D Slicer's "CT-Bone" preset; soft tissue is tuned for contrast CT of
 * the abdomen: fat and air transparent, enhancing organs and vessels warm and
 * semi-opaque, bone white. Without gradient opacity, opacities are kept low.
 */
export interface VolumePreset {
  id: 'softTissue' | 'bone';
  label: string;
  /** [HU, r, g, b] with r, g, b in 0..1 */
  colorPoints: [number, number, number, number][];
  /** [HU, opacity 0..1] */
  opacityPoints: [number, number][];
  shade: boolean;
  ambient: number;
  diffuse: number;
  specular: number;
  specularPower: number;
}

export const VOLUME_PRESETS: readonly VolumePreset[] = [
  {
    id: 'softTissue',
    label: 'Soft tissue',
    colorPoints: [
      [-1024, 0, 0, 0],
      [-80, 0.55, 0.25, 0.15],
      [40, 0.88, 0.45, 0.35],
      [120, 0.95, 0.7, 0.55],
      [300, 1, 0.95, 0.88],
      [1500, 1, 1, 1],
    ],
    opacityPoints: [
      [-1024, 0],
      [-60, 0],
      [30, 0.06],
      [100, 0.18],
      [250, 0.5],
      [1500, 0.8],
    ],
    shade: true,
    ambient: 0.25,
    diffuse: 0.75,
    specular: 0.2,
    specularPower: 10,
  },
  {
    id: 'bone',
    label: 'Bone',
    // Colours from 3D Slicer's "CT-Bone". Its opacity ramp starts at −16 HU and relies on
    // gradient opacity to hide soft tissue; without it we start the ramp at 150 HU.
    colorPoints: [
      [-3024, 0, 0, 0],
      [-16.4458, 0.729412, 0.254902, 0.301961],
      [641.385, 0.905882, 0.815686, 0.552941],
      [3071, 1, 1, 1],
    ],
    opacityPoints: [
      [-3024, 0],
      [150, 0],
      [641.385, 0.715686],
      [3071, 0.705882],
    ],
    shade: true,
    ambient: 0.1,
    diffuse: 0.9,
    specular: 0.2,
    specularPower: 10,
  },
];
