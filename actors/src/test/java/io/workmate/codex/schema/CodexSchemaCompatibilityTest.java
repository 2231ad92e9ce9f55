package io.workmate.codex.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.codex.config.CodexBinary;
import io.workmate.codex.config.CodexNotFoundException;
import io.workmate.codex.schema.WireSchemaChecker.Target;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.Approvals;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CommandExecutionItem;
import io.workmate.protocol.codex.Initialize;
import io.workmate.protocol.codex.ModelList;
import io.workmate.protocol.codex.Notifications;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.protocol.codex.TextInput;
import io.workmate.protocol.codex.ThreadInfo;
import io.workmate.protocol.codex.ThreadStart;
import io.workmate.protocol.codex.Turn;
import io.workmate.protocol.codex.TurnError;
import io.workmate.protocol.codex.TurnRequests;
import io.workmate.protocol.codex.TurnStatus;
import io.workmate.protocol.codex.WireSchema;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks Workmate's codex protocol records, method names and enum values against the JSON schema
 * the pinned codex binary generates. When a codex upgrade renames or drops something we rely on,
 * the failure names the record, field, method or value and the schema file it went missing from.
 */
class CodexSchemaCompatibilityTest {

  /** Every protocol record that mirrors a codex schema; {@link #everyWireRecordIsListed} checks. */
  static final List<Class<?>> WIRE_RECORDS =
      List.of(
          Initialize.Params.class,
          Initialize.ClientInfo.class,
          Initialize.Capabilities.class,
          Initialize.Result.class,
          ThreadStart.Params.class,
          ThreadStart.ResumeParams.class,
          ThreadStart.Result.class,
          ThreadStart.ResumeResult.class,
          ThreadInfo.class,
          TurnRequests.StartParams.class,
          TurnRequests.StartResult.class,
          TurnRequests.SteerParams.class,
          TurnRequests.SteerResult.class,
          TurnRequests.InterruptParams.class,
          Turn.class,
          TurnError.class,
          TextInput.class,
          ModelList.Params.class,
          ModelList.Result.class,
          ModelList.Model.class,
          Notifications.ThreadStarted.class,
          Notifications.ThreadStatusChanged.class,
          Notifications.TurnStarted.class,
          Notifications.TurnCompleted.class,
          Notifications.ItemStarted.class,
          Notifications.ItemCompleted.class,
          Notifications.AgentMessageDelta.class,
          Notifications.CommandOutputDelta.class,
          Notifications.Error.class,
          Notifications.ServerRequestResolved.class,
          Approvals.CommandParams.class,
          Approvals.FileChangeParams.class,
          Approvals.LegacyExecParams.class,
          Approvals.LegacyPatchParams.class,
          Approvals.Response.class,
          Approvals.LegacyResponse.class,
          CommandExecutionItem.class,
          CommandExecutionItem.CommandAction.class);

  /** Records mirroring one variant of a union definition, with the {@code type} they send. */
  static final Map<Class<?>, String> UNION_DISCRIMINATORS = Map.of(TextInput.class, "text",
      CommandExecutionItem.class, "commandExecution",
      // every kind of action has the command; "unknown" is the one codex sends most
      CommandExecutionItem.CommandAction.class, "unknown");

  /**
   * Records that also answer a second schema besides the one their annotation names: one answer
   * record serves both v2 approval requests, one both legacy ones.
   */
  static final Map<Class<?>, Target> ALSO_SENT_AS =
      Map.of(
          Approvals.Response.class,
          new Target("FileChangeRequestApprovalResponse.json", "", Direction.SENT),
          Approvals.LegacyResponse.class,
          new Target("ApplyPatchApprovalResponse.json", "", Direction.SENT));

  @TempDir static Path schemaDir;

  private static GeneratedSchema schema;
  private static WireSchemaChecker checker;

  @BeforeAll
  static void generateSchemaWithThePinnedCodex() throws Exception {
    Path codex = locatePinnedCodex();
    schema = GeneratedSchema.generate(codex, CodexBinary.version(codex), schemaDir);
    checker = new WireSchemaChecker(schema, UNION_DISCRIMINATORS);
  }

  /** Only the project-local install: the PATH might hold some other codex version. */
  private static Path locatePinnedCodex() {
    String home = System.getProperty(CodexBinary.HOME_PROPERTY);
    assertNotNull(home, "system property " + CodexBinary.HOME_PROPERTY + " is unset; surefire"
        + " sets it to the reactor root");
    try {
      return CodexBinary.locate(Optional.empty(), Optional.of(Path.of(home)), null);
    } catch (CodexNotFoundException e) {
      return fail("This test checks the protocol records against the pinned Codex CLI, which is"
          + " missing: run scripts/setup to install it into .tools/codex.\n" + e.getMessage());
    }
  }

  // ---- records ----

  static Stream<Named<Class<?>>> wireRecords() {
    return WIRE_RECORDS.stream().map(r -> Named.of(WireSchemaChecker.displayName(r), r));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wireRecords")
  void recordMatchesItsSchema(Class<?> record) {
    assertNoProblems(checker.check(record));
  }

  static Stream<Arguments> secondSchemas() {
    return ALSO_SENT_AS.entrySet().stream()
        .map(e -> Arguments.of(
            Named.of(WireSchemaChecker.displayName(e.getKey()), e.getKey()), e.getValue()));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("secondSchemas")
  void recordAlsoMatchesTheOtherSchemaItIsSentAs(Class<?> record, Target target) {
    assertNoProblems(checker.check(record, target));
  }

  @Test
  void everyWireRecordIsListed() throws Exception {
    Set<Class<?>> annotated = WireRecordScan.annotatedClasses(WireSchema.class);
    // Guards the scan itself: a broken scan would find nothing and "pass".
    assertTrue(annotated.contains(Turn.class) && annotated.contains(Approvals.Response.class),
        "the package scan missed known records: " + names(annotated));
    assertEquals(Set.of(), difference(annotated, WIRE_RECORDS),
        "records carrying @WireSchema that WIRE_RECORDS does not list, so nothing checks them");
    assertEquals(Set.of(), difference(WIRE_RECORDS, annotated),
        "WIRE_RECORDS entries without @WireSchema");
  }

  @Test
  void textInputSendsTheUnionVariantItIsCheckedAgainst() {
    assertEquals(UNION_DISCRIMINATORS.get(TextInput.class), TextInput.of("hi").type());
  }

  // ---- method names ----

  static Stream<Arguments> methodLists() {
    return Stream.of(
        Arguments.of("CLIENT_REQUESTS", CodexMethods.CLIENT_REQUESTS, "ClientRequest.json"),
        Arguments.of("SERVER_REQUESTS", CodexMethods.SERVER_REQUESTS, "ServerRequest.json"),
        Arguments.of(
            "SERVER_NOTIFICATIONS", CodexMethods.SERVER_NOTIFICATIONS, "ServerNotification.json"),
        Arguments.of("INITIALIZED", List.of(CodexMethods.INITIALIZED), "ClientNotification.json"));
  }

  @ParameterizedTest(name = "CodexMethods.{0} in {2}")
  @MethodSource("methodLists")
  void everyMethodWeUseExists(String listName, List<String> methods, String file) {
    Set<String> known = GeneratedSchema.methodNames(schema.requireFile(file));
    assertFalse(known.isEmpty(), "found no method names in " + file);
    assertAllKnown("CodexMethods." + listName + " method", methods, known, file);
  }

  // ---- enum values ----

  static Stream<Arguments> approvalPolicySchemas() {
    return Stream.of(
        "v2/ThreadStartParams.json", "v2/ThreadResumeParams.json", "v2/TurnStartParams.json")
        .map(file -> Arguments.of(file, "AskForApproval"));
  }

  @ParameterizedTest(name = "{0}#/definitions/{1}")
  @MethodSource("approvalPolicySchemas")
  void everyApprovalPolicyIsAccepted(String file, String definition) {
    List<String> ours = Arrays.stream(ApprovalPolicy.values()).map(ApprovalPolicy::wire).toList();
    assertAllKnown("ApprovalPolicy", ours, enumValues(file, definition), file + "#/definitions/"
        + definition);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sandboxModeSchemas")
  void everySandboxModeIsAccepted(String file) {
    List<String> ours = Arrays.stream(SandboxMode.values()).map(SandboxMode::wire).toList();
    assertAllKnown("SandboxMode", ours, enumValues(file, "SandboxMode"),
        file + "#/definitions/SandboxMode");
  }

  static Stream<String> sandboxModeSchemas() {
    return Stream.of("v2/ThreadStartParams.json", "v2/ThreadResumeParams.json");
  }

  static Stream<Arguments> approvalDecisionSchemas() {
    return Stream.of(
        Arguments.of(
            "CommandExecutionRequestApprovalResponse.json", "CommandExecutionApprovalDecision"),
        Arguments.of("FileChangeRequestApprovalResponse.json", "FileChangeApprovalDecision"));
  }

  @ParameterizedTest(name = "{0}#/definitions/{1}")
  @MethodSource("approvalDecisionSchemas")
  void everyApprovalDecisionIsAccepted(String file, String definition) {
    List<String> ours =
        Arrays.stream(ApprovalDecision.values()).map(ApprovalDecision::wire).toList();
    assertAllKnown("ApprovalDecision", ours, enumValues(file, definition),
        file + "#/definitions/" + definition);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("legacyDecisionSchemas")
  void everyLegacyDecisionIsAReviewDecision(String file) {
    JsonNode root = schema.requireFile(file);
    JsonNode reviewDecision = requireDefinition(root, file, "ReviewDecision");
    List<String> problems =
        Arrays.stream(ApprovalDecision.values())
            .flatMap(d -> LegacyDecisions.problem(root, reviewDecision, d.legacyWire())
                .map(p -> "ApprovalDecision." + d + ".legacyWire() " + p + " in " + file
                    + "#/definitions/ReviewDecision (" + schema.codexVersion() + ")")
                .stream())
            .toList();
    assertNoProblems(problems);
  }

  static Stream<String> legacyDecisionSchemas() {
    return Stream.of("ExecCommandApprovalResponse.json", "ApplyPatchApprovalResponse.json");
  }

  @Test
  void everyTurnStatusExceptUnknownIsASchemaTurnStatus() throws Exception {
    String file = "v2/TurnStartResponse.json";
    List<String> ours = new ArrayList<>();
    for (TurnStatus status : TurnStatus.values()) {
      if (status != TurnStatus.UNKNOWN) {
        ours.add(TurnStatus.class.getField(status.name()).getAnnotation(JsonProperty.class)
            .value());
      }
    }
    assertEquals(4, ours.size(), "read the wire names of " + ours);
    assertAllKnown("TurnStatus", ours, enumValues(file, "TurnStatus"),
        file + "#/definitions/TurnStatus");
  }

  // ---- the checker can fail ----

  /** Misspells {@code turnId}: both the unknown field and the missing required one show. */
  @WireSchema(file = "v2/TurnInterruptParams.json", direction = Direction.SENT)
  record MisspelledInterrupt(String threadId, String turnID) {}

  /** A number where codex wants a string. */
  @WireSchema(file = "v2/TurnInterruptParams.json", direction = Direction.SENT)
  record NumericThreadId(long threadId, String turnId) {}

  /** Reads only a subset, which is fine for what we receive. */
  @WireSchema(file = "v2/TurnInterruptParams.json", direction = Direction.RECEIVED)
  record ThreadIdOnly(String threadId) {}

  /** {@code @JsonProperty} decides the wire name, not the component name. */
  @WireSchema(file = "v2/TurnStartParams.json", definition = "UserInput",
      direction = Direction.SENT)
  record SnakeCaseInput(String type, String text, List<Object> textElements) {}

  @WireSchema(file = "v2/NoSuchParams.json", direction = Direction.RECEIVED)
  record RenamedFile(String threadId) {}

  @WireSchema(file = "v2/TurnStartResponse.json", definition = "NoSuchThing",
      direction = Direction.RECEIVED)
  record RenamedDefinition(String id) {}

  @Test
  void checkerReportsAMisspelledFieldAndTheMissingRequiredProperty() {
    List<String> problems = checker.check(MisspelledInterrupt.class);
    assertEquals(2, problems.size(), String.join("\n", problems));
    assertMentions(problems.get(0), "CodexSchemaCompatibilityTest.MisspelledInterrupt",
        "v2/TurnInterruptParams.json", "field 'turnID' is not in the schema's properties");
    assertMentions(problems.get(1), "required property 'turnId' has no record field");
  }

  @Test
  void checkerReportsAnIncompatibleType() {
    List<String> problems = checker.check(NumericThreadId.class);
    assertEquals(1, problems.size(), String.join("\n", problems));
    assertMentions(problems.get(0), "field 'threadId'", "JSON integer", "[string]");
  }

  @Test
  void checkerLetsAReceivedRecordReadASubset() {
    assertEquals(List.of(), checker.check(ThreadIdOnly.class));
  }

  @Test
  void checkerUsesTheJsonPropertyName() {
    // TextInput names the same component text_elements via @JsonProperty and passes.
    WireSchemaChecker snakeAware =
        new WireSchemaChecker(schema, Map.of(SnakeCaseInput.class, "text"));
    assertMentions(single(snakeAware.check(SnakeCaseInput.class)),
        "field 'textElements' is not in the schema's properties", "text_elements");
  }

  @Test
  void checkerReportsAMissingFileOrDefinition() {
    assertMentions(single(checker.check(RenamedFile.class)),
        "no longer writes schema file v2/NoSuchParams.json");
    assertMentions(single(checker.check(RenamedDefinition.class)),
        "has no definition 'NoSuchThing'", "Turn");
  }

  @Test
  void checkerNeedsToKnowWhichUnionVariantARecordIs() {
    WireSchemaChecker withoutDiscriminators = new WireSchemaChecker(schema, Map.of());
    assertMentions(single(withoutDiscriminators.check(TextInput.class)),
        "is a union of", "text", "localImage", "tell the checker which 'type'");
    WireSchemaChecker wrongDiscriminator =
        new WireSchemaChecker(schema, Map.of(TextInput.class, "txt"));
    assertMentions(single(wrongDiscriminator.check(TextInput.class)),
        "no union variant has type 'txt'");
  }

  @Test
  void enumCheckReportsAValueTheSchemaLacks() {
    AssertionError error = assertFails(() -> assertAllKnown("ApprovalPolicy",
        List.of("never", "sometimes"), enumValues("v2/ThreadStartParams.json", "AskForApproval"),
        "v2/ThreadStartParams.json#/definitions/AskForApproval"));
    assertMentions(error.getMessage(), "ApprovalPolicy", "[sometimes]",
        "v2/ThreadStartParams.json#/definitions/AskForApproval", "on-request");
  }

  @Test
  void legacyDecisionCheckReportsUnknownOrIncompleteObjects() throws Exception {
    assertMentions(legacyProblem("\"ok\""), "\"ok\" is not one of", "approved");
    assertMentions(legacyProblem("{\"maybe\":{}}"), "'maybe' is not the key of any object variant");
    assertMentions(legacyProblem("{\"denied\":{}}"), "'denied' lacks required 'rejection'");
    assertMentions(legacyProblem("[\"denied\"]"), "neither a string nor an object");
    assertEquals("", legacyProblem("{\"denied\":{\"rejection\":\"no\"}}"));
  }

  /** The problem of a v1 decision as ExecCommandApprovalResponse.json sees it; "" if none. */
  private static String legacyProblem(String decision) throws Exception {
    JsonNode root = schema.requireFile("ExecCommandApprovalResponse.json");
    JsonNode reviewDecision =
        requireDefinition(root, "ExecCommandApprovalResponse.json", "ReviewDecision");
    return LegacyDecisions.problem(root, reviewDecision, new ObjectMapper().readTree(decision))
        .orElse("");
  }

  // ---- helpers ----

  private static Set<String> enumValues(String file, String definition) {
    JsonNode root = schema.requireFile(file);
    Set<String> values =
        GeneratedSchema.stringValues(root, requireDefinition(root, file, definition));
    assertFalse(values.isEmpty(), file + "#/definitions/" + definition + " has no string values");
    return values;
  }

  private static JsonNode requireDefinition(JsonNode root, String file, String definition) {
    return GeneratedSchema.definition(root, definition)
        .orElseGet(() -> fail(schema.codexVersion() + ": " + file + " has no definition '"
            + definition + "'"));
  }

  /** Fails naming every one of ours that the schema does not know, and what it does know. */
  private static void assertAllKnown(
      String what, Collection<String> ours, Set<String> known, String where) {
    List<String> missing = ours.stream().filter(value -> !known.contains(value)).toList();
    if (!missing.isEmpty()) {
      fail(what + " values " + missing + " are not in " + where + " (" + schema.codexVersion()
          + "), which has " + new TreeSet<>(known));
    }
  }

  private static void assertNoProblems(List<String> problems) {
    if (!problems.isEmpty()) {
      fail(problems.size() + " mismatch(es) with the codex schema:\n  "
          + String.join("\n  ", problems));
    }
  }

  private static void assertMentions(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "expected '" + part + "' in: " + text);
    }
  }

  private static String single(List<String> problems) {
    assertEquals(1, problems.size(), String.join("\n", problems));
    return problems.get(0);
  }

  private static AssertionError assertFails(Runnable check) {
    try {
      check.run();
    } catch (AssertionError expected) {
      return expected;
    }
    throw new AssertionError("the check passed but should have failed");
  }

  private static Set<String> difference(Collection<Class<?>> a, Collection<Class<?>> b) {
    return names(a.stream().filter(c -> !b.contains(c)).toList());
  }

  private static Set<String> names(Collection<Class<?>> classes) {
    return classes.stream().map(WireSchemaChecker::displayName)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
