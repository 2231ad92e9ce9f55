package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.Approvals;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.TextInput;
import io.workmate.protocol.codex.ThreadInfo;
import io.workmate.protocol.codex.ThreadStart;
import io.workmate.protocol.codex.Turn;
import io.workmate.protocol.codex.TurnRequests;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * What a {@link CodexThread} sends its app-server: calls whose params are built from the
 * protocol records, each answer mapped to a message of the thread's, and the answers to
 * approval requests. Also reads the answers the thread needs (thread and turn ids).
 */
final class ThreadCalls {

  /** The app-server answers every call (result, error, timeout or death); this is a backstop. */
  private static final Duration CALL_DEADLINE = Duration.ofMinutes(10);

  private final ActorRef<CodexAppServer.Command> server;
  private final ThreadSettings settings;
  private final ActorContext<CodexThread.Command> context;
  private final ActorRef<AppServerEvent> serverEvents;
  private final JsonRpcCodec codec = JsonRpcCodec.shared();

  ThreadCalls(ActorRef<CodexAppServer.Command> server, ThreadSettings settings,
      ActorContext<CodexThread.Command> context, ActorRef<AppServerEvent> serverEvents) {
    this.server = server;
    this.settings = settings;
    this.context = context;
    this.serverEvents = serverEvents;
  }

  void startThread(Function<CallResult, CodexThread.Command> onAnswer) {
    ThreadStart.Params params = new ThreadStart.Params(settings.model().orElse(null),
        settings.cwd().toString(), settings.approvalPolicy(), settings.sandbox(),
        settings.configOverrides(), null, null);
    call(CodexMethods.THREAD_START, codec.toTree(params), true, onAnswer);
  }

  void resumeThread(String threadId, Function<CallResult, CodexThread.Command> onAnswer) {
    ThreadStart.ResumeParams params = new ThreadStart.ResumeParams(threadId,
        settings.model().orElse(null), settings.cwd().toString(), settings.approvalPolicy(),
        settings.sandbox(), true);
    call(CodexMethods.THREAD_RESUME, codec.toTree(params), true, onAnswer);
  }

  void startTurn(String threadId, CodexThread.RunTurn request,
      Function<CallResult, CodexThread.Command> onAnswer) {
    CodexThread.TurnOptions options = request.options();
    TurnRequests.StartParams params = new TurnRequests.StartParams(threadId,
        List.of(TextInput.of(request.prompt())),
        options.cwd().map(Path::toString).orElse(null),
        options.approvalPolicy().orElse(null), options.model().orElse(null));
    call(CodexMethods.TURN_START, codec.toTree(params), false, onAnswer);
  }

  void interrupt(String threadId, String turnId,
      Function<CallResult, CodexThread.Command> onAnswer) {
    TurnRequests.InterruptParams params = new TurnRequests.InterruptParams(threadId, turnId);
    call(CodexMethods.TURN_INTERRUPT, codec.toTree(params), false, onAnswer);
  }

  void steer(String threadId, String turnId, String text,
      Function<CallResult, CodexThread.Command> onAnswer) {
    TurnRequests.SteerParams params = new TurnRequests.SteerParams(threadId,
        List.of(TextInput.of(text)), turnId);
    call(CodexMethods.TURN_STEER, codec.toTree(params), false, onAnswer);
  }

  /** Answers an approval request, in the legacy vocabulary for the legacy requests. */
  void answerApproval(JsonNode requestId, boolean legacy, ApprovalDecision decision) {
    JsonNode result = legacy
        ? codec.toTree(new Approvals.LegacyResponse(decision.legacyWire()))
        : codec.toTree(new Approvals.Response(decision));
    server.tell(new CodexAppServer.Answer(requestId, result, null));
  }

  void detach(String threadId) {
    server.tell(new CodexAppServer.Detach(threadId));
  }

  /** The thread id in a thread/start or thread/resume answer. */
  Optional<String> threadIdOf(CallResult.Success answer, boolean resumed) {
    Optional<ThreadInfo> thread = resumed
        ? read(answer, ThreadStart.ResumeResult.class).map(ThreadStart.ResumeResult::thread)
        : read(answer, ThreadStart.Result.class).map(ThreadStart.Result::thread);
    return thread.map(ThreadInfo::id);
  }

  /** The turn id in a turn/start answer. */
  Optional<String> turnIdOf(CallResult.Success answer) {
    return read(answer, TurnRequests.StartResult.class).map(TurnRequests.StartResult::turn)
        .map(Turn::id);
  }

  private <T> Optional<T> read(CallResult.Success answer, Class<T> type) {
    try {
      return Optional.ofNullable(codec.fromTree(answer.result(), type));
    } catch (MalformedMessageException e) {
      return Optional.empty();
    }
  }

  /**
   * One call to the app-server, its answer mapped to a message of ours. A message adapter would
   * not do: there is one adapter per reply class, so the last registered mapping would take the
   * answers of every call still in flight.
   */
  private void call(String method, JsonNode params, boolean attachThread,
      Function<CallResult, CodexThread.Command> onAnswer) {
    Optional<ActorRef<AppServerEvent>> attach =
        attachThread ? Optional.of(serverEvents) : Optional.empty();
    context.ask(CallResult.class, server, CALL_DEADLINE,
        replyTo -> new CodexAppServer.Call(method, params, Optional.empty(), attach, replyTo),
        (result, failure) -> onAnswer.apply(result != null ? result
            : CallResult.Failure.of(CallResult.Kind.TIMEOUT,
                "no answer to " + method + " from the app-server actor")));
  }
}
