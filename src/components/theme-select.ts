/**
 * <bulkhead-theme-select>: wraps the theme <select>. Stores the choice under `bulkhead:theme` and sets
 * `data-theme` (light|dark) on <html>; in auto it follows the system setting live.
 */
const STORAGE_KEY = 'bulkhead:theme';
type Choice = 'auto' | 'light' | 'dark';

const systemDark = matchMedia('(prefers-color-scheme: dark)');

function stored(): Choice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

function apply(choice: Choice): void {
  const dark = choice === 'dark' || (choice === 'auto' && systemDark.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export class ThemeSelect extends HTMLElement {
  connectedCallback(): void {
    const select = this.querySelector('select');
    if (!select) return;
    select.value = stored();
    select.addEventListener('change', () => {
      const choice = select.value as Choice;
      try {
        if (choice === 'auto') localStorage.removeItem(STORAGE_KEY);
        else localStorage.setItem(STORAGE_KEY, choice);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      apply(choice);
    });
    systemDark.addEventListener('change', () => apply(stored()));
  }
}

customElements.define('bulkhead-theme-select', ThemeSelect);
