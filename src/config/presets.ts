// Named model architectures: the BERT miniature grid of Turc et al. 2019 ("Well-Read Students
// Learn Better", arXiv:1908.08962: L in 2..12, H in 128/256/512/768, heads = H/64, FFN = 4H),
// BERT-base, and tiny shapes for tests and demos on slow adapters.
import type { ModelArch } from './run-config';

const DROPOUT = { hiddenDropout: 0.1, attentionDropout: 0.1 } as const;

function miniature(layers: number, hidden: number): ModelArch {
  return { layers, hidden, heads: hidden / 64, intermediate: 4 * hidden, ...DROPOUT };
}

const grid: Record<string, ModelArch> = {};
for (const layers of [2, 4, 6, 8, 10, 12]) {
  for (const hidden of [128, 256, 512, 768])
    grid[`bert-L${layers}-H${hidden}`] = miniature(layers, hidden);
}

export const MODEL_PRESETS: Record<string, ModelArch> = {
  /** One layer of width 32: compiles fast on software WebGPU; for e2e tests and quick looks. */
  'tiny-L1-H32': {
    layers: 1,
    hidden: 32,
    heads: 2,
    intermediate: 64,
    hiddenDropout: 0,
    attentionDropout: 0,
  },
  /** Two layers of width 64. */
  'tiny-L2-H64': { layers: 2, hidden: 64, heads: 2, intermediate: 128, ...DROPOUT },
  ...grid,
  'bert-base': { layers: 12, hidden: 768, heads: 12, intermediate: 3072, ...DROPOUT },
};

/** Friendly names for the well-known miniatures. */
export const PRESET_ALIASES: Record<string, string> = {
  'bert-tiny': 'bert-L2-H128',
  'bert-mini': 'bert-L4-H256',
  'bert-small': 'bert-L4-H512',
  'bert-medium': 'bert-L8-H512',
};

/** The architecture for a preset name or alias, or undefined. */
export function modelPreset(name: string): ModelArch | undefined {
  const arch = MODEL_PRESETS[PRESET_ALIASES[name] ?? name];
  return arch ? { ...arch } : undefined;
}

/** Kronecker students (KroneckerBERT8/21 on BERT-base, 4×/8×/16× of BERT-Mini): see ./student. */
export { KRON_PRESETS, kronPresetSpec, type KronPreset } from './student';
