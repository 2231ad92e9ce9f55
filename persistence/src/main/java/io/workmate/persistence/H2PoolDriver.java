package io.workmate.persistence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The H2 driver as the journal's connection pool sees it: the same connections, except that an
 * error which means "this database is gone" carries SQLState {@value #CONNECTION_FAILURE}, so
 * HikariCP evicts the connection instead of lending it out again.
 *
 * <p>Why: when H2's MVStore fails a write (disk full, an I/O error) it closes the whole database.
 * Every open session then answers {@code 90098 The database has been closed} for good, yet
 * {@link Connection#isValid} still says true, and HikariCP only evicts on SQLState class
 * {@code 08} (its {@code exceptionOverrideClassName} can only veto an eviction, not ask for one).
 * The pool kept its dead sessions and the journal stayed broken until a restart. A new session
 * reopens the file, so evicting is all recovery takes.
 *
 * <p>HikariCP finds it by the {@code driver} setting of the journal's shared database
 * ({@link JournalConfig}) among the drivers registered with {@link DriverManager}
 * ({@link #register}, done by {@link JournalStartup}); otherwise it instantiates the class
 * itself, with a warning. Registered, it also serves {@link DriverManager} for {@code jdbc:h2:}
 * URLs, which changes nothing for a healthy database.
 */
public final class H2PoolDriver implements Driver {

  private static final java.util.concurrent.atomic.AtomicBoolean REGISTERED =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Registers the driver with {@link DriverManager} once per JVM. */
  public static void register() {
    if (REGISTERED.compareAndSet(false, true)) {
      try {
        DriverManager.registerDriver(new H2PoolDriver());
      } catch (SQLException e) {
        REGISTERED.set(false);
        throw new IllegalStateException("cannot register the journal's H2 driver", e);
      }
    }
  }

  /** SQLState "connection failure": HikariCP evicts a connection that reports it. */
  static final String CONNECTION_FAILURE = "08006";

  /** H2 error codes after which a session never works again (H2's ErrorCode constants). */
  private static final Set<Integer> FATAL_CODES = Set.of(
      90098, // DATABASE_IS_CLOSED
      90121, // DATABASE_CALLED_AT_SHUTDOWN
      90028, // IO_EXCEPTION_1
      90031, // IO_EXCEPTION_2
      90030); // FILE_CORRUPTED_1
  /** GENERAL_ERROR_1: fatal when the MVStore failed underneath (it closes the database). */
  private static final int GENERAL_ERROR = 50000;
  private static final String STORE_FAILURE = "org.h2.mvstore.MVStoreException";

  /** Interfaces whose objects come from a connection and can report a dead database. */
  private static final Set<Class<?>> WRAPPED = Set.of(Statement.class, PreparedStatement.class,
      CallableStatement.class, ResultSet.class, DatabaseMetaData.class);

  private final Driver h2 = new org.h2.Driver();

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    Connection connection = h2.connect(url, info);
    return connection == null ? null : wrap(connection, Connection.class);
  }

  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith("jdbc:h2:");
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    return h2.getPropertyInfo(url, info);
  }

  @Override
  public int getMajorVersion() {
    return h2.getMajorVersion();
  }

  @Override
  public int getMinorVersion() {
    return h2.getMinorVersion();
  }

  @Override
  public boolean jdbcCompliant() {
    return h2.jdbcCompliant();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return h2.getParentLogger();
  }

  /** Whether {@code failure} means the session's database is closed or cannot be used. */
  static boolean isFatal(SQLException failure) {
    if (FATAL_CODES.contains(failure.getErrorCode())) {
      return true;
    }
    if (failure.getErrorCode() == GENERAL_ERROR) {
      for (Throwable t = failure.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t.getClass().getName().equals(STORE_FAILURE)) {
          return true;
        }
      }
    }
    return false;
  }

  /** {@code failure} as the pool must see it: SQLState 08006 when the database is gone. */
  static SQLException translate(SQLException failure) {
    if (!isFatal(failure) || CONNECTION_FAILURE.equals(failure.getSQLState())) {
      return failure;
    }
    JournalWriteFailures.record(failure);
    return new SQLException(failure.getMessage(), CONNECTION_FAILURE, failure.getErrorCode(),
        failure);
  }

  private static <T> T wrap(T target, Class<T> type) {
    return type.cast(Proxy.newProxyInstance(H2PoolDriver.class.getClassLoader(),
        new Class<?>[] {type}, new Translating(target)));
  }

  /** Passes every call on; translates what it throws and wraps the statements it returns. */
  private record Translating(Object target) implements InvocationHandler {

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      // the pool may keep connections in sets: a proxy equals only itself
      if (method.getName().equals("equals") && method.getParameterCount() == 1) {
        return proxy == args[0];
      }
      if (method.getName().equals("hashCode") && method.getParameterCount() == 0) {
        return System.identityHashCode(proxy);
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        throw cause instanceof SQLException sql ? translate(sql) : cause;
      }
      Class<?> returns = method.getReturnType();
      if (result != null && WRAPPED.contains(returns)) {
        return wrapAs(result, returns);
      }
      return result;
    }

    @SuppressWarnings("unchecked")
    private static <T> T wrapAs(Object result, Class<T> type) {
      return wrap((T) result, type);
    }
  }
}
