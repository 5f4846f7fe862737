/**
 * Shiki transformer: a fenced block whose meta says `run` (```sh run) is a command meant to be typed in
 * the lab terminal. It gets `data-run`, which the page turns into a "Run in terminal" button.
 */
export function markRunnable() {
  return {
    name: 'bulkhead:runnable',
    pre(this: { options: { meta?: { __raw?: string } } }, node: { properties: Record<string, unknown> }) {
      const meta = this.options.meta?.__raw ?? '';
      if (/(^|\s)run(\s|$)/.test(meta)) node.properties['data-run'] = '';
    },
  };
}
