import { useEffect, useState } from 'react';
import { api, getToken } from '../../api-client';
import type { Board } from './types';

export type LiveState = 'connecting' | 'live' | 'polling' | 'offline';

/**
 * The live board: server-sent events from `GET /api/supervision/board/stream`, read with
 * fetch + ReadableStream (EventSource cannot send the bearer header). The server pushes the
 * board when it changed and a ping otherwise; when the stream ends or fails, the hook polls
 * `GET /api/supervision/board` every 4 s and tries the stream again after 10 s. Everything
 * stops on unmount (the fetch is aborted, the timers cleared).
 */
export function useBoardStream(orgUnit?: string) {
  const [board, setBoard] = useState<Board>();
  const [state, setState] = useState<LiveState>('connecting');
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const ctrl = new AbortController();
    let stopped = false;
    let pollTimer: ReturnType<typeof setInterval> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    const qs = orgUnit ? `?orgUnit=${encodeURIComponent(orgUnit)}` : '';

    const poll = async () => {
      try {
        setBoard(await api.get<Board>(`/api/supervision/board${qs}`));
        setError(undefined);
      } catch (e) {
        setError(e);
      }
    };
    const fallBack = () => {
      if (stopped) return;
      setState('polling');
      void poll();
      if (!pollTimer) pollTimer = setInterval(() => void poll(), 4000);
      retryTimer = setTimeout(() => void connect(), 10_000);
    };
    const connect = async () => {
      if (stopped) return;
      setState((s) => (s === 'polling' ? s : 'connecting'));
      try {
        const token = getToken();
        const res = await fetch(`/api/supervision/board/stream${qs}`, {
          headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          signal: ctrl.signal,
        });
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        if (pollTimer) { clearInterval(pollTimer); pollTimer = undefined; }
        setState('live');
        setError(undefined);
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true }).replace(/\r\n/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: ?(.*)$/m.exec(frame)?.[1] ?? 'message';
            const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
            if (event === 'board' && data) setBoard(JSON.parse(data) as Board);
          }
        }
        if (!stopped) fallBack();
      } catch {
        if (!stopped) fallBack();
      }
    };
    void connect();
    return () => {
      stopped = true;
      ctrl.abort();
      if (pollTimer) clearInterval(pollTimer);
      if (retryTimer) clearTimeout(retryTimer);
    };
  }, [orgUnit]);

  return { board, state, error };
}
