import AragoraAWS
import Foundation
import Testing

/// SigV4 against AWS's published Signature Version 4 test suite (example.amazonaws.com, us-east-1, service
/// `service`, 2015-08-30T12:36:00Z, the documentation's example key): each request signs to the published
/// `Authorization` header.
@Suite("SigV4 test suite")
struct SigV4Tests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    struct Vector: Sendable, CustomStringConvertible {
        var name, method, path, query: String
        var headers: [(name: String, value: String)] = []
        var body = ""
        var signedHeaders = "host;x-amz-date"
        var signature: String
        var description: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", method: "GET", path: "/", query: "", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "get-unreserved", method: "GET", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", query: "",
               signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-slashes", method: "GET", path: "//example//", query: "", signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: "Param2=value2&Param1=value1",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-order-value", method: "GET", path: "/", query: "Param1=value2&Param1=value1",
               signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        Vector(name: "get-vanilla-utf8-query", method: "GET", path: "/", query: "\u{1234}=bar",
               signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-value-order", method: "GET", path: "/", query: "",
               headers: [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")],
               signedHeaders: "host;my-header1;x-amz-date", signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(name: "get-header-key-duplicate", method: "GET", path: "/", query: "",
               headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
               signedHeaders: "host;my-header1;x-amz-date", signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(name: "get-header-value-trim", method: "GET", path: "/", query: "",
               headers: [("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")],
               signedHeaders: "host;my-header1;my-header2;x-amz-date", signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", path: "/", query: "",
               headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
               signedHeaders: "content-type;host;x-amz-date", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test("each published request signs to the published Authorization header", arguments: vectors)
    func published(vector: Vector) {
        let request = SigV4.Request(method: vector.method, host: "example.amazonaws.com", path: vector.path, query: vector.query,
                                    headers: vector.headers, body: Array(vector.body.utf8))
        let signed = SigV4.sign(request, credentials: Self.credentials, region: "us-east-1", service: "service", date: Self.date)
        #expect(signed.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
        #expect(signed.first { $0.name == "Authorization" }?.value
            == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
    }

    @Test("get-vanilla's canonical request, line by line")
    func canonical() {
        let (text, signed) = SigV4.canonicalRequest(SigV4.Request(method: "GET", host: "example.amazonaws.com", path: "/",
                                                                  headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]))
        #expect(text == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signed == "host;x-amz-date")
        #expect(SigV4.canonicalURI("/example space/") == "/example%20space/")
        #expect(SigV4.canonicalURI("/\u{1234}") == "/%E1%88%B4")
        #expect(SigV4.canonicalURI("/a/./b/../c") == "/a/c")
    }

    @Test("temporary credentials sign and send their session token")
    func sessionToken() {
        let creds = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "tok")
        let signed = SigV4.sign(SigV4.Request(method: "GET", host: "example.amazonaws.com", path: "/"), credentials: creds,
                                region: "us-east-1", service: "service", date: Self.date)
        #expect(signed.first { $0.name == "X-Amz-Security-Token" }?.value == "tok")
        #expect(signed.first { $0.name == "Authorization" }?.value.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,") == true)
    }
}
