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

  /** {@code id}: the event's id, or null when it has none. */
  record Event(String name, JsonNode data, String id) {
    Event(String name, JsonNode data) {
      this(name, data, null);
    }
  }

  private static final ObjectMapper json = new ObjectMapper();
  private static final Event CLOSED = new Event("(closed)", null);

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  volatile int status;
  volatile String contentType = "";

  ServerSentEvents(HttpClient client, URI uri, String token) {
    this(client, uri, token, null);
  }

  /** A reconnect: sends {@code Last-Event-ID} when {@code lastEventId} is not null. */
  ServerSentEvents(HttpClient client, URI uri, String token, String lastEventId) {
    reader = new Thread(() -> read(client, uri, token, lastEventId), "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(HttpClient client, URI uri, String token, String lastEventId) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri)
          .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<Stream<String>> response = client.send(request.GET().build(),
          HttpResponse.BodyHandlers.ofLines());
      status = response.statusCode();
      contentType = response.headers().firstValue("content-type").orElse("");
      String name = "message";
      String id = null;
      StringBuilder data = new StringBuilder();
      for (String line : (Iterable<String>) response.body()::iterator) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(name, json.readTree(data.toString()), id));
          }
          name = "message";
          id = null;
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
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
