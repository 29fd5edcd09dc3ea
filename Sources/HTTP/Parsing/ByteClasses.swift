/// Character classes of RFC 9110 §5.6.
enum ByteClasses {
    static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, sp: UInt8 = 0x20, ht: UInt8 = 0x09, colon: UInt8 = 0x3A

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static let token: [Bool] = (0..<256).map { b in
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || Array("!#$%&'*+-.^_`|~".utf8).contains(UInt8(b))
    }

    /// field-value bytes: HT, SP, VCHAR, obs-text (no other controls, no DEL).
    static func isFieldValue(_ b: UInt8) -> Bool { b == ht || b == sp || (b >= 0x21 && b != 0x7F) }

    /// request-target bytes: visible ASCII only.
    static func isTarget(_ b: UInt8) -> Bool { b >= 0x21 && b <= 0x7E }

    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == ht }
}

extension Collection where Element == UInt8, Index == Int {
    /// Index of the first CRLF at or after `from`, if any.
    func firstCRLF(from: Int) -> Int? {
        var i = from
        while i + 1 < endIndex {
            if self[i] == ByteClasses.cr && self[i + 1] == ByteClasses.lf { return i }
            i += 1
        }
        return nil
    }
}
