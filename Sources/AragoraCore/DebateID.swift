/// Debate ids: `deb_` + 20 random base-36 characters, matching `[A-Za-z0-9_-]{1,128}`.
public enum DebateID {
    public static func make() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var s = "deb_"
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20 { s.append(alphabet[Int(g.next() % 36)]) }
        return s
    }

    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
        }
    }
}
