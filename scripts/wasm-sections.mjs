// A minimal reader of a WebAssembly module's sections, for the build's checks of what a module
// exports (scripts/abi-gen.mjs) and where its data lies (scripts/build-wasm.mjs).

/**
 * Calls visit(id, reader) for each section of the module in `bytes`; the reader starts at the
 * section's contents, and whatever visit leaves unread is skipped.
 */
export function forEachSection(bytes, visit) {
  const reader = {
    pos: 8,
    byte() {
      return bytes[this.pos++];
    },
    /** An unsigned LEB128 number. */
    leb() {
      let result = 0, shift = 0, b;
      do {
        b = bytes[this.pos++];
        result |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      return result >>> 0;
    },
    skip(n) {
      this.pos += n;
    },
    text(n) {
      const s = new TextDecoder().decode(bytes.subarray(this.pos, this.pos + n));
      this.pos += n;
      return s;
    },
  };
  while (reader.pos < bytes.length) {
    const id = reader.byte();
    const size = reader.leb();
    const next = reader.pos + size;
    visit(id, reader);
    reader.pos = next;
  }
}
