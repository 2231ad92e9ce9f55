package io.workmate.server.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The API's error message in a body. */
final class ServeProcessJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeProcessJson() {}

  static String message(String body) throws Exception {
    return JSON.readTree(body).path("error").path("message").asText();
  }
}
