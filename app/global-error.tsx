"use client";

import en from "@/messages/en.json";

// When even the root layout failed: a whole document of its own, with inline styles only.
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const m = en.error;
  return (
    <html lang="en">
      <body style={{ margin: 0, fontFamily: "system-ui, sans-serif", background: "#f8fafc", color: "#0f172a" }}>
        <main
          style={{
            maxWidth: "28rem",
            margin: "4rem auto",
            background: "#fff",
            border: "1px solid #e2e8f0",
            borderRadius: "1rem",
            padding: "2rem",
          }}
        >
          <h1 style={{ fontSize: "1.5rem", margin: "0 0 .5rem" }}>{m.title}</h1>
          <p style={{ color: "#334155", lineHeight: 1.5 }}>{m.body}</p>
          <button
            type="button"
            onClick={reset}
            style={{
              width: "100%",
              padding: ".75rem",
              fontSize: "1rem",
              fontWeight: 600,
              color: "#fff",
              background: "#1f5fbf",
              border: 0,
              borderRadius: ".5rem",
            }}
          >
            {m.retry}
          </button>
        </main>
      </body>
    </html>
  );
}
