/**
 * Keras-style default names for layers and quantizers.
 */

const nameCounts = new Map<string, number>();

/** CamelCase class name → Keras snake_case layer name prefix (`QuantConv2D` → `quant_conv2d`). */
export function layerNamePrefix(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/**
 * A unique default layer name as Keras makes them: `quant_conv2d`, `quant_conv2d_1`, … (tfjs would
 * produce `quant_conv2d_QuantConv2D1`, and weights named after it).
 */
export function uniqueLayerName(className: string): string {
  const prefix = layerNamePrefix(className);
  const count = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, count + 1);
  return count === 0 ? prefix : `${prefix}_${count}`;
}
