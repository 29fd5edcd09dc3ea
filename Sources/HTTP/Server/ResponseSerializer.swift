/// Turns a response into bytes on the wire: status line, framing headers, body.
enum ResponseSerializer {
    /// - Parameters:
    ///   - headOnly: a HEAD request: the same headers, no body.
    ///   - keepAlive: whether the connection stays open afterwards.
    ///   - version: the request's version, which decides how keep-alive is spelled.
    static func serialize(_ response: HTTPResponse, headOnly: Bool, keepAlive: Bool, version: HTTPVersion) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n"
        text += "Date: \(HTTPDate.now)\r\n"
        let bodiless = response.status.code < 200 || response.status.code == 204 || response.status.code == 304
        if !bodiless { text += "Content-Length: \(response.body.count)\r\n" }
        if !keepAlive {
            text += "Connection: close\r\n"
        } else if version == .http10 {
            text += "Connection: keep-alive\r\n"
        }
        for field in response.headers {
            let lower = field.name.lowercased()
            if lower == "content-length" || lower == "connection" || lower == "date" || lower == "transfer-encoding" { continue }
            // Never let a handler's value split the header block.
            let value = field.value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            text += "\(field.name): \(value)\r\n"
        }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if !headOnly && !bodiless { bytes += response.body }
        return bytes
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}

import Foundation
