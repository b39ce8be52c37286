// The GLUE registry is consistent with itself and with GLUE's conventions, and customTaskSpec
// builds the specs user data gets.
import { describe, expect, it } from 'vitest';
import { customTaskSpec, GLUE_TASKS, glueTask, isGlueTaskId } from './glue';

describe('GLUE_TASKS', () => {
  it('lists the nine tasks, MNLI as matched and mismatched, with unique ids', () => {
    const ids = GLUE_TASKS.map((t) => t.id);
    expect(ids).toEqual([
      'cola',
      'sst2',
      'mrpc',
      'qqp',
      'stsb',
      'mnli-m',
      'mnli-mm',
      'qnli',
      'rte',
      'wnli',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(GLUE_TASKS.map((t) => [t.id, t] as const))('%s is self-consistent', (_id, t) => {
    const { spec } = t;
    expect(spec.id).toBe(t.id);
    expect(spec.metrics).toContain(spec.mainMetric);
    if (spec.kind === 'regression') {
      expect(spec.numLabels).toBe(1);
      expect(spec.labelNames).toEqual([]);
      expect(t.labels.kind).toBe('score');
    } else {
      expect(spec.numLabels).toBe(spec.labelNames.length);
      expect(t.labels.kind).not.toBe('score');
    }
    expect(spec.pair).toBe(t.columns.b !== undefined);
    expect(spec.pair).toBe(t.hub.b !== undefined);
    expect(t.hub.dataset).toBe('nyu-mll/glue');
  });

  it("follows GLUE's metrics and label sets", () => {
    const s = (id: string) => glueTask(id)!.spec;
    expect(s('cola').mainMetric).toBe('mcc');
    expect(s('sst2').metrics).toEqual(['accuracy']);
    expect([s('mrpc').mainMetric, ...s('mrpc').metrics]).toEqual(['f1', 'f1', 'accuracy']);
    expect([s('qqp').mainMetric, ...s('qqp').metrics]).toEqual(['accuracy', 'accuracy', 'f1']);
    expect(s('stsb')).toMatchObject({ kind: 'regression', metrics: ['pearson', 'spearman'] });
    expect(s('mnli-mm').labelNames).toEqual(['entailment', 'neutral', 'contradiction']);
    expect(s('qnli').labelNames).toEqual(['entailment', 'not_entailment']);
    expect(s('wnli').labelNames).toEqual(['not_entailment', 'entailment']);
  });

  it('MNLI matched and mismatched differ only in dev file, Hub split and id', () => {
    const m = glueTask('mnli-m')!;
    const mm = glueTask('mnli-mm')!;
    expect([m.files.dev, mm.files.dev]).toEqual(['dev_matched.tsv', 'dev_mismatched.tsv']);
    expect([m.hub.devSplit, mm.hub.devSplit]).toEqual([
      'validation_matched',
      'validation_mismatched',
    ]);
    expect(m.hub.config).toBe('mnli');
    expect(mm.columns).toEqual(m.columns);
  });

  it('glueTask accepts display names and plain mnli; rejects others', () => {
    expect(glueTask('SST-2')?.id).toBe('sst2');
    expect(glueTask(' STS-B ')?.id).toBe('stsb');
    expect(glueTask('mnli')?.id).toBe('mnli-m');
    expect(glueTask('imdb')).toBeUndefined();
    expect(isGlueTaskId('rte')).toBe(true);
    expect(isGlueTaskId('RTE')).toBe(false);
  });
});

describe('customTaskSpec', () => {
  it('binary classification reports accuracy, F1 and MCC', () => {
    const spec = customTaskSpec({
      id: 'mine',
      kind: 'classification',
      labelNames: ['no', 'yes'],
      pair: false,
    });
    expect(spec).toEqual({
      id: 'mine',
      name: 'mine',
      kind: 'classification',
      numLabels: 2,
      labelNames: ['no', 'yes'],
      pair: false,
      metrics: ['accuracy', 'f1', 'mcc'],
      mainMetric: 'accuracy',
    });
  });

  it('multi-class drops F1; regression uses correlations', () => {
    const multi = customTaskSpec({
      id: 'm',
      kind: 'classification',
      labelNames: ['a', 'b', 'c'],
      pair: true,
    });
    expect(multi.metrics).toEqual(['accuracy', 'mcc']);
    const reg = customTaskSpec({ id: 'r', name: 'Scores', kind: 'regression', pair: true });
    expect(reg).toMatchObject({
      name: 'Scores',
      numLabels: 1,
      labelNames: [],
      mainMetric: 'pearson',
    });
  });

  it('rejects classification with fewer than 2 labels', () => {
    expect(() =>
      customTaskSpec({ id: 'x', kind: 'classification', labelNames: ['a'], pair: false }),
    ).toThrow('at least 2 labels');
  });
});
