package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which completed command items a limit killed or starved, read from codex's item JSON. */
class LimitBreachTest {

  private static final CommandLimits CPU = CommandLimits.none().withCpuTime(Duration.ofSeconds(2));
  private static final CommandLimits MEMORY = CommandLimits.none().withAddressSpace(64L << 20);
  private static final CommandLimits FILES = CommandLimits.none().withOpenFiles(32);

  @Test
  void sigxcpuIsTheCpuLimitNamingTheCommandAsTheModelWroteIt() throws Exception {
    JsonNode item = item("{\"type\": \"commandExecution\", \"id\": \"c1\", \"command\": "
        + "\"/bin/bash -lc 'sh -c busy'\", \"commandActions\": [{\"type\": \"unknown\", "
        + "\"command\": \"sh -c busy\"}], \"exitCode\": 152, \"durationMs\": 2100, "
        + "\"aggregatedOutput\": \"\"}");
    assertEquals(Optional.of("the command \"sh -c busy\" exceeded the CPU-time limit of 2 s "
        + "(RLIMIT_CPU; SIGXCPU, exit status 152)"), LimitBreach.detect(item, CPU));
  }

  @Test
  void aSigkillCountsOnlyOnceTheCommandRanAsLongAsTheLimit() throws Exception {
    String killed = "{\"type\": \"commandExecution\", \"command\": \"/bin/bash -lc 'spin'\", "
        + "\"commandActions\": [], \"exitCode\": 137, \"durationMs\": %d}";
    assertEquals(Optional.of("the command \"spin\" exceeded the CPU-time limit of 2 s "
        + "(RLIMIT_CPU; killed)"), LimitBreach.detect(item(killed.formatted(3000)), CPU));
    assertEquals(Optional.empty(), LimitBreach.detect(item(killed.formatted(500)), CPU));
  }

  @Test
  void anAllocationFailureIsTheAddressSpaceLimitQuotingTheLine() throws Exception {
    JsonNode item = item("{\"type\": \"commandExecution\", \"command\": \"/bin/bash -lc "
        + "\\\"head -c 300M /dev/zero | tail\\\"\", \"commandActions\": [{\"type\": \"unknown\","
        + " \"command\": \"head\"}, {\"type\": \"unknown\", \"command\": \"tail\"}], "
        + "\"exitCode\": 1, \"aggregatedOutput\": \"start\\ntail: memory exhausted\\n\"}");
    assertEquals(Optional.of("the command \"head -c 300M /dev/zero | tail\" exceeded the "
        + "address-space limit of 64 MiB (RLIMIT_AS): tail: memory exhausted"),
        LimitBreach.detect(item, MEMORY));
  }

  @Test
  void tooManyOpenFilesIsTheOpenFilesLimit() throws Exception {
    JsonNode item = item("{\"type\": \"commandExecution\", \"command\": \"/bin/bash -lc 'x'\","
        + " \"exitCode\": 1, \"aggregatedOutput\": \"x: Too many open files\"}");
    assertEquals(Optional.of("the command \"x\" exceeded the open-files limit of 32 "
        + "(RLIMIT_NOFILE)"), LimitBreach.detect(item, FILES));
  }

  @Test
  void successesOtherItemsAndUnlimitedKindsAreNoBreach() throws Exception {
    assertEquals(Optional.empty(), LimitBreach.detect(item("{\"type\": \"commandExecution\", "
        + "\"command\": \"true\", \"exitCode\": 0}"), CPU));
    assertEquals(Optional.empty(), LimitBreach.detect(item("{\"type\": \"commandExecution\", "
        + "\"command\": \"running\", \"exitCode\": null}"), CPU));
    assertEquals(Optional.empty(), LimitBreach.detect(item("{\"type\": \"agentMessage\", "
        + "\"text\": \"memory exhausted\"}"), MEMORY));
    assertEquals(Optional.empty(), LimitBreach.detect(item("{\"type\": \"commandExecution\", "
        + "\"command\": \"x\", \"exitCode\": 1, \"aggregatedOutput\": \"memory exhausted\"}"),
        CPU));
    assertEquals(Optional.empty(), LimitBreach.detect(null, CPU));
  }

  private static JsonNode item(String json) throws Exception {
    return new ObjectMapper().readTree(json);
  }
}
