import { esc } from "./http";

/**
 * The pages a stand-in shows a person (persona pickers, choosers, errors): one
 * template with the stand-in's name and colours, and the list of choice buttons.
 */

export interface StandinTheme {
  /** "ID.me sandbox (local stand-in)": the heading and the title's suffix. */
  label: string;
  /** Heading and focus colour. */
  accent: string;
  background: string;
  text: string;
  /** Borders, the soft fills behind code and a focused choice, the muted text. */
  border: string;
  codeFill: string;
  choiceFill: string;
  focusFill: string;
  muted: string;
  desc: string;
}

export function standinPage(theme: StandinTheme, title: string, body: string): string {
  const t = theme;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(t.label)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: ${t.background}; color: ${t.text}; margin: 0; }
  main { max-width: 44rem; margin: 2rem auto; background: #fff; border-radius: 10px; padding: 1.5rem 2rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  h1 { font-size: 1.1rem; color: ${t.accent}; margin: 0 0 .5rem; }
  h2 { font-size: 1.3rem; margin: .5rem 0 1rem; }
  .banner { background: #fff4d6; border: 1px solid #e8c15a; padding: .5rem .75rem; border-radius: 6px; font-weight: 600; }
  .meta code { background: ${t.codeFill}; padding: .1rem .35rem; border-radius: 4px; margin-right: .2rem; word-break: break-all; }
  .notice { color: #a12622; font-weight: 600; }
  .choices { display: grid; gap: .6rem; }
  .choice { display: grid; grid-template-columns: 1fr auto; text-align: left; gap: .15rem .75rem; padding: .75rem 1rem;
    border: 1px solid ${t.border}; border-radius: 8px; background: ${t.choiceFill}; cursor: pointer; font: inherit; color: inherit; text-decoration: none; }
  .choice:hover, .choice:focus { border-color: ${t.accent}; background: ${t.focusFill}; }
  .choice .name { font-weight: 700; }
  .choice .key { font-family: ui-monospace, monospace; font-size: .8rem; color: ${t.muted}; }
  .choice .desc { grid-column: 1 / -1; font-size: .9rem; color: ${t.desc}; }
  .deny { margin-top: 1rem; text-align: right; }
  .deny-btn { padding: .55rem 1.4rem; border: 1px solid #a12622; color: #a12622; background: #fff; border-radius: 6px; cursor: pointer; font: inherit; }
  .deny-btn:hover { background: #fbeaea; }
</style></head>
<body><main><h1>${esc(t.label)}</h1>${body}</main></body></html>`;
}

/** One submit button per persona (`name="persona"`, its key as the value). */
export function personaButtons(personas: readonly { key: string; label: string; description: string }[]): string {
  return personas
    .map(
      (p) => `
      <button type="submit" name="persona" value="${esc(p.key)}" class="choice">
        <span class="name">${esc(p.label)}</span>
        <span class="key">${esc(p.key)}</span>
        <span class="desc">${esc(p.description)}</span>
      </button>`,
    )
    .join("");
}
