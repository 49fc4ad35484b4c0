/**
 * Python's heapq, line for line. ComfyUI's pending queue is a heapq list and
 * GET /queue returns that list as is, so the exact sift order decides what
 * clients see: not run order, which is the point of reproducing it.
 */
export type Less<T> = (a: T, b: T) => boolean;

function siftDown<T>(heap: T[], startPos: number, pos: number, less: Less<T>): void {
  const item = heap[pos] as T;
  while (pos > startPos) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos] as T;
    if (!less(item, parent)) break;
    heap[pos] = parent;
    pos = parentPos;
  }
  heap[pos] = item;
}

function siftUp<T>(heap: T[], pos: number, less: Less<T>): void {
  const endPos = heap.length;
  const startPos = pos;
  const item = heap[pos] as T;
  let childPos = 2 * pos + 1;
  while (childPos < endPos) {
    const rightPos = childPos + 1;
    if (rightPos < endPos && !less(heap[childPos] as T, heap[rightPos] as T)) childPos = rightPos;
    heap[pos] = heap[childPos] as T;
    pos = childPos;
    childPos = 2 * pos + 1;
  }
  heap[pos] = item;
  siftDown(heap, startPos, pos, less);
}

export function heapPush<T>(heap: T[], item: T, less: Less<T>): void {
  heap.push(item);
  siftDown(heap, 0, heap.length - 1, less);
}

export function heapPop<T>(heap: T[], less: Less<T>): T | undefined {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return last;
  const top = heap[0];
  heap[0] = last;
  siftUp(heap, 0, less);
  return top;
}

export function heapify<T>(heap: T[], less: Less<T>): void {
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftUp(heap, i, less);
}
