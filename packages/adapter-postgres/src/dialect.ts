/**
 * What differs between the SQL databases the driver runs on. The mechanism (fetch, lease, settle,
 * dedup, ordering, dead letters, stats, redrive) is written once as SQL templates in
 * `statements.ts`; a dialect renders them: table names, the clock, the fetch's row locking, the
 * column types of the schema and the placeholder form.
 *
 * Template tokens: `{jobs}`, `{dead_letters}`, `{dedup}`, `{queues}`, `{migrations}` (tables),
 * `{now}` (the database's clock, epoch milliseconds as a bigint), `{skip_locked}` (the fetch's
 * row locking), and in DDL `{seq}` (an auto-increment bigint primary key), `{bytes}`, `{json}`.
 * Placeholders are `$1`, `$2`... in every template.
 */
export interface Dialect {
  readonly name: 'postgres' | 'sqlite';
  /**
   * A send's INSERT takes one array per column (`INSERT_JOBS_COLUMNS`: one fixed statement, 9
   * parameters whatever the batch) rather than a VALUES group of 9 parameters per job. PostgreSQL:
   * a 500-row VALUES statement (4,500 parameters) is parsed and planned again on every send, and
   * the same rows through `unnest` went about 2.5x as fast. SQLite has no arrays.
   */
  readonly columnarInsert: boolean;
  /** The template rendered for this database (memoized: templates are a fixed set). */
  sql(template: string): string;
}

export type Tokens = Readonly<Record<string, string>>;

/** Renders `{token}`s and memoizes; `placeholders` rewrites `$n` where the database needs another form. */
export function templateRenderer(
  tokens: Tokens,
  placeholders: (sql: string) => string = (sql) => sql,
): (template: string) => string {
  const cache = new Map<string, string>();
  return (template) => {
    let sql = cache.get(template);
    if (sql === undefined) {
      sql = placeholders(
        template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
          const value = tokens[name];
          if (value === undefined) throw new Error(`Unknown SQL template token ${whole}`);
          return value;
        }),
      );
      cache.set(template, sql);
    }
    return sql;
  };
}
