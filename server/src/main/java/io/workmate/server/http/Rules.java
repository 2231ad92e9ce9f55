package io.workmate.server.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The rules a request body's record states about its fields. {@link BodyReader} checks them
 * before Jackson binds the record and {@link OpenApi} writes them into the body's schema, so a
 * rule is stated once. Presence comes from Jackson's {@code @JsonProperty(required = true)} and
 * a field's description from {@code @JsonPropertyDescription}.
 */
final class Rules {

  private Rules() {}

  /** How a body's refusals are worded: each part of the API kept its own words. */
  enum Wording {
    /**
     * The job API's: {@code missing_field}, {@code invalid_type} naming what was sent,
     * {@code invalid_value} naming the rule; JSON null is an absent field.
     */
    TYPED(true, false),
    /**
     * The registry's and memory's: {@code invalid}, "must be a string" and the like. Only the
     * types are checked here: presence and values are the actor's to refuse, in its words (the
     * rules on these fields document what it checks).
     */
    PLAIN(false, false),
    /**
     * Mode and messages: {@code invalid_request} with the field's {@link Refusal} for any
     * problem, JSON null included.
     */
    REQUEST(true, true);

    final boolean checksValues;
    final boolean nullIsWrong;

    Wording(boolean checksValues, boolean nullIsWrong) {
      this.checksValues = checksValues;
      this.nullIsWrong = nullIsWrong;
    }
  }

  /** On the record: how its refusals are worded (default {@link Wording#TYPED}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface Worded {
    Wording value();
  }

  /** An integer from {@code min} to {@code max}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface Range {
    long min();

    long max();
  }

  /**
   * One of the listed values, or of an enum's JSON values (sorted): {@code values} when given,
   * else {@code wireOf}.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface OneOf {
    String[] values() default {};

    Class<? extends Enum<?>> wireOf() default NoEnum.class;
  }

  /** Placeholder for {@link OneOf#wireOf()} when the values are listed. */
  enum NoEnum {}

  /** Text that is not only white space. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface NotBlank {}

  /** Text of {@code min} to {@code max} characters. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface Length {
    int min();

    int max();
  }

  /** A list of at most {@code value} elements. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface MaxItems {
    int value();
  }

  /** The message for any problem with this field, instead of the wording's own. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER,
      ElementType.METHOD})
  @interface Refusal {
    String value();
  }

  /** What a record checks beyond its fields' rules (patterns, the file system), after binding. */
  interface Checked {
    /** @throws ApiError naming the field */
    void check();
  }
}
