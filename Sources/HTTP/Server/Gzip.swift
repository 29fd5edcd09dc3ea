import CZlib

/// gzip compression of response bodies through zlib.
enum Gzip {
    /// Compresses `response` in place when the client accepts gzip, the body is text-like and at least
    /// `minimumBytes` long, and compression makes it smaller.
    static func compressIfWorthwhile(_ response: inout HTTPResponse, request: HTTPRequestHead, minimumBytes: Int) {
        guard response.body.count >= minimumBytes, response.headers["Content-Encoding"] == nil,
              isCompressible(response.headers["Content-Type"]),
              accepted(request.headers.values("Accept-Encoding").flatMap { $0.split(separator: ",").map(String.init) }),
              let compressed = compress(response.body), compressed.count < response.body.count else { return }
        response.body = compressed
        response.headers.set("Content-Encoding", "gzip")
        response.headers.add("Vary", "Accept-Encoding")
    }

    /// Media types worth compressing (text-like); images and archives are already compressed.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("yaml") || type.contains("xml")
            || type.contains("javascript") || type.contains("openmetrics")
    }

    /// Whether the client accepts gzip (an `Accept-Encoding` element gzip or * with q > 0).
    static func accepted(_ acceptEncoding: [String]) -> Bool {
        for element in acceptEncoding {
            let parts = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first, coding == "gzip" || coding == "*" || coding == "x-gzip" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return q > 0
        }
        return false
    }

    /// The gzip member for `input`, or nil if zlib fails.
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // deflateInit2 is a macro; call its function. windowBits 15 + 16 selects the gzip wrapper.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}

import Foundation
