import ArgumentParser
import ServiceKit

/// Flags of profile-ms beyond the common ones.
struct ProfileOptions: ParsableArguments {
    @Option(help: "Who vouches for a login's authToken: dev (any non-empty token; local use only) or firebase (env IDENTITY_PROVIDER).")
    var identityProvider: String = EnvironmentDefault.string("IDENTITY_PROVIDER", IdentityProviderKind.firebase.rawValue)

    @Flag(help: "Allow the dev identity provider on a non-loopback --http-host: anyone can then log in as anyone (env ALLOW_INSECURE_DEV_AUTH).")
    var allowInsecureDevAuth: Bool = EnvironmentDefault.bool("ALLOW_INSECURE_DEV_AUTH", false)

    @Option(help: "Firebase project whose ID tokens are accepted: their audience, and the issuer https://securetoken.google.com/<id> (env FIREBASE_PROJECT_ID).")
    var firebaseProjectId: String = EnvironmentDefault.string("FIREBASE_PROJECT_ID", "")

    @Option(help: "URL of the JSON map kid -> PEM certificate that signs Firebase ID tokens (env FIREBASE_KEYS_URL).")
    var firebaseKeysUrl: String = EnvironmentDefault.string("FIREBASE_KEYS_URL", FirebaseKeySource.googleCertificatesURL)

    @Option(help: "The token claim a username must equal: phone_number or uid (the token's sub) (env FIREBASE_USERNAME_CLAIM).")
    var firebaseUsernameClaim: String = EnvironmentDefault.string("FIREBASE_USERNAME_CLAIM", FirebaseUsernameClaim.phoneNumber.rawValue)

    @Option(help: "Days an access key stays valid after login (env ACCESS_KEY_TTL_DAYS).")
    var accessKeyTtlDays: Int = EnvironmentDefault.int("ACCESS_KEY_TTL_DAYS", 90)

    @Option(help: "Most usernames one contact book sync may ask about (env MAX_CONTACTS).")
    var maxContacts: Int = EnvironmentDefault.int("MAX_CONTACTS", 1000)

    // Plain strings rather than enums, so a bad value from the environment fails here
    // instead of silently falling back to the default.
    var provider: IdentityProviderKind { IdentityProviderKind(rawValue: identityProvider) ?? .firebase }
    var usernameClaim: FirebaseUsernameClaim { FirebaseUsernameClaim(rawValue: firebaseUsernameClaim) ?? .phoneNumber }

    mutating func validate() throws {
        guard IdentityProviderKind(rawValue: identityProvider) != nil else {
            throw ValidationError("--identity-provider must be dev or firebase")
        }
        guard FirebaseUsernameClaim(rawValue: firebaseUsernameClaim) != nil else {
            throw ValidationError("--firebase-username-claim must be phone_number or uid")
        }
        guard accessKeyTtlDays >= 1 else { throw ValidationError("--access-key-ttl-days must be at least 1") }
        guard maxContacts >= 1 else { throw ValidationError("--max-contacts must be at least 1") }
        if provider == .firebase {
            guard !firebaseProjectId.isEmpty else {
                throw ValidationError("--identity-provider firebase needs --firebase-project-id")
            }
            guard firebaseKeysUrl.hasPrefix("https://") || firebaseKeysUrl.hasPrefix("http://") else {
                throw ValidationError("--firebase-keys-url must be an http(s) URL")
            }
        }
    }

    var summary: [String: String] {
        [
            "identityProvider": identityProvider,
            "firebaseProjectId": firebaseProjectId,
            "firebaseKeysUrl": firebaseKeysUrl,
            "firebaseUsernameClaim": firebaseUsernameClaim,
            "accessKeyTtlDays": "\(accessKeyTtlDays)",
            "maxContacts": "\(maxContacts)",
        ]
    }
}

enum IdentityProviderKind: String {
    case dev, firebase
}

enum FirebaseUsernameClaim: String {
    case phoneNumber = "phone_number"
    case uid
}
