import AsyncHTTPClient
import Logging

extension ProfileOptions {
    /// The identity provider these options choose: Firebase, or the insecure dev one.
    func makeIdentityProvider(http: HTTPClient, logger: Logger) -> any IdentityProvider {
        switch provider {
        case .dev: DevIdentityProvider()
        case .firebase:
            FirebaseIdentityProvider(
                projectId: firebaseProjectId, usernameClaim: usernameClaim,
                keySource: FirebaseKeySource(url: firebaseKeysUrl, http: http, logger: logger))
        }
    }
}
