import { describe, expect, it } from 'vitest';
import { describeAdapter } from './backend';

describe('adapter description', () => {
  it('names vendor and architecture and flags software adapters wherever Chrome reports it', () => {
    expect(describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper' } })).toBe(
      'nvidia hopper',
    );
    expect(
      describeAdapter({
        info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true },
      }),
    ).toBe('google swiftshader (software fallback)');
    expect(describeAdapter({ info: { vendor: 'google' }, isFallbackAdapter: true })).toBe(
      'google (software fallback)',
    );
    expect(describeAdapter({})).toBe('unknown adapter');
  });
});
