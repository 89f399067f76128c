import { describe, expect, it } from 'vitest';
import { assignWithGate, hungarianSquare } from './assignment';

function bruteForceMin(cost: number[][]): number {
  const n = cost.length;
  let best = Infinity;
  const perm = (k: number, used: boolean[], acc: number) => {
    if (k === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < n; j++) if (!used[j]) {
      used[j] = true;
      perm(k + 1, used, acc + cost[k][j]);
      used[j] = false;
    }
  };
  perm(0, Array(n).fill(false), 0);
  return best;
}

describe('Hungarian assignment', () => {
  it('finds the known optimum of a classic 3×3 case', () => {
    // By hand: row 0→col 1 (1), row 1→col 0 (2), row 2→col 2 (2) = 5, the minimum of the 6 permutations.
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const cols = hungarianSquare(cost);
    expect(cols).toEqual([1, 0, 2]);
    expect(cols.reduce((s, j, i) => s + cost[i][j], 0)).toBe(5);
  });

  it('matches brute force on random 6×6 matrices', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 30; t++) {
      const cost = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => Math.round(rnd() * 100)));
      const cols = hungarianSquare(cost);
      expect(new Set(cols).size).toBe(6);
      expect(cols.reduce((s, j, i) => s + cost[i][j], 0)).toBe(bruteForceMin(cost));
    }
  });

  it('with a gate: far lesions stay unmatched (new / disappeared) rather than forced together', () => {
    // Baseline lesions (rows) A, B; follow-up (columns) a (near A), c (far from everything).
    const cost = [
      [2, 90],
      [80, 95],
    ];
    const r = assignWithGate(cost, 20);
    expect(r.pairs).toEqual([[0, 0]]);
    expect(r.unmatchedRows).toEqual([1]);
    expect(r.unmatchedColumns).toEqual([1]);
    expect(r.totalCost).toBe(2);
  });

  it('prefers the globally cheaper pairing over a greedy one, in a rectangular case', () => {
    // Greedy would take (0,0)=1 then (1,1)=9; optimal is (0,1)=2 + (1,0)=3.
    const r = assignWithGate([[1, 2, 50], [3, 9, 60]], 20);
    expect(r.pairs).toEqual([[0, 1], [1, 0]]);
    expect(r.unmatchedColumns).toEqual([2]);
  });
});
