import type { Writable } from 'node:stream';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  /** Numbers read better right-aligned. */
  readonly align?: 'left' | 'right';
}

/**
 * Where a command writes. Results go to stdout (tables or JSON); messages meant for the person at the
 * terminal (warnings, progress, confirmations) go to stderr so that `$(mooring …)` captures data only.
 */
export class Output {
  constructor(
    readonly stdout: Writable,
    readonly stderr: Writable,
    readonly json: boolean,
  ) {}

  /** One JSON document per command, pretty-printed, newline-terminated. */
  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** A note for the human: stderr, so it never pollutes captured output. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Aligned columns separated by two spaces; `empty` is printed instead of a lone header row. */
  table<Row>(rows: readonly Row[], columns: readonly Column<Row>[], empty: string): void {
    if (rows.length === 0) {
      this.line(empty);
      return;
    }
    this.stdout.write(renderTable(rows, columns));
  }

  /** `label  value` lines for a single object. */
  details(pairs: readonly (readonly [string, string])[]): void {
    const width = Math.max(...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${`${label}:`.padEnd(width + 1)}  ${clean(value)}`);
  }
}

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => clean(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const render = (values: readonly string[]): string =>
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? value.padStart(width) : value.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return `${[render(columns.map((c) => c.header)), ...cells.map(render)].join('\n')}\n`;
}

/** Control characters from the server (names, descriptions) must not move the terminal's cursor. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** `2026-01-15 12:00:00Z`: UTC, unambiguous, sortable; `-` for none. */
export function formatTime(iso: string | null | undefined, none = '-'): string {
  if (iso === null || iso === undefined || iso === '') return none;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `1 h 2 min 5 s`, `1 min 30 s`, `0 s`: a span of time for people, to the second. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', s || total === 0 ? `${s} s` : ''].filter(Boolean).join(' ');
}

export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}
