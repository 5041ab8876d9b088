// Code-split views: load the module on first render, show a quiet placeholder meanwhile.
import type { ComponentType, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyView<P extends object>(
  load: () => Promise<{ default: ComponentType<P> }>,
): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let promise: Promise<void> | undefined;
  return function Lazy(props: P): JSX.Element {
    const [, setTick] = useState(0);
    const [error, setError] = useState<string>();
    useEffect(() => {
      if (loaded) return;
      promise ??= load().then((m) => {
        loaded = m.default;
      });
      promise.then(
        () => setTick((n) => n + 1),
        (e: Error) => {
          promise = undefined;
          setError(e.message);
        },
      );
    }, []);
    if (error) return <div class="empty">Could not load this view: {error}</div>;
    if (!loaded)
      return (
        <div class="empty" aria-busy="true">
          Loading…
        </div>
      );
    const C = loaded;
    return <C {...props} />;
  };
}
