/**
 * model.json: what a local model is, what it expects and what it returns. A model folder
 * holds `model.onnx` and this manifest; nothing is downloaded at run time. The form can
 * describe an nnU-Net or MONAI export: CT clipping + z-score (nnU-Net "CTNormalization"),
 * target spacing, patch size, overlap, mirroring, softmax or sigmoid outputs.
 */

export type ModelTask = 'segmentation' | 'detection' | 'classification';

export interface CodedConcept {
  /** Coding scheme designator, e.g. "SCT" (SNOMED CT). */
  scheme: string;
  value: string;
  meaning: string;
}

/** What a label means to the workstation: proposals are made for lesions and organs. */
export type LabelRole = 'background' | 'organ' | 'lesion';
/** Lesion types of the registry a lesion label can propose. */
export const LESION_TYPES = ['metastasis', 'cyst', 'hemangioma', 'FNH', 'HCC', 'indeterminate'] as const;

export interface ModelLabel {
  /** Channel / label value in the output. */
  value: number;
  name: string;
  code?: CodedConcept;
  /** Default: value 0 is background, every other label a lesion. */
  role?: LabelRole;
  /** For lesion labels: the registry lesion type a proposal gets (default indeterminate). */
  lesionType?: (typeof LESION_TYPES)[number];
}

/** A label's role, with the default for manifests that do not say (nnU-Net/MONAI exports). */
export function labelRole(label: ModelLabel): LabelRole {
  return label.role ?? (label.value === 0 ? 'background' : 'lesion');
}

export type Normalization =
  | { type: 'ct-clip-zscore'; clipMinHu: number; clipMaxHu: number; mean: number; std: number }
  | { type: 'zscore' }
  | { type: 'scale'; inMin: number; inMax: number; outMin: number; outMax: number }
  | { type: 'none' };

export interface ModelManifest {
  id: string;
  version: string;
  /** SHA-256 of model.onnx, lowercase hex. */
  sha256: string;
  task: ModelTask;
  labels: ModelLabel[];
  input: {
    /** ONNX input tensor name. */
    name: string;
    /** Voxel spacing the model was trained at, [x, y, z] mm. */
    spacingMm: [number, number, number];
    /** Patient orientation of the array axes the model expects. */
    orientation: 'LPS' | 'RAS';
    channels: number;
    normalization: Normalization;
    /** Sliding-window patch, [x, y, z] voxels. */
    patchSize: [number, number, number];
    /** Fraction of a patch shared by neighbouring windows (0 ≤ overlap < 1). */
    overlap: number;
    /** Axes to mirror for test-time augmentation (0 = x, 1 = y, 2 = z). */
    mirrorAxes?: (0 | 1 | 2)[];
  };
  output: {
    name: string;
    activation: 'softmax' | 'sigmoid' | 'none';
    kind: 'probabilities' | 'logits' | 'boxes';
    channels: number;
  };
  card?: {
    trainedOn?: string;
    testDice?: number;
    intendedUse?: string;
    notForClinicalUse?: boolean;
  };
}

export type ManifestCheck = { ok: true; value: ModelManifest } | { ok: false; errors: string[] };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isVec3 = (v: unknown, positive: boolean): v is [number, number, number] =>
  Array.isArray(v) && v.length === 3 && v.every((x) => isNum(x) && (!positive || x > 0));

/** Check a parsed model.json; every problem is listed, each naming its field. */
export function validateManifest(json: unknown): ManifestCheck {
  const errors: string[] = [];
  if (!isObj(json)) return { ok: false, errors: ['model.json must be a JSON object'] };
  const m = json;
  if (!isStr(m.id) || !/^[a-z0-9][a-z0-9._-]*$/i.test(m.id)) errors.push('id: a name of letters, digits, ".", "_" or "-"');
  if (!isStr(m.version)) errors.push('version: required text, e.g. "1.0.0"');
  if (!isStr(m.sha256) || !/^[0-9a-f]{64}$/.test(m.sha256)) errors.push('sha256: the SHA-256 of model.onnx as 64 lowercase hex digits');
  if (!['segmentation', 'detection', 'classification'].includes(m.task as string)) errors.push('task: one of segmentation, detection, classification');
  if (!Array.isArray(m.labels) || m.labels.length === 0) errors.push('labels: at least one label');
  else
    m.labels.forEach((l, i) => {
      if (!isObj(l) || !Number.isInteger(l.value) || !isStr(l.name)) errors.push(`labels[${i}]: needs an integer value and a name`);
      else if (l.role !== undefined && !['background', 'organ', 'lesion'].includes(l.role as string)) errors.push(`labels[${i}].role: background, organ or lesion`);
      else if (l.lesionType !== undefined && !(LESION_TYPES as readonly unknown[]).includes(l.lesionType)) errors.push(`labels[${i}].lesionType: one of ${LESION_TYPES.join(', ')}`);
      else if (l.code !== undefined && (!isObj(l.code) || !isStr(l.code.scheme) || !isStr(l.code.value) || !isStr(l.code.meaning))) {
        errors.push(`labels[${i}].code: needs scheme, value and meaning`);
      }
    });
  const input = m.input;
  if (!isObj(input)) errors.push('input: required object');
  else {
    if (!isStr(input.name)) errors.push('input.name: the ONNX input tensor name');
    if (!isVec3(input.spacingMm, true)) errors.push('input.spacingMm: three positive numbers [x, y, z] in mm');
    if (input.orientation !== 'LPS' && input.orientation !== 'RAS') errors.push('input.orientation: LPS or RAS');
    if (!Number.isInteger(input.channels) || (input.channels as number) < 1) errors.push('input.channels: a positive integer');
    if (!isVec3(input.patchSize, true) || !(input.patchSize as number[]).every(Number.isInteger)) errors.push('input.patchSize: three positive integers [x, y, z]');
    if (!isNum(input.overlap) || input.overlap < 0 || input.overlap >= 1) errors.push('input.overlap: a fraction from 0 up to (not including) 1');
    if (input.mirrorAxes !== undefined && (!Array.isArray(input.mirrorAxes) || !input.mirrorAxes.every((a) => a === 0 || a === 1 || a === 2))) {
      errors.push('input.mirrorAxes: a list of axes 0, 1, 2');
    }
    const n = input.normalization;
    if (!isObj(n)) errors.push('input.normalization: required object with a type');
    else if (n.type === 'ct-clip-zscore') {
      if (!isNum(n.clipMinHu) || !isNum(n.clipMaxHu) || n.clipMinHu >= n.clipMaxHu) errors.push('input.normalization: clipMinHu < clipMaxHu');
      if (!isNum(n.mean) || !isNum(n.std) || n.std <= 0) errors.push('input.normalization: mean and a positive std');
    } else if (n.type === 'scale') {
      if (![n.inMin, n.inMax, n.outMin, n.outMax].every(isNum) || (n.inMin as number) >= (n.inMax as number)) errors.push('input.normalization: inMin < inMax, outMin, outMax');
    } else if (n.type !== 'zscore' && n.type !== 'none') errors.push('input.normalization.type: ct-clip-zscore, zscore, scale or none');
  }
  const output = m.output;
  if (!isObj(output)) errors.push('output: required object');
  else {
    if (!isStr(output.name)) errors.push('output.name: the ONNX output tensor name');
    if (!['softmax', 'sigmoid', 'none'].includes(output.activation as string)) errors.push('output.activation: softmax, sigmoid or none');
    if (!['probabilities', 'logits', 'boxes'].includes(output.kind as string)) errors.push('output.kind: probabilities, logits or boxes');
    if (!Number.isInteger(output.channels) || (output.channels as number) < 1) errors.push('output.channels: a positive integer');
    if (m.task === 'segmentation' && output.activation === 'softmax' && Array.isArray(m.labels) && output.channels !== m.labels.length) {
      errors.push(`output.channels (${String(output.channels)}) must equal the number of labels (${m.labels.length}) for a softmax segmentation`);
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: json as unknown as ModelManifest };
}

export interface OnnxTensorInfo {
  name: string;
  /** Dimensions; a symbolic or dynamic one is a string or -1. */
  dims: (number | string)[];
}

/**
 * Does the ONNX graph match the manifest? Input [N, C, z, y, x] with C = channels and, where
 * fixed, z/y/x = the patch; output [N, channels, …] (segmentation).
 */
export function checkOnnxIo(m: ModelManifest, io: { inputs: OnnxTensorInfo[]; outputs: OnnxTensorInfo[] }): string[] {
  const errors: string[] = [];
  const input = io.inputs.find((t) => t.name === m.input.name);
  const output = io.outputs.find((t) => t.name === m.output.name);
  const fixed = (d: number | string) => typeof d === 'number' && d > 0;
  if (!input) errors.push(`the model has no input "${m.input.name}" (it has ${io.inputs.map((t) => `"${t.name}"`).join(', ') || 'none'})`);
  else {
    if (input.dims.length !== 5) errors.push(`input "${input.name}" has ${input.dims.length} dimensions; expected 5 [N, C, z, y, x]`);
    else {
      if (fixed(input.dims[1]) && input.dims[1] !== m.input.channels) errors.push(`input "${input.name}" has ${input.dims[1]} channels; the manifest says ${m.input.channels}`);
      const [px, py, pz] = m.input.patchSize;
      const want = [pz, py, px];
      for (let a = 0; a < 3; a++) {
        const d = input.dims[2 + a];
        if (fixed(d) && d !== want[a]) errors.push(`input "${input.name}" axis ${['z', 'y', 'x'][a]} is ${d}; the manifest patch needs ${want[a]}`);
      }
    }
  }
  if (!output) errors.push(`the model has no output "${m.output.name}" (it has ${io.outputs.map((t) => `"${t.name}"`).join(', ') || 'none'})`);
  else if (m.task === 'segmentation' && output.dims.length === 5 && fixed(output.dims[1]) && output.dims[1] !== m.output.channels) {
    errors.push(`output "${output.name}" has ${output.dims[1]} channels; the manifest says ${m.output.channels}`);
  }
  return errors;
}
