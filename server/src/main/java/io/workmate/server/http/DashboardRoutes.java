package io.workmate.server.http;

import java.util.List;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web dashboard: {@code GET /} and its assets under {@code /ui/}, served from the jar's
 * {@code dashboard/} resources (plain ES modules and CSS, no build step). They need no token:
 * they hold no data; the page asks for the token and sends it on every API call. The policy
 * allows scripts, styles and connections to this origin only.
 */
final class DashboardRoutes extends AllDirectives {

  static final String RESOURCES = "dashboard";
  private static final List<org.apache.pekko.http.javadsl.model.HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
          + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  Route route() {
    // the method is checked below the path, so other paths see no rejection from here
    return concat(
        pathSingleSlash(() -> get(() -> respondWithHeaders(HEADERS,
            () -> getFromResource(RESOURCES + "/index.html")))),
        pathPrefix("ui", () -> get(() -> respondWithHeaders(HEADERS,
            () -> getFromResourceDirectory(RESOURCES)))));
  }
}
