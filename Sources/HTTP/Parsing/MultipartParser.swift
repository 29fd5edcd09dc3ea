/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable {
    public let headers: HTTPHeaders
    public let name: String?          // Content-Disposition name
    public let filename: String?      // Content-Disposition filename (or filename*)
    public let contentType: String?
    public let body: [UInt8]
}

public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    case notMultipart(String)
    case missingBoundary
    case invalidBoundary(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .notMultipart(let type): return "Content-Type '\(type)' is not multipart/form-data"
        case .missingBoundary: return "multipart/form-data without a boundary parameter"
        case .invalidBoundary(let why): return "invalid multipart boundary: \(why)"
        case .malformed(let why): return "malformed multipart body: \(why)"
        }
    }
}

/// `multipart/form-data` (RFC 7578 over RFC 2046 §5.1): a pure function of the body bytes.
public enum MultipartParser {
    public static let maxParts = 64
    public static let maxPartHeaderBytes = 16 * 1024

    /// The boundary from a Content-Type such as `multipart/form-data; boundary="----x"`.
    public static func boundary(contentType: String) throws(MultipartError) -> String {
        let (type, parameters) = HeaderParameters.parse(contentType)
        guard type == "multipart/form-data" else { throw .notMultipart(type) }
        guard let boundary = parameters["boundary"] else { throw .missingBoundary }
        guard (1...70).contains(boundary.utf8.count) else { throw .invalidBoundary("must be 1 to 70 characters (got \(boundary.utf8.count))") }
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        guard boundary.utf8.allSatisfy(allowed.contains), boundary.last != " " else {
            throw .invalidBoundary("contains characters RFC 2046 does not allow")
        }
        return boundary
    }

    public static func parse(_ body: [UInt8], boundary: String) throws(MultipartError) -> [MultipartPart] {
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may start the body or follow a preamble ending in CRLF.
        var position: Int
        if body.starts(with: dashBoundary) {
            position = dashBoundary.count
        } else if let found = search(body, delimiter, from: 0) {
            position = found + delimiter.count
        } else {
            throw .malformed("the boundary never appears")
        }
        var parts: [MultipartPart] = []
        while true {
            // After a boundary: "--" closes the body; otherwise transport padding then CRLF opens a part.
            if body.count - position >= 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 { position += 1 }
            guard body.count - position >= 2, body[position] == 0x0D, body[position + 1] == 0x0A else {
                throw .malformed("a boundary is not followed by CRLF or '--'")
            }
            position += 2
            guard parts.count < maxParts else { throw .malformed("more than \(maxParts) parts") }

            guard let headerEnd = search(body, Array("\r\n\r\n".utf8), from: position - 2), headerEnd - position <= maxPartHeaderBytes else {
                throw .malformed("part \(parts.count + 1) headers do not end (or exceed \(maxPartHeaderBytes) bytes)")
            }
            let headers = try partHeaders(body[position..<max(position, headerEnd)], part: parts.count + 1)
            let contentStart = headerEnd + 4
            guard let contentEnd = search(body, delimiter, from: contentStart) else {
                throw .malformed("part \(parts.count + 1) has no closing boundary (the body ends inside it)")
            }
            let (_, disposition) = HeaderParameters.parse(headers["Content-Disposition"] ?? "")
            parts.append(MultipartPart(
                headers: headers, name: disposition["name"], filename: disposition["filename*"] ?? disposition["filename"],
                contentType: headers["Content-Type"], body: Array(body[contentStart..<contentEnd])))
            position = contentEnd + delimiter.count
        }
        return parts
    }

    private static func partHeaders(_ block: ArraySlice<UInt8>, part: Int) throws(MultipartError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        guard !block.isEmpty else { return headers }
        var lines: [ArraySlice<UInt8>] = []
        var start = block.startIndex
        while let end = block.firstCRLF(from: start) {
            lines.append(block[start..<end])
            start = end + 2
        }
        lines.append(block[start...])
        for line in lines {
            guard let colon = line.firstIndex(of: ByteClasses.colon), colon > line.startIndex,
                  line[..<colon].allSatisfy({ ByteClasses.token[Int($0)] }),
                  line.allSatisfy({ $0 == 0x09 || $0 >= 0x20 }) else {
                throw .malformed("part \(part) has a malformed header line")
            }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            headers.add(String(decoding: line[..<colon], as: UTF8.self), value)
        }
        return headers
    }

    /// First index of `needle` in `haystack` at or after `from`.
    /// Candidates are anchored on the needle's first byte (CR for both needles used here). The boundary
    /// delimiter holds no other CR (RFC 2046 forbids it), so two candidates never compare the same bytes
    /// and the scan stays linear even on adversarial bodies.
    static func search(_ haystack: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard from >= 0, !needle.isEmpty, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let first = n[0], last = h.count - n.count
                var i = from
                while i <= last {
                    if h[i] == first {
                        var k = 1
                        while k < n.count, h[i + k] == n[k] { k += 1 }
                        if k == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}

import Foundation
