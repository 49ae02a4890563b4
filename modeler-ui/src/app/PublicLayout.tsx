import { Button, Layout, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router-dom';

/** Frame of the public pages (办事群众): no login, readable on a phone-width screen. */
export function PublicLayout() {
  const { t, i18n } = useTranslation();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="app-header public-header">
        <Link to="/public" style={{ color: '#fff' }}>
          <Space>
            <span className="brand-mark" aria-hidden>政</span>
            <Typography.Text strong style={{ color: '#fff' }}>{t('productName')}</Typography.Text>
          </Space>
        </Link>
        <Space>
          <Button size="small" ghost onClick={() => void i18n.changeLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')}>{t('language')}</Button>
          <Link to="/login" style={{ color: '#fff' }}>{t('login.title')}</Link>
        </Space>
      </Layout.Header>
      <Layout.Content className="public-content">
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
