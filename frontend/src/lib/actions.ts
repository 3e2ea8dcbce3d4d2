// Small Svelte actions shared by the screens.

let counter = 0;
/** A unique id for aria-* wiring. */
export function uid(prefix = 'id'): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * Move focus to this element when it appears (the heading of each new
 * screen), so keyboard and screen-reader users start at the top of it.
 */
export function focusOnMount(node: HTMLElement, enabled: boolean = true) {
  if (enabled) {
    if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
    // A dialog that is open keeps the focus.
    if (!document.querySelector('[aria-modal="true"]')) node.focus({ preventScroll: false });
  }
  return {};
}

export interface DropOptions {
  onfile: (file: File) => void;
  onactive?: (active: boolean) => void;
  disabled?: boolean;
}

/** Turn an element into a drop target for one file. */
export function dropTarget(node: HTMLElement, opts: DropOptions) {
  let options = opts;
  let depth = 0;
  const set = (on: boolean) => options.onactive?.(on);
  const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types ?? []).includes('Files');

  function enter(e: DragEvent) {
    if (options.disabled || !hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    set(true);
  }
  function over(e: DragEvent) {
    if (options.disabled || !hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  }
  function leave() {
    depth = Math.max(0, depth - 1);
    if (depth === 0) set(false);
  }
  function drop(e: DragEvent) {
    if (options.disabled) return;
    e.preventDefault();
    depth = 0;
    set(false);
    const file = e.dataTransfer?.files?.[0];
    if (file) options.onfile(file);
  }

  node.addEventListener('dragenter', enter);
  node.addEventListener('dragover', over);
  node.addEventListener('dragleave', leave);
  node.addEventListener('drop', drop);
  return {
    update(next: DropOptions) {
      options = next;
    },
    destroy() {
      node.removeEventListener('dragenter', enter);
      node.removeEventListener('dragover', over);
      node.removeEventListener('dragleave', leave);
      node.removeEventListener('drop', drop);
    },
  };
}

/** Read a dropped or picked file as text. */
export function readFileText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('Could not read the file.'));
    reader.readAsText(file);
  });
}
