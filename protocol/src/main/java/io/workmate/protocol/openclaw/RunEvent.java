package io.workmate.protocol.openclaw;

import java.util.Optional;

/**
 * A view of one {@code chat} or {@code agent} event, the two streams that report a run. Both are
 * broadcast to every operator connection, so callers filter by {@link #runId()}; a terminal event
 * can arrive more than once for one run (chat and agent both end it, and the gateway has sent two
 * chat errors for one run), so callers act on the first and ignore the rest.
 *
 * @param stream the agent stream ({@code lifecycle}, {@code assistant}, {@code run_status},
 *     {@code usage}, ...); null for chat events
 * @param state the chat state ({@code status}, {@code delta}, {@code final}, {@code error},
 *     {@code aborted}); null for agent events
 * @param phase the progress step: chat status phase, run_status phase or lifecycle phase
 * @param deltaText the text added by this event (chat {@code deltaText}, assistant {@code delta})
 * @param text the reply text so far (the cumulative message; the terminal reply at the end)
 * @param outcome how the run ended if this event ends it; null while it runs
 * @param runSeq the event's number within its run (payload {@code seq}, not the frame's)
 */
public record RunEvent(Source source, String runId, String sessionKey, String stream,
    String state, String phase, String deltaText, String text, Outcome outcome,
    String errorMessage, String stopReason, Long runSeq) {

  public enum Source { CHAT, AGENT }

  public enum Outcome { COMPLETED, FAILED, ABORTED }

  // chat states
  public static final String STATE_STATUS = "status";
  public static final String STATE_DELTA = "delta";
  public static final String STATE_FINAL = "final";
  public static final String STATE_ERROR = "error";
  public static final String STATE_ABORTED = "aborted";

  // agent streams and lifecycle phases
  public static final String STREAM_LIFECYCLE = "lifecycle";
  public static final String STREAM_ASSISTANT = "assistant";
  public static final String STREAM_RUN_STATUS = "run_status";
  public static final String PHASE_END = "end";
  public static final String PHASE_ERROR = "error";

  /** A view of {@code event} if it is a chat or agent event with a runId; empty otherwise. */
  public static Optional<RunEvent> from(GatewayFrame.Event event) {
    return RunEventReader.read(event);
  }

  /** This event ends the run. */
  public boolean terminal() {
    return outcome != null;
  }

  /** The reply text if this event ends the run (partial for an aborted run); else null. */
  public String finalText() {
    return terminal() ? text : null;
  }
}
