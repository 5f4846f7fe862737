/**
 * <bulkhead-menu>: the outline toggle on narrow screens. Sets `data-open` on the element its button
 * controls; Escape, a followed link or a wider window closes it again.
 */
const WIDE = matchMedia('(min-width: 75rem)');

export class MenuButton extends HTMLElement {
  connectedCallback(): void {
    const button = this.querySelector('button');
    const panel = button && document.getElementById(button.getAttribute('aria-controls') ?? '');
    if (!button || !panel) return;
    const set = (open: boolean) => {
      button.setAttribute('aria-expanded', String(open));
      panel.toggleAttribute('data-open', open);
      document.body.toggleAttribute('data-menu-open', open);
    };
    button.addEventListener('click', () => set(button.getAttribute('aria-expanded') !== 'true'));
    panel.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) set(false);
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && panel.hasAttribute('data-open')) {
        set(false);
        button.focus();
      }
    });
    WIDE.addEventListener('change', () => set(false));
  }
}

customElements.define('bulkhead-menu', MenuButton);
