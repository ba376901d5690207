/**
 * Notices float over the page (they never push the layout down), say what they are about, repeat no
 * line that is already showing, and go away: on their close button, or by themselves after a while.
 */
import { button, el } from './dom.js';

/** `fixed`: a link's settings were corrected; `error`: something failed; `info`: a plain message. */
export type NoticeKind = 'fixed' | 'error' | 'info';

const HEADINGS: Record<NoticeKind, string> = { fixed: 'Some settings in the link were corrected:', error: 'That did not work:', info: '' };
/** How long each kind stays, in ms. */
export const NOTICE_MS: Record<NoticeKind, number> = { fixed: 15_000, error: 20_000, info: 6_000 };

const shown = new Map<string, { box: HTMLElement; timer: ReturnType<typeof setTimeout> }>();

function box(): HTMLElement {
  return document.getElementById('notices')!;
}

function close(b: HTMLElement): void {
  b.remove();
  for (const [k, s] of [...shown]) {
    if (s.box !== b) continue;
    clearTimeout(s.timer);
    shown.delete(k);
  }
}

export function notify(lines: string[], kind: NoticeKind = 'fixed'): void {
  const fresh = [...new Set(lines)].filter((l) => !shown.has(`${kind}|${l}`));
  // a line already showing: keep it up a little longer instead of repeating it
  for (const l of lines) {
    const s = shown.get(`${kind}|${l}`);
    if (s) {
      clearTimeout(s.timer);
      s.timer = setTimeout(() => close(s.box), NOTICE_MS[kind]);
    }
  }
  if (!fresh.length) return;
  const keys = fresh.map((l) => `${kind}|${l}`);
  const cls = kind === 'info' ? 'info' : 'warn';
  const n = el('div', { class: `notice ${cls}`, attrs: { 'data-kind': kind } }, [
    HEADINGS[kind] ? el('strong', { text: HEADINGS[kind] }) : null,
    fresh.length === 1 && !HEADINGS[kind]
      ? el('span', { text: fresh[0]! })
      : el(
          'ul',
          {},
          fresh.slice(0, 12).map((l) => el('li', { text: l })),
        ),
    button('×', 'Dismiss', () => close(n), undefined, 'close'),
  ]);
  const timer = setTimeout(() => close(n), NOTICE_MS[kind]);
  for (const k of keys) shown.set(k, { box: n, timer });
  box().append(n);
}
