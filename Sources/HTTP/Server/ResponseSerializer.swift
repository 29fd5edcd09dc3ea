/// Turns a response into bytes on the wire: status line, framing headers, body.
enum ResponseSerializer {
    /// - Parameters:
    ///   - headOnly: a HEAD request: the same headers, no body.
    ///   - keepAlive: whether the connection stays open afterwards.
    ///   - version: the request's version, which decides how keep-alive is spelled.
    ///   - trace: the request's trace context: `traceresponse` (and the `tracestate` kept) are written from it
    ///     here, straight into the bytes, so that every response carries them without an allocation.
    static func serialize(_ response: HTTPResponse, headOnly: Bool, keepAlive: Bool, version: HTTPVersion, trace: TraceContext? = nil) -> [UInt8] {
        let bodiless = response.status.code < 200 || response.status.code == 204 || response.status.code == 304
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + (trace == nil ? 0 : 72 + (trace?.traceState?.utf8.count ?? 0)) + response.headers.fields.count * 40
                              + (headOnly || bodiless ? 0 : response.body.count))
        func line(_ text: String) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        line("HTTP/1.1 \(response.status.code) \(response.status.reason)")
        line("Date: \(HTTPDate.now)")
        if !bodiless { line("Content-Length: \(response.body.count)") }
        if !keepAlive {
            line("Connection: close")
        } else if version == .http10 {
            line("Connection: keep-alive")
        }
        if let trace {
            bytes.append(contentsOf: "traceresponse: ".utf8)
            trace.appendTraceResponse(to: &bytes)
            bytes.append(contentsOf: [0x0D, 0x0A])
            if let state = trace.traceState { line("tracestate: \(state)") }
        }
        for field in response.headers where !framingFields.contains(where: { HTTPHeaders.sameName($0, field.name) }) {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: [0x3A, 0x20])
            // Never let a handler's value split the header block.
            bytes.append(contentsOf: field.value.utf8.map { $0 == 0x0D || $0 == 0x0A ? 0x20 : $0 })
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
        if !headOnly && !bodiless { bytes.append(contentsOf: response.body) }
        return bytes
    }

    /// Fields the server writes itself; a handler's copies are dropped.
    static let framingFields = ["Content-Length", "Connection", "Date", "Transfer-Encoding", "traceresponse", "tracestate"]

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}

