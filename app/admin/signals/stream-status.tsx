import type { ReportedStreamStatus } from "@/lib/signals/stream-status";
import { Badge } from "../_ui/kit";

const MEANING: Record<string, string> = {
  enabled: "events are sent",
  paused: "events are held by the transmitter and sent when it is enabled again",
  disabled: "events are not sent, nor kept",
};

/** The stream's status as the transmitter reported it when this page was made, or why it could not be asked. */
export function StreamStatus({
  id,
  name,
  reported,
  lastSent,
}: {
  id: string;
  name: string;
  reported: ReportedStreamStatus | null;
  /** The status the transmitter last sent in a stream-updated event (or set when the stream was made). */
  lastSent?: string | null;
}) {
  const last = lastSent ? (
    <span className="block text-xs text-slate-500">
      The last status {name} sent: <Badge value={lastSent} />
    </span>
  ) : null;
  if (!reported) return <span data-testid={`stream-${id}-status`}>unknown (no token is stored for this stream)</span>;
  if (reported.kind === "not_offered")
    return (
      <span data-testid={`stream-${id}-status`}>
        {name} publishes no status endpoint, so the status cannot be asked.{last}
      </span>
    );
  if (reported.kind === "unavailable")
    return (
      <span data-testid={`stream-${id}-status`} className="text-amber-900">
        Could not ask {name}: {reported.message}
        {last}
      </span>
    );
  return (
    <span data-testid={`stream-${id}-status`}>
      <Badge value={reported.status} /> <span className="text-slate-700">{MEANING[reported.status]}</span>
      {reported.reason ? <span className="text-slate-700"> (reason given: {reported.reason})</span> : null}
      <span className="block text-xs text-slate-500">as {name} reports it now</span>
    </span>
  );
}
