import Auth
import HTTPTypes
import Hummingbird
import XCTest

final class CredentialExtractorTests: XCTestCase {
    private func headers(_ fields: [(String, String)]) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return headers
    }

    func testHeadersCarryCredentials() {
        XCTAssertEqual(
            CredentialExtractor.credentials(from: headers([("user", "alice"), ("accesskey", "k1")])),
            Credentials(username: "alice", accessKey: "k1"))
    }

    func testCookiesCarryCredentialsForWebSockets() {
        XCTAssertEqual(
            CredentialExtractor.credentials(from: headers([("cookie", "theme=dark; user=%2B4915; accesskey=k2")])),
            Credentials(username: "+4915", accessKey: "k2"))
    }

    func testHeadersWinAndAreNeverMixedWithCookies() {
        let both = headers([("user", "alice"), ("accesskey", "k1"), ("cookie", "user=bob; accesskey=k2")])
        XCTAssertEqual(CredentialExtractor.credentials(from: both), Credentials(username: "alice", accessKey: "k1"))
        let mixed = headers([("user", "alice"), ("cookie", "accesskey=k2")])
        XCTAssertNil(CredentialExtractor.credentials(from: mixed))
    }

    func testMissingOrEmptyPartsGiveNoCredentials() {
        XCTAssertNil(CredentialExtractor.credentials(from: headers([])))
        XCTAssertNil(CredentialExtractor.credentials(from: headers([("user", "alice")])))
        XCTAssertNil(CredentialExtractor.credentials(from: headers([("user", ""), ("accesskey", "k1")])))
        XCTAssertNil(CredentialExtractor.credentials(from: headers([("cookie", "user=alice")])))
    }
}
