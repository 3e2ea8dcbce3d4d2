import { CopyText } from './backend';

/**
 * Copy text through Go (reliable in every webview); fall back to the
 * browser clipboard if that fails. Returns whether the copy worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await CopyText(text);
    return true;
  } catch {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  }
}
