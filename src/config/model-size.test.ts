// Size arithmetic worked by hand: BERT-base's 109,483,778 parameters (Hugging Face's
// BertForSequenceClassification, 2 labels), the KroneckerBERT presets' quoted sizes, small TextCNN
// and BiLSTM counts, and FLOPs per token. src/model/size.test.ts checks the same functions against
// allocated models.
import { describe, expect, it } from 'vitest';
import {
  bertFlops,
  bertParamCount,
  biLstmFlops,
  biLstmParamCount,
  kronBertParamCount,
  kronMatrixList,
  runStudentSize,
  textCnnFlops,
  textCnnParamCount,
} from './model-size';
import { KRON_PRESETS, modelPreset } from './presets';

const BERT_CTX = { vocabSize: 30522, numLabels: 2, maxPositions: 512 };

describe('model-size', () => {
  it('BERT-base with a 2-label head has 109,483,778 parameters', () => {
    expect(bertParamCount(modelPreset('bert-base')!, BERT_CTX)).toBe(109_483_778);
  });

  it('BERT FLOPs per token: 2·(4H² + 2HI + 2TH) per layer', () => {
    // H 32, I 64, T 16, one layer: 2·(4096 + 4096 + 1024) = 18,432.
    expect(bertFlops({ layers: 1, hidden: 32, intermediate: 64 }, 16)).toBe(18_432);
  });

  it('KroneckerBERT8 and 21 match the sizes quoted in their presets (paper Table 1)', () => {
    const base = modelPreset('bert-base')!;
    const k8 = kronBertParamCount(base, BERT_CTX, KRON_PRESETS['kron-bert-base-8']!.factors);
    const k21 = kronBertParamCount(base, BERT_CTX, KRON_PRESETS['kron-bert-base-21']!.factors);
    // The presets quote 14.65 M and 5.23 M parameters.
    expect(k8).toBe(14_655_754);
    expect(k21).toBe(5_229_810);
    expect(Math.abs(k8 / 1e6 - 14.65)).toBeLessThan(0.01);
    expect(Math.abs(k21 / 1e6 - 5.23)).toBeLessThan(0.01);
    expect(Math.round((109_483_778 / k8) * 10) / 10).toBe(7.5);
  });

  it('lists the factored matrices with their counts and B shapes', () => {
    const list = kronMatrixList(
      modelPreset('bert-mini')!,
      1000,
      KRON_PRESETS['kron-mini-4x']!.factors,
    );
    expect(list.map((m) => [m.part, m.count, m.shape.m2, m.shape.n2])).toEqual([
      ['embedding', 1, 1, 4],
      ['attention', 16, 2, 2],
      ['ffnUp', 4, 256, 128],
      ['ffnDown', 4, 128, 256],
    ]);
  });

  it('names the part whose factor does not tile its matrix', () => {
    expect(() =>
      kronMatrixList({ layers: 1, hidden: 32, intermediate: 64 }, 100, {
        embedding: null,
        attention: { m1: 5, n1: 4, sums: 1 },
        ffnUp: null,
        ffnDown: null,
      }),
    ).toThrow(/attention: .*does not tile a \[32, 32\]/);
  });

  it('TextCNN and BiLSTM counts by hand', () => {
    const cnn = { embed: 8, filters: 4, widths: [2, 3] };
    // 100·8 + (4·8·2 + 4) + (4·8·3 + 4) + 2·8 + 2
    expect(textCnnParamCount(cnn, { vocabSize: 100, numLabels: 2 })).toBe(986);
    expect(textCnnFlops(cnn)).toBe(2 * 2 * 8 * 4 + 2 * 3 * 8 * 4);
    const lstm = { embed: 8, hidden: 4 };
    // 100·8 + 2·(16·8 + 16·4 + 32) + 2·8 + 2
    expect(biLstmParamCount(lstm, { vocabSize: 100, numLabels: 2 })).toBe(1266);
    expect(biLstmFlops(lstm)).toBe(2 * (2 * 16 * 8 + 2 * 16 * 4));
  });

  it('a dense student without a teacher has no compression to report', () => {
    const r = runStudentSize(
      { model: modelPreset('tiny-L1-H32')!, student: undefined },
      { vocabSize: 100, numLabels: 2, maxPositions: 512, seqLen: 16 },
    );
    expect(r.compression).toBeNull();
    expect(r.params).toBe(
      bertParamCount(modelPreset('tiny-L1-H32')!, { ...BERT_CTX, vocabSize: 100 }),
    );
  });
});
