/// Parses a request head (request line + header fields + empty line) from bytes: a pure function,
/// strict where leniency enables request smuggling (RFC 9112 §2–5, RFC 9110 §5).
public enum RequestHeadParser {
    public enum Outcome: Equatable, Sendable {
        case incomplete
        case complete(HTTPRequestHead, consumed: Int)  // consumed = bytes up to and including the empty line
    }

    public static func parse(_ bytes: ArraySlice<UInt8>, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> Outcome {
        // Each line is looked for only where the limits let it end: a line past the limit is refused for its
        // length whatever comes after it (a bare LF, say), so the error never depends on how the bytes arrived.
        let start = try requestLineStart(bytes, limits: limits)
        let lineWindow = bytes[..<min(bytes.endIndex, start + limits.maxRequestLineBytes + 2)] // CR at ≤ start + limit
        guard let lineEnd = try firstLineEnd(lineWindow, from: start) else {
            if lineWindow.endIndex - start == limits.maxRequestLineBytes + 2 { throw .requestLineTooLong(limit: limits.maxRequestLineBytes) }
            return .incomplete
        }
        guard lineEnd - start <= limits.maxRequestLineBytes else { throw .requestLineTooLong(limit: limits.maxRequestLineBytes) }
        let headersStart = lineEnd + 2

        // The header block ends at the first empty line; with its CRLF it fits in `maxHeaderBytes`.
        let blockWindow = bytes[..<min(bytes.endIndex, headersStart + limits.maxHeaderBytes)]
        var fieldLines: [Range<Int>] = []
        var cursor = headersStart
        while true {
            guard let end = try firstLineEnd(blockWindow, from: cursor) else {
                if blockWindow.endIndex - headersStart == limits.maxHeaderBytes { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                return .incomplete
            }
            if end - headersStart + 2 > limits.maxHeaderBytes { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
            if end == cursor { cursor = end + 2; break }
            fieldLines.append(cursor..<end)
            if fieldLines.count > limits.maxHeaderCount { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            cursor = end + 2
        }

        var head = try requestLine(bytes[start..<lineEnd])
        for line in fieldLines {
            let (name, value) = try field(bytes[line])
            head.headers.add(name, value)
        }
        if head.version == .http11 {
            let hosts = head.headers.values("Host")
            guard hosts.count == 1 else { throw .badRequest(hosts.isEmpty ? "HTTP/1.1 requests need a Host header" : "more than one Host header") }
        }
        return .complete(head, consumed: cursor - bytes.startIndex)
    }

    /// The path of the request line at the start of `bytes` when a whole, valid one is there, within the limit;
    /// nil otherwise. Errors raised before the head is complete (431, a head timeout, 503 at the connection
    /// limit) use it to find the error shape registered for the path.
    public static func requestLinePath(_ bytes: ArraySlice<UInt8>, limits: HTTPLimits = HTTPLimits()) -> String? {
        guard let start = try? requestLineStart(bytes, limits: limits) else { return nil }
        let window = bytes[start..<min(bytes.endIndex, start + limits.maxRequestLineBytes + 2)]
        guard let end = try? firstLineEnd(window, from: start), let head = try? requestLine(bytes[start..<end]) else { return nil }
        return head.path
    }

    /// Where the request line starts: RFC 9112 §2.2 lets a server ignore empty lines received before it
    /// (bounded here by the line limit).
    private static func requestLineStart(_ bytes: ArraySlice<UInt8>, limits: HTTPLimits) throws(HTTPParseError) -> Int {
        var start = bytes.startIndex
        while start + 1 < bytes.endIndex, bytes[start] == ByteClasses.cr, bytes[start + 1] == ByteClasses.lf {
            start += 2
            guard start - bytes.startIndex <= limits.maxRequestLineBytes else { throw .badRequest("too many empty lines before the request line") }
        }
        return start
    }

    /// Index of the CR of the next CRLF; a bare CR or LF, or a NUL, anywhere before it is an error.
    private static func firstLineEnd(_ bytes: ArraySlice<UInt8>, from: Int) throws(HTTPParseError) -> Int? {
        var i = from
        while i < bytes.endIndex {
            switch bytes[i] {
            case ByteClasses.cr:
                guard i + 1 < bytes.endIndex else { return nil }
                guard bytes[i + 1] == ByteClasses.lf else { throw .badRequest("bare CR in the request head") }
                return i
            case ByteClasses.lf: throw .badRequest("bare LF in the request head (lines must end with CRLF)")
            case 0: throw .badRequest("NUL byte in the request head")
            default: i += 1
            }
        }
        return nil
    }

    private static func requestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequestHead {
        let parts = line.split(separator: ByteClasses.sp, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .badRequest("malformed request line (expected 'METHOD target HTTP/1.1' separated by single spaces)")
        }
        guard parts[0].allSatisfy({ ByteClasses.token[Int($0)] }) else { throw .badRequest("invalid character in the method") }
        guard parts[1].allSatisfy(ByteClasses.isTarget) else { throw .badRequest("invalid character in the request target") }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let versionText = String(decoding: parts[2], as: UTF8.self)
        let version: HTTPVersion
        switch versionText {
        case "HTTP/1.1": version = .http11
        case "HTTP/1.0": version = .http10
        default:
            let digits = Array(versionText.utf8)
            let shaped = digits.count == 8 && versionText.hasPrefix("HTTP/") && digits[5] >= 0x30 && digits[5] <= 0x39 && digits[6] == UInt8(ascii: ".") && digits[7] >= 0x30 && digits[7] <= 0x39
            if shaped { throw .versionNotSupported(versionText) }
            throw .badRequest("malformed HTTP version '\(versionText.prefix(16))'")
        }
        let (path, query) = try splitTarget(target, method: method)
        return HTTPRequestHead(method: method, target: target, path: path, query: query, version: version, headers: HTTPHeaders())
    }

    /// origin-form ("/a/b?x=1"), absolute-form ("http://host/a?x"), or "*" for OPTIONS.
    static func splitTarget(_ target: String, method: String) throws(HTTPParseError) -> (String, [(name: String, value: String)]) {
        var rest = Substring(target)
        if target == "*" {
            guard method == "OPTIONS" else { throw .badRequest("'*' is only a target for OPTIONS") }
            return ("*", [])
        }
        if let scheme = ["http://", "https://"].first(where: { target.lowercased().hasPrefix($0) }) {
            rest = rest.dropFirst(scheme.count)
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        guard rest.hasPrefix("/") else { throw .badRequest("the request target must start with '/'") }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let pieces = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = PercentDecoding.decode(pieces[0]), !path.utf8.contains(0) else {
            throw .badRequest("malformed percent-encoding in the path")
        }
        var query: [(name: String, value: String)] = []
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = PercentDecoding.decode(kv[0], plusAsSpace: true),
                      let value = PercentDecoding.decode(kv.count > 1 ? kv[1] : "", plusAsSpace: true) else {
                    throw .badRequest("malformed percent-encoding in the query")
                }
                query.append((name, value))
            }
        }
        return (path, query)
    }

    private static func field(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first, !ByteClasses.isOWS(first) else {
            throw .badRequest("obsolete line folding (a header line starting with whitespace) is not accepted")
        }
        guard let colon = line.firstIndex(of: ByteClasses.colon) else { throw .badRequest("header line without a colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw .badRequest("empty header name") }
        if let last = name.last, ByteClasses.isOWS(last) { throw .badRequest("whitespace between a header name and its colon") }
        guard name.allSatisfy({ ByteClasses.token[Int($0)] }) else { throw .badRequest("invalid character in a header name") }
        var value = line[(colon + 1)...]
        while let b = value.first, ByteClasses.isOWS(b) { value = value.dropFirst() }
        while let b = value.last, ByteClasses.isOWS(b) { value = value.dropLast() }
        guard value.allSatisfy(ByteClasses.isFieldValue) else {
            throw .badRequest("control character in the value of header '\(String(decoding: name, as: UTF8.self))'")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
}
