package io.workmate.server.http;

/** A request Workmate refuses, with the HTTP status and a machine-readable code. */
final class ApiError extends RuntimeException {

  private final int status;
  private final String code;

  ApiError(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }
}
