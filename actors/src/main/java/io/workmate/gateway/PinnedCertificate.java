package io.workmate.gateway;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Certificate pinning for the gateway's self-signed {@code wss://} listener: trust exactly the
 * server certificate whose SHA-256 fingerprint is known, which is how OpenClaw's own remote
 * clients trust a self-signed gateway ({@code gateway.remote.tlsFingerprint}).
 */
public final class PinnedCertificate {

  private PinnedCertificate() {}

  /** SHA-256 of the DER encoding, lower-case hex without separators. */
  public static String sha256(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException | CertificateEncodingException impossible) {
      throw new IllegalStateException("cannot fingerprint " + certificate.getSubjectX500Principal(),
          impossible);
    }
  }


  /**
   * A TLS context that accepts a server only when its leaf certificate has this fingerprint
   * (hex, any case, colons allowed). Nothing else is checked: no chain, no host name, which is the
   * point of pinning a self-signed certificate.
   */
  public static SSLContext sslContext(String sha256Fingerprint) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new PinningTrustManager(normalize(sha256Fingerprint))},
          null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context", e);
    }
  }

  static String normalize(String fingerprint) {
    return GatewayEndpoint.normalizeFingerprint(fingerprint);
  }

  /**
   * Extended rather than plain {@code X509TrustManager}: the JDK wraps a plain one with its own
   * host-name check, which a certificate made for "localhost" would fail on 127.0.0.1.
   */
  private static final class PinningTrustManager extends X509ExtendedTrustManager {

    private final String expected;

    PinningTrustManager(String expected) {
      this.expected = expected;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("the server sent no certificate");
      }
      String actual = sha256(chain[0]);
      if (!actual.equals(expected)) {
        throw new CertificateException(
            "server certificate SHA-256 " + actual + " does not match the pinned " + expected);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a client-side trust manager does not trust clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
