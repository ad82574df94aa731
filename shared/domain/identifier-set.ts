/**
 * An exact set of strings for DUPLICATE detection in batches of up to millions of records,
 * in a fraction of a `Set<string>`'s memory: each identifier is kept once as UTF-8 in one
 * growing byte arena, found through an open-addressing table of offsets; a lookup compares
 * bytes whenever the 32-bit hashes agree, so it never confuses two identifiers.
 */
export class IdentifierSet {
  private slots = new Int32Array(1 << 16).fill(-1);
  private hashes = new Uint32Array(1 << 15);
  private offsets = new Uint32Array(1 << 15);
  private lengths = new Uint32Array(1 << 15);
  private arena = new Uint8Array(1 << 20);
  private used = 0;
  private count = 0;
  private scratch = new Uint8Array(1024);
  private readonly encoder = new TextEncoder();

  get size(): number {
    return this.count;
  }

  /** Adds the identifier; false when it was already there. */
  add(identifier: string): boolean {
    const bytes = this.encode(identifier);
    const hash = hashBytes(this.scratch, bytes);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === -1) {
        this.insert(slot, hash, bytes);
        return true;
      }
      if (this.hashes[entry] === hash && this.equals(entry, bytes)) return false;
    }
  }

  private encode(identifier: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (identifier.length * 3 > this.scratch.length) this.scratch = new Uint8Array(identifier.length * 3);
    return this.encoder.encodeInto(identifier, this.scratch).written;
  }

  private equals(entry: number, bytes: number): boolean {
    if (this.lengths[entry] !== bytes) return false;
    const start = this.offsets[entry]!;
    for (let i = 0; i < bytes; i += 1) if (this.arena[start + i] !== this.scratch[i]) return false;
    return true;
  }

  private insert(slot: number, hash: number, bytes: number): void {
    if (this.count === this.hashes.length) this.growEntries();
    if (this.used + bytes > this.arena.length) this.arena = grow(this.arena, this.used + bytes);
    this.arena.set(this.scratch.subarray(0, bytes), this.used);
    const entry = this.count;
    this.hashes[entry] = hash;
    this.offsets[entry] = this.used;
    this.lengths[entry] = bytes;
    this.used += bytes;
    this.count += 1;
    this.slots[slot] = entry;
    // Keep the table at most half full, so probes stay short.
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private growEntries(): void {
    this.hashes = grow(this.hashes, this.hashes.length * 2);
    this.offsets = grow(this.offsets, this.offsets.length * 2);
    this.lengths = grow(this.lengths, this.lengths.length * 2);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.count; entry += 1) {
      let slot = this.hashes[entry]! & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = entry;
    }
    this.slots = slots;
  }
}

function grow<T extends Uint8Array | Uint32Array>(array: T, atLeast: number): T {
  let length = array.length * 2;
  while (length < atLeast) length *= 2;
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

/** FNV-1a over the bytes, then a murmur finalizer to spread the bits over the table. */
function hashBytes(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i += 1) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
