import { describe, it, expect } from 'vitest';
import { renderInline, renderTaskMarkdown } from '../../src/lib/task-markdown.ts';

describe('renderTaskMarkdown', () => {
  it('renders paragraphs, lists and inline spans', () => {
    const html = renderTaskMarkdown('Run **web** as a *non-root* user.\nKeep `nginx` running.\n\n- one\n- two with [docs](https://docs.docker.com/)\n\n1. first\n2. second');
    expect(html).toBe([
      '<p>Run <strong>web</strong> as a <em>non-root</em> user. Keep <code>nginx</code> running.</p>',
      '<ul><li>one</li><li>two with <a href="https://docs.docker.com/">docs</a></li></ul>',
      '<ol><li>first</li><li>second</li></ol>',
    ].join('\n'));
  });

  it('escapes raw HTML instead of rendering it', () => {
    const html = renderTaskMarkdown('<script>alert(1)</script>\n\n- <img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('keeps unsafe link targets as text', () => {
    expect(renderInline('[click](javascript:alert(1))')).not.toContain('<a');
    expect(renderInline('[next](#hints)')).toBe('<a href="#hints">next</a>');
  });

  it('marks fenced blocks with run meta for the Run in terminal button, escaping their text', () => {
    expect(renderTaskMarkdown('```sh run\necho "<hi>" && id -u\n```')).toBe(
      '<pre data-run data-language="sh"><code>echo &quot;&lt;hi&gt;&quot; &amp;&amp; id -u</code></pre>',
    );
    expect(renderTaskMarkdown('```\nplain\n```')).toBe('<pre><code>plain</code></pre>');
  });

  it('does not read emphasis inside code spans or snake_case words', () => {
    expect(renderInline('`*not em*` and some_snake_case')).toBe('<code>*not em*</code> and some_snake_case');
  });
});
