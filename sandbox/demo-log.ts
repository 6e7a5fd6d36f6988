/**
 * What `npm run demo` shows of the portal's output: the portal's own JSON log
 * lines (reference codes and codes only, by construction) and whatever else it
 * prints, without Next.js's development request log, whose lines carry the
 * query string (the Action's token, Auth0's state, the provider's code). As a
 * second guard, anything that looks like a JWT or such a parameter is masked.
 */

const REQUEST_LOG = /^\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\/\S*\s+\d{3}\s+in\s/;
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const SECRET_PARAM = /\b(token|session_token|state|code|nonce|code_verifier|id_token|access_token)=[^&\s"']+/gi;

/** One line as the demo prints it, or null when it is not printed. */
export function demoLogLine(line: string): string | null {
  if (REQUEST_LOG.test(line)) return null;
  return line.replace(JWT, "[token]").replace(SECRET_PARAM, "$1=[hidden]");
}

/** A writer for the portal's output chunks: whole lines, filtered, prefixed. */
export function demoLogWriter(write: (text: string) => void): (chunk: string) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const shown = line.trim() === "" ? null : demoLogLine(line);
      if (shown !== null) write(`[portal] ${shown}\n`);
    }
  };
}
