/**
 * Where the outbound feed may be sent (省级电子监察平台的接收地址). The platform calls out to
 * exactly one configured endpoint; the check keeps a typo or a tampered setting from turning the
 * feed into a way to reach arbitrary hosts (SSRF) or to leak the bearer token.
 *
 * Rules: an absolute `http:` or `https:` URL; no user name or password in it (the token goes in
 * the Authorization header); the host is a loopback address (127.0.0.0/8, ::1, `localhost`) or
 * one of the explicitly configured `allowedHosts` (exact host names, compared case-insensitively,
 * no wildcards); a bearer token is never sent over plain `http:` to a non-loopback host.
 */
import { isIPv4 } from 'node:net';
import { ValidationError } from '../domain/errors';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/**
 * Parses and checks the endpoint; returns the parsed URL.
 * @throws ValidationError naming what is wrong (never echoing a password in the URL)
 */
export function checkEndpoint(endpoint: string, allowedHosts: readonly string[] = [], opts: { token?: string } = {}): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ValidationError('OUTBOX_ENDPOINT_INVALID', 'the feed endpoint is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('OUTBOX_ENDPOINT_SCHEME', `the feed endpoint must be an http or https URL, not ${url.protocol}`, { scheme: url.protocol });
  }
  if (url.username || url.password) {
    throw new ValidationError('OUTBOX_ENDPOINT_CREDENTIALS', 'the feed endpoint must not carry a user name or password; configure the bearer token instead');
  }
  const host = url.hostname.toLowerCase();
  const loopback = isLoopbackHost(host);
  const allowed = allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (!loopback && !allowed.includes(host)) {
    throw new ValidationError('OUTBOX_ENDPOINT_HOST', `the feed endpoint host ${host} is neither loopback nor in the configured allowed hosts`, { host });
  }
  if (!loopback && url.protocol === 'http:' && opts.token) {
    throw new ValidationError('OUTBOX_ENDPOINT_INSECURE', `refusing to send the bearer token in clear text to ${host}; use https`, { host });
  }
  return url;
}
