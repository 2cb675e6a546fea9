/**
 * Reversible property replacement, the primitive of every prototype patch in `lq.effects`.
 *
 * @packageDocumentation
 */

/**
 * Replaces `target[key]` by `value` (an own, writable, configurable, non-enumerable property, as class methods
 * are) and returns a function that puts back exactly what was there: the original own property descriptor, or no
 * own property at all when the value was inherited.
 *
 * @example
 * ```ts
 * const restore = replaceProperty(Foo.prototype, "bar", function bar() { ... });
 * restore(); // Foo.prototype.bar is the original function again
 * ```
 */
export function replaceProperty(target: object, key: PropertyKey, value: unknown): () => void {
  const original = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: original?.enumerable ?? false });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (original === undefined) delete (target as Record<PropertyKey, unknown>)[key];
    else Object.defineProperty(target, key, original);
  };
}
