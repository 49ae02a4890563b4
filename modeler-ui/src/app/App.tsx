import { App as AntApp, Button, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { createHashRouter, Navigate, RouterProvider, useNavigate } from 'react-router-dom';
import type { Area } from './area';
import { LoginPage } from './LoginPage';
import { PublicLayout } from './PublicLayout';
import { SessionProvider } from './session';
import { StaffLayout } from './StaffLayout';

/** The first area a user's roles open (after login, and at `#/`). */
export function homeFor(areas: Area[], roles: string[]): string {
  const open = areas.find((a) => !a.public && (a.roles.length === 0 || roles.includes('admin') || a.roles.some((r) => roles.includes(r))));
  return open ? `/${open.key}` : '/public';
}

function NotFound() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return <Result status="404" title={t('errors.notFound')} extra={<Button onClick={() => navigate('/')}>{t('errors.back')}</Button>} />;
}

function Home({ areas }: { areas: Area[] }) {
  const raw = sessionStorage.getItem('svc.modeler.user');
  const roles: string[] = raw ? (JSON.parse(raw) as { roles: string[] }).roles : [];
  return <Navigate to={raw ? homeFor(areas, roles) : '/login'} replace />;
}

export function App({ areas }: { areas: Area[] }) {
  const { i18n } = useTranslation();
  useEffect(() => { dayjs.locale(i18n.language === 'en' ? 'en' : 'zh-cn'); }, [i18n.language]);
  const router = createHashRouter([
    { path: '/', element: <Home areas={areas} /> },
    { path: '/login', element: <LoginPage homeFor={(roles) => homeFor(areas, roles)} /> },
    ...areas.filter((a) => a.public).map((a) => ({ path: `/${a.key}`, element: <PublicLayout />, children: a.routes })),
    { element: <StaffLayout areas={areas} />, children: areas.filter((a) => !a.public).map((a) => ({ path: `/${a.key}`, children: a.routes })) },
    { path: '*', element: <NotFound /> },
  ]);
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#1f5fbf', borderRadius: 4 } }}>
      <AntApp>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
