/**
 * Optimal one-to-one assignment (Kuhn–Munkres / Hungarian method, O(n³) with potentials;
 * H. W. Kuhn, Naval Research Logistics Quarterly 2:83–97, 1955) with a gate: a pair whose
 * cost is at or above the gate is never made, so a lesion with no plausible partner stays
 * unmatched (new, or disappeared) instead of being forced onto a far one.
 */

export interface Assignment {
  /** [row, column] pairs in row order. */
  pairs: [number, number][];
  unmatchedRows: number[];
  unmatchedColumns: number[];
  totalCost: number;
}

/** Minimum-cost perfect matching of a square matrix; returns column of each row. */
export function hungarianSquare(cost: number[][]): number[] {
  const n = cost.length;
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[j]: row matched to column j (1-based), 0 = none
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(INF);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const colOfRow = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] > 0) colOfRow[p[j] - 1] = j - 1;
  return colOfRow;
}

/**
 * Assign rows to columns (any shape) minimising the total cost of the pairs made plus
 * gate/2 for every row or column left alone: a pair is made only when it is cheaper than
 * leaving both unmatched, i.e. when its cost is below the gate. Costs must be finite or +∞.
 */
export function assignWithGate(cost: number[][], gate: number): Assignment {
  const rows = cost.length;
  const cols = rows ? cost[0].length : 0;
  if (!(gate > 0 && Number.isFinite(gate))) throw new Error('the gate must be a positive finite cost');
  for (const r of cost) if (r.length !== cols) throw new Error('the cost matrix must be rectangular');
  const n = rows + cols;
  const BIG = gate * 4 + 1; // stands in for "forbidden" so the square problem stays finite
  const half = gate / 2;
  const square = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (i < rows && j < cols) return cost[i][j] >= gate || !Number.isFinite(cost[i][j]) ? BIG : cost[i][j];
      if (i < rows) return j - cols === i ? half : BIG; // row i left unmatched
      if (j < cols) return i - rows === j ? half : BIG; // column j left unmatched
      return 0; // dummy with dummy
    }),
  );
  const colOfRow = hungarianSquare(square);
  const pairs: [number, number][] = [];
  const matchedCols = new Set<number>();
  let totalCost = 0;
  for (let i = 0; i < rows; i++) {
    const j = colOfRow[i];
    if (j < cols && cost[i][j] < gate) {
      pairs.push([i, j]);
      matchedCols.add(j);
      totalCost += cost[i][j];
    }
  }
  const matchedRows = new Set(pairs.map(([i]) => i));
  return {
    pairs,
    unmatchedRows: [...Array(rows).keys()].filter((i) => !matchedRows.has(i)),
    unmatchedColumns: [...Array(cols).keys()].filter((j) => !matchedCols.has(j)),
    totalCost,
  };
}
