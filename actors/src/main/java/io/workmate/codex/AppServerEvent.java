package io.workmate.codex;

import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;

/** What an app-server process actor tells the threads attached to it. */
public sealed interface AppServerEvent {

  /** A notification about the attached thread. */
  record Notification(CodexNotification notification) implements AppServerEvent {}

  /** A server-to-client request (an approval) that the thread must answer. */
  record ServerRequest(CodexRequest request) implements AppServerEvent {}

  /** The process died; in-flight calls have failed, a restart is scheduled. */
  record ProcessDown(String reason) implements AppServerEvent {}

  /** A (re)started process finished {@code initialize}; threads must resume to be loaded again. */
  record ProcessUp(long generation) implements AppServerEvent {}
}
