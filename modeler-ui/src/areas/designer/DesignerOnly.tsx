import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useSession } from '../../app/session';

/**
 * A page only designers (and admins) open: anyone else who types its address sees a 403 with the
 * way back, not the page (the menu does not offer it to them; the API refuses their writes anyway).
 */
export function DesignerOnly({ children }: { children: ReactNode }) {
  const { t } = useTranslation('designer');
  const session = useSession();
  const navigate = useNavigate();
  if (session.hasRole('designer')) return <>{children}</>;
  return (
    <Result
      status="403"
      title={t('decisions.forbiddenTitle')}
      subTitle={t('decisions.forbidden')}
      data-testid="designer-only"
      extra={<Button onClick={() => navigate('/staff')}>{t('decisions.forbiddenBack')}</Button>}
    />
  );
}
