@testable import AragoraServer
import Testing

@Suite struct OriginPolicyParsingTests {
    @Test(arguments: [("application/json", "application/json"), ("Application/JSON; charset=utf-8", "application/json"),
                      (" \tapplication/json \t;charset=utf-8", "application/json"), ("text/plain", "text/plain"),
                      ("", ""), (";application/json", ""), ("multipart/form-data; boundary=x", "multipart/form-data")])
    func mediaTypes(_ value: String, _ expected: String) {
        #expect(OriginPolicy.mediaType(value) == expected)
    }

    @Test(arguments: [("127.0.0.1:8080", "127.0.0.1"), ("LocalHost", "localhost"), ("Example.COM:443", "example.com"),
                      ("[::1]:8080", "::1"), ("[FE80::1]", "fe80::1"), ("aragora.internal", "aragora.internal")])
    func hostNames(_ authority: String, _ expected: String) {
        #expect(OriginPolicy.hostName(Substring(authority)) == expected)
    }
}
