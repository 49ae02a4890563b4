import { LoginOutlined } from '@ant-design/icons';
import { Button, Layout, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router-dom';
import { useSession } from './session';

/**
 * Frame of the public pages (办事群众) — the app's home (`#/`): no login, readable on a
 * phone-width screen; staff find their way in by the 工作人员登录 link in the header
 * (`#/staff`), or back to their area when signed in already.
 */
export function PublicLayout() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="app-header public-header">
        <Link to="/" style={{ color: '#fff', minWidth: 0 }} data-testid="public-brand">
          <Space>
            <span className="brand-mark" aria-hidden>政</span>
            <Typography.Text strong style={{ color: '#fff' }} className="public-brand-name">{t('productName')}</Typography.Text>
          </Space>
        </Link>
        <Space size={8} className="public-header-actions">
          <Button size="small" ghost onClick={() => void i18n.changeLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')}>{t('language')}</Button>
          <Link to="/staff" className="staff-login-link" data-testid="staff-login-link">
            <LoginOutlined aria-hidden /> {session.user ? t('login.toWork') : t('login.title')}
          </Link>
        </Space>
      </Layout.Header>
      <Layout.Content className="public-content">
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
