import { App as AntApp, Button, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { createHashRouter, Navigate, RouterProvider, useLocation, useNavigate } from 'react-router-dom';
import type { Area } from './area';
import { LoginPage } from './LoginPage';
import { PublicLayout } from './PublicLayout';
import { SessionProvider } from './session';
import { StaffLayout } from './StaffLayout';

/** The first area a user's roles open (after login, and at `#/staff` when signed in already). */
export function homeFor(areas: Area[], roles: string[]): string {
  const open = areas.find((a) => !a.public && (a.roles.length === 0 || roles.includes('admin') || a.roles.some((r) => roles.includes(r))));
  return open ? `/${open.key}` : '/';
}

function NotFound() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return <Result status="404" title={t('errors.notFound')} extra={<Button onClick={() => navigate('/')}>{t('errors.back')}</Button>} />;
}

/** `#/login` of older bookmarks and links: the staff login at `#/staff`, keeping where the user was going. */
function OldLogin() {
  const location = useLocation();
  return <Navigate to="/staff" replace state={location.state} />;
}

export function App({ areas }: { areas: Area[] }) {
  const { i18n } = useTranslation();
  useEffect(() => { dayjs.locale(i18n.language === 'en' ? 'en' : 'zh-cn'); }, [i18n.language]);
  const router = createHashRouter([
    // public first: `/` is the citizens' home (the public area's start page); staff sign in at `#/staff`
    ...areas.filter((a) => a.public).map((a) => ({ path: '/', element: <PublicLayout />, children: a.routes.filter((r) => r.index) })),
    { path: '/staff', element: <LoginPage homeFor={(roles) => homeFor(areas, roles)} /> },
    { path: '/login', element: <OldLogin /> },
    ...areas.filter((a) => a.public).map((a) => ({ path: `/${a.key}`, element: <PublicLayout />, children: a.routes })),
    { element: <StaffLayout areas={areas} />, children: areas.filter((a) => !a.public).map((a) => ({ path: `/${a.key}`, children: a.routes })) },
    { path: '*', element: <NotFound /> },
  ]);
  return (
    // no space put between two Chinese characters of a button (antd's default): 打开, not 打 开
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} button={{ autoInsertSpace: false }} theme={{ token: { colorPrimary: '#1f5fbf', borderRadius: 4 } }}>
      <AntApp>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
