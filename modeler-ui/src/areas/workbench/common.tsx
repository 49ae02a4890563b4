import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api-client';
import { useApi } from '../../app/ApiError';
import { formatDateTime } from './format';
import type { Me, Signal, Task, WindowView } from './types';

/** The logged-in clerk, with the window they hold a post at (if any). */
export function useMe() {
  return useApi(async () => {
    const me = await api.get<Me>('/api/me');
    const window = me.windowId ? await api.get<WindowView>(`/api/org/windows/${encodeURIComponent(me.windowId)}`) : null;
    return { me, window };
  }, []);
}

const SIGNAL_COLOR: Record<Signal, string> = { normal: 'green', warned: 'gold', late: 'red' };

/** 正常 / 即将到期 (yellow) / 已超期 (red) with the due time. */
export function DeadlineTag({ task }: { task: Pick<Task, 'deadline' | 'status'> }) {
  const { t } = useTranslation('workbench');
  const d = task.deadline;
  if (!d || (!d.dueAt && !d.clock)) return <Tag data-signal="none">{t('signal.none')}</Tag>;
  return (
    <Tag color={SIGNAL_COLOR[d.signal]} data-testid="deadline-tag" data-signal={d.signal} data-estimated={d.estimated ? 'true' : undefined} title={d.estimated ? d.estimateNote : undefined}>
      {t(`signal.${d.signal}`)}
    </Tag>
  );
}

/** 剩余 N 个工作日 / N 小时 / 今日到期 of a running step clock (counted by the server), or nothing. */
export function RemainingText({ task }: { task: Pick<Task, 'deadline'> }) {
  const { t } = useTranslation('workbench');
  const r = task.deadline?.remaining;
  if (!r) return null;
  const text = r.unit === 'working-days' && r.value === 0 ? t('inbox.remaining.today') : t(`inbox.remaining.${r.unit}`, { n: r.value });
  return <span data-testid="inbox-remaining" data-unit={r.unit} data-value={r.value}>{text}{r.estimated ? '（预计）' : ''}</span>;
}

/** The due time; `（预计）` when it was counted over a year without its holiday notice. */
export function dueText(task: Pick<Task, 'deadline'>): string {
  const d = task.deadline;
  return d?.dueAt ? `${formatDateTime(d.dueAt)}${d.estimated ? '（预计）' : ''}` : '—';
}

export function CategoryTag({ category }: { category: string }) {
  const { t } = useTranslation('workbench');
  const color: Record<string, string> = { immediate: 'blue', promised: 'geekblue', supplement: 'orange', 'report-up': 'purple', joint: 'cyan', rejected: 'red' };
  return <Tag color={color[category]}>{t(`category.${category}`, { defaultValue: category })}</Tag>;
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation('workbench');
  const color: Record<string, string> = { 'in-progress': 'processing', completed: 'success', rejected: 'error', 'awaiting-supplement': 'warning', void: 'default', failed: 'error', open: 'processing' };
  return <Tag color={color[status]} data-testid="case-status" data-status={status}>{t(`status.${status}`, { defaultValue: status })}</Tag>;
}
