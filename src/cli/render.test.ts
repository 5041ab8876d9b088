import { describe, expect, it } from 'vitest';
import { stderrTails } from './render.js';

describe('stderrTails', () => {
  it('shows the tail of servers that are not healthy, with control characters escaped', () => {
    const out = stderrTails([
      { name: 'ok', state: 'healthy', stderr: ['old noise'] },
      { name: 'none', state: 'failed' },
      { name: 'bad', state: 'failed', stderr: ['\u001b[2Jcleared?', 'tab\there'] },
    ]);
    expect(out).toBe('\nbad: last stderr lines\n  | \\x1b[2Jcleared?\n  | tab\there\n');
  });

  it('is empty when no server has anything to show', () => {
    expect(stderrTails([{ name: 'ok', state: 'healthy' }])).toBe('');
  });
});
