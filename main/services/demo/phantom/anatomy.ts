/**
 * The patient's body, defined analytically in the "anatomy frame": patient LPS
 * millimetres at the baseline exam (the baseline scan is the identity
 * placement; follow-ups move the whole body rigidly). z = 0 is mid-liver.
 *
 * Every structure is an implicit shape with an approximate signed distance
 * `d` (mm, negative inside). Shapes are composited outermost first with a
 * coverage ramp one pixel wide, which anti-aliases edges the way partial
 * volume does and avoids staircase artefacts in MPR.
 */
import type { Rng } from './rng';

/** Attenuation of each tissue in HU (portal venous phase contrast CT). */
export const TISSUE_HU = {
  air: -1000,
  lung: -850,
  fat: -100,
  skin: 30,
  muscle: 50,
  softTissue: 40,
  liver: 100,
  spleen: 115,
  kidneyCortex: 175,
  kidneyMedulla: 135,
  renalSinusFat: -70,
  aorta: 165,
  ivc: 135,
  heart: 130,
  cancellousBone: 450,
  corticalBone: 900,
  rib: 650,
  disc: 90,
  csf: 15,
} as const;

export interface EllipsoidShape {
  centreMm: [number, number, number];
  semiAxesMm: [number, number, number];
}

/** A liver lobe: an ellipsoid sheared in the sagittal plane and tapered along z. */
export interface LobeShape extends EllipsoidShape {
  /** dy/dz of the lobe's axis: positive moves the inferior part anteriorly (−y). */
  tiltYPerZ: number;
  /** Relative growth of the x and y semi-axes from the centre to the top (and shrink to the bottom). */
  taper: number;
}

const LOBE_STRIDE = 8;

interface Wave {
  /** Wave vector, rad/mm. */
  k: [number, number, number];
  phaseRad: number;
  amplitude: number;
}

/** Per-patient anatomy; all lengths in mm in the anatomy frame. */
export interface AnatomyParams {
  body: {
    /** Semi-axis to the skin, left–right. */
    lateralMm: number;
    anteriorMm: number;
    posteriorMm: number;
    skinMm: number;
    fatLateralMm: number;
    fatAnteriorMm: number;
    fatPosteriorMm: number;
    muscleMm: number;
  };
  liver: { lobes: LobeShape[]; waves: Wave[]; hu: number };
  spleen: EllipsoidShape;
  kidneys: EllipsoidShape[];
  /** Diaphragm domes: apex height (z) and apex x for the right and left side. */
  domes: { rightApexZMm: number; rightApexXMm: number; leftApexZMm: number; leftApexXMm: number };
  vertebraPhaseMm: number;
  bowelPhaseRad: [number, number, number];
}

export function sampleAnatomyParams(rng: Rng, liverHu: number = TISSUE_HU.liver): AnatomyParams {
  const size = rng.uniform(0.92, 1.08);
  const fat = rng.uniform(0.6, 1.6);
  const liverScale = rng.uniform(0.88, 1.0);
  const wave = (): Wave => {
    const dir = [rng.gaussian(), rng.gaussian(), rng.gaussian()];
    const n = Math.hypot(dir[0], dir[1], dir[2]);
    const wavelengthMm = rng.uniform(80, 150);
    const k = (2 * Math.PI) / wavelengthMm;
    return {
      k: [(k * dir[0]) / n, (k * dir[1]) / n, (k * dir[2]) / n],
      phaseRad: rng.uniform(0, 2 * Math.PI),
      amplitude: rng.uniform(0.025, 0.05),
    };
  };
  const jitter = (mm: number) => rng.uniform(-mm, mm);
  return {
    body: {
      lateralMm: 158 * size,
      anteriorMm: 112 * size,
      posteriorMm: 106 * size,
      skinMm: 2,
      fatLateralMm: 20 * fat,
      fatAnteriorMm: 22 * fat,
      fatPosteriorMm: 13 * fat,
      muscleMm: 10,
    },
    liver: {
      // Right lobe (patient right = negative x) and the left lobe reaching
      // across the midline anteriorly.
      lobes: [
        {
          centreMm: [-60 * size + jitter(3), 6 + jitter(3), jitter(3)],
          semiAxesMm: [72 * liverScale, 76 * liverScale, 82 * liverScale],
          tiltYPerZ: 0.25 + jitter(0.08),
          taper: 0.3 + jitter(0.08),
        },
        {
          centreMm: [16 + jitter(4), -40 + jitter(3), 24 + jitter(4)],
          semiAxesMm: [56 * liverScale, 30 * liverScale, 40 * liverScale],
          tiltYPerZ: 0.2,
          taper: 0.25,
        },
      ],
      waves: [wave(), wave(), wave()],
      hu: liverHu,
    },
    spleen: { centreMm: [86 * size + jitter(3), 40 + jitter(4), 28 + jitter(5)], semiAxesMm: [26 + jitter(3), 50 + jitter(5), 46 + jitter(5)] },
    kidneys: [
      { centreMm: [-70 * size, 58 + jitter(3), -52 + jitter(5)], semiAxesMm: [26, 22, 54] },
      { centreMm: [70 * size, 56 + jitter(3), -38 + jitter(5)], semiAxesMm: [26, 22, 54] },
    ],
    domes: { rightApexZMm: 90 + jitter(4), rightApexXMm: -58, leftApexZMm: 80 + jitter(4), leftApexXMm: 58 },
    vertebraPhaseMm: rng.uniform(0, 30),
    bowelPhaseRad: [rng.uniform(0, 6.3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)],
  };
}

/** Distance proxy to an ellipse in the xy plane: exact on the axes, ray-based elsewhere. */
function ellipseD(dx: number, dy: number, ax: number, ay: number): number {
  const qx = dx / ax;
  const qy = dy / ay;
  const rho = Math.sqrt(qx * qx + qy * qy);
  if (rho < 1e-9) return -Math.min(ax, ay);
  return Math.sqrt(dx * dx + dy * dy) * (1 - 1 / rho);
}

/** Same for an axis-aligned ellipsoid. */
function ellipsoidD(dx: number, dy: number, dz: number, ax: number, ay: number, az: number): number {
  const qx = dx / ax;
  const qy = dy / ay;
  const qz = dz / az;
  const rho = Math.sqrt(qx * qx + qy * qy + qz * qz);
  if (rho < 1e-9) return -Math.min(ax, ay, az);
  return Math.sqrt(dx * dx + dy * dy + dz * dz) * (1 - 1 / rho);
}

/**
 * Sine to within 0.0011 (parabolic approximation with one refinement step),
 * several times cheaper than Math.sin; used for textures evaluated per voxel.
 */
export function fastSin(x: number): number {
  // Reduce to [−π, π).
  const TWO_PI = 2 * Math.PI;
  x -= TWO_PI * Math.floor((x + Math.PI) / TWO_PI);
  const y = (4 / Math.PI) * x - (4 / (Math.PI * Math.PI)) * x * Math.abs(x);
  return 0.225 * (y * Math.abs(y) - y) + y;
}

const VERTEBRA_PERIOD_MM = 30;
const DISC_MM = 6;
const RIB_PERIOD_MM = 34;
const RIB_THICKNESS_MM = 11;

/**
 * Evaluates HU and the visible liver fraction at anatomy-frame points.
 */
export class AnatomySampler {
  /** Fraction (0–1) of the point last sampled by `huAt` that is visible liver. */
  liverFraction = 0;
  private readonly scratchHu = new Float32Array(1);
  private readonly scratchLiver = new Float32Array(1);
  private readonly invEdge: number;
  private readonly p: AnatomyParams;
  private readonly cavity: { lat: number; ant: number; post: number };
  private readonly fatInner: { lat: number; ant: number; post: number };
  private readonly muscleInner: { lat: number; ant: number; post: number };
  private readonly bodyMaxMm: number;
  /** Lobes flattened for the per-voxel loop: cx, cy, cz, ax, ay, az, tilt, taper. */
  private readonly liverLobes: Float64Array;
  /** Waves flattened: kx, ky, kz, phase, amplitude. */
  private readonly liverWaves: Float64Array;
  /** Sum of wave amplitudes: the most the waves can scale a lobe. */
  private readonly waveAmplitude: number;
  /** Box that contains the liver whatever its surface waves do: [min, max] per axis. */
  private readonly liverBox: [number, number, number, number, number, number];

  /** @param edgeMm width of the partial-volume ramp at tissue boundaries (use the pixel spacing). */
  constructor(params: AnatomyParams, edgeMm: number) {
    this.p = params;
    this.invEdge = 1 / Math.max(edgeMm, 0.25);
    const b = params.body;
    const ring = (t: (side: 'lat' | 'ant' | 'post') => number) => ({
      lat: b.lateralMm - t('lat'),
      ant: b.anteriorMm - t('ant'),
      post: b.posteriorMm - t('post'),
    });
    const fat = { lat: b.fatLateralMm, ant: b.fatAnteriorMm, post: b.fatPosteriorMm };
    this.fatInner = ring((s) => b.skinMm + fat[s]);
    this.muscleInner = ring((s) => b.skinMm + fat[s] + b.muscleMm);
    this.cavity = this.muscleInner;
    this.bodyMaxMm = Math.max(b.lateralMm, b.anteriorMm, b.posteriorMm);
    this.liverLobes = Float64Array.from(
      params.liver.lobes.flatMap((l) => [...l.centreMm, ...l.semiAxesMm, l.tiltYPerZ, l.taper]),
    );
    this.liverWaves = Float64Array.from(params.liver.waves.flatMap((w) => [...w.k, w.phaseRad, w.amplitude]));
    this.waveAmplitude = params.liver.waves.reduce((sum, w) => sum + w.amplitude, 0);
    const grow = 1 + params.liver.waves.reduce((sum, w) => sum + w.amplitude, 0) + 0.02;
    const box: [number, number, number, number, number, number] = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
    for (const lobe of params.liver.lobes) {
      const [cx, cy, cz] = lobe.centreMm;
      const [ax, ay, az] = lobe.semiAxesMm;
      const reach = grow * (1 + Math.abs(lobe.taper));
      const shearMm = Math.abs(lobe.tiltYPerZ) * az * grow;
      const lo = [cx - reach * ax, cy - reach * ay - shearMm, cz - grow * az];
      const hi = [cx + reach * ax, cy + reach * ay + shearMm, cz + grow * az];
      for (let axis = 0; axis < 3; axis++) {
        box[2 * axis] = Math.min(box[2 * axis], lo[axis] - 2);
        box[2 * axis + 1] = Math.max(box[2 * axis + 1], hi[axis] + 2);
      }
    }
    this.liverBox = box;
  }

  /** Axis-aligned box [xMin, xMax, yMin, yMax, zMin, zMax] (mm, anatomy frame) that contains the liver. */
  get liverBoundsMm(): readonly number[] {
    return this.liverBox;
  }

  /** Body outline (skin surface) half-widths, for tests and placement. */
  get bodyParams(): AnatomyParams['body'] {
    return this.p.body;
  }

  private cov(d: number): number {
    const w = 0.5 - d * this.invEdge;
    return w <= 0 ? 0 : w >= 1 ? 1 : w;
  }

  private domeZ(x: number, y: number): number {
    const d = this.p.domes;
    const yy = 0.8 * y;
    const right = d.rightApexZMm - ((x - d.rightApexXMm) ** 2 + yy * yy) / 160;
    const left = d.leftApexZMm - ((x - d.leftApexXMm) ** 2 + yy * yy) / 160;
    return right > left ? right : left;
  }

  /**
   * Distance proxy to the liver surface (union of lobes). The surface waves
   * scale each lobe by at most ±waveAmplitude, so far from the surface the
   * sign and size are known without evaluating them; only points in the
   * ramp band pay for the sines.
   */
  private liverD(x: number, y: number, z: number): number {
    const L = this.liverLobes;
    const A = this.waveAmplitude;
    const halfEdge = 0.5 / this.invEdge;
    let lowest = Infinity;
    let highest = Infinity;
    for (let i = 0; i < L.length; i += LOBE_STRIDE) {
      const dz = z - L[i + 2];
      // Tilt in the sagittal plane and taper towards the inferior tip: the
      // liver is a wedge, thick superiorly and posteriorly.
      const dx = x - L[i];
      const dy = y - L[i + 1] - L[i + 6] * dz;
      let t = dz / L[i + 5];
      t = t > 1 ? 1 : t < -1 ? -1 : t;
      const taper = 1 + L[i + 7] * t;
      const qx = dx / (L[i + 3] * taper);
      const qy = dy / (L[i + 4] * taper);
      const qz = dz / L[i + 5];
      const rho = Math.sqrt(qx * qx + qy * qy + qz * qz);
      if (rho < 1e-9) return -L[i + 3];
      const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const low = r * (1 - (1 + A) / rho);
      const high = r * (1 - (1 - A) / rho);
      if (low < lowest) lowest = low;
      if (high < highest) highest = high;
    }
    if (lowest >= halfEdge) return lowest;
    if (highest <= -halfEdge) return highest;
    const w = this.liverWaves;
    let pert = 1;
    for (let i = 0; i < w.length; i += 5) pert += w[i + 4] * Math.sin(w[i] * x + w[i + 1] * y + w[i + 2] * z + w[i + 3]);
    let best = Infinity;
    for (let i = 0; i < L.length; i += LOBE_STRIDE) {
      const dz = z - L[i + 2];
      const dx = x - L[i];
      const dy = y - L[i + 1] - L[i + 6] * dz;
      let t = dz / L[i + 5];
      t = t > 1 ? 1 : t < -1 ? -1 : t;
      const taper = 1 + L[i + 7] * t;
      const qx = dx / (L[i + 3] * taper);
      const qy = dy / (L[i + 4] * taper);
      const qz = dz / L[i + 5];
      const rho = Math.sqrt(qx * qx + qy * qy + qz * qz) / pert;
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz) * (1 - 1 / rho);
      if (d < best) best = d;
    }
    return best;
  }

  /** HU of the tissue at anatomy-frame point (x, y, z) mm; sets `liverFraction`. */
  huAt(x: number, y: number, z: number): number {
    this.evaluate(x, y, z, this.scratchHu, this.scratchLiver, 0);
    this.liverFraction = this.scratchLiver[0];
    return this.scratchHu[0];
  }

  /**
   * Sample `count` points from (x, y, z) in steps of (dx, dy, dz) mm into
   * `huOut` and `liverOut` from `offset`. The per-voxel path: results go
   * straight into typed arrays, so no number is boxed per voxel.
   */
  sampleRow(
    x: number,
    y: number,
    z: number,
    dx: number,
    dy: number,
    dz: number,
    count: number,
    huOut: Float32Array,
    liverOut: Float32Array,
    offset: number,
  ): void {
    for (let i = 0; i < count; i++) {
      this.evaluate(x, y, z, huOut, liverOut, offset + i);
      x += dx;
      y += dy;
      z += dz;
    }
  }

  private evaluate(x: number, y: number, z: number, huOut: Float32Array, liverOut: Float32Array, index: number): void {
    const P = this.p;
    const H = TISSUE_HU;
    // Outside the body: air. The cheap box test handles ~40% of a slice.
    const ay0 = y < 0 ? P.body.anteriorMm : P.body.posteriorMm;
    if (x > this.bodyMaxMm + 2 || x < -this.bodyMaxMm - 2 || y > ay0 + 2 || y < -ay0 - 2) {
      huOut[index] = H.air;
      liverOut[index] = 0;
      return;
    }
    const cav = this.cavity;
    const dCavity = ellipseD(x, y, cav.lat, y < 0 ? cav.ant : cav.post);

    // Abdominal contents: bowel loops in mesenteric fat, a blobby 3-D pattern
    // from three oblique waves.
    const ph = P.bowelPhaseRad;
    let s =
      fastSin(0.07 * x + 0.05 * y - 0.04 * z + ph[0]) +
      fastSin(-0.04 * x + 0.08 * y + 0.05 * z + ph[1]) +
      fastSin(0.05 * x - 0.03 * y + 0.08 * z + ph[2]);
    s = 1.6 * s + 0.6;
    s = s > 1 ? 1 : s < -1 ? -1 : s;
    const cavityHu = -30 + 70 * s;

    let hu: number;
    let dFatInner: number;
    if (dCavity < -1 / this.invEdge) {
      hu = cavityHu;
      dFatInner = -100;
    } else {
      const b = P.body;
      const dBody = ellipseD(x, y, b.lateralMm, y < 0 ? b.anteriorMm : b.posteriorMm);
      const skinIn = b.skinMm;
      const dSkinIn = ellipseD(x, y, b.lateralMm - skinIn, y < 0 ? b.anteriorMm - skinIn : b.posteriorMm - skinIn);
      const fi = this.fatInner;
      dFatInner = ellipseD(x, y, fi.lat, y < 0 ? fi.ant : fi.post);
      hu = H.air;
      hu += this.cov(dBody) * (H.skin - hu);
      hu += this.cov(dSkinIn) * (H.fat - hu);
      hu += this.cov(dFatInner) * (H.muscle - hu);
      hu += this.cov(dCavity) * (cavityHu - hu);
    }

    // Ribs: oblique bands in the muscle wall, above the kidneys' lower poles.
    if (z > -70 && dCavity > -8 && dCavity < 6 && !(y < -30 && x > -45 && x < 45)) {
      const u = z - 0.35 * y - P.vertebraPhaseMm;
      const phase = u - RIB_PERIOD_MM * Math.floor(u / RIB_PERIOD_MM);
      const dRibZ = Math.abs(phase - RIB_THICKNESS_MM / 2) - RIB_THICKNESS_MM / 2;
      const dRibR = Math.abs(dCavity + 1) - 5;
      const w = this.cov(dRibZ > dRibR ? dRibZ : dRibR);
      if (w > 0) hu += w * (H.rib - hu);
    }

    // Thorax above the diaphragm: lungs and heart.
    let dome = -Infinity;
    if (z > 10) {
      dome = this.domeZ(x, y);
      if (z > dome) {
        const dAbove = dome + 3 - z;
        const dLungR = ellipseD(x + 72, y - 12, 62, 80);
        const dLungL = ellipseD(x - 74, y - 12, 58, 80);
        let dLung = dLungR < dLungL ? dLungR : dLungL;
        if (dAbove > dLung) dLung = dAbove;
        if (dCavity + 3 > dLung) dLung = dCavity + 3;
        hu += this.cov(dLung) * (H.lung - hu);
        let dHeart = ellipsoidD(x - 22, y + 18, z - (dome + 48), 58, 46, 48);
        if (dAbove > dHeart) dHeart = dAbove;
        hu += this.cov(dHeart) * (H.heart - hu);
      }
    }

    // Liver: a smooth irregular blob, clipped by the body wall and the diaphragm.
    let lf = 0;
    const lb = this.liverBox;
    if (x > lb[0] && x < lb[1] && y > lb[2] && y < lb[3] && z > lb[4] && z < lb[5]) {
      let d = this.liverD(x, y, z);
      if (dCavity + 2 > d) d = dCavity + 2;
      if (z > 10) {
        const dDia = z - (dome - 4);
        if (dDia > d) d = dDia;
      }
      lf = this.cov(d);
      hu += lf * (P.liver.hu - hu);
    }

    // Spleen, on the patient's left (positive x).
    const sp = P.spleen;
    if (x > sp.centreMm[0] - sp.semiAxesMm[0] - 2 && Math.abs(z - sp.centreMm[2]) < sp.semiAxesMm[2] + 2) {
      let d = ellipsoidD(x - sp.centreMm[0], y - sp.centreMm[1], z - sp.centreMm[2], sp.semiAxesMm[0], sp.semiAxesMm[1], sp.semiAxesMm[2]);
      if (dCavity + 2 > d) d = dCavity + 2;
      if (z > 10) {
        const dDia = z - (this.domeZ(x, y) - 4);
        if (dDia > d) d = dDia;
      }
      const w = this.cov(d);
      hu += w * (H.spleen - hu);
      lf *= 1 - w;
    }

    // Kidneys in perirenal fat, with medulla and renal sinus fat at the hilum.
    for (const k of P.kidneys) {
      const [cx, cy, cz] = k.centreMm;
      const [ax, ay, az] = k.semiAxesMm;
      const dx = x - cx;
      const dy = y - cy;
      const dz = z - cz;
      if (Math.abs(dx) > ax + 12 || Math.abs(dy) > ay + 12 || Math.abs(dz) > az + 12) continue;
      let w = this.cov(ellipsoidD(dx, dy, dz, ax + 9, ay + 9, az + 9));
      hu += w * (H.fat - hu);
      lf *= 1 - w;
      w = this.cov(ellipsoidD(dx, dy, dz, ax, ay, az));
      hu += w * (H.kidneyCortex - hu);
      lf *= 1 - w;
      w = this.cov(ellipsoidD(dx, dy, dz, ax - 8, ay - 7, az - 12));
      hu += w * (H.kidneyMedulla - hu);
      const medial = cx < 0 ? 1 : -1; // the hilum faces the spine
      w = this.cov(ellipsoidD(dx - medial * (ax - 6), dy + 4, dz, 10, 9, 20));
      hu += w * (H.renalSinusFat - hu);
    }

    // Psoas muscles below the kidneys' upper poles, widening caudally.
    if (z < -30 && y > 20 && y < 80 && Math.abs(x) < 75) {
      const grow = Math.min(1, (-30 - z) / 120);
      const ax = 8 + 12 * grow;
      const ay = 8 + 9 * grow;
      const dR = ellipseD(x + 36, y - 52, ax, ay);
      const dL = ellipseD(x - 36, y - 52, ax, ay);
      const w = this.cov(dR < dL ? dR : dL);
      hu += w * (H.muscle - hu);
      lf *= 1 - w;
    }

    // Great vessels: aorta left-anterior of the spine, IVC to the right.
    if (y > 5 && y < 55 && x > -45 && x < 40) {
      let w = this.cov(ellipseD(x - 16, y - 30, 11, 11));
      hu += w * (H.aorta - hu);
      lf *= 1 - w;
      w = this.cov(ellipseD(x + 24, y - 30, 13, 10));
      hu += w * (H.ivc - hu);
      lf *= 1 - w;
    }

    // Paraspinal muscles, inside the subcutaneous fat.
    if (y > 55 && Math.abs(x) < 75) {
      const dR = ellipseD(x + 37, y - 92, 26, 19);
      const dL = ellipseD(x - 37, y - 92, 26, 19);
      let d = dR < dL ? dR : dL;
      if (dFatInner + 1 > d) d = dFatInner + 1;
      hu += this.cov(d) * (H.muscle - hu);
    }

    // Spine: vertebral bodies (cortical shell, cancellous core) and discs,
    // canal, posterior arch and processes.
    if (y > 30 && y < 130 && Math.abs(x) < 50) {
      const u = z - P.vertebraPhaseMm;
      const phase = u - VERTEBRA_PERIOD_MM * Math.floor(u / VERTEBRA_PERIOD_MM);
      const inBody = phase < VERTEBRA_PERIOD_MM - DISC_MM;
      const endplateMm = Math.min(phase, VERTEBRA_PERIOD_MM - DISC_MM - phase);
      const dBody = ellipseD(x, y - 58, 21, 17);
      let w = this.cov(dBody);
      if (w > 0) {
        const boneHu = dBody > -2 || endplateMm < 1.5 ? H.corticalBone : H.cancellousBone;
        hu += w * ((inBody ? boneHu : H.disc) - hu);
        lf *= 1 - w;
      }
      const dCanal = ellipseD(x, y - 88, 9, 9);
      if (inBody) {
        let dArch = Math.abs(dCanal - 3.5) - 3.5;
        const dSpinous = ellipseD(x, y - 106, 5, 11);
        const dTransR = ellipseD(x + 28, y - 80, 15, 5);
        const dTransL = ellipseD(x - 28, y - 80, 15, 5);
        if (dSpinous < dArch) dArch = dSpinous;
        if (dTransR < dArch) dArch = dTransR;
        if (dTransL < dArch) dArch = dTransL;
        if (dFatInner + 2 > dArch) dArch = dFatInner + 2;
        w = this.cov(dArch);
        hu += w * (H.rib - hu);
      }
      w = this.cov(dCanal);
      hu += w * (H.csf - hu);
    }

    huOut[index] = hu;
    liverOut[index] = lf;
  }
}
