/**
 * The stream panel's HTML. Bot output is untrusted: Markdown is rendered with
 * raw HTML disabled, and the page runs only its own nonce'd script.
 */
import MarkdownIt from "markdown-it";

import { actionTitle, type JobView } from "./jobs";
import { pointsText } from "./usage";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function renderMarkdown(text: string): string {
  return md.render(text);
}

export function panelTitle(job: JobView): string {
  return `Poe · ${actionTitle(job.action)} · ${job.bot}`;
}

const STATUS_LABELS: Record<string, string> = {
  running: "streaming…",
  done: "done",
  failed: "failed",
  cancelled: "cancelled",
};

/** What the page's script puts in place on every update. */
export interface PanelUpdate {
  jobId: string;
  heading: string;
  status: string;
  running: boolean;
  body: string;
  error: string;
  /** Below the answer: what it cost, once known. */
  footer: string;
  /** Shows the follow-up box under the answer (the panel's last answer is done). */
  canFollowUp?: boolean;
}

export function panelUpdate(job: JobView): PanelUpdate {
  return {
    jobId: job.jobId,
    heading: `${actionTitle(job.action)} · ${job.bot}`,
    status: STATUS_LABELS[job.status] ?? job.status,
    running: job.status === "running",
    body:
      job.text.length > 0
        ? renderMarkdown(job.text)
        : `<p class="waiting">Waiting for ${escapeHtml(job.bot)}…</p>`,
    error: job.error ?? "",
    footer: job.points === undefined ? "" : `Cost: ${pointsText(job.points)}`,
  };
}

/** How an answer's rendered Markdown, its error and its waiting line look. */
export const ANSWER_STYLE = `  pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
  code { font-family: var(--vscode-editor-font-family); }
  .error { color: var(--vscode-errorForeground); }
  .waiting { opacity: 0.7; font-style: italic; }`;

/** The start of a webview page whose only script is its own nonce'd one (up to `<style>`). */
export function pageHead(nonce: string, cspSource: string): string {
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} https: data:`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>`;
}

/** The page itself; content arrives by `postMessage` so streaming does not flicker. */
export function panelPage(nonce: string, cspSource: string, first: PanelUpdate): string {
  return `${pageHead(nonce, cspSource)}
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; line-height: 1.5; }
  header { position: sticky; top: 0; background: var(--vscode-editor-background); display: flex; align-items: center; gap: 12px; padding: 10px 0; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
  header h1 { font-size: 1.1em; margin: 0; flex: 1; }
  #status { opacity: 0.75; }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button[hidden] { display: none; }
${ANSWER_STYLE}
  #points { opacity: 0.75; margin-top: 12px; }
  .you { margin-top: 16px; padding: 6px 10px; border-left: 3px solid var(--vscode-textLink-foreground); background: var(--vscode-textBlockQuote-background); }
  #follow { display: flex; gap: 8px; margin-top: 16px; }
  #follow[hidden] { display: none; }
  #prompt { flex: 1; font-family: inherit; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, #8884); padding: 4px 6px; }
</style>
</head>
<body>
<header>
  <h1 id="heading">${escapeHtml(first.heading)}</h1>
  <span id="status">${escapeHtml(first.status)}</span>
  <button id="cancel" title="Cancel this job"${first.running ? "" : " hidden"}>Cancel</button>
</header>
<p id="error" class="error">${escapeHtml(first.error)}</p>
<main id="content">${first.body}</main>
<footer id="points">${escapeHtml(first.footer)}</footer>
<form id="follow"${first.canFollowUp ? "" : " hidden"}>
  <input id="prompt" type="text" placeholder="Follow up (e.g. shorter; what if x is negative?)" aria-label="Follow-up prompt">
  <button id="send" type="submit">Follow up</button>
</form>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  let jobId = ${JSON.stringify(first.jobId)};
  document.getElementById("cancel").addEventListener("click", () => {
    vscode.postMessage({ type: "cancel", jobId });
  });
  window.addEventListener("message", (event) => {
    const u = event.data;
    jobId = u.jobId;
    document.getElementById("heading").textContent = u.heading;
    document.getElementById("status").textContent = u.status;
    document.getElementById("cancel").hidden = !u.running;
    document.getElementById("error").textContent = u.error;
    document.getElementById("content").innerHTML = u.body;
    document.getElementById("points").textContent = u.footer;
    document.getElementById("follow").hidden = !u.canFollowUp;
  });
  document.getElementById("follow").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("prompt");
    const prompt = input.value.trim();
    if (prompt) {
      vscode.postMessage({ type: "followUp", jobId, prompt });
      input.value = "";
    }
  });
</script>
</body>
</html>`;
}
