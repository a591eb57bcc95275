/**
 * Progress for long work (decoding, training, evaluation). On a terminal: one live bar
 * with the model, epoch, batch, loss, images/s and ETA. Elsewhere (CI, a log file):
 * plain lines, at most one every few seconds, so logs stay readable.
 */
import cliProgress from 'cli-progress';

export interface TaskProgress {
  /** `done` units of `total`; `fields` are shown after the counter (loss, img/s, …). */
  update(done: number, fields?: Record<string, string>): void;
  /** Ends the task, leaving `summary` as its final line. */
  finish(summary: string): void;
}

export interface Reporter {
  log(line: string): void;
  warn(line: string): void;
  task(label: string, total: number, unit: string): TaskProgress;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

function fieldsText(fields: Record<string, string> = {}): string {
  return Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' · ');
}

export function createReporter(opts: { tty?: boolean; quiet?: boolean; intervalSeconds?: number } = {}): Reporter {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const interval = (opts.intervalSeconds ?? 15) * 1000;
  const write = (line: string) => {
    if (!opts.quiet) process.stderr.write(line + '\n');
  };
  return {
    log: write,
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
    task(label, total, unit) {
      const start = Date.now();
      const eta = (done: number) => ((Date.now() - start) / 1000 / Math.max(done, 1e-9)) * (total - done);
      if (tty && !opts.quiet) {
        const bar = new cliProgress.SingleBar(
          { format: `${label} |{bar}| {value}/{total} ${unit} · {fields} · ETA {etaText}`, hideCursor: true, clearOnComplete: true, stream: process.stderr, barsize: 24 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { fields: '', etaText: '…' });
        return {
          update: (done, fields) => bar.update(done, { fields: fieldsText(fields), etaText: formatEta(eta(done)) }),
          finish: (summary) => {
            bar.stop();
            write(summary);
          },
        };
      }
      let last = start;
      return {
        update(done, fields) {
          const now = Date.now();
          if (now - last < interval && done < total) return;
          last = now;
          write(`${label}: ${done}/${total} ${unit} · ${fieldsText(fields)} · ETA ${formatEta(eta(done))}`);
        },
        finish: write,
      };
    },
  };
}

/** A reporter that records lines instead of printing (tests). */
export function silentReporter(lines: string[] = []): Reporter {
  return {
    log: (l) => lines.push(l),
    warn: (l) => lines.push(`warning: ${l}`),
    task: () => ({ update: () => {}, finish: (s) => lines.push(s) }),
  };
}
