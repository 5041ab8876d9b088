// Inline SVG icons (no icon font, no network).
import type { JSX } from 'preact';

const paths: Record<string, string> = {
  stack: 'M12 3 3 8l9 5 9-5-9-5Zm-9 9 9 5 9-5M3 16l9 5 9-5',
  tools: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.6 2.6-2.4-.6-.6-2.4 2.6-2.6Z',
  logs: 'M4 6h16M4 10h16M4 14h10M4 18h7',
  spec: 'M8 4H5v16h3M16 4h3v16h-3M10 9l-2 3 2 3M14 9l2 3-2 3',
  vars: 'M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5z',
  pins: 'M12 2v6m-5 0h10l-2 6H9L7 8Zm5 6v14',
  setup: 'M12 5v14M5 12h14',
  chart: 'M4 20V4M4 20h16M8 16l4-5 3 3 5-7',
  traces: 'M4 6h9M7 12h10M10 18h8',
  library: 'M4 4h4v16H4zM10 4h4v16h-4zM16 5l3.8-1 3.2 15-3.8 1z',
  sun: 'M12 4V2m0 20v-2m8-8h2M2 12h2m13.7-5.7 1.4-1.4M4.9 19.1l1.4-1.4m11.4 0 1.4 1.4M4.9 4.9l1.4 1.4M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z',
  moon: 'M21 13a9 9 0 1 1-10-10 7 7 0 0 0 10 10Z',
  restart: 'M4 4v6h6M20 20v-6h-6M5.5 15a7 7 0 0 0 12.3 2M18.5 9A7 7 0 0 0 6.2 7',
  close: 'M6 6l12 12M18 6 6 18',
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14Zm9 16-4-4',
  pause: 'M8 5v14M16 5v14',
  play: 'M7 5v14l11-7z',
  key: 'M15 7a4 4 0 1 1-3.9 5H3v3h3v3h3v-3h2.1A4 4 0 0 1 15 7Z',
  client: 'M4 5h16v10H4zM8 19h8M12 15v4',
  gateway: 'M12 3 4 7v10l8 4 8-4V7l-8-4Zm0 0v18M4 7l8 4 8-4',
};

export function Icon({
  name,
  size = 16,
  label,
}: {
  name: keyof typeof paths | string;
  size?: number;
  label?: string;
}): JSX.Element {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      class="icon"
    >
      <path d={paths[name] ?? ''} />
    </svg>
  );
}
