// Each method's parameters as its paper (or official code) sets them, for the UI's method picker
// and as the base of presets. Where the paper is silent the choice is ours, marked [I] and
// explained in docs/methods.md.
import type { KdKind } from './spec';
import type { SpecOf } from './registry';

export const KD_DEFAULTS: { [K in KdKind]: SpecOf[K] } = {
  none: { kind: 'none' },
  // Glitter's official vanilla-KD defaults (alpha_true 0.5, temperature 2.0; dossier §2.2).
  vanilla: { kind: 'vanilla', temperature: 2, alpha: 0.5 },
};

/** A fresh copy of a method's defaults. */
export function kdDefaults<K extends KdKind>(kind: K): SpecOf[K] {
  return structuredClone(KD_DEFAULTS[kind]);
}
