import Foundation
import JWTKit

/// The claims of a Firebase ID token that a login relies on
/// (https://firebase.google.com/docs/auth/admin/verify-id-tokens).
struct FirebaseClaims: JWTPayload {
    enum CodingKeys: String, CodingKey {
        case issuer = "iss", audience = "aud", subject = "sub", issuedAt = "iat", expires = "exp"
        case authTime = "auth_time", phoneNumber = "phone_number", name
    }

    var issuer: IssuerClaim
    var audience: AudienceClaim
    var subject: SubjectClaim
    var issuedAt: IssuedAtClaim
    var expires: ExpirationClaim
    var authTime: Date?
    var phoneNumber: String?
    var name: String?

    /// Called by jwt-kit once the signature checked out; the checks that need the project
    /// id are in `check(projectId:now:)`.
    func verify(using _: some JWTAlgorithm) async throws {
        try expires.verifyNotExpired()
    }

    /// Firebase's rules for an ID token: issued by and for our project, for a user, not
    /// expired, and not issued (or authenticated) in the future. `clockSkew` forgives a
    /// signer whose clock runs a little ahead of ours.
    func check(projectId: String, now: Date, clockSkew: TimeInterval = 60) throws(IdentityError) {
        guard audience.value == [projectId] else { throw .rejected("token is for another audience") }
        guard issuer.value == "https://securetoken.google.com/\(projectId)" else {
            throw .rejected("token is from another issuer")
        }
        guard !subject.value.isEmpty, subject.value.utf8.count <= 128 else { throw .rejected("token has no valid subject") }
        guard expires.value > now else { throw .rejected("token has expired") }
        guard issuedAt.value <= now.addingTimeInterval(clockSkew) else { throw .rejected("token is issued in the future") }
        if let authTime, authTime > now.addingTimeInterval(clockSkew) {
            throw .rejected("token authenticates in the future")
        }
    }
}
