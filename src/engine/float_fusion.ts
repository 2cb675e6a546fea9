/**
 * A graph pass of the converter: clamp activations (`relu`, `relu6`, `hardtanh`) folded into the float op next
 * to them, so the activation costs no pass of its own over memory.
 *
 * @remarks
 * - `batchnorm → clamp` becomes one `batchnorm` node with `attrs.clamp`: the kernel clamps each normalised value
 *   before storing it, the same float operations in the same order.
 * - `clamp → maxpool` becomes one `maxpool` node with `attrs.clamp` reading the activation's input: the kernel
 *   clamps every tap before comparing it, as tfjs does. Clamping the pooled maximum instead would differ in an
 *   all-NaN window: its NaN taps are skipped and it pools to −∞, which relu would turn into 0.
 * A value is folded only when the fused node is its one consumer and it is not the model output.
 *
 * @packageDocumentation
 */
import type { EngineGraph, GraphNode } from "./graph.js";
import { kernelClamp } from "./ops/activation.js";

/** The clamp activation `node` applies (one the kernels can fold), or undefined. */
function clampOf(node: GraphNode): string | undefined {
  return node.op === "activation" && kernelClamp(node.attrs.activation) ? (node.attrs.activation as string) : undefined;
}

/**
 * `graph` with its clamp activations folded into the `batchnorm` before or the `maxpool` after them (see the
 * module remarks). Nodes are copied; the weights table is shared.
 */
export function foldClamps(graph: EngineGraph): EngineGraph {
  const nodes = graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], attrs: { ...n.attrs } }));
  const uses = new Int32Array(nodes.length);
  for (const n of nodes) for (const i of n.inputs) uses[i]++;
  uses[graph.output]++;
  // alias[j]: the node whose output replaces node j's (itself unless j was folded away).
  const alias = nodes.map((_, j) => j);
  const folded = new Set<number>();
  nodes.forEach((node, j) => {
    node.inputs = node.inputs.map((i) => alias[i]);
    if (node.inputs.length !== 1) return;
    const i = node.inputs[0];
    const prev = nodes[i];
    if (uses[i] !== 1) return;
    const clamp = clampOf(node);
    if (clamp && prev.op === "batchnorm" && prev.attrs.clamp === undefined) {
      prev.attrs.clamp = clamp;
      alias[j] = i;
      folded.add(j);
    } else if (node.op === "maxpool" && node.attrs.clamp === undefined && clampOf(prev)) {
      node.attrs.clamp = clampOf(prev);
      node.inputs = [prev.inputs[0]];
      folded.add(i);
    }
  });
  if (folded.size === 0) return graph;
  const index = new Int32Array(nodes.length);
  const kept: GraphNode[] = [];
  nodes.forEach((n, j) => {
    index[j] = kept.length;
    if (!folded.has(j)) kept.push(n);
  });
  for (const n of kept) n.inputs = n.inputs.map((i) => index[i]);
  return { nodes: kept, output: index[alias[graph.output]], weights: graph.weights };
}
