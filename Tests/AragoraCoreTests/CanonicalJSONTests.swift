import AragoraCore
import Foundation
import Testing

/// RFC 8785 (JCS) against the RFC's own examples and ECMAScript's number printing. The differential tests against
/// Node's `String(number)` and `aragora-verify`'s canonicaliser are in AragoraServerTests/OpenDecisionReceiptTests.
@Suite struct CanonicalJSONTests {
    func canonical(_ json: String) throws -> String {
        let value = try #require(JSONValue.parse(json), "not JSON: \(json)")
        return String(decoding: try CanonicalJSON.bytes(value), as: UTF8.self)
    }

    /// RFC 8785 §3.2.2: numbers, the escaping of strings, literals; and members sorted.
    @Test func theRFCsPrimitivesExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        #expect(try canonical(input) == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#)
    }

    /// RFC 8785 §3.2.3: members sorted by UTF-16 code units, so the emoji (a surrogate pair, D83D...) sorts before
    /// U+FB33, which a sort by code points would put the other way round.
    @Test func theRFCsSortingExample() throws {
        let input = #"""
            {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
             "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
            """#
        #expect(try canonical(input) == "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
                + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}")
    }

    @Test func nestingWhitespaceAndNoNormalisation() throws {
        #expect(try canonical(#"[56, {"d": true, "10": null, "1": [ ]}]"#) == #"[56,{"1":[],"10":null,"d":true}]"#)
        #expect(try canonical(#"{"1": {"f": {"f": "hi","F": 5}, "\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [{"e": "yes","E": "no"}], "A": { }}"#)
                == #"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}"#)
        // Unicode is not normalised: A + combining ring stays two scalars.
        #expect(try canonical(#"{"Unnormalized Unicode":"A\u030a"}"#) == "{\"Unnormalized Unicode\":\"A\u{030A}\"}")
        // Locale plays no part in the order.
        #expect(try canonical(#"{"peach": 1, "péché": 2, "pêche": 3, "sin": 4}"#) == #"{"peach":1,"péché":2,"pêche":3,"sin":4}"#)
        // JSON.stringify's short escapes, and \u00xx (lower case) for the other controls; DEL and U+2028 as they are.
        #expect(try canonical(#"["\b\f\t\n\r\u0001\u001f\u007f\u2028"]"#) == "[\"\\b\\f\\t\\n\\r\\u0001\\u001f\u{7F}\u{2028}\"]")
    }

    /// Number::toString of IEEE-754 bit patterns, as printed by Node (ECMAScript) and listed in RFC 8785 Appendix B.
    @Test(arguments: [
        ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"), ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"), ("ffefffffffffffff", "-1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"), ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"), ("44b52d02c7e14af7", "1.0000000000000001e+23"),
        ("444b1ae4d6e2ef4e", "999999999999999700000"), ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"), ("41b3de4355555553", "333333333.3333332"),
        ("41b3de4355555554", "333333333.33333325"), ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"), ("43143ff3c1cb0959", "1424953923781206.2"),
        ("0010000000000000", "2.2250738585072014e-308"), ("000ffffffffffffd", "2.2250738585072e-308"), ("3fd3333333333333", "0.3"),
        ("3ff0000000000000", "1"), ("3fa999999999999a", "0.05"),
    ])
    func numbersAsECMAScriptPrintsThem(bits: String, expected: String) throws {
        let d = Double(bitPattern: try #require(UInt64(bits, radix: 16)))
        #expect(try CanonicalJSON.number(d) == expected)
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: CanonicalJSON.Unrepresentable.self) { try CanonicalJSON.bytes([.double(.nan)]) }
        #expect(throws: CanonicalJSON.Unrepresentable.self) { try CanonicalJSON.bytes(["x": .double(-.infinity)]) }
    }

    /// Integers are written exactly, as the reference verifier (Python) writes them; decimals go through a double.
    @Test func integersAndAwkwardDecimals() throws {
        #expect(try canonical("[9007199254740993, -0, -0.0, 1e-05, 2.5e+20, 1E21, 100, 1.0]")
                == "[9007199254740993,0,0,0.00001,250000000000000000000,1e+21,100,1]")
    }
}
