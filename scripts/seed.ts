/**
 * `npm run seed`: creates the demo logins, the city and its 19 towns with windows and A/B
 * staff, the service catalogue and the path-pattern diagrams in the configured database (the
 * embedded FerretDB when MONGODB_URI is unset). Idempotent: run it as often as you like.
 */
import pino from 'pino';
import { seedAll, startPlatform } from '../engine';
import { loadConfig } from '../api/config';

async function main() {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { role: 'seed' } });
  const platform = await startPlatform(config.platform, logger);
  try {
    const counts = await seedAll(platform, config.demoPassword, logger, { catalogueFile: config.catalogueFile });
    logger.info(counts, 'seeded');
  } finally {
    await platform.close();
  }
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 60, msg: 'seed failed', err: String(err?.message ?? err) }));
  process.exit(1);
});
