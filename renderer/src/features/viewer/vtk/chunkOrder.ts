/**
 * Order in which a volume's slice chunks are fetched: the chunk holding the middle
 * slice first (that is where the views open), then alternately the next one above
 * and below, so the visible neighbourhood fills in before the ends of the stack.
 */
export interface SliceChunk {
  firstSlice: number;
  sliceCount: number;
}

/** The slice a freshly opened series shows; the same rule as `initialCursorLps`. */
export function middleSlice(sliceCount: number): number {
  return Math.floor((sliceCount - 1) / 2);
}

/**
 * `chunkSlices` sizes the first (middle) chunk, on a grid of that size, and by default every
 * other; `laterChunkSlices` lets the rest come in larger chunks (fewer round trips) once the
 * first slice is on screen.
 */
export function chunkOrder(sliceCount: number, chunkSlices: number, laterChunkSlices = chunkSlices): SliceChunk[] {
  if (sliceCount <= 0) return [];
  const size = Math.max(1, Math.floor(chunkSlices));
  const laterSize = Math.max(1, Math.floor(laterChunkSlices));
  const middleFirst = Math.floor(middleSlice(sliceCount) / size) * size;
  const middleEnd = Math.min(sliceCount, middleFirst + size);
  const order: SliceChunk[] = [{ firstSlice: middleFirst, sliceCount: middleEnd - middleFirst }];
  let above = middleEnd;
  let below = middleFirst;
  while (above < sliceCount || below > 0) {
    if (above < sliceCount) {
      const count = Math.min(laterSize, sliceCount - above);
      order.push({ firstSlice: above, sliceCount: count });
      above += count;
    }
    if (below > 0) {
      const count = Math.min(laterSize, below);
      below -= count;
      order.push({ firstSlice: below, sliceCount: count });
    }
  }
  return order;
}
