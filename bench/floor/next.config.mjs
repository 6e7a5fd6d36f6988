import path from "node:path";

// The floor: the least a Next.js route can do (bench/README in the top-level README's "Performance").
/** @type {import('next').NextConfig} */
const config = {
  // node_modules are the repository's.
  turbopack: { root: path.resolve(import.meta.dirname, "..", "..") },
  outputFileTracingRoot: path.resolve(import.meta.dirname, "..", ".."),
};
export default config;
