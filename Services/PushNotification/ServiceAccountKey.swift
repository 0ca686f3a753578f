import Foundation
import JWTKit

/// The fields of a Google service-account key file (JSON) that the OAuth2 JWT flow needs.
/// The private key never leaves this type except as the signer it makes.
struct ServiceAccountKey: Sendable {
    let projectId: String
    let clientEmail: String
    let privateKeyId: String
    let tokenURI: String?
    let privateKey: Insecure.RSA.PrivateKey

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    private struct File: Decodable {
        let type: String?
        let project_id: String?
        let private_key_id: String?
        let private_key: String?
        let client_email: String?
        let token_uri: String?
    }

    /// Reads and checks a key file; the error says what is wrong, never what the key is.
    init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Invalid(description: "cannot read the service-account key \(path): \(error.localizedDescription)")
        }
        try self.init(json: data, source: path)
    }

    init(json: Data, source: String = "service-account key") throws {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch {
            throw Invalid(description: "\(source) is not a JSON service-account key")
        }
        guard file.type == nil || file.type == "service_account" else {
            throw Invalid(description: "\(source) is a \(file.type ?? "") key, not a service_account key")
        }
        guard let email = file.client_email, !email.isEmpty, let pem = file.private_key, !pem.isEmpty else {
            throw Invalid(description: "\(source) lacks client_email or private_key")
        }
        do {
            privateKey = try Insecure.RSA.PrivateKey(pem: pem)
        } catch {
            throw Invalid(description: "\(source): private_key is not an RSA key of 2048 bits or more in PEM form")
        }
        projectId = file.project_id ?? ""
        clientEmail = email
        privateKeyId = file.private_key_id ?? ""
        tokenURI = file.token_uri.flatMap { $0.isEmpty ? nil : $0 }
    }
}
