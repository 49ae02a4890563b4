/**
 * Standard security headers (helmet) for the API and the browser app it serves.
 *
 * The Content-Security-Policy allows only this origin for scripts, connections, fonts and
 * frames; no inline or evaluated script. Styles allow 'unsafe-inline': antd (CSS-in-JS),
 * bpmn-js, form-js and echarts set style attributes and inject <style> elements at run time.
 * Images allow data: and blob: (bpmn-js icons, diagram and chart exports). Tested by the
 * browser suites (test/features/modeler-ui, workbench, console, public-pages, designer), which
 * fail on any CSP violation in the console. `upgrade-insecure-requests` is left out: the
 * platform is often reached over plain HTTP inside a centre's network; a TLS proxy may add it.
 */
import type { HelmetOptions } from 'helmet';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'script-src-attr': ["'none'"],
};

export const securityHeaders: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  // X-Frame-Options DENY with frame-ancestors 'none'; no referrer leaves the platform
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};
