import { ApiProblem, login } from '../api-client';
import { el } from '../dom';
import { toUserMessage } from '../errors';
import { clearStatus, showStatus } from '../status';
import type { AppContext, View } from './view';

/** 登录 — username/password form. */
export function renderLoginView(root: HTMLElement, app: AppContext): View {
  const username = el('input', {
    id: 'login-username',
    name: 'username',
    type: 'text',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login-username',
  });
  const password = el('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
  });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'login-submit' }, '登录');

  const form = el(
    'form',
    { class: 'login-form', novalidate: true },
    el('h1', { class: 'login-title' }, '登录'),
    el('p', { class: 'login-subtitle' }, '请使用政务账号登录流程设计器'),
    el('label', { class: 'field', for: 'login-username' }, el('span', { class: 'field-label' }, '用户名'), username),
    el('label', { class: 'field', for: 'login-password' }, el('span', { class: 'field-label' }, '密码'), password),
    submit,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = username.value.trim();
    if (!user || !password.value) {
      showStatus('error', '请输入用户名和密码。');
      (user ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = '正在登录……';
    clearStatus();
    try {
      await login(user, password.value);
      app.onLoggedIn();
    } catch (error) {
      password.value = '';
      if (error instanceof ApiProblem && error.status === 401) {
        const detail = error.problem.detail ?? '';
        showStatus('error', /[\u4e00-\u9fff]/.test(detail) ? detail : '用户名或密码错误。');
      } else {
        const { message, details } = toUserMessage(error, '登录失败，请稍后重试。');
        showStatus('error', message, details);
      }
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = '登录';
    }
  });

  root.appendChild(el('section', { class: 'login-page' }, el('div', { class: 'card login-card' }, form)));
  username.focus();
  return {};
}
