/**
 * lq.activations — filled in by its issue; see the module map in the README.
 *
 * @packageDocumentation
 */
export {};
