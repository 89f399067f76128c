/**
 * The colours masks are drawn in, shared by every view that draws them (the slice views'
 * mask layer, the 3D view's lesion surfaces): a lesion has one colour everywhere, chosen
 * from its stable label ("L3" → the third colour), so it keeps it across exams and reloads.
 */
export type Rgb = [number, number, number];

/** 3D Slicer's liver colour (GenericAnatomyColors). */
export const LIVER_RGB: Rgb = [221, 130, 101];

/**
 * Lesions: distinct and saturated, none close to the liver's colour, to grey, or to the
 * measurement colours (yellow, selected green, drawing blue-white).
 */
export const LESION_RGB: readonly Rgb[] = [
  [255, 80, 170],
  [0, 190, 255],
  [170, 110, 255],
  [255, 70, 70],
  [60, 220, 200],
  [90, 130, 255],
];

/** A lesion's colour (0–255 RGB): by the number of its label ("L3"), else by its id. */
export function lesionColour(label: string | undefined, lesionId: number): Rgb {
  const n = label ? Number(/^L(\d+)$/.exec(label)?.[1] ?? lesionId) : lesionId;
  return LESION_RGB[(Math.max(1, n) - 1) % LESION_RGB.length];
}

/** CSS colour of an RGB triple. */
export const cssRgb = ([r, g, b]: Rgb): string => `rgb(${r}, ${g}, ${b})`;
