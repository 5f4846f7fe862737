/**
 * A small, safe Markdown renderer for the `task` of an exercise (frontmatter, so it never passes through
 * MDX). Everything is escaped first; only this subset becomes HTML: paragraphs, `-`/`*`/`1.` lists,
 * fenced code blocks (```sh run → `data-run`), `code`, **strong**, *em* or _em_ and [links](url) with
 * http(s), mailto, relative or #fragment targets. Anything else stays visible as text.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** Link targets a task may use: web and mail links, or relative ones; `javascript:` and friends stay text. */
function safeHref(url: string): string | undefined {
  if (/^(https?:\/\/|mailto:)/i.test(url)) return url;
  return /^[^/?#]*:/.test(url) ? undefined : url;
}

function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w*])\*(?=\S)([^*]+?)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=\S)([^_]+?)_(?!\w)/g, '$1<em>$2</em>');
}

/** Inline spans of one block. Code spans and links are cut out first, so nothing inside them is reinterpreted. */
export function renderInline(text: string): string {
  return text
    .split(/(`[^`]+`|\[[^\]]+\]\([^)\s]+\))/)
    .map((part, i) => {
      if (i % 2 === 0) return emphasis(escapeHtml(part));
      if (part.startsWith('`')) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      const [, label, url] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part) ?? [];
      const href = safeHref(url);
      return href === undefined ? emphasis(escapeHtml(part)) : `<a href="${escapeHtml(href)}">${renderInline(label)}</a>`;
    })
    .join('');
}

const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/;
const BULLET = /^\s*[-*]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

export function renderTaskMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith(fence[1]); i++) body.push(lines[i]);
      i++;
      const run = /(^|\s)run(\s|$)/.test(fence[3]) ? ' data-run' : '';
      const lang = fence[2] ? ` data-language="${escapeHtml(fence[2])}"` : '';
      out.push(`<pre${run}${lang}><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const list = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : undefined;
    if (list) {
      const items: string[] = [];
      for (; i < lines.length && (list.test(lines[i]) || (/^\s+\S/.test(lines[i]) && items.length)); i++) {
        const item = list.exec(lines[i]);
        if (item) items.push(item[1]);
        else items[items.length - 1] += ` ${lines[i].trim()}`;
      }
      const tag = list === BULLET ? 'ul' : 'ol';
      out.push(`<${tag}>${items.map((item) => `<li>${renderInline(item)}</li>`).join('')}</${tag}>`);
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const paragraph: string[] = [];
    for (; i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !BULLET.test(lines[i]) && !NUMBERED.test(lines[i]); i++) {
      paragraph.push(lines[i].trim());
    }
    out.push(`<p>${renderInline(paragraph.join(' '))}</p>`);
  }
  return out.join('\n');
}
