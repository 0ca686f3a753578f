import Crypto
import Foundation

/// The access keys profile-ms issues at login, and how they are stored.
///
/// A key is 256 random bits written as 64 lowercase hex digits: safe in a URL, a header
/// and a cookie without escaping. Only its SHA-256 is stored, so a copy of the database
/// does not let anyone act as a user.
///
/// Storage: collection `access_keys`, one document per (user, device):
///
///     { user: String,        // the username the key belongs to
///       device: String,      // the deviceId given at login
///       keyHash: String,     // SHA-256 of the key, 64 lowercase hex digits
///       createdAt: Date,
///       expiresAt: Date }    // keys stop working then; a TTL index also deletes them
///
/// Indexes: unique `{user: 1, device: 1}` (a new login on a device replaces that device's
/// key), unique `{keyHash: 1}` (every verification looks a key up by its hash), and a TTL
/// index on `expiresAt`. Verification never trusts the TTL index alone: the server removes
/// expired documents only about once a minute.
public enum AccessKeys {
    public static let collectionName = "access_keys"

    /// A new random key: 32 bytes from the system's secure generator, hex encoded.
    public static func generate() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { hex(Data($0)) }
    }

    /// What is stored instead of the key.
    public static func hash(_ key: String) -> String {
        hex(Data(SHA256.hash(data: Data(key.utf8))))
    }

    /// Whether `key` has the shape `generate()` gives; anything else cannot be valid and
    /// is refused without asking the database.
    public static func isWellFormed(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func hex(_ bytes: Data) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
