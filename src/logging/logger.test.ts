import { describe, expect, it } from 'vitest';
import { Logger, textSink } from './logger.js';

describe('Logger', () => {
  it('keeps a bounded ring of recent entries, filterable by server and level', () => {
    const log = Logger.create({ ringSize: 3, level: 'debug' });
    log.child({ server: 'a' }).info('one');
    log.child({ server: 'b' }).warn('two');
    log.child({ server: 'a' }).error('three');
    log.child({ server: 'a' }).debug('four');
    expect(log.recent().map((e) => e.msg)).toEqual(['two', 'three', 'four']);
    expect(log.recent({ server: 'a' }).map((e) => e.msg)).toEqual(['three', 'four']);
    expect(log.recent({ level: 'warn' }).map((e) => e.msg)).toEqual(['two', 'three']);
  });

  it('redacts before any sink or the buffer sees an entry', () => {
    const lines: string[] = [];
    const log = Logger.create({ sinks: [textSink((l) => lines.push(l))] });
    log.setRedactor((t) => t.replaceAll('s3cret', '[REDACTED]'));
    log.info('token is s3cret', { header: 'Bearer s3cret-long' });
    expect(lines.join('')).not.toContain('s3cret');
    expect(lines.join('')).toContain('[REDACTED]');
    expect(JSON.stringify(log.recent())).not.toContain('s3cret');
  });

  it('drops entries below the level', () => {
    const log = Logger.create({ level: 'warn' });
    log.info('quiet');
    log.warn('loud');
    expect(log.recent().map((e) => e.msg)).toEqual(['loud']);
  });
});
