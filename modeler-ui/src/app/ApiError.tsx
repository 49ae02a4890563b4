import { Alert, App as AntApp } from 'antd';
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { toUserMessage } from '../errors';

/**
 * An API problem shown in words a clerk understands (never a stack trace):
 * the Chinese headline for the problem code, and the server's list of problems under it.
 */
export function ApiErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const { message, details, technical } = toUserMessage(error);
  if (technical) console.info('API problem:', technical);
  // the server's English detail stays out of the text: a hover (title attribute) and the console keep it for IT
  return (
    <div title={technical} data-testid="api-error-box">
    <Alert
      type="error"
      showIcon
      data-testid="api-error"
      role="alert"
      title={message}
      description={details.length ? <ul style={{ margin: 0, paddingLeft: 18 }}>{details.slice(0, 20).map((d, i) => <li key={i}>{d}</li>)}</ul> : undefined}
      action={onRetry ? <a onClick={onRetry}>重试</a> : undefined}
      style={{ marginBottom: 12 }}
    />
    </div>
  );
}

/** Toast for an action's failure (message API of antd), same wording as ApiErrorAlert. */
export function useErrorToast() {
  const { message } = AntApp.useApp();
  return useCallback((error: unknown) => {
    const m = toUserMessage(error);
    if (m.technical) console.info('API problem:', m.technical);
    void message.error({ content: m.details.length ? `${m.message} ${m.details.slice(0, 3).join('；')}` : m.message, duration: 6 });
  }, [message]);
}

/**
 * Load something from the API: `const { data, error, loading, reload } = useApi(() => api.get('/api/tasks'), [])`.
 * Results of stale calls (deps changed meanwhile) are dropped.
 */
export function useApi<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => { if (mine === seq.current) setState({ data, loading: false }); },
      (error: unknown) => { if (mine === seq.current) setState((s) => ({ data: s.data, error, loading: false })); },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => { reload(); }, [reload]);
  return { ...state, reload };
}
