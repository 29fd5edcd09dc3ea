import COpenSSL

/// The keys a client may present (`Authorization: Bearer <key>` or `X-API-Key: <key>`), read from a key file.
///
/// Matching never branches on the bytes of a key: every configured key is compared in full against the
/// presented one (XOR-accumulated over the longer of the two), so the time taken says nothing about how
/// much of a key was right. Keys themselves are never logged; `fingerprint` names one in the access log.
public struct APIKeys: Sendable {
    /// One configured key: its bytes (private) and a short non-reversible name for logs.
    public struct Key: Sendable, Equatable {
        fileprivate let bytes: [UInt8]
        /// The first 12 hex digits of the key's SHA-256: enough to tell keys apart, useless to recover one.
        public let fingerprint: String
    }

    public let keys: [Key]

    /// The longest key a file may hold (and so the longest a request's key is compared at).
    public static let maxKeyLength = 4096

    public enum FileError: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case invalidKey(line: Int, reason: String)

        public var description: String {
            switch self {
            case .empty: "the API key file holds no key (one key per line; '#' starts a comment)"
            case .invalidKey(let line, let reason): "API key file line \(line): \(reason)"
            }
        }
    }

    /// Parses a key file: one key per line; blank lines and lines starting with `#` are ignored; leading and
    /// trailing spaces are trimmed. A key is 16–4096 visible ASCII characters (no spaces inside).
    public init(fileContents text: String) throws(FileError) {
        var keys: [Key] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: [" ", "\t", "\r"])
            if line.isEmpty || line.hasPrefix("#") { continue }
            let bytes = Array(line.utf8)
            guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .invalidKey(line: number + 1, reason: "a key is visible ASCII without spaces")
            }
            guard (16...Self.maxKeyLength).contains(bytes.count) else {
                throw .invalidKey(line: number + 1, reason: "a key is 16 to 4096 characters (got \(bytes.count))")
            }
            keys.append(Key(bytes: bytes, fingerprint: Self.fingerprint(bytes)))
        }
        guard !keys.isEmpty else { throw .empty }
        self.keys = keys
    }

    /// The configured key equal to `presented`, if any; the comparison takes the same time whichever key
    /// (or none) matches and however many leading bytes agree.
    public func match(_ presented: [UInt8]) -> Key? {
        var found: Key?
        for key in keys where Self.constantTimeEqual(key.bytes, presented) {
            found = key
        }
        return found
    }

    /// The key a request presents: `Authorization: Bearer <key>` (scheme case-insensitive), else `X-API-Key`.
    public static func presented(in headers: HTTPHeaders) -> [UInt8]? {
        if let authorization = headers["Authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return Array(parts[1].trimmingCharacters(in: [" ", "\t"]).utf8) }
        }
        return headers["X-API-Key"].map { Array($0.utf8) }
    }

    /// Equal length and bytes, examined in full: the loop runs over the longer input and never exits early.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(truncatingIfNeeded: a.count ^ b.count)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }

    static func fingerprint(_ key: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = key.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return digest.prefix(6).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
