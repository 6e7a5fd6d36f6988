/** A signing secret, shown the one time it exists in clear (after it was made or rotated). */
export function SecretOnce({ secret, what }: { secret: string; what: string }) {
  return (
    <div className="space-y-1">
      <p className="font-medium">{what} Its signing secret, shown this once (copy it to the receiver now):</p>
      <p>
        <code
          data-testid="webhook-secret"
          className="break-all rounded bg-white px-1.5 py-0.5 font-mono text-xs text-slate-900 ring-1 ring-emerald-200"
        >
          {secret}
        </code>
      </p>
      <p className="text-xs">The portal keeps it sealed and cannot show it again; rotate it if it is lost.</p>
    </div>
  );
}
