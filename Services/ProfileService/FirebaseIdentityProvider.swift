import Foundation
import JWTKit

/// Accepts a Firebase ID token (RS256, signed by one of the project's current keys) whose
/// identity, the phone number or the uid as configured, is exactly the username: a valid
/// token of somebody else does not log in as this user.
struct FirebaseIdentityProvider: IdentityProvider {
    let projectId: String
    let usernameClaim: FirebaseUsernameClaim
    let keySource: FirebaseKeySource

    func verify(token: String, username: String) async throws(IdentityError) -> VerifiedIdentity {
        guard !token.isEmpty else { throw .rejected("missing authToken") }
        let header = try TokenHeader(token)
        guard header.alg == "RS256" else { throw .rejected("token must be signed with RS256") }
        guard let kid = header.kid, !kid.isEmpty else { throw .rejected("token names no signing key") }
        let keySet = try await keySource.keys(for: kid)
        // jwt-kit would fall back to another key for an unknown kid; Firebase says the kid
        // must be one of the current keys.
        guard keySet.kids.contains(kid) else { throw .rejected("token is signed with an unknown key") }
        let claims: FirebaseClaims
        do {
            claims = try await keySet.collection.verify(token, as: FirebaseClaims.self)
        } catch let error as JWTError {
            throw .rejected(Self.reason(error))
        } catch {
            throw .rejected("token is malformed")
        }
        try claims.check(projectId: projectId, now: Date())
        let identity: String? =
            switch usernameClaim {
            case .phoneNumber: claims.phoneNumber
            case .uid: claims.subject.value
            }
        guard let identity else { throw .rejected("token carries no \(usernameClaim.rawValue)") }
        guard identity == username else { throw .rejected("token belongs to another user") }
        return VerifiedIdentity(name: claims.name)
    }

    private static func reason(_ error: JWTError) -> String {
        switch error.errorType {
        case .signatureVerificationFailed: "token signature is invalid"
        case .claimVerificationFailure: "token has expired"
        default: "token is malformed"
        }
    }
}

/// The unverified header of a JWT: enough to choose the key and refuse other algorithms.
struct TokenHeader: Decodable {
    let alg: String
    let kid: String?

    init(_ token: String) throws(IdentityError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let json = Self.base64URLDecode(parts[0]),
            let header = try? JSONDecoder().decode(TokenHeader.self, from: json)
        else { throw .rejected("token is malformed") }
        self = header
    }

    private static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
