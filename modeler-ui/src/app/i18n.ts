import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Area } from './area';

/** Simplified Chinese first; English switchable (kept in localStorage). */
export const LANG_KEY = 'svc.lang';
export type Lang = 'zh-CN' | 'en';

export function initialLang(): Lang {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
}

const app = {
  zh: {
    productName: '行政服务中心流程平台',
    areas: { designer: '流程设计', workbench: '受理工作台', console: '监察督办', public: '办事指南' },
    login: { title: '工作人员登录', username: '用户名', password: '密码', submit: '登录', publicLink: '我是办事群众 → 办事指南与办件查询', toWork: '进入工作台', required: '请输入{{what}}' },
    logout: '退出登录',
    language: 'English',
    roles: { admin: '管理员', designer: '流程设计员', clerk: '窗口人员', supervisor: '督查员', manager: '中心主任' },
    errors: { title: '操作未成功', retry: '重试', notFound: '页面不存在', back: '返回首页' },
    loading: '正在加载……',
  },
  en: {
    productName: 'Service-centre process platform',
    areas: { designer: 'Process design', workbench: 'Workbench', console: 'Supervision', public: 'Service guide' },
    login: { title: 'Staff login', username: 'User name', password: 'Password', submit: 'Log in', publicLink: 'For the public → service guide and case lookup', toWork: 'To my work', required: 'Please enter {{what}}' },
    logout: 'Log out',
    language: '中文',
    roles: { admin: 'Administrator', designer: 'Designer', clerk: 'Clerk', supervisor: 'Supervisor', manager: 'Centre head' },
    errors: { title: 'That did not work', retry: 'Retry', notFound: 'No such page', back: 'Home' },
    loading: 'Loading…',
  },
};

export function initI18n(areas: Area[]): typeof i18next {
  const resources: Record<string, Record<string, Record<string, unknown>>> = { 'zh-CN': { app: app.zh }, en: { app: app.en } };
  for (const area of areas) {
    resources['zh-CN']![area.key] = area.messages.zh;
    resources.en![area.key] = area.messages.en;
  }
  void i18next.use(initReactI18next).init({
    resources,
    lng: initialLang(),
    fallbackLng: 'zh-CN',
    defaultNS: 'app',
    ns: ['app', ...areas.map((a) => a.key)],
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  i18next.on('languageChanged', (lng) => {
    localStorage.setItem(LANG_KEY, lng);
    document.documentElement.lang = lng;
  });
  document.documentElement.lang = i18next.language;
  return i18next;
}
