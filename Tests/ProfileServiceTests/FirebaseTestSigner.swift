import CryptoExtras
import Foundation
import JWTKit
import X509

/// Plays Google's part in tests: an RSA key with a self-signed certificate to publish,
/// and Firebase-shaped ID tokens signed with it.
struct FirebaseTestSigner {
    static let projectId = "vartalap-test"

    let kid: String
    let privateKey: _RSA.Signing.PrivateKey
    let certificatePEM: String

    init(kid: String) throws {
        self.kid = kid
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = Certificate.PrivateKey(privateKey)
        let name = try DistinguishedName { CommonName("securetoken test \(kid)") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: Certificate.Extensions(), issuerPrivateKey: key)
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    struct Claims: JWTPayload {
        var iss = "https://securetoken.google.com/\(FirebaseTestSigner.projectId)"
        var aud = FirebaseTestSigner.projectId
        var sub = "uid-\(UUID().uuidString.prefix(12))"
        var iat = Date().addingTimeInterval(-10)
        var exp = Date().addingTimeInterval(3600)
        var auth_time = Date().addingTimeInterval(-10)
        var phone_number: String?

        func verify(using _: some JWTAlgorithm) async throws {}
    }

    /// A token for `claims`, signed with this key (or `signingKey` to forge one) under
    /// this signer's kid unless `kid` names another.
    func token(_ claims: Claims, kid: String? = nil, signingKey: _RSA.Signing.PrivateKey? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        let signingKid = JWKIdentifier(string: kid ?? self.kid)
        await keys.add(
            rsa: try Insecure.RSA.PrivateKey(backing: signingKey ?? privateKey), digestAlgorithm: .sha256, kid: signingKid)
        return try await keys.sign(claims, kid: signingKid)
    }

    /// A token with the HS256 algorithm and our kid, as an algorithm-confusion attempt would send.
    func hmacToken(_ claims: Claims) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: certificatePEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }
}
