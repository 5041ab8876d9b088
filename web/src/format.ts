// Small display helpers shared by the views.
import type { ServerState } from './types.js';

export function stateTone(state: ServerState | string): 'ok' | 'warn' | 'bad' | 'idle' {
  if (state === 'healthy') return 'ok';
  if (state === 'starting' || state === 'degraded' || state === 'needs auth') return 'warn';
  if (state === 'stopped') return 'idle';
  return 'bad';
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

const SKIP = new Set(['time', 'level', 'msg', 'server', 'component']);
export function extras(e: Record<string, unknown>): string {
  return Object.entries(e)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
