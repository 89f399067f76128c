/**
 * A figure as drawing primitives: the one geometry the tumor-board report draws twice, as SVG
 * in the HTML and as vector paths in the PDF, so both show the same plot. Units are PostScript
 * points (1/72 inch); x to the right, y down, origin at the figure's top left.
 */

export type Point2 = [number, number];

export type FigureItem =
  | { type: 'line'; points: Point2[]; colour: string; width: number; dash?: number[] }
  | { type: 'rect'; x: number; y: number; w: number; h: number; fill: string | null; stroke?: string; strokeWidth?: number }
  | { type: 'circle'; cx: number; cy: number; r: number; fill: string | null; stroke?: string; strokeWidth?: number }
  | {
      type: 'text';
      x: number;
      y: number;
      text: string;
      /** Font size, points. */
      size: number;
      colour: string;
      anchor: 'start' | 'middle' | 'end';
      bold?: boolean;
      /** Degrees, counter-clockwise (an axis title turned to read upwards is 90). */
      rotate?: number;
    };

export interface Figure {
  /** 'spider' | 'waterfall' | 'volume' */
  id: string;
  title: string;
  width: number;
  height: number;
  items: FigureItem[];
  /** One sentence under the figure: what is drawn and by which rule. */
  caption: string;
}
