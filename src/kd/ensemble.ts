// A teacher ensemble as one Model: the members' logits averaged (the classic way to get a teacher
// stronger than any of its members; Hinton et al. 2015 distil an ensemble). Intermediate outputs
// (hidden states, scores) are the first member's, so intermediate-layer KD matches that member.
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../model';

/**
 * One Model whose logits are the mean of the members' logits (all members must share the task's
 * label space and tokenizer). `params` are the first member's: freeze every member yourself.
 * Owns the members: dispose() frees them all.
 */
export function ensembleModel(members: Model[]): Model {
  const first = members[0];
  if (!first) throw new Error('An ensemble needs at least one member');
  return {
    kind: first.kind,
    params: first.params,
    forward: (batch, opts) => {
      const outs = members.map((m) => m.forward(batch, opts));
      const logits = tf.div(tf.addN(outs.map((o) => o.logits)), members.length) as tf.Tensor2D;
      return { ...outs[0]!, logits };
    },
    summary: () => {
      const s = first.summary();
      const total = members.reduce((n, m) => n + m.summary().params, 0);
      return { ...s, params: total, config: { ...s.config, ensemble: members.length } };
    },
    dispose: () => members.forEach((m) => m.dispose()),
  };
}
