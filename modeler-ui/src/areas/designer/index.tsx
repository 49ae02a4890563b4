import { ApartmentOutlined } from '@ant-design/icons';
import { Spin } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import type { Area } from '../../app/area';
import { DefinitionsPage } from './DefinitionsPage';
import { DesignerOnly } from './DesignerOnly';
import { en, zh } from './messages';

// the modeler (bpmn-js + properties panel + lint) and the form editor are heavy: loaded on demand
const ModelerPage = lazy(() => import('./ModelerPage'));
const FormsPage = lazy(() => import('./FormsPage'));
const FormEditorPage = lazy(() => import('./FormEditorPage'));
const CataloguePage = lazy(() => import('./CataloguePage'));
const ItemEditorPage = lazy(() => import('./ItemEditorPage'));
// 决策表: dmn-js loads with these pages only
const DecisionsPage = lazy(() => import('./DecisionsPage'));
const DecisionEditorPage = lazy(() => import('./DecisionEditorPage'));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Spin style={{ display: 'block', margin: '48px auto' }} />}>{children}</Suspense>;
}

/** 流程设计 — definitions, the bpmn-js modeler (properties, lint, diff, versions, deploy), forms, the service catalogue (事项目录) and decision tables (决策表, dmn-js). */
export const designerArea: Area = {
  key: 'designer',
  title: 'areas.designer',
  icon: <ApartmentOutlined />,
  roles: ['designer'],
  menu: [{ path: '', label: 'menu.definitions' }, { path: 'forms', label: 'menu.forms' }, { path: 'catalogue', label: 'menu.catalogue' }, { path: 'decisions', label: 'menu.decisions' }],
  routes: [
    { index: true, element: <DefinitionsPage /> },
    { path: 'modeler/new', element: <Lazy><ModelerPage /></Lazy> },
    { path: 'modeler/:key/:version', element: <Lazy><ModelerPage /></Lazy> },
    { path: 'forms', element: <Lazy><FormsPage /></Lazy> },
    { path: 'forms/:id', element: <Lazy><FormEditorPage /></Lazy> },
    { path: 'catalogue', element: <Lazy><CataloguePage /></Lazy> },
    { path: 'catalogue/new', element: <Lazy><ItemEditorPage /></Lazy> },
    { path: 'catalogue/:code', element: <Lazy><ItemEditorPage /></Lazy> },
    { path: 'decisions', element: <DesignerOnly><Lazy><DecisionsPage /></Lazy></DesignerOnly> },
    { path: 'decisions/new', element: <DesignerOnly><Lazy><DecisionEditorPage /></Lazy></DesignerOnly> },
    { path: 'decisions/:key/:version', element: <DesignerOnly><Lazy><DecisionEditorPage /></Lazy></DesignerOnly> },
  ],
  messages: { zh, en },
};
