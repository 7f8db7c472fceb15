// Home Assistant's templates rendered with nunjucks (a Jinja2-compatible engine) the way Home
// Assistant renders them: no autoescaping, `value`/`value_json` for values, `value`/`code` for
// commands, and Jinja's `tojson` (JSON with <, >, & and ' escaped, as Jinja's htmlsafe_json_dumps).
import nunjucks from 'nunjucks';

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addFilter('tojson', (v: unknown) =>
  JSON.stringify(v ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027'),
);

/** A value template on a payload (JSON payloads also as `value_json`). */
export function renderValue(template: string, payload: string): string {
  let valueJson: unknown;
  try {
    valueJson = JSON.parse(payload);
  } catch {
    valueJson = undefined;
  }
  return env.renderString(template, { value: payload, value_json: valueJson }).trim();
}

/** A command template with its variables (`value`, and `code` for locks: null when none was given). */
export function renderCommand(template: string, vars: Record<string, unknown>): string {
  return env.renderString(template, vars);
}
