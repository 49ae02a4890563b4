import { Button, Card, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { ApiErrorAlert } from './ApiError';
import { useSession } from './session';

/** 工作人员登录. After login: where the user was going, else the first area their roles open. */
export function LoginPage({ homeFor }: { homeFor: (roles: string[]) => string }) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from;
  // signed in already (a bookmark of #/staff): straight to the user's area
  useEffect(() => {
    if (session.user && !from) navigate(homeFor(session.user.roles), { replace: true });
  }, [session.user, from, homeFor, navigate]);

  async function submit(values: { username: string; password: string }) {
    setBusy(true);
    setError(null);
    try {
      const user = await session.login(values.username.trim(), values.password);
      navigate(from && from !== '/login' && from !== '/staff' ? from : homeFor(user.roles), { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-page">
      <Card style={{ width: 380, maxWidth: '94vw' }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginTop: 0 }}>{t('productName')}</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>{t('login.title')}</Typography.Paragraph>
        {session.expired && !error ? <ApiErrorAlert error={{ message: '登录已失效，请重新登录。' }} /> : null}
        <ApiErrorAlert error={error} />
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.required', { what: t('login.username') }) }]}>
            <Input autoFocus autoComplete="username" data-testid="login-username" />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.required', { what: t('login.password') }) }]}>
            <Input.Password autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">{t('login.submit')}</Button>
        </Form>
        <div style={{ marginTop: 16, textAlign: 'center' }}>
          <Link to="/" data-testid="to-public">{t('login.publicLink')}</Link>
        </div>
      </Card>
    </div>
  );
}
