/* Data hooks: a JSON resource that can be reloaded, and an EventSource subscription. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from './api';

export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** The server's error code (RUN_NOT_FOUND, …) when the last read failed. */
  errorCode: string | null;
  reload: () => void;
}

/** GETs `path` (again whenever it changes or `reload` is called); keeps the last data while reloading. */
export function useJson<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errorCode, setErrorCode] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!path) return;
    const controller = new AbortController();
    getJson<T>(path, controller.signal)
      .then((d) => {
        setData(d);
        setError(null);
        setErrorCode(null);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
        setErrorCode(e instanceof ApiError ? e.code : null);
      });
    return () => controller.abort();
  }, [path, version]);
  return { data, error, errorCode, reload: useCallback(() => setVersion((v) => v + 1), []) };
}

/** Subscribes to a server-sent event stream while mounted; `handlers[name]` gets the data of each message of that name. */
export function useEventSource(path: string | null, handlers: Record<string, (data: string) => void>): boolean {
  const current = useRef(handlers);
  current.current = handlers;
  const names = Object.keys(handlers).sort().join(',');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!path) return;
    const source = new EventSource(path);
    for (const name of names.split(',')) source.addEventListener(name, ((e: MessageEvent<string>) => current.current[name]?.(e.data)) as EventListener);
    source.onopen = () => setOpen(true);
    source.onerror = () => setOpen(false);
    return () => source.close();
  }, [path, names]);
  return open;
}

/** Calls `fn` at most once per `ms` (trailing). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}

/** Calls `fn` every `ms` while mounted (pages whose data has no stream: automation). */
export function useInterval(fn: () => void, ms: number): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
