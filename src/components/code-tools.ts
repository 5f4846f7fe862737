/**
 * <bulkhead-code-tools [run]>: a Copy button on every <pre> inside it and, with `run`, a "Run in terminal"
 * button on `pre[data-run]` that dispatches `bulkhead:run` for the lab terminal to type.
 */
const FEEDBACK_MS = 2000;
/** Languages not worth a label on the block. */
const PLAIN = new Set(['text', 'txt', 'plaintext', 'plain']);

const ICONS = {
  copy: '<svg aria-hidden="true" viewBox="0 0 24 24"><path fill="none" stroke="currentColor" stroke-width="2" d="M9 9h11v11H9zM5 15H4V4h11v1"/></svg>',
  run: '<svg aria-hidden="true" viewBox="0 0 24 24"><path fill="currentColor" d="M7 4.5v15l12-7.5z"/></svg>',
};

/** The clipboard API needs a secure context; workshops often serve plain http on a LAN address. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.cssText = 'position:fixed;opacity:0;pointer-events:none';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

function codeOf(pre: HTMLPreElement): string {
  return (pre.querySelector('code') ?? pre).textContent?.replace(/\n+$/, '') ?? '';
}

export class CodeTools extends HTMLElement {
  private readonly status = document.createElement('span');

  connectedCallback(): void {
    this.status.className = 'visually-hidden';
    this.status.setAttribute('role', 'status');
    this.append(this.status);
    const run = this.hasAttribute('run');
    for (const pre of this.querySelectorAll('pre')) this.enhance(pre, run && pre.hasAttribute('data-run'));
  }

  private enhance(pre: HTMLPreElement, runnable: boolean): void {
    if (pre.parentElement?.classList.contains('code-block')) return;
    const block = document.createElement('div');
    block.className = 'code-block';
    const tools = document.createElement('div');
    tools.className = 'code-tools';
    const language = pre.dataset.language;
    if (language && !PLAIN.has(language)) {
      const label = document.createElement('span');
      label.className = 'code-label';
      label.setAttribute('aria-hidden', 'true');
      label.textContent = language;
      tools.append(label);
    }
    tools.append(this.button('copy', 'Copy', 'Copy code', (button) => this.copy(pre, button)));
    if (runnable) tools.append(this.button('run', 'Run in terminal', undefined, (button) => this.run(pre, button)));
    pre.replaceWith(block);
    block.append(tools, pre);
  }

  private button(action: keyof typeof ICONS, text: string, label: string | undefined, onClick: (button: HTMLButtonElement) => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.innerHTML = `${ICONS[action]}<span></span>`;
    button.querySelector('span')!.textContent = text;
    if (label) button.setAttribute('aria-label', label);
    button.addEventListener('click', () => onClick(button));
    return button;
  }

  private async copy(pre: HTMLPreElement, button: HTMLButtonElement): Promise<void> {
    try {
      await copyText(codeOf(pre));
      this.feedback(button, 'Copied', 'Copied to the clipboard.');
    } catch {
      this.feedback(button, 'Copy failed', 'Could not copy: select the code and press Ctrl+C.');
    }
  }

  private run(pre: HTMLPreElement, button: HTMLButtonElement): void {
    document.dispatchEvent(new CustomEvent('bulkhead:run', { detail: { command: codeOf(pre) } }));
    this.feedback(button, 'Sent to terminal', 'Sent to the lab terminal.');
  }

  /** Shows the outcome on the button for a moment and says it to screen readers. */
  private feedback(button: HTMLButtonElement, text: string, spoken: string): void {
    const label = button.querySelector('span')!;
    const original = label.dataset.text ?? label.textContent ?? '';
    label.dataset.text = original;
    label.textContent = text;
    button.dataset.done = '';
    this.say(spoken);
    clearTimeout(Number(button.dataset.timer));
    button.dataset.timer = String(setTimeout(() => {
      label.textContent = original;
      delete button.dataset.done;
    }, FEEDBACK_MS));
  }

  private say(message: string): void {
    this.status.textContent = '';
    requestAnimationFrame(() => (this.status.textContent = message));
  }
}

customElements.define('bulkhead-code-tools', CodeTools);
