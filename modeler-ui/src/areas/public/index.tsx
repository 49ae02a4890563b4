import { Typography } from 'antd';
import type { Area } from '../../app/area';

function Start() {
  return <Typography.Title level={3}>办事指南</Typography.Title>;
}

export const publicArea: Area = {
  key: 'public',
  title: 'areas.public',
  roles: [],
  public: true,
  menu: [{ path: '', label: 'menu.home' }],
  routes: [{ index: true, element: <Start /> }],
  messages: { zh: { menu: { home: '办事指南' } }, en: { menu: { home: 'public' } } },
};
