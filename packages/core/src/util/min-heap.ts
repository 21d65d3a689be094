/** A binary min-heap ordered by a numeric key; ties pop in insertion order. */
export class MinHeap<T> {
  readonly #keys: number[] = [];
  readonly #seqs: number[] = [];
  readonly #items: T[] = [];
  #seq = 0;

  get length(): number {
    return this.#items.length;
  }

  push(key: number, item: T): void {
    this.#keys.push(key);
    this.#seqs.push(this.#seq++);
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  peekKey(): number | undefined {
    return this.#keys[0];
  }

  pop(): T | undefined {
    const n = this.#items.length;
    if (n === 0) return undefined;
    const top = this.#items[0];
    this.#swap(0, n - 1);
    this.#keys.pop();
    this.#seqs.pop();
    this.#items.pop();
    this.#down(0);
    return top;
  }

  /** Removes and returns every item matching `predicate`; O(n log n), for rare operations. */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const kept: [number, T][] = [];
    const removed: T[] = [];
    for (let i = 0; i < this.#items.length; i++) {
      const item = this.#items[i]!;
      if (predicate(item)) removed.push(item);
      else kept.push([this.#keys[i]!, item]);
    }
    if (removed.length === 0) return removed;
    this.#keys.length = 0;
    this.#seqs.length = 0;
    this.#items.length = 0;
    for (const [key, item] of kept) this.push(key, item);
    return removed;
  }

  values(): readonly T[] {
    return this.#items;
  }

  #less(a: number, b: number): boolean {
    const ka = this.#keys[a]!;
    const kb = this.#keys[b]!;
    return ka < kb || (ka === kb && this.#seqs[a]! < this.#seqs[b]!);
  }

  #swap(a: number, b: number): void {
    [this.#keys[a], this.#keys[b]] = [this.#keys[b]!, this.#keys[a]!];
    [this.#seqs[a], this.#seqs[b]] = [this.#seqs[b]!, this.#seqs[a]!];
    [this.#items[a], this.#items[b]] = [this.#items[b]!, this.#items[a]!];
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.#less(l, smallest)) smallest = l;
      if (r < n && this.#less(r, smallest)) smallest = r;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}
