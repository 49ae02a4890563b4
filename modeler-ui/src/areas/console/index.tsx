import { Typography } from 'antd';
import type { Area } from '../../app/area';

function Start() {
  return <Typography.Title level={3}>监察督办</Typography.Title>;
}

export const consoleArea: Area = {
  key: 'console',
  title: 'areas.console',
  roles: ['supervisor', 'manager'],
  public: false,
  menu: [{ path: '', label: 'menu.home' }],
  routes: [{ index: true, element: <Start /> }],
  messages: { zh: { menu: { home: '监察督办' } }, en: { menu: { home: 'console' } } },
};
