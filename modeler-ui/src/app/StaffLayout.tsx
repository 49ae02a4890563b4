import { Button, Layout, Menu, Space, Tag, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { mountStatusArea } from '../status';
import type { Area } from './area';
import { useSession } from './session';

/**
 * Frame of the staff areas: header with product, user and language switch, the
 * area menu on the left (only areas the user's roles open), and the page.
 * Works at 1366×768: the menu collapses to icons below 1200 px; on a phone the header keeps
 * the user's name and the buttons (product name and role tags hidden).
 */
export function StaffLayout({ areas }: { areas: Area[] }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const statusRef = useRef<HTMLDivElement>(null);
  useEffect(() => { if (statusRef.current) mountStatusArea(statusRef.current); }, []);

  if (!session.user) return <Navigate to="/staff" replace state={{ from: location.pathname + location.search }} />;
  const user = session.user;
  const mine = areas.filter((a) => !a.public && (a.roles.length === 0 || session.hasRole(...a.roles)));
  const items = mine.map((a) => ({
    key: `/${a.key}`,
    icon: a.icon,
    label: t(a.title),
    children: a.menu.filter((m) => !m.roles || session.hasRole(...m.roles)).map((m) => ({ key: `/${a.key}${m.path ? '/' + m.path : ''}`, label: t(`${a.key}:${m.label}`), icon: m.icon })),
  }));
  const selected = [...items.flatMap((i) => i.children.map((c) => c.key))]
    .filter((k) => location.pathname === k || location.pathname.startsWith(k + '/'))
    .sort((a, b) => b.length - a.length)[0];

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="app-header">
        <Space size="middle">
          <span className="brand-mark" aria-hidden>政</span>
          <Typography.Text strong style={{ color: '#fff', fontSize: 16 }} className="staff-product">{t('productName')}</Typography.Text>
        </Space>
        <Space size="middle">
          <span data-testid="current-user" className="staff-user" style={{ color: '#fff' }}>{user.displayName || user.username}</span>
          <span className="staff-roles">{user.roles.map((r) => <Tag key={r} color="blue">{t(`roles.${r}`, { defaultValue: r })}</Tag>)}</span>
          <Button size="small" ghost onClick={() => void i18n.changeLanguage(i18n.language === 'en' ? 'zh-CN' : 'en')} data-testid="switch-language">{t('language')}</Button>
          <Button size="small" ghost data-testid="logout" onClick={() => void session.logout().then(() => navigate('/staff'))}>{t('logout')}</Button>
        </Space>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={200} breakpoint="xl" collapsedWidth={56} theme="light">
          <Menu
            mode="inline"
            items={items}
            selectedKeys={selected ? [selected] : []}
            defaultOpenKeys={items.map((i) => i.key)}
            onClick={(e) => navigate(e.key)}
            data-testid="area-menu"
          />
        </Layout.Sider>
        <Layout.Content className="app-content">
          <div ref={statusRef} className="status-message" data-testid="status-message" aria-live="polite" hidden />
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
