// The floor does nothing at start (without this file Next.js would take the repository's instrumentation.ts).
export function register() {}
