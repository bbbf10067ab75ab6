/** A cell: text as is, a number formatted by the column, or a dash when not measured. */
export type Cell = string | number | undefined;

/** One column of a {@link renderTable} table. */
export interface Column {
  readonly header: string;
  /** Digits after the point for numbers; 0 unless given. */
  readonly digits?: number;
  /** Right-aligned unless `left`; numbers read best right-aligned. */
  readonly align?: 'left' | 'right';
}

const DASH = '-';

function format(cell: Cell, column: Column): string {
  if (cell === undefined) return DASH;
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return DASH;
  return cell.toFixed(column.digits ?? 0);
}

/**
 * Renders rows under headers as a plain-text table with a rule under the header, each
 * column as wide as its widest cell. Numbers are formatted with the column's digits;
 * `undefined` and non-finite numbers print as a dash.
 *
 * @example
 * renderTable([{ header: 'tool', align: 'left' }, { header: 'ms', digits: 1 }], [['sharp', 12.34]]);
 * // tool     ms
 * // -----  ----
 * // sharp  12.3
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => columns.map((column, i) => format(row[i], column)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...text.map((cells) => (cells[i] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] as number;
        return columns[i]?.align === 'left' ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...text.map(line),
  ].join('\n');
}

/** Bytes as MB with one decimal (1 MB = 2^20 bytes), or undefined when not measured. */
export function toMb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / (1024 * 1024);
}

/** A ratio as `1.23x`, or a dash. */
export function times(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? DASH : `${value.toFixed(2)}x`;
}
