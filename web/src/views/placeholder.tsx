// Variables: the variable store has no HTTP API yet (only `gridctl var`); until it does, say so.
import type { JSX } from 'preact';

const TEXT = {
  variables: {
    title: 'Variables',
    body: 'The variable store works from the CLI today (gridctl var list / set / delete / lock). This view will list keys with hidden values, set and delete them, and show the locked state once the store has an API (/api/var).',
  },
};

export default function Placeholder({ which }: { which: 'variables' }): JSX.Element {
  const t = TEXT[which];
  return (
    <section class="view" aria-labelledby="ph-title">
      <div class="view-head">
        <h1 id="ph-title">{t.title}</h1>
      </div>
      <div class="empty" data-testid="placeholder">
        <p>{t.body}</p>
      </div>
    </section>
  );
}
