import { Typography } from 'antd';
import type { Area } from '../../app/area';

function Start() {
  return <Typography.Title level={3}>受理工作台</Typography.Title>;
}

export const workbenchArea: Area = {
  key: 'workbench',
  title: 'areas.workbench',
  roles: ['clerk'],
  public: false,
  menu: [{ path: '', label: 'menu.home' }],
  routes: [{ index: true, element: <Start /> }],
  messages: { zh: { menu: { home: '受理工作台' } }, en: { menu: { home: 'workbench' } } },
};
