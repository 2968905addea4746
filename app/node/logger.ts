// JSON-lines logger. Every line passes through `redact`, so a token or an upload URL's query
// string that slipped into a message or field never reaches a log file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactText as redact } from '../common/redact.js';
import type { Logger } from '../engine/ports.js';

export interface LoggerOptions {
  /** Log file (JSON lines); absent: nothing is written. */
  file?: string;
  /** Also echo warnings and errors to stderr as plain text. */
  stderr?: boolean;
  secrets?: () => readonly string[];
  /** Called for warnings and errors (already redacted), e.g. to show a journal problem in the CLI. */
  echo?: (level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

export function createLogger(o: LoggerOptions): Logger {
  // Owner-only from the first write: this may be what creates $FERRY_HOME itself.
  if (o.file) mkdirSync(dirname(o.file), { recursive: true, mode: 0o700 });
  const write = (level: string, msg: string, fields?: Record<string, unknown>): void => {
    const secrets = o.secrets?.() ?? [];
    const line = redact(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }), secrets);
    if (o.file) {
      try {
        appendFileSync(o.file, line + '\n', { mode: 0o600 });
      } catch {
        // Logging must never break an upload (e.g. a full disk): drop the line.
      }
    }
    if (o.stderr && level !== 'info') process.stderr.write(redact(`ferry: ${msg}\n`, secrets));
    if (o.echo && level !== 'info') o.echo(level as 'warn' | 'error', redact(msg, secrets), fields);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
