package io.workmate.protocol.openclaw;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * An Ed25519 device key for the gateway's paired-device login, with the JDK's provider only.
 * The gateway names a device by the lowercase hex SHA-256 of its raw 32-byte public key and takes
 * the key itself as unpadded base64url of those 32 bytes (not the X.509 encoding).
 */
public final class DeviceIdentity {

  private static final String ALGORITHM = "Ed25519";
  private static final int RAW_KEY_BYTES = 32;
  /** X.509 SubjectPublicKeyInfo of Ed25519: a fixed 12-byte header, then the raw key. */
  private static final int X509_ED25519_BYTES = 12 + RAW_KEY_BYTES;

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final byte[] rawPublicKey;
  private final String deviceId;

  private DeviceIdentity(KeyPair keyPair) {
    this.privateKey = keyPair.getPrivate();
    this.publicKey = keyPair.getPublic();
    this.rawPublicKey = rawPublicKey(publicKey);
    this.deviceId = HexFormat.of().formatHex(sha256(rawPublicKey));
  }

  public static DeviceIdentity generate() {
    try {
      return new DeviceIdentity(KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK always provides Ed25519", e);
    }
  }

  /** Restores an identity stored with {@link #toPkcs8()}. */
  public static DeviceIdentity fromPkcs8(byte[] pkcs8) {
    try {
      PrivateKey key = KeyFactory.getInstance(ALGORITHM)
          .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      byte[] seed = ((EdECPrivateKey) key).getBytes()
          .orElseThrow(() -> new IllegalArgumentException("PKCS#8 key has no private bytes"));
      return new DeviceIdentity(regenerate(seed));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("not an Ed25519 PKCS#8 private key", e);
    }
  }

  /** The private key in PKCS#8 DER, for storage (keep it private: it is the device login). */
  public byte[] toPkcs8() {
    return privateKey.getEncoded();
  }

  /** Lowercase hex SHA-256 of the raw public key: the gateway's {@code device.id}. */
  public String deviceId() {
    return deviceId;
  }

  /** Unpadded base64url of the raw 32-byte public key: the gateway's {@code device.publicKey}. */
  public String publicKeyBase64Url() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(rawPublicKey);
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /**
   * The {@code device} member of a connect answering {@code challenge}: the v3 payload (see
   * {@link DeviceAuthPayload}) signed with this key. {@code signedAt} is the challenge's
   * {@code ts}, so the gateway's clock-skew check passes whatever this host's clock says.
   */
  public ConnectParams.Device sign(Challenge challenge, String clientId, String clientMode,
      String role, List<String> scopes, String token, String platform, String deviceFamily) {
    Objects.requireNonNull(challenge, "challenge");
    if (challenge.nonce() == null || challenge.ts() == null) {
      throw new IllegalArgumentException("challenge without nonce or ts: " + challenge);
    }
    String payload = DeviceAuthPayload.v3(deviceId, clientId, clientMode, role, scopes,
        challenge.ts(), token, challenge.nonce(), platform, deviceFamily);
    String signature = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(signUtf8(payload));
    return new ConnectParams.Device(deviceId, publicKeyBase64Url(), signature, challenge.ts(),
        challenge.nonce());
  }

  private byte[] signUtf8(String payload) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(privateKey);
      signer.update(payload.getBytes(StandardCharsets.UTF_8));
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /**
   * The JDK derives an Ed25519 public key only while generating a pair, from 32 random bytes
   * that are the private key. Feeding it the stored bytes as its "randomness" rebuilds the pair.
   */
  private static KeyPair regenerate(byte[] seed) throws GeneralSecurityException {
    if (seed.length != RAW_KEY_BYTES) {
      throw new IllegalArgumentException("Ed25519 private key must be 32 bytes: " + seed.length);
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
    generator.initialize(NamedParameterSpec.ED25519, new ReplayRandom(seed));
    return generator.generateKeyPair();
  }

  private static byte[] rawPublicKey(PublicKey key) {
    byte[] x509 = key.getEncoded();
    if (x509.length != X509_ED25519_BYTES) {
      throw new IllegalStateException("unexpected Ed25519 X.509 length " + x509.length);
    }
    return Arrays.copyOfRange(x509, x509.length - RAW_KEY_BYTES, x509.length);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK always provides SHA-256", e);
    }
  }

  /** Hands out the given bytes once; anything more is a misuse and fails loudly. */
  private static final class ReplayRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;
    private boolean used;

    ReplayRandom(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      if (used || out.length != bytes.length) {
        throw new IllegalStateException("replayed key material requested twice or resized");
      }
      System.arraycopy(bytes, 0, out, 0, out.length);
      used = true;
    }
  }

  @Override
  public String toString() {
    return "DeviceIdentity[" + deviceId + "]"; // never the private key
  }
}
