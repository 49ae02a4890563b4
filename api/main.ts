/**
 * Composition root of `npm start`: one process serving the API, the browser app and (unless
 * RUN_WORKERS=false) the Agenda workers, on the embedded database (FerretDB 2 on PostgreSQL) when MONGODB_URI is unset.
 * As the composition root it is the one place that wires api/ and workers/ together.
 */
import path from 'node:path';
import type { Server } from 'node:http';
import pino from 'pino';
import { seedAll, seedShipped, startPlatform } from '../engine';
import { startWorkers } from '../workers';
import { createApp } from './app';
import { loadConfig } from './config';

async function main() {
  const config = loadConfig(process.env);
  const logger = pino({
    level: config.logLevel,
    base: { role: config.runWorkers ? 'api+worker' : 'api' },
    // Personal data never reaches the log, whatever a caller passes (ID and phone numbers, names).
    redact: { paths: ['applicant', '*.applicant', 'idNumber', '*.idNumber', 'phone', '*.phone', 'password', '*.password', 'queryCode', '*.queryCode'], censor: '[redacted]' },
  });
  const platform = await startPlatform(config.platform, logger);
  // First start of an empty database: demo logins, the city and 19 towns, the catalogue, the diagrams.
  if (await platform.sessions.isEmpty()) {
    logger.info(await seedAll(platform, config.demoPassword, logger, { catalogueFile: config.catalogueFile }), 'demo data seeded');
  } else {
    // an existing database gets the shipped diagrams and decisions this version brings (系统升级; a designer's version is kept)
    const shipped = await seedShipped(platform, logger);
    if (shipped.diagrams || shipped.decisions || shipped.upgraded.length) logger.info(shipped, 'shipped diagrams and decisions brought up to this version');
  }
  // forms added to processes/forms after the first start reach older databases too (idempotent)
  await platform.forms.seed(path.resolve(__dirname, '..', 'processes', 'forms'));
  if (config.runWorkers) await startWorkers(platform.agenda, platform.processService, logger, platform.supervision, platform.cases, { outbox: platform.outbox, delivery: platform.feedDelivery, retentionDays: platform.feedRetentionDays }, platform.rollups, platform.serviceJobs);
  const app = createApp({ platform, logger, sessionHours: config.sessionHours, lookupPerMinute: config.lookupPerMinute, requestTimeoutMs: config.requestTimeoutMs, trustProxy: config.trustProxy, uiDir: path.resolve(__dirname, '..', 'modeler-ui', 'dist') });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  // a request line or headers over Node's limit (16 KB: a hostile or broken client's URL) never
  // reach express, and Node's own answer is bare text: answer it as problem+json like every refusal
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
    const body = JSON.stringify({
      type: `urn:service-centre:problem:${code.toLowerCase().replace(/_/g, '-')}`,
      title: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request',
      status,
      detail: tooLarge ? 'the request line and headers exceed 16 KB (请求地址或请求头过长)' : 'the request could not be parsed (请求格式错误)',
      code,
    });
    socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  logger.info({ port, url: `http://${config.host}:${port}/`, database: platform.embeddedDb ? 'embedded FerretDB 2 on PostgreSQL' : 'MONGODB_URI', dbUri: platform.dbUri }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

process.on('unhandledRejection', (err) => {
  // e.g. Agenda's backend.connect() has no catch (ENGINE-NOTES.md): log it, do not die silently.
  console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((err as Error)?.message ?? err) }));
});

main().catch((err) => {
  console.error(JSON.stringify({ level: 60, msg: 'failed to start', err: String(err?.message ?? err) }));
  process.exit(1);
});
