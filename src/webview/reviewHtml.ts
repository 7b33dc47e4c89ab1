import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The page's HTML: a strict Content-Security-Policy. The page is an ES module started by this
 * load's nonce; the grammar chunks it imports later come from `webview.cspSource`, which serves
 * only the `localResourceRoots` — the extension's media folder. No inline script, no eval.
 */
export function reviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return panelHtml(webview, extensionUri, {
    script: 'review.js',
    styles: ['dist/diff2html.min.css', 'review.css'],
    title: 'Review',
    loading: "Loading the agent's changes…",
  });
}

/** A panel page of ours: codicons and what the panels share (panel.css), its own stylesheets (from `media/`), its script bundle (`media/dist/`). */
export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { readonly script: string; readonly styles: readonly string[]; readonly title: string; readonly loading: string },
): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...parts));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}' ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('dist', 'codicon.css')}">
<link rel="stylesheet" href="${media('panel.css')}">
${page.styles.map((style) => `<link rel="stylesheet" href="${media(...style.split('/'))}">`).join('\n')}
<title>${page.title}</title>
</head>
<body>
<main id="app"><p>${page.loading}</p></main>
<script type="module" nonce="${nonce}" src="${media('dist', page.script)}"></script>
</body>
</html>`;
}
