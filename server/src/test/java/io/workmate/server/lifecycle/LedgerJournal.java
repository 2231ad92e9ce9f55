package io.workmate.server.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The job ledger's rows read without Workmate (plain SQL, generic CBOR), for the crash tests to
 * compare with what the service acknowledged. The quoted lower-case names suit H2 and PostgreSQL.
 *
 * @param rows the ledger's journal rows (each a batch of events)
 * @param succeeded the number of {@code succeeded} events per job id
 * @param failedAttempts the number of {@code attempt_failed} events per job id
 */
public record LedgerJournal(int rows, Map<String, Integer> succeeded,
    Map<String, Integer> failedAttempts) {

  public static LedgerJournal read(Connection db) throws Exception {
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    Map<String, Integer> succeeded = new HashMap<>();
    Map<String, Integer> failed = new HashMap<>();
    int rows = 0;
    try (ResultSet result = db.createStatement().executeQuery("SELECT \"event_payload\" FROM "
        + "\"event_journal\" WHERE \"persistence_id\" LIKE 'job-ledger|%'")) {
      while (result.next()) {
        rows++;
        for (JsonNode event : cbor.readTree(result.getBytes(1)).path("events")) {
          String type = event.path("type").asText();
          if (type.equals("succeeded")) {
            succeeded.merge(event.path("jobId").asText(), 1, Integer::sum);
          } else if (type.equals("attempt_failed")) {
            failed.merge(event.path("jobId").asText(), 1, Integer::sum);
          }
        }
      }
    }
    return new LedgerJournal(rows, succeeded, failed);
  }
}
