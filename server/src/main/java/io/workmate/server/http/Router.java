package io.workmate.server.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The routing tree of a list of {@link Operation}s, in Pekko HTTP's directives: a
 * {@code pathPrefix} per literal segment, {@code pathPrefix(segment())} per placeholder, and at
 * each path's end its operations' method directives, guarded together unless all are open.
 * Operations that share a path prefix share its directive, so a request walks one branch, and a
 * path served under other methods is a 405 listing them.
 */
final class Router {

  private Router() {}

  /** {@code guard} wraps the operations that need the token. */
  static Route route(List<Operation> operations, UnaryOperator<Route> guard) {
    Node root = new Node();
    for (Operation operation : operations) {
      Node node = root;
      for (String segment : operation.segments()) {
        node = Operation.isPlaceholder(segment)
            ? node.placeholder == null ? (node.placeholder = new Node()) : node.placeholder
            : node.literals.computeIfAbsent(segment, s -> new Node());
      }
      node.operations.add(operation);
    }
    return build(root, List.of(), guard);
  }

  /** The operations ending at a path, and the branches below it. */
  private static final class Node {
    final List<Operation> operations = new ArrayList<>();
    final Map<String, Node> literals = new LinkedHashMap<>();
    Node placeholder;
  }

  private static Route build(Node node, List<String> values, UnaryOperator<Route> guard) {
    List<Route> branches = new ArrayList<>();
    if (!node.operations.isEmpty()) {
      List<Route> methods = node.operations.stream().map(operation -> Directives.method(
          HttpMethods.lookup(operation.method()).orElseThrow(),
          () -> operation.route().apply(values))).toList();
      boolean open = node.operations.stream().allMatch(Operation::open);
      branches.add(Directives.pathEnd(() -> open ? concat(methods)
          : guard.apply(concat(methods))));
    }
    // built now, not in the directive's block, which would build it again for every request
    node.literals.forEach((segment, child) -> {
      Route below = build(child, values, guard);
      branches.add(Directives.pathPrefix(segment, () -> below));
    });
    if (node.placeholder != null) {
      // below a placeholder the routes need its value, so they are built per request: a few
      // method directives, as the tree's placeholders end shallow
      Node child = node.placeholder;
      branches.add(Directives.pathPrefix(PathMatchers.segment(), value -> {
        List<String> more = new ArrayList<>(values);
        more.add(value);
        return build(child, List.copyOf(more), guard);
      }));
    }
    return concat(branches);
  }

  /**
   * {@code api} behind the API's error handlers and body size limit ({@code component} names
   * what did not answer). The handlers are made here, once: what a directive's inner block
   * computes runs again for every request.
   */
  static Route served(String component, Route api) {
    ExceptionHandler exceptions = Responses.exceptions(component);
    RejectionHandler rejections = Responses.rejections();
    return Directives.handleExceptions(exceptions, () ->
        Directives.handleRejections(rejections, () ->
            Directives.withSizeLimit(Responses.MAX_BODY_BYTES, () -> api)));
  }

  private static Route concat(List<Route> routes) {
    return routes.size() == 1 ? routes.get(0)
        : Directives.concat(routes.get(0), routes.subList(1, routes.size())
            .toArray(new Route[0]));
  }
}
