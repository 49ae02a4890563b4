/**
 * Chinese display formats. Times are shown in Asia/Shanghai whatever the
 * browser's own zone is: `2026年11月28日 14:05`.
 */
const dateTimeParts = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

export function formatDateTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = dateTimeParts.formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}年${Number(get('month'))}月${Number(get('day'))}日 ${get('hour').padStart(2, '0')}:${get('minute').padStart(2, '0')}`;
}

export function formatVersion(version: number): string {
  return `v${version}`;
}
