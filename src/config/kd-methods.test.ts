// Every method of the registry has its UI entry (name, explanation, citation) and a schedule
// preview from its paper defaults.
import { describe, expect, it } from 'vitest';
import { KD_DEFAULTS, METHOD_INFO, kdDefaults, methodInfo, methodKinds } from './kd-methods';
import { schedulePreview } from './kd-preview';

describe('method metadata', () => {
  it('lists every kind of the registry, each with a name, an explanation and a citation', () => {
    expect(methodKinds()).toEqual(Object.keys(KD_DEFAULTS));
    for (const kind of methodKinds()) {
      const info = METHOD_INFO[kind];
      expect(info, kind).toBeDefined();
      expect(info!.label.length).toBeGreaterThan(2);
      expect(info!.summary.length).toBeGreaterThan(40);
      if (kind !== 'none') expect(info!.citation).toMatch(/20\d\d/);
    }
    expect(methodInfo('no-such-method').label).toBe('no-such-method');
  });

  it('previews every method from its defaults over 300 steps', () => {
    for (const kind of methodKinds()) {
      const p = schedulePreview(
        { method: kdDefaults(kind) },
        { steps: 300, lr: 1e-3, warmup: 0.1 },
      );
      expect(p.error, kind).toBeNull();
      expect(p.stages.reduce((n, s) => n + s.steps, 0)).toBe(300);
      expect(p.series.length, kind).toBeGreaterThan(1);
    }
  });
});
