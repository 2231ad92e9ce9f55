package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads an event stream with the JDK's HTTP client on a thread of its own; the test takes the
 * events as they come. A {@code null} data marks the end of the stream.
 */
final class ServerSentEvents implements AutoCloseable {

  record Event(String name, JsonNode data) {}

  private static final ObjectMapper json = new ObjectMapper();
  private static final Event CLOSED = new Event("(closed)", null);

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  volatile int status;
  volatile String contentType = "";

  ServerSentEvents(HttpClient client, URI uri, String token) {
    reader = new Thread(() -> read(client, uri, token), "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(HttpClient client, URI uri, String token) {
    try {
      HttpResponse<Stream<String>> response = client.send(HttpRequest.newBuilder(uri)
          .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
          .GET().build(), HttpResponse.BodyHandlers.ofLines());
      status = response.statusCode();
      contentType = response.headers().firstValue("content-type").orElse("");
      String name = "message";
      StringBuilder data = new StringBuilder();
      for (String line : (Iterable<String>) response.body()::iterator) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(name, json.readTree(data.toString())));
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).stripLeading());
        }
      }
    } catch (Exception e) {
      // the stream broke; the test sees CLOSED early
    } finally {
      events.add(CLOSED);
    }
  }

  /** The next event within {@code timeout}; fails when none comes or the stream closed. */
  Event next(Duration timeout) throws InterruptedException {
    Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (event == null) {
      throw new AssertionError("no event within " + timeout);
    }
    return event;
  }

  /** Every event up to and including {@code end}, and checks the stream then closes. */
  List<Event> untilEnd(Duration timeout) throws InterruptedException {
    List<Event> seen = new ArrayList<>();
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event event = next(Duration.ofNanos(Math.max(1, until - System.nanoTime())));
      if (event == CLOSED) {
        throw new AssertionError("the stream closed before end; saw " + seen);
      }
      seen.add(event);
      if (event.name().equals("end")) {
        Event after = next(Duration.ofSeconds(10));
        if (after != CLOSED) {
          throw new AssertionError("the stream went on after end: " + after);
        }
        return seen;
      }
    }
  }

  @Override
  public void close() {
    reader.interrupt();
  }
}
