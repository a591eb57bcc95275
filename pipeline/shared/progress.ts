/**
 * Progress for long work (decoding, training, evaluation). On a terminal: live bars,
 * one per running task (two models train side by side on two cores), each with its
 * label, counter, loss, images/s and ETA. Elsewhere (CI, a log file): plain lines, at
 * most one per task every few seconds, so logs stay readable.
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

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

function fieldsText(fields: Record<string, string> = {}): string {
  return Object.entries(fields).map(([k, v]) => ` · ${k} ${v}`).join('');
}

export function createReporter(opts: { tty?: boolean; quiet?: boolean; intervalSeconds?: number } = {}): Reporter {
  const tty = (opts.tty ?? Boolean(process.stderr.isTTY)) && !opts.quiet;
  const interval = (opts.intervalSeconds ?? 15) * 1000;
  const print = (line: string) => process.stderr.write(line + '\n');
  let bars: cliProgress.MultiBar | null = null;
  let running = 0;
  const write = (line: string) => {
    if (opts.quiet) return;
    if (bars) bars.log(line + '\n');
    else print(line);
  };
  return {
    log: write,
    warn: (line) => (bars ? bars.log(`warning: ${line}\n`) : print(`warning: ${line}`)),
    task(label, total, unit) {
      const start = Date.now();
      const eta = (done: number) => ((Date.now() - start) / 1000 / Math.max(done, 1e-9)) * (total - done);
      if (tty) {
        bars ??= new cliProgress.MultiBar(
          {
            format: `{label} |{bar}| {value}/{total} ${unit}{fields} · ETA {etaText}`,
            hideCursor: true,
            clearOnComplete: true,
            stopOnComplete: false,
            stream: process.stderr,
            barsize: 20,
          },
          cliProgress.Presets.shades_classic,
        );
        running++;
        const bar = bars.create(total, 0, { label, fields: '', etaText: '…' });
        return {
          update: (done, fields) => bar.update(done, { label, fields: fieldsText(fields), etaText: formatEta(eta(done)) }),
          finish: (summary) => {
            bars?.remove(bar);
            bars?.log(summary + '\n');
            if (--running === 0) {
              bars?.stop();
              bars = null;
            }
          },
        };
      }
      let last = start;
      return {
        update(done, fields) {
          const now = Date.now();
          if (now - last < interval || done >= total) return;
          last = now;
          write(`${label}: ${done}/${total} ${unit}${fieldsText(fields)} · ETA ${formatEta(eta(done))}`);
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
