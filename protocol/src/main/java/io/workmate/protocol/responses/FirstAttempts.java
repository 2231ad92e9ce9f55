package io.workmate.protocol.responses;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Codex thread was the first to send a {@code [[fail_first:TOKEN]]}: every attempt of a
 * Workmate job runs on a fresh thread, and codex names it in the {@code thread-id} header, so
 * "the first thread that carried TOKEN" is "the job's first attempt", whatever the timing. The
 * memory lives as long as the provider (a restarted provider starts over).
 */
public final class FirstAttempts {

  /** Tokens remembered at most; beyond this the oldest are not evicted, new ones just fail. */
  static final int MAX_TOKENS = 100_000;

  private final Map<String, String> firstThreadByToken = new ConcurrentHashMap<>();

  /**
   * Whether this request belongs to the first attempt of {@code token}: its thread is the first
   * thread seen with the token. A request without a thread id (not codex) counts as the first
   * attempt only when it is the first request carrying the token.
   */
  public boolean isFirst(String token, String threadId) {
    if (firstThreadByToken.size() >= MAX_TOKENS && !firstThreadByToken.containsKey(token)) {
      return true;
    }
    String thread = threadId == null ? "request:" + System.nanoTime() : threadId;
    String first = firstThreadByToken.putIfAbsent(token, thread);
    return first == null || first.equals(thread);
  }
}
