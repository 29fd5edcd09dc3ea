/// How the request body is delimited (RFC 9112 §6), decided from the head alone.
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked

    /// Refuses the framings that enable request smuggling: Content-Length with Transfer-Encoding,
    /// differing or malformed Content-Lengths, chunked not last, unknown codings (501).
    public static func of(_ head: HTTPRequestHead, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> BodyFraming {
        let lengths = head.headers.values("Content-Length")
        let codings = head.headers.tokens("Transfer-Encoding")
        if head.headers.contains("Transfer-Encoding") {
            guard lengths.isEmpty else { throw .badRequest("both Content-Length and Transfer-Encoding are present") }
            guard head.version == .http11 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            if let unknown = codings.first(where: { $0 != "chunked" }) {
                throw .notImplemented("transfer coding '\(unknown)' is not supported (only chunked)")
            }
            guard codings == ["chunked"] else { throw .badRequest("chunked must be the one and final transfer coding") }
            return .chunked
        }
        guard !lengths.isEmpty else { return .none }
        // Repeated fields and comma-separated lists are accepted only when every value is the same.
        let values = lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = values.first, values.allSatisfy({ $0 == first }) else {
            throw .badRequest("conflicting Content-Length values")
        }
        guard !first.isEmpty, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .badRequest("Content-Length '\(first.prefix(24))' is not a non-negative decimal number")
        }
        guard let length = Int(first) else { throw .badRequest("Content-Length overflows") }
        guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
        return length == 0 ? .none : .contentLength(length)
    }
}

import Foundation
