package io.workmate.protocol.codex;

import java.util.List;

/** The app-server method names Workmate uses, exactly as on the wire. */
public final class CodexMethods {

  // client -> server requests
  public static final String INITIALIZE = "initialize";
  public static final String THREAD_START = "thread/start";
  public static final String THREAD_RESUME = "thread/resume";
  public static final String TURN_START = "turn/start";
  public static final String TURN_STEER = "turn/steer";
  public static final String TURN_INTERRUPT = "turn/interrupt";
  public static final String MODEL_LIST = "model/list";

  // client -> server notification
  public static final String INITIALIZED = "initialized";

  // server -> client notifications
  public static final String THREAD_STARTED = "thread/started";
  public static final String THREAD_STATUS_CHANGED = "thread/status/changed";
  public static final String THREAD_CLOSED = "thread/closed";
  public static final String TURN_STARTED = "turn/started";
  public static final String TURN_COMPLETED = "turn/completed";
  public static final String ITEM_STARTED = "item/started";
  public static final String ITEM_COMPLETED = "item/completed";
  public static final String AGENT_MESSAGE_DELTA = "item/agentMessage/delta";
  public static final String COMMAND_OUTPUT_DELTA = "item/commandExecution/outputDelta";
  public static final String FILE_CHANGE_OUTPUT_DELTA = "item/fileChange/outputDelta";
  public static final String REASONING_SUMMARY_DELTA = "item/reasoning/summaryTextDelta";
  public static final String SERVER_REQUEST_RESOLVED = "serverRequest/resolved";
  public static final String ERROR = "error";
  public static final String WARNING = "warning";

  // server -> client requests
  public static final String COMMAND_APPROVAL = "item/commandExecution/requestApproval";
  public static final String FILE_CHANGE_APPROVAL = "item/fileChange/requestApproval";
  public static final String LEGACY_EXEC_APPROVAL = "execCommandApproval";
  public static final String LEGACY_PATCH_APPROVAL = "applyPatchApproval";

  public static final List<String> CLIENT_REQUESTS =
      List.of(INITIALIZE, THREAD_START, THREAD_RESUME, TURN_START, TURN_STEER, TURN_INTERRUPT,
          MODEL_LIST);

  public static final List<String> SERVER_NOTIFICATIONS =
      List.of(THREAD_STARTED, THREAD_STATUS_CHANGED, THREAD_CLOSED, TURN_STARTED, TURN_COMPLETED,
          ITEM_STARTED, ITEM_COMPLETED, AGENT_MESSAGE_DELTA, COMMAND_OUTPUT_DELTA,
          FILE_CHANGE_OUTPUT_DELTA, REASONING_SUMMARY_DELTA, SERVER_REQUEST_RESOLVED, ERROR,
          WARNING);

  public static final List<String> SERVER_REQUESTS =
      List.of(COMMAND_APPROVAL, FILE_CHANGE_APPROVAL, LEGACY_EXEC_APPROVAL, LEGACY_PATCH_APPROVAL);

  private CodexMethods() {}
}
