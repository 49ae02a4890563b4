/** Small pieces shared by the public pages: wording, dates, durations, errors, the page frame. */
import { Alert, Breadcrumb, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiProblem } from '../../api-client';
import { ApiErrorAlert } from '../../app/ApiError';
import { formatDateTime } from '../../format';

export function usePublicT() {
  return useTranslation('public');
}

const dateParts = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' });

/** `2026年12月2日` (Asia/Shanghai). */
export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = dateParts.formatToParts(d);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}年${Number(get('month'))}月${Number(get('day'))}日`;
}

export { formatDateTime };

/** Fen → `¥12.50` */
export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

/** A step time limit (`3WD`, `P5D`, `PT8H`, `PT30M`) in words. */
export function useDuration() {
  const { t } = usePublicT();
  return (limit: string | undefined): string => {
    if (!limit) return '—';
    const wd = /^(\d+)WD$/i.exec(limit);
    if (wd) return t('duration.wd', { n: Number(wd[1]) });
    // as the step clocks count them (engine/supervision/clock-ledger.ts parseStepLimit): P3D is 3 working
    // days, PT8H one (a working day has 8 hours) — not 3 calendar days, not 8 hours
    const days = /^P(\d+)D$/i.exec(limit);
    if (days && Number(days[1]) > 0) return t('duration.wd', { n: Number(days[1]) });
    const hours = /^PT(\d+)H$/i.exec(limit);
    if (hours && Number(hours[1]) > 0 && Number(hours[1]) % 8 === 0) return t('duration.wd', { n: Number(hours[1]) / 8 });
    const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(limit);
    if (iso && (iso[1] || iso[2] || iso[3])) {
      const parts: string[] = [];
      if (iso[1]) parts.push(t('duration.d', { n: Number(iso[1]) }));
      if (iso[2]) parts.push(t('duration.h', { n: Number(iso[2]) }));
      if (iso[3]) parts.push(t('duration.m', { n: Number(iso[3]) }));
      return parts.join(' ');
    }
    return limit;
  };
}

/**
 * An API failure on a public page: not found and rate limited get their own plain words
 * (`notFound` / 429), everything else the shared headline for its problem code.
 */
export function PublicError({ error, notFound, onRetry }: { error: unknown; notFound?: string; onRetry?: () => void }) {
  const { t } = usePublicT();
  if (!error) return null;
  if (error instanceof ApiProblem && (error.status === 429 || (error.status === 404 && notFound))) {
    const limited = error.status === 429;
    return (
      <Alert
        type={limited ? 'warning' : 'error'}
        showIcon
        role="alert"
        data-testid={limited ? 'rate-limited' : 'not-found'}
        title={limited ? t('lookup.rateLimited') : notFound}
        style={{ marginBottom: 12 }}
      />
    );
  }
  return <ApiErrorAlert error={error} onRetry={onRetry} />;
}

/** Title with a breadcrumb back to the guide's home. */
export function PageHead({ title, crumbs = [], extra }: { title: ReactNode; crumbs?: Array<{ to?: string; label: ReactNode }>; extra?: ReactNode }) {
  const { t } = usePublicT();
  return (
    <div className="public-page-head">
      <Breadcrumb
        items={[{ title: <Link to="/">{t('nav.home')}</Link> }, ...crumbs.map((c) => ({ title: c.to ? <Link to={c.to}>{c.label}</Link> : c.label }))]}
      />
      <Space wrap align="baseline" style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: '8px 0 12px' }}>{title}</Typography.Title>
        {extra}
      </Space>
    </div>
  );
}
