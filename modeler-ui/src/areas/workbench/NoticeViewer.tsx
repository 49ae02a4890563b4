import { PrinterOutlined } from '@ant-design/icons';
import { Button, Modal, Space, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api-client';
import { ApiErrorAlert } from '../../app/ApiError';
import type { NoticeRef } from './types';

/**
 * A notice (文书) as the server renders it — printable A4 HTML — in an iframe, with a print
 * button that prints only the notice (`contentWindow.print()`). The iframe is sandboxed
 * without scripts; the server's notice HTML has none either.
 */
export function NoticeViewer({ caseNo, notice, onClose }: { caseNo: string; notice: NoticeRef | null; onClose: () => void }) {
  const { t } = useTranslation('workbench');
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [printed, setPrinted] = useState(0);
  const frame = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    setHtml(null);
    setError(null);
    setPrinted(0);
    if (!notice) return;
    let cancelled = false;
    api.text(`/api/service-cases/${encodeURIComponent(caseNo)}/notices/${encodeURIComponent(notice.id)}`, 'text/html').then(
      (h) => { if (!cancelled) setHtml(h); },
      (e: unknown) => { if (!cancelled) setError(e); },
    );
    return () => { cancelled = true; };
  }, [caseNo, notice]);

  const print = () => {
    const w = frame.current?.contentWindow;
    if (!w) return;
    w.focus();
    w.print();
    setPrinted((n) => n + 1);
  };

  return (
    <Modal
      open={!!notice}
      onCancel={onClose}
      width={900}
      title={notice ? `${notice.title} · ${caseNo}` : ''}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose} data-testid="close-notice">{t('common.close')}</Button>
          <Button type="primary" icon={<PrinterOutlined />} disabled={!html} onClick={print} data-testid="print-notice" data-printed={String(printed)}>
            {t('notice.print')}
          </Button>
        </Space>
      }
    >
      <ApiErrorAlert error={error} />
      {html === null && !error ? <Spin tip={t('notice.loading')}><div style={{ height: 200 }} /></Spin> : null}
      {html !== null ? (
        <iframe
          ref={frame}
          title={notice?.title ?? 'notice'}
          srcDoc={html}
          sandbox="allow-same-origin allow-modals"
          data-testid="notice-frame"
          style={{ width: '100%', height: '60vh', border: '1px solid #d9d9d9', background: '#fff' }}
        />
      ) : null}
    </Modal>
  );
}
