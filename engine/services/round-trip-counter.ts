/**
 * Counts database round trips (commands sent to the server) around an operation, with the
 * MongoDB driver's command monitoring — what the engine's "≤ 5 round trips per command" target
 * (issue 11) and the benchmark measure. The connection must be opened with command monitoring
 * on: `monitorCommands: true` in the client options, or `monitorCommands=true` in the URI.
 *
 * Every command started on the client while `measure` runs is counted, so run nothing else on
 * it meanwhile (no Agenda polling, no second request): background work would be counted too.
 */
import type { CommandStartedEvent, MongoClient } from 'mongodb';

/** Driver bookkeeping that is not a query or a write of the operation measured. */
const NOT_COUNTED = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'saslStart', 'saslContinue', 'endSessions', 'killCursors']);

export interface RoundTrips<T = unknown> {
  result: T;
  /** Commands sent, driver bookkeeping excluded. */
  total: number;
  /** Commands by `<command> <collection>`, e.g. `find revisions`, `insert tasks`. */
  byCommand: Record<string, number>;
  /** Each command in order, as `<command> <collection>`. */
  sequence: string[];
}

/** The collection (or `-` for database commands) a command addresses. */
function target(e: CommandStartedEvent): string {
  const v = (e.command as Record<string, unknown>)[e.commandName];
  return typeof v === 'string' ? v : '-';
}

export class RoundTripCounter {
  private recording: string[] | null = null;
  private readonly onStarted = (e: CommandStartedEvent) => {
    if (this.recording && !NOT_COUNTED.has(e.commandName)) this.recording.push(`${e.commandName} ${target(e)}`);
  };

  constructor(private readonly client: MongoClient) {
    client.on('commandStarted', this.onStarted);
  }

  /** Runs `op` and reports the commands it sent. Not reentrant: one measurement at a time. */
  async measure<T>(op: () => Promise<T>): Promise<RoundTrips<T>> {
    if (this.recording) throw new Error('RoundTripCounter.measure is already running');
    const sequence: string[] = [];
    this.recording = sequence;
    let result: T;
    try {
      result = await op();
    } finally {
      this.recording = null;
    }
    const byCommand: Record<string, number> = {};
    for (const s of sequence) byCommand[s] = (byCommand[s] ?? 0) + 1;
    return { result, total: sequence.length, byCommand, sequence };
  }

  /** Stops listening to the client. */
  detach(): void {
    this.client.off('commandStarted', this.onStarted);
  }
}

/** Adds `monitorCommands=true` to a MongoDB URI (command monitoring needs it at connect time). */
export function withCommandMonitoring(uri: string): string {
  const u = new URL(uri);
  u.searchParams.set('monitorCommands', 'true');
  return u.toString();
}
