import { clear, el } from './dom';

/**
 * The single message area under the header (`data-testid="status-message"`).
 * `kind` drives colour; `data-kind` lets browser tests assert on it.
 */
export type StatusKind = 'info' | 'success' | 'warning' | 'error';

let area: HTMLElement | null = null;

export function mountStatusArea(node: HTMLElement): void {
  area = node;
  clearStatus();
}

export function showStatus(kind: StatusKind, message: string, details: string[] = []): void {
  if (!area) return;
  clear(area);
  area.dataset.kind = kind;
  area.hidden = false;
  area.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  area.appendChild(el('span', { class: 'status-text' }, message));
  if (details.length > 0) {
    const list = el('ul', { class: 'status-details' });
    for (const line of details.slice(0, 20)) list.appendChild(el('li', {}, line));
    if (details.length > 20) list.appendChild(el('li', {}, `……另有 ${details.length - 20} 条`));
    area.appendChild(list);
  }
  area.appendChild(
    el('button', { type: 'button', class: 'status-close', title: '关闭提示', 'aria-label': '关闭提示', onclick: clearStatus }, '×'),
  );
}

export function clearStatus(): void {
  if (!area) return;
  clear(area);
  area.hidden = true;
  area.dataset.kind = '';
}
