// Name lookups that only ever find a table's own entries: a name such as 'constructor', 'toString' or
// '__proto__' (members of Object.prototype) is unknown, never an inherited function.

/** The table's own entry for key, or undefined (never an inherited member). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
