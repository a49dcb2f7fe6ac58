/** Slots a table starts with: 12 KB, so a generation opened for a handful of claims stays small. */
const INITIAL_CAPACITY = 1024;
/** Slot layout, [hi, lo, value]: a fingerprint and its value side by side, so a probe reads one cache line or two. */
const STRIDE = 3;

/**
 * A set of 64-bit fingerprints, each with a 32-bit value (a window end in seconds): the records of
 * one generation of the embedded nonce store.
 *
 * Typed arrays rather than a `Map<string, number>`: a map cost ~350 bytes of V8 heap per nonce
 * (the nonce is sliced out of the Signature-Input header, so its key kept the whole header alive,
 * plus the concatenated key and the map entry), and 400,000 of them took the benchmark server past
 * its 250 MB RSS budget. Here a record is one 12-byte slot, 16 to 32 bytes per record with the free
 * slots, and nothing on the JS heap for the garbage collector to trace.
 *
 * Open addressing with linear probing over a power-of-two number of slots, doubled before it is
 * three quarters full (a miss then reads ~8 slots: two cache lines). Fingerprints come from a keyed
 * hash, so clients cannot aim for one slot to build long probe chains. Nothing is ever deleted: the
 * store drops a generation's table whole. The fingerprint 0/0 marks an empty slot, so it is stored
 * as 0/1; the two then count as one, a 2^-64 chance.
 */
export class FingerprintTable {
  private slots = new Uint32Array(INITIAL_CAPACITY * STRIDE);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;

  /** Fingerprints held. */
  get size(): number {
    return this.count;
  }

  /** The value stored for fingerprint hi/lo (two 32-bit halves), or -1 when it is absent. */
  get(hi: number, lo: number): number {
    const at = this.find(hi >>> 0, low(hi, lo));
    return this.isEmpty(at) ? -1 : (this.slots[at + 2] ?? -1);
  }

  /** Stores `value` (a uint32) for fingerprint hi/lo, replacing the value it had. */
  set(hi: number, lo: number, value: number): void {
    const h = hi >>> 0;
    const l = low(hi, lo);
    let at = this.find(h, l);
    if (this.isEmpty(at)) {
      if ((this.count + 1) * 4 > (this.mask + 1) * 3) {
        this.grow();
        at = this.find(h, l);
      }
      this.slots[at] = h;
      this.slots[at + 1] = l;
      this.count++;
    }
    this.slots[at + 2] = value;
  }

  /** The offset of hi/lo's slot, or of the empty slot that ends its probe sequence. */
  private find(hi: number, lo: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const at = i * STRIDE;
      const h = slots[at];
      const l = slots[at + 1];
      if ((h === hi && l === lo) || (h === 0 && l === 0)) return at;
    }
  }

  private isEmpty(at: number): boolean {
    return this.slots[at] === 0 && this.slots[at + 1] === 0;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      const hi = old[at] ?? 0;
      const lo = old[at + 1] ?? 0;
      if (hi === 0 && lo === 0) continue;
      const to = this.find(hi, lo);
      this.slots[to] = hi;
      this.slots[to + 1] = lo;
      this.slots[to + 2] = old[at + 2] ?? 0;
    }
  }
}

/** `lo` as read back from a Uint32Array, and 1 for the fingerprint 0/0 (the empty slot's). */
const low = (hi: number, lo: number): number => (hi === 0 && lo === 0 ? 1 : lo >>> 0);
