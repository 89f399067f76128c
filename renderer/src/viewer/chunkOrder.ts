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

export function chunkOrder(sliceCount: number, chunkSlices: number): SliceChunk[] {
  if (sliceCount <= 0) return [];
  const size = Math.max(1, Math.floor(chunkSlices));
  const chunkTotal = Math.ceil(sliceCount / size);
  const chunkOf = (index: number): SliceChunk => ({
    firstSlice: index * size,
    sliceCount: Math.min(size, sliceCount - index * size),
  });
  const middle = Math.floor(middleSlice(sliceCount) / size);
  const order: SliceChunk[] = [chunkOf(middle)];
  for (let step = 1; order.length < chunkTotal; step++) {
    if (middle + step < chunkTotal) order.push(chunkOf(middle + step));
    if (middle - step >= 0) order.push(chunkOf(middle - step));
  }
  return order;
}
