package io.workmate.persistence;

import java.util.regex.Pattern;

/** Renders JDBC URLs and passwords for logs and error messages without leaking secrets. */
final class JdbcUrls {

  // Both H2 (";PASSWORD=x") and the Postgres driver ("?password=x&...") accept a password inside
  // the URL, so a URL is only printable after its value is masked.
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)(password|passwd|pwd)=[^;&]*");

  private JdbcUrls() {}

  static String redact(String url) {
    return PASSWORD_PARAMETER.matcher(url).replaceAll("$1=******");
  }

  /** Shows whether a password is set, never what it is. */
  static String mask(String password) {
    return password.isEmpty() ? "<none>" : "******";
  }
}
