package io.workmate.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Job ids. An idempotency key maps to its id by a hash, so the same key always reaches the same
 * {@link JobLedger} shard (which answers a repeated {@code Submit} with the existing job) without a
 * lookup table that would need its own persistence.
 */
public final class JobIds {

  private static final String PREFIX = "job-";
  private static final int HEX_CHARS = 32;

  private JobIds() {}

  /** {@code job-} plus the first 32 hex digits of the SHA-256 of the key (UTF-8). */
  public static String forIdempotencyKey(String idempotencyKey) {
    if (idempotencyKey == null || idempotencyKey.isEmpty()) {
      throw new IllegalArgumentException("an idempotency key must not be empty");
    }
    byte[] digest = sha256().digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
    return PREFIX + HexFormat.of().formatHex(digest).substring(0, HEX_CHARS);
  }

  /** A fresh id of the same shape (32 hex digits) for a job without an idempotency key. */
  public static String random() {
    return PREFIX + UUID.randomUUID().toString().replace("-", "");
  }

  /** The id for {@code spec}: derived from its idempotency key when it has one. */
  public static String forSpec(JobSpec spec) {
    return spec.idempotencyKey() == null ? random() : forIdempotencyKey(spec.idempotencyKey());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
