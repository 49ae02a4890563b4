import { ApartmentOutlined } from '@ant-design/icons';
import type { Area } from '../../app/area';
import { LegacyView } from './LegacyView';

/** 流程设计 — definitions, the bpmn-js modeler with properties panel, versions, deploy. */
export const designerArea: Area = {
  key: 'designer',
  title: 'areas.designer',
  icon: <ApartmentOutlined />,
  roles: ['designer'],
  menu: [{ path: '', label: 'menu.definitions' }, { path: 'modeler/new', label: 'menu.new' }],
  routes: [
    { index: true, element: <LegacyView kind="definitions" /> },
    { path: 'modeler/new', element: <LegacyView kind="modeler" /> },
    { path: 'modeler/:key/:version', element: <LegacyView kind="modeler" /> },
  ],
  messages: {
    zh: { menu: { definitions: '流程定义', new: '新建流程' } },
    en: { menu: { definitions: 'Definitions', new: 'New diagram' } },
  },
};
